"""Ownership and robust data (issue 18): vobs deletes or overwrites only files it wrote, never
follows a symlink out of the folder it manages, skips special files, quotes no file it was pointed
at, and reads any valid JSON — each a row, run as a user runs vobs and held to the harness' four
rules. `AFTER` checks what a row's answer must show beyond them (a warning, a file kept)."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from pathlib import Path
from typing import Callable

from sample_project import NARRATIVE, make_project

from hostile.harness import (
    Case,
    Outcome,
    Sandbox,
    cases_param,
    check,
    run_vobs,
    write_files,
)

EXPORTS = ("project/exports/",)
SECRET_KEY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUSECRETKEYMATERIAL0123456789"
SECRET_VALUES = ("hunter2-SECRET-VALUE", "tok-SECRET-999-abcdef")
CATALOG = """
metrics:
  - name: sample_level
    type: gauge
    unit: ratio
    help: Level.
    owner: team-sample
"""


def built(box: Sandbox) -> None:
    """The sample project, built once (so exports/ and its manifest are vobs')."""
    make_project(box.project)
    done = run_vobs(["build"], box.project)
    assert done.returncode == 0, done.stderr


def build_after(prepare: Callable[[Sandbox], object], *args: str, first_build: bool = True):
    def setup(box: Sandbox) -> list[str]:
        built(box) if first_build else make_project(box.project)
        prepare(box)
        return ["build", *args]
    return setup


def drop_chapter_b(box: Sandbox) -> None:
    (box.project / "narratives/sample.yaml").write_text(
        textwrap.dedent(NARRATIVE).lstrip().split("  - dashboard: sample-b")[0])


def link(path: Path, to: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink() if not path.is_dir() or path.is_symlink() else __import__("shutil").rmtree(path)
    path.symlink_to(to)


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)


def settings(text: str, *args: str, first_build: bool = False):
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        write_files(box.project, {"vobs.yaml": text.replace("OUTSIDE", str(box.outside))})
        return ["build", *args]
    return setup


# --- symlinks in exports/ ------------------------------------------------------------------------------

def outside_dir_with_export(box: Sandbox) -> None:
    (box.outside / "old").mkdir()
    (box.outside / "old/x.json").write_text('{"theirs": true}\n')
    link(box.project / "exports/old", box.outside / "old")


def forged_manifest(box: Sandbox) -> None:
    """A manifest claiming files outside (through a symlinked folder, and by `..`), with true hashes."""
    outside_dir_with_export(box)
    manifest = json.loads((box.project / "exports/manifest.json").read_text())
    digest = hashlib.sha256((box.outside / "old/x.json").read_bytes()).hexdigest()
    precious = hashlib.sha256((box.outside / "precious.txt").read_bytes()).hexdigest()
    manifest["files"].update({"old/x.json": digest, "../../outside/precious.txt": precious})
    (box.project / "exports/manifest.json").write_text(json.dumps(manifest))


SYMLINKS = [
    Case("symlinked-folder-out-of-exports-is-not-entered", build_after(outside_dir_with_export), 0,
         error_line=False, writes=EXPORTS),
    Case("forged-manifest-cannot-claim-files-outside", build_after(forged_manifest), 0, error_line=False,
         writes=EXPORTS),
    Case("symlinked-narrative-folder-on-a-planned-path",
         build_after(lambda box: (__import__("shutil").rmtree(box.project / "exports/sample"),
                                  link(box.project / "exports/sample", box.outside))),
         2, "exports/sample/sample-a.json", "leads out of the exports folder", writes=EXPORTS),
    Case("symlink-at-a-planned-export", build_after(
        lambda box: (drop_chapter_b(box), link(box.project / "exports/sample/sample-a.json", box.outside / "precious.txt"),
                     (box.project / "dashboards/a.py").write_text(
                         (box.project / "dashboards/a.py").read_text().replace("First sample", "Changed")))),
         2, "exports/sample/sample-a.json", "is a symlink", writes=EXPORTS),
    Case("symlink-as-an-extra-is-kept", build_after(
        lambda box: link(box.project / "exports/sample/link.json", box.outside / "precious.txt")), 0,
         error_line=False, writes=EXPORTS),
    Case("manifest-symlinked-outside", build_after(
        lambda box: (drop_chapter_b(box), link(box.project / "exports/manifest.json", box.outside / "precious.txt"))),
         2, "exports/manifest.json", "is a symlink", writes=EXPORTS),
]

# --- exports_dir outside the project -------------------------------------------------------------------


def foreign_in_outside(box: Sandbox) -> None:
    write_files(box.outside, {"exports/theirs.json": '{"team": "other"}\n', "exports/sample/stale.json": "{}\n"})


OUTSIDE = [
    Case("exports-dir-relative-outside", settings("exports_dir: ../outside/exports\n"), 2, "vobs.yaml:1",
         "exports_dir '../outside/exports' is outside the project"),
    Case("exports-dir-absolute-outside", settings("exports_dir: OUTSIDE/exports\n"), 2, "vobs.yaml",
         "--allow-outside"),
    Case("exports-dir-symlinked-outside", build_after(lambda box: link(box.project / "exports", box.outside),
                                                      first_build=False),
         2, "exports_dir 'exports' (from the default)", "outside the project"),
    Case("exports-dir-outside-with-flag-keeps-their-files",
         lambda box: (settings("exports_dir: ../outside/exports\n")(box), foreign_in_outside(box),
                      ["build", "--allow-outside"])[-1],
         0, error_line=False, writes=("outside/exports/sample/sample-", "outside/exports/manifest.json")),
    Case("exports-dir-outside-check-needs-no-flag",
         lambda box: (settings("exports_dir: ../outside/exports\n")(box), ["build", "--check"])[-1],
         1, error_line=False),
]


def linked_outside(key: str):
    """`key: linked`, where `linked` in the project is a symlink to the folder outside."""
    def setup(box: Sandbox) -> list[str]:
        args = settings(f"{key}: linked\n")(box)
        link(box.project / "linked", box.outside)
        return args
    return setup


# What vobs reads is refused outside the project as what it writes is — and with no flag to allow it
# in a project file: a configuration from a pull request must not read /etc into exports.
OUTSIDE += [Case(f"{key.replace('_', '-')}-{how}-outside", setup, 2, "vobs.yaml:1",
                 f"{key} {value!r} leads outside the project")
            for key in ("dashboards_dir", "narratives_dir", "catalog")
            for how, value, setup in (("relative", "../outside", settings(f"{key}: ../outside\n")),
                                      ("absolute", "/etc", settings(f"{key}: /etc\n")),
                                      ("symlinked", "linked", linked_outside(key)))]


def default_linked_outside(rel: str, to: str):
    """The sample project with its default `rel` (dashboards/, …) a symlink to `to` outside."""
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        link(box.project / rel, box.outside / to)
        return ["build"]
    return setup


# A default path that is a symlink leading out is refused as a project file's setting is.
OUTSIDE += [Case(f"{key.replace('_', '-')}-default-symlinked-outside", default_linked_outside(rel, to), 2,
                 f"{key} {rel!r} (the default)", "leads outside the project through a symlink")
            for key, rel, to in (("dashboards_dir", "dashboards", "."), ("narratives_dir", "narratives", "."),
                                 ("catalog", "narratives/metrics.yaml", "precious.txt"))]

def publishing(prepare: Callable[[Sandbox], object], *args: str):
    """`vobs publish` with `args` after `prepare` (which writes the project's settings)."""
    def setup(box: Sandbox) -> list[str]:
        prepare(box)
        return ["publish", *args]
    return setup


# What publish writes — the provisioning folder without a Grafana, else the backups of what it
# replaces — is held to the exports rule: outside the project only with --allow-outside.
OUTSIDE += [
    Case("provisioning-dir-relative-outside", publishing(settings("provisioning_dir: ../outside/prov\n")), 2,
         "vobs.yaml:1", "provisioning_dir '../outside/prov' is outside the project"),
    Case("provisioning-dir-symlinked-outside",
         publishing(lambda box: (make_project(box.project), link(box.project / "provisioning", box.outside))), 2,
         "provisioning_dir 'provisioning' (from the default)", "--allow-outside"),
    Case("provisioning-dir-outside-with-flag", publishing(settings("provisioning_dir: ../outside/prov\n"),
                                                          "--allow-outside"),
         0, error_line=False, writes=("outside/prov/",)),
    Case("backup-dir-absolute-outside", publishing(settings("backup_dir: OUTSIDE/backups\n"),
                                                   "--grafana-url", "http://127.0.0.1:9"), 2,
         "backup_dir", "is outside the project (it resolves to"),
]

# Several path settings wrong at once: one run says each at its line (the first line holds the first).
OUTSIDE += [
    Case("path-settings-all-wrong-at-once", settings("exports_dir: ../outside/exports\ndashboards_dir: dashbords\n"
                                                     "narratives_dir: vobs.yaml\ncatalog: narratives/metric.yaml\n"),
         2, "vobs.yaml:1:1", "exports_dir '../outside/exports' is outside the project", error_lines=4),
    Case("path-settings-all-wrong-at-once-publish",
         publishing(settings("provisioning_dir: ../outside/prov\nnarratives_dir: narrative\n")), 2, "vobs.yaml:1:1",
         "provisioning_dir '../outside/prov' is outside the project", error_lines=2),
    Case("path-settings-default-linked-out-and-catalog-missing",
         lambda box: (default_linked_outside("dashboards", ".")(box),
                      write_files(box.project, {"vobs.yaml": "catalog: metrics.yaml\n"}), ["build"])[-1],
         2, "dashboards_dir 'dashboards' (the default)", "leads outside the project through a symlink", error_lines=2),
]

# --- files vobs did not write, or that changed since ----------------------------------------------------


def hand_edit(rel: str) -> Callable[[Sandbox], None]:
    def edit(box: Sandbox) -> None:
        path = box.project / "exports" / rel
        path.write_text(path.read_text().replace('"Sample', '"Hand-edited Sample', 1))
    return edit


FOREIGN = [
    Case("owned-extra-is-deleted", build_after(drop_chapter_b), 0, error_line=False, writes=EXPORTS),
    Case("hand-edited-extra-is-kept", build_after(lambda box: (drop_chapter_b(box), hand_edit("sample/sample-b.json")(box))),
         0, error_line=False, writes=EXPORTS),
    Case("hand-edited-planned-export-is-not-overwritten", build_after(
        lambda box: (hand_edit("sample/sample-a.json")(box), drop_chapter_b(box))),
         2, "exports/sample/sample-a.json", "changed since vobs wrote it", writes=EXPORTS),
    Case("foreign-file-in-exports-is-kept", build_after(
        lambda box: write_files(box.project, {"exports/notes/todo.json": '{"mine": 1}\n', "exports/README.md": "hi\n"})),
         0, error_line=False, writes=EXPORTS),
    Case("foreign-file-at-a-planned-path-without-manifest", build_after(
        lambda box: write_files(box.project, {"exports/sample/sample-a.json": '{"someone": "else"}\n'}), first_build=False),
         2, "exports/sample/sample-a.json", "not written by vobs", writes=EXPORTS),
    Case("foreign-manifest-is-not-overwritten", build_after(
        lambda box: write_files(box.project, {"exports/manifest.json": '{"owner": "another tool"}\n'}), first_build=False),
         2, "exports/manifest.json", "not a manifest vobs wrote", writes=EXPORTS),
]

# --- special files ---------------------------------------------------------------------------------------


def validate_folder(prepare: Callable[[Sandbox], object], *args: str):
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG,
                             "d/good.json": json.dumps({"uid": "g", "panels": [{"targets": [{"expr": "sample_level"}]}]})})
        prepare(box)
        return ["validate", *args] if args else ["validate", "d"]
    return setup


