"""Hostile dashboard JSON against the position reader (issue 11): shapes that would make a map of
JSON-pointer strings quadratic, or a recursive reader fail, or a text search point at the wrong
place. Each is validated as a user would; the findings must still carry the right line:column."""

from __future__ import annotations

import json
from pathlib import Path

from json_walk import line_column

from hostile.harness import Case, Outcome, Sandbox, cases_param, check, write_files

REPO = Path(__file__).resolve().parent.parent.parent
CATALOG = (REPO / "narratives" / "metrics.yaml").read_text()
QUERY = "rate(hostile_total[5m])"


def dashboard_text(text: str) -> "callable":
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "d/x.json": text.encode()})
        return ["validate", "d/x.json", "--format", "json"]
    return setup


def _panel(expr: str = QUERY, pid: int = 1) -> str:
    return json.dumps({"id": pid, "title": f"P{pid}", "type": "timeseries", "targets": [{"refId": "A", "expr": expr}]})


# 900 levels deep (the JSON decoder takes them), 300,000 items at the bottom: pointer strings would
# be ~1.8 KB each, 540 MB in all; the reader's tree stays linear.
DEEP_AND_WIDE = ('{"uid": "x", "junk": ' + "[" * 900 + ",".join(["0"] * 300_000) + "]" * 900
                 + ', "panels": [' + _panel() + "]}")
# The panels key twice: Python keeps the second list; the finding is there, not at the first.
REPEATED_KEY = '{"uid": "x",\n"panels": [' + _panel("up", 7) + '],\n"panels": [\n' + _panel() + "]}"
# Keys that need escaping in a JSON pointer, and an escaped key, around the query.
ESCAPED_KEYS = ('{"uid": "x", "a/b~c": {"\\u0070anels": 1}, "p\\u0061nels": [' + _panel() + "]}")
# The query text appears first inside a description, then as the query.
QUERY_IN_TEXT = ('{"uid": "x", "description": "' + QUERY.replace('"', '\\"') + '", "panels": [\n\n  '
                 + _panel() + "]}")
# One line, a CRLF file, and non-ASCII before the query: columns count code points.
ONE_LINE_UNICODE = '{"uid":"x","title":"Ünïcödé 😀","panels":[' + _panel() + "]}"
CRLF = json.dumps(json.loads('{"uid": "x", "panels": [' + _panel() + "]}"), indent=2).replace("\n", "\r\n")

TEXTS = {"deep-and-wide": DEEP_AND_WIDE, "repeated-key": REPEATED_KEY, "escaped-keys": ESCAPED_KEYS,
         "query-in-text": QUERY_IN_TEXT, "one-line-unicode": ONE_LINE_UNICODE, "crlf": CRLF}
CASES = [Case(f"positions-{name}", dashboard_text(text), exit_code=0, error_line=False, timeout=60.0)
         for name, text in TEXTS.items()]


def _where_the_query_is(text: str) -> tuple[int, int]:
    """The last `"expr": "<QUERY>"` in the text: every case puts the live query last."""
    offset = text.rindex('"expr": "' + QUERY) + len('"expr": ')
    return line_column(text, offset)


@cases_param(CASES)
def test_hostile_positions(case: Case, tmp_path: Path) -> None:
    out: Outcome = check(case, tmp_path)
    findings = [f for f in json.loads(out.stdout)["findings"] if f["check"] == "metric/missing"
                and f["metric"] == "hostile_total"]
    assert findings, out.stdout[-2000:]
    want = _where_the_query_is(TEXTS[case.id.removeprefix("positions-")])
    assert {(f["location"]["line"], f["location"]["column"]) for f in findings} == {want}
