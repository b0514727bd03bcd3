"""Hostile lint configuration (issue 11): `.vobs-lint.yaml` and `--disable` are input from anyone who can
commit or type — each a row, run as a user runs `vobs validate`, held to the harness' four rules:
exit 2, one `vobs: error:` line at `file:line`, nothing written, no secret printed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostile.harness import Case, Sandbox, cases_param, check, write_files

CATALOG = """
metrics:
  - name: up
    type: gauge
    unit: ratio
    help: Up.
    owner: team
"""
DASHBOARD = {"uid": "a", "title": "A", "panels": [
    {"type": "timeseries", "title": "P", "id": 1, "targets": [{"refId": "A", "expr": "rate(up[5m])"}]}]}
SECRET = "hunter2-lint-secret"


def config(text: str | bytes, where: str = ".vobs-lint.yaml", args: tuple = ()):
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "dash/a.json": json.dumps(DASHBOARD),
                                  where: text})
        return ["validate", "dash", *args]
    return setup


def special(kind: str):
    """`.vobs-lint.yaml` that is a FIFO, a folder, or a symlink to a secret outside the project."""
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "dash/a.json": json.dumps(DASHBOARD)})
        target = box.project / ".vobs-lint.yaml"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "folder":
            target.mkdir()
        else:
            (box.outside / "key.txt").write_text(f"{SECRET}\n")
            target.symlink_to(box.outside / "key.txt")
        return ["validate", "dash"]
    return setup


def disable(*ids: str):
    def setup(box: Sandbox) -> list[str]:
        write_files(box.project, {"narratives/metrics.yaml": CATALOG, "dash/a.json": json.dumps(DASHBOARD)})
        return ["validate", "dash", *(a for i in ids for a in ("--disable", i))]
    return setup


CFG = ".vobs-lint.yaml"
CASES = [
    Case("not-yaml", config("exclusions: [\n  oops\n"), 2, where=f"{CFG}:"),
    Case("document-is-a-list", config("- variable/unused\n"), 2, where=f"{CFG}:1", message="is a list"),
    Case("unknown-top-key", config("exclusions: {}\nwarnings:\n  variable/unused:\n"), 2, where=f"{CFG}:2",
         message="unknown key 'warnings'"),
    Case("unknown-check", config("exclusions:\n  variable/unsued:\n"), 2, where=f"{CFG}:2",
         message="unknown check 'variable/unsued' (did you mean variable/unused"),
    Case("check-id-shape", config("exclusions:\n  'Variable Unused':\n"), 2, where=f"{CFG}:2", message="unknown check"),
    Case("rule-not-a-mapping", config("exclusions:\n  variable/unused: [a]\n"), 2, where=f"{CFG}:2"),
    Case("unknown-entry-key", config("exclusions:\n  variable/unused:\n    entries:\n      - dashbaord: a\n"), 2,
         where=f"{CFG}:4", message="unknown key 'dashbaord'"),
    Case("entry-names-nothing", config("exclusions:\n  variable/unused:\n    entries:\n      - reason: why\n"), 2,
         where=f"{CFG}:4", message="entry names none of"),
    Case("file-glob-never-closed", config("exclusions:\n  variable/unused:\n    entries:\n      - file: '[d1.json'\n"),
         2, where=f"{CFG}:4", message="has a '[' that is never closed"),
    Case("file-glob-leaves-folder", config("exclusions:\n  variable/unused:\n    entries:\n      - file: ../d/x.json\n"),
         2, where=f"{CFG}:4", message="leaves this file's folder"),
    Case("file-glob-absolute", config("exclusions:\n  variable/unused:\n    entries:\n      - file: /x.json\n"),
         2, where=f"{CFG}:4", message="is absolute"),
    Case("panel-a-list", config("exclusions:\n  variable/unused:\n    entries:\n      - panel: [1]\n"), 2,
         where=f"{CFG}:4"),
    Case("entries-empty", config("exclusions:\n  variable/unused:\n    entries: []\n"), 2, where=f"{CFG}:3"),
    Case("duplicate-check", config("exclusions:\n  variable/unused:\n  variable/unused:\n"), 2, where=f"{CFG}:3",
         message="duplicate key"),
    Case("alias-bomb", config("a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdef", "bcdefg"))), 2, where=f"{CFG}:",
        message="alias bomb"),
    Case("not-utf8", config(b"exclusions:\n  variable/unused:\n    reason: \xff\xfe\n"), 2, where=f"{CFG}:3"),
    Case("control-characters", config("exclusions:\n  \"variable/\\e[31mred\":\n"), 2, where=f"{CFG}:2"),
    Case("in-a-dashboard-folder", config("exclusions:\n  nope/nope:\n", where="dash/.vobs-lint.yaml"), 2,
         where="dash/.vobs-lint.yaml:2", message="unknown check"),
    Case("huge-check-id", config("exclusions:\n  ? " + "v" * 200_000 + "\n  : ~\n"), 2, where=f"{CFG}:2",
         message="(200,000 characters"),
    Case("fifo", special("fifo"), 2, where=CFG, message="FIFO", timeout=20),
    Case("folder", special("folder"), 2, where=CFG, message="folder"),
    Case("symlink-to-a-secret", special("symlink"), 2, where=CFG, secrets=(SECRET,)),
    Case("disable-unknown", disable("variable/unused", "promql/rate-intervl"), 2,
         message="--disable: unknown check 'promql/rate-intervl' (did you mean promql/rate-interval"),
    Case("disable-long", disable("x" * 5000), 2, message="(5,000 characters"),
    Case("disable-empty", disable(""), 2, message="--disable: unknown check ''"),
    Case("disable-control-characters", disable("x\x1b[31m"), 2, message="--disable: unknown check"),
]


@cases_param(CASES)
def test_hostile_lint_config(case: Case, tmp_path: Path) -> None:
    check(case, tmp_path)


def test_a_valid_config_is_a_finding_change_not_an_error(tmp_path: Path) -> None:
    case = Case("valid", config("exclusions:\n  promql/rate-interval:\n    entries:\n      - panel: P\n"), 0,
                error_line=False)
    out = check(case, tmp_path)
    assert "rate-interval" not in out.stdout and "datasource/not-variable" in out.stdout