SPECIAL = [
    Case("fifo-in-exports-is-skipped", build_after(lambda box: fifo(box.project / "exports/sample/pipe.json")), 0,
         error_line=False, writes=EXPORTS, timeout=30),
    Case("fifo-at-a-planned-export", build_after(
        lambda box: (drop_chapter_b(box), (box.project / "exports/sample/sample-a.json").unlink(),
                     fifo(box.project / "exports/sample/sample-a.json"))),
         2, "exports/sample/sample-a.json", "is a FIFO", writes=EXPORTS, timeout=30),
    Case("fifo-in-a-validated-folder", validate_folder(lambda box: fifo(box.project / "d/pipe.json")), 0,
         error_line=False, timeout=30),
    Case("fifo-named-to-validate", validate_folder(lambda box: fifo(box.project / "d/pipe.json"), "d/pipe.json"), 2,
         message="no dashboard JSON found", timeout=30),
    Case("fifo-as-a-narrative", lambda box: (make_project(box.project), fifo(box.project / "narratives/zz.yaml"),
                                             ["build"])[-1],
         2, "narratives/zz.yaml", "is a FIFO", timeout=30),
    Case("fifo-as-a-journal", lambda box: (fifo(box.project / "j.json"), ["chaos", "report", "j.json", "-o", "out"])[-1],
         2, "j.json", "is a FIFO", timeout=30),
]

