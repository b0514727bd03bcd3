"""Hostile text through the CI formats (issue 13): titles, queries, file names and server text
with `::`, `,`, `%`, newlines, control characters, `<` and `]]>` must stay one GitHub workflow
command per finding (and read back as written) and well-formed JUnit XML. Each case is a user's
run (harness rules: exit code, nothing written, no raw control characters), then the output is
parsed the way GitHub and Jenkins parse it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from test_ci_formats import check_junit_shape, parse_annotation

from hostile.harness import Case, Sandbox, cases_param, check, write_files

REPO = Path(__file__).resolve().parent.parent.parent
CATALOG = (REPO / "narratives" / "metrics.yaml").read_text()
NASTY = 'a::b,c:d %25 %0A <x> & ]]> "q" \x1b[2J\x07\x00 \r\nnext line \u202eevil \ud800'


def _dashboard(text: str) -> str:
    """A dashboard whose title, panel title and (unparsable) query all carry `text`."""
    return json.dumps({"uid": "h", "title": text, "panels": [
        {"id": 1, "title": text, "type": "timeseries",
         "targets": [{"refId": "A", "expr": 'sum(rate(up{job="' + text.replace('"', "'") + '"}[5m]) by ('}]}]})


def folder(files: dict[str, str | bytes], fmt: str, *extra: str):
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, **files})
        return ["validate", "d", "--format", fmt, *extra]
    return setup


CASES = [
    Case("github-hostile-titles-and-query", folder({"d/x.json": _dashboard(NASTY)}, "github"), 1, error_line=False),
    Case("junit-hostile-titles-and-query", folder({"d/x.json": _dashboard(NASTY)}, "junit"), 1, error_line=False),
    Case("github-hostile-file-name", folder({"d/a,b:c%25 ::x.json": _dashboard("t")}, "github"), 1, error_line=False),
    Case("junit-hostile-file-name", folder({"d/a&b<c>]]>.json": _dashboard("t")}, "junit"), 1, error_line=False),
    Case("github-not-json", folder({"d/x.json": b'{"uid": "x",\n  ::oops\x1b]0;pwned\x07'}, "github"), 1,
         error_line=False),
    Case("junit-not-json", folder({"d/x.json": b'{"uid": "x",\n  <]]>\x1b]0;pwned\x07'}, "junit"), 1, error_line=False),
    Case("github-prometheus-unreachable", folder({"d/x.json": _dashboard("t")}, "github", "--prometheus-url",
                                                 "http://127.0.0.1:9"), 2, message="unknown"),
    Case("junit-prometheus-unreachable", folder({"d/x.json": _dashboard("t")}, "junit", "--prometheus-url",
                                                "http://127.0.0.1:9"), 2, message="unknown"),
]


@cases_param(CASES)
def test_ci_format_hostile(case: Case, tmp_path: Path):
    out = check(case, tmp_path)
    if case.id.startswith("github"):
        lines = out.stdout.splitlines()
        assert lines[-1].startswith("checked "), out.stdout  # the summary
        commands = [parse_annotation(line) for line in lines[:-1]]  # every other line is one whole command
        assert commands or case.exit_code == 2
        if "titles" in case.id:
            (parse,) = [c for c in commands if c[0] == "error"]
            assert "::b,c:d %25 %0A" in parse[2] and "::b,c:d %25 %0A" in parse[1]["title"]  # read back as written
            assert parse[1]["file"] == "d/x.json"
        if "file-name" in case.id:
            assert all(c[1]["file"] == "d/a,b:c%25 ::x.json" for c in commands)
        if "not-json" in case.id:
            (bad,) = commands
            assert bad[0] == "error" and bad[1]["file"] == "d/x.json" and bad[1]["line"] == "2"
    else:
        root = check_junit_shape(out.stdout)
        failures = root.findall("testsuite/testcase/failure")
        assert failures or case.exit_code == 2
        if "titles" in case.id:
            assert any("<x> & ]]>" in (f.get("message") or "") for f in failures)
        if "file-name" in case.id:
            assert [s.get("name") for s in root] == ["d/a&b<c>]]>.json"]
        if "not-json" in case.id:
            assert [f.get("type") for f in failures] == ["file/invalid"]
            assert ET.tostring(root, encoding="unicode")  # parsed and re-serialised: well-formed