# --- a narrative that is a symlink to somebody's secrets --------------------------------------------------


def narrative_link(content: str) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        make_project(box.project)
        (box.outside / "secrets.txt").write_text(content)
        link(box.project / "narratives/zz.yaml", box.outside / "secrets.txt")
        return ["build"]
    return setup


SECRET_FILES = [
    Case("narrative-symlinked-to-a-key-file", narrative_link(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET_KEY}\n-----END OPENSSH PRIVATE KEY-----\n"),
         2, "narratives/zz.yaml", "the document is text", secrets=[SECRET_KEY, SECRET_KEY[:20]]),
    Case("narrative-symlinked-to-a-secrets-mapping", narrative_link(
        f"db_password: {SECRET_VALUES[0]}\napi_token: {SECRET_VALUES[1]}\n"),
         2, "narratives/zz.yaml:1", "unknown key 'db_password'", secrets=SECRET_VALUES,
         error_lines=7),  # both keys unknown, and each of the five required keys missing: no value quoted
    Case("narrative-symlinked-to-a-secrets-list", narrative_link(f"- {SECRET_KEY}\n- {SECRET_VALUES[0]}\n"),
         2, "narratives/zz.yaml", "the document is a list", secrets=[SECRET_KEY, SECRET_VALUES[0]]),
    Case("narrative-symlinked-to-broken-yaml", narrative_link(f'token: "{SECRET_KEY}\n  still: [the, quote\n'),
         2, "narratives/zz.yaml", "invalid YAML", secrets=[SECRET_KEY]),
    Case("narrative-symlinked-to-an-env-file", narrative_link(f"API_TOKEN={SECRET_KEY}\n"),
         2, "narratives/zz.yaml", "the document is text", secrets=[SECRET_KEY]),
]

# --- arbitrary valid JSON --------------------------------------------------------------------------------


def dashboard_text(text: str | bytes, *args: str) -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "d/x.json": text})
        return ["validate", "d/x.json", *args]
    return setup


def json_case(id: str, text: str | bytes, *args: str, exit_code: int = 0) -> Case:
    return Case(f"json-{id}", dashboard_text(text, *args), exit_code, error_line=False)


PANEL = '{"uid": "x",\n "title": TITLE,\n "panels": [{"id": 1, "targets": [{"expr": EXPR}]}]}'


def dash(title: str = '"T"', expr: str = '"sample_level"') -> str:
    return PANEL.replace("TITLE", title).replace("EXPR", expr)


DATA = [
    json_case("nan-literal", dash(title="NaN")),
    json_case("infinity-literals", dash(title="[Infinity, -Infinity]"), "--format", "json"),
    json_case("huge-integer-400-digits", dash(title="9" * 400), "--format", "json"),
    json_case("huge-float", dash(title="1e999"), "--format", "sarif"),
    json_case("lone-surrogate-in-title", dash(title='"\\ud800 title"'), "--format", "json"),
    json_case("lone-surrogate-in-expr", dash(expr='"sample_level\\udfff"'), "--format", "json", exit_code=1),
    json_case("lone-surrogate-text-output", dash(title='"\\udc00"', expr='"sample_level\\ud800"'), exit_code=1),
    json_case("surrogate-pair-is-fine", dash(title='"\\ud83d\\ude00"')),
    json_case("bom-and-nan", b"\xef\xbb\xbf" + dash(title="NaN").encode()),
    json_case("escaped-backslash-u-is-not-a-surrogate", dash(title='"\\\\ud800"')),
]

# --- journals ----------------------------------------------------------------------------------------------

T = ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:10+00:00", "2026-01-01T00:00:20+00:00", "2026-01-01T00:00:30+00:00"]
JOURNAL = {"run": {"id": "day", "title": "Day", "file": "chaos/day.yaml", "owner": "me"}, "status": "completed",
           "started": T[0], "ended": T[3], "settle_seconds": 0,
           "scenarios": [{"id": "lat", "title": "TITLE", "kind": "latency",
                          "probes": [{"id": "lvl", "title": "Level", "query": "sample_level", "unit": "ratio",
                                      "threshold": {"op": "<", "value": 0.5}}],
                          "expectations": [{"probe": "lvl", "phase": "baseline", "holds": True}],
                          "steps": [{"label": "100ms", "phases": {"baseline": T[0:2], "fault": T[1:3], "recover": T[2:4]},
                                     "probes": {"lvl": {"series": [[1767225605, 0.1], [1767225606, "V"]]}}}]}]}


def journal_text(title: str = "Latency", value: str = "0.2") -> Callable[[Sandbox], list[str]]:
    def setup(box: Sandbox) -> list[str]:
        text = json.dumps(JOURNAL).replace('"TITLE"', json.dumps(title) if title[:1] != "\\" else f'"{title}"')
        write_files(box.project, {"j.json": text.replace('"V"', value)})
        return ["chaos", "report", "j.json", "-o", "out"]
    return setup


JOURNALS = [
    Case("journal-nan-sample-from-older-vobs", journal_text(value="NaN"), 0, error_line=False, writes=("project/out",)),
    Case("journal-null-sample", journal_text(value="null"), 0, error_line=False, writes=("project/out",)),
    Case("journal-lone-surrogate-in-title", journal_text(title="\\ud800 Latency"), 0, error_line=False,
         writes=("project/out",)),
    Case("journal-huge-integer-sample", journal_text(value="9" * 400), 2, "j.json", "series[1] value"),
    Case("journal-infinity-sample", journal_text(value="-Infinity"), 2, "j.json", "series[1] value"),
]

CASES = SYMLINKS + OUTSIDE + FOREIGN + SPECIAL + SECRET_FILES + DATA + JOURNALS


def _strict(text: str) -> object:
    """`text` parsed as a strict reader would: NaN and Infinity refused."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in output JSON")
    return json.loads(text, parse_constant=refuse)


def _after(case: Case, out: Outcome, box: Sandbox) -> None:
    project, outside = box.project, box.outside
    assert (outside / "precious.txt").read_text() == "other people's data\n", case.id
    if case.id.startswith("symlinked-folder") or case.id.startswith("forged-manifest"):
        assert (outside / "old/x.json").read_text() == '{"theirs": true}\n'
        assert "exports/old: warning: is a symlink" in out.stderr
    if case.id == "symlink-as-an-extra-is-kept":
        assert (project / "exports/sample/link.json").is_symlink()
        assert "exports/sample/link.json: warning: is a symlink" in out.stderr
    if case.id == "exports-dir-outside-with-flag-keeps-their-files":
        assert (outside / "exports/theirs.json").read_text() == '{"team": "other"}\n'
        assert (outside / "exports/sample/stale.json").exists()
        assert "not written by vobs" in out.stderr and (outside / "exports/sample/sample-a.json").is_file()
    if case.id == "provisioning-dir-outside-with-flag":
        assert {"sample-a.json", "sample-b.json"} <= {p.name for p in (outside / "prov").rglob("*.json")}
    if case.id == "owned-extra-is-deleted":
        assert not (project / "exports/sample/sample-b.json").exists() and "1 deleted" in out.stdout
    if case.id == "hand-edited-extra-is-kept":
        assert "Hand-edited" in (project / "exports/sample/sample-b.json").read_text()
        assert "exports/sample/sample-b.json: warning: changed since vobs wrote it" in out.stderr
    if case.id == "hand-edited-planned-export-is-not-overwritten":
        assert "Hand-edited" in (project / "exports/sample/sample-a.json").read_text()
    if case.id == "foreign-file-in-exports-is-kept":
        assert (project / "exports/notes/todo.json").exists() and (project / "exports/README.md").exists()
        assert "exports/notes/todo.json: warning: not written by vobs" in out.stderr
    if case.id == "fifo-in-exports-is-skipped":
        assert "exports/sample/pipe.json: warning: is a FIFO" in out.stderr
    if case.id == "fifo-in-a-validated-folder":
        assert "d/pipe.json: warning: is a FIFO, not a regular file: skipped [input/skipped]" in out.stdout
    if case.id.startswith("json-"):
        assert "internal error" not in out.stderr
        if out.stdout.lstrip().startswith("{"):
            _strict(out.stdout)
    if case.id in ("json-nan-literal", "json-bom-and-nan"):
        assert "d/x.json:2:11: warning: NaN is not JSON" in out.stdout and "[input/json]" in out.stdout  # its column too
    if case.id == "json-huge-integer-400-digits":
        payload = _strict(out.stdout)
        assert any(f["check"] == "input/json" and f["location"].get("line") == 2 for f in payload["findings"])
    if case.id.startswith("json-lone-surrogate"):
        assert "lone surrogate" in out.stdout + out.stderr
    if case.id in ("json-surrogate-pair-is-fine", "json-escaped-backslash-u-is-not-a-surrogate"):
        assert "input/json" not in out.stdout + out.stderr
    if case.id in ("journal-nan-sample-from-older-vobs", "journal-null-sample", "journal-lone-surrogate-in-title"):
        assert (project / "out/report.md").is_file()
    if case.id == "journal-lone-surrogate-in-title":
        assert "\ufffd Latency" in (project / "out/report.md").read_text(encoding="utf-8")


@cases_param(CASES)
def test_ownership_and_data(case: Case, tmp_path: Path) -> None:
    out = check(case, tmp_path)
    _after(case, out, Sandbox(tmp_path))


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 25 and len({c.id for c in CASES}) == len(CASES)
