"""What publish says it did, against the spec-checked stand-in: its exit code when every write
failed, the backups it counts, the orphans it names, and a SIGTERM said as Ctrl-C is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from sample_project import make_project
from standin_cli import vobs


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()  # every request was one a real Grafana accepts


@pytest.fixture()
def root(tmp_path) -> Path:
    return make_project(tmp_path / "p")


def edit_code(root: Path, words: str = "edited") -> None:
    """Both dashboards change in code: each is an update for publish (the playlist stays as it is)."""
    for module in (root / "dashboards").glob("*.py"):
        module.write_text(module.read_text().replace("sample dashboard", f"sample dashboard, {words}"))


def refuse_saves(grafana: GrafanaStandIn, script: list[str] | None = None) -> None:
    """Dashboard saves answer 400 (not retried, not a stop): every one, or as `script` says ("" = none)."""
    grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/dashboards/db",), kinds=("400",),
                       rate=0.0 if script else 1.0, script=list(script or []))


# --- 1. nothing written: exit 2 ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_every_write_failing_exits_2_nothing_written(root, grafana, fmt):
    """`publish` exited 3 ("some were not published") when every write it tried failed and nothing
    was written, where its --help and the README say 2 for nothing written."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    refuse_saves(grafana)
    mark = len(grafana.dashboards["sample-a"]["versions"]), len(grafana.dashboards["sample-b"]["versions"])
    result = vobs(root, grafana, "publish", "--format", fmt)
    assert result.exit_code == 2, result.output
    assert (len(grafana.dashboards["sample-a"]["versions"]), len(grafana.dashboards["sample-b"]["versions"])) == mark
    assert "sample-a (failed), sample-b (failed)" in result.stderr and result.stderr.count("\n") == 1
    refuse_saves(grafana, ["", "400"])  # one written, one not: some published, exit 3
    assert vobs(root, grafana, "publish", "--concurrency", "1").exit_code == 3
    grafana.set_faults()
    assert vobs(root, grafana, "publish").exit_code == 0


def test_skipped_drift_alone_still_exits_3_as_its_dry_run(root, grafana):
    """Nothing written because a drifted dashboard is skipped is no failed write: 3, as the dry run says."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    grafana.edit_in_ui("sample-a", lambda m: m.update(description="by hand"))
    assert vobs(root, grafana, "publish", "--uid", "sample-a", "--dry-run").exit_code == 3
    assert vobs(root, grafana, "publish", "--uid", "sample-a").exit_code == 3


# --- 5. the backup line counts what it replaced -----------------------------------------------------------


def test_the_backup_line_counts_only_the_dashboards_it_replaced(root, grafana):
    """The line said "backed up the live JSON of 2 dashboards it replaced" when one of the two updates
    failed: it replaced one. The failed one's backup stays in the folder (its save may have landed)."""
    assert vobs(root, grafana, "publish").exit_code == 0
    edit_code(root)
    refuse_saves(grafana, ["", "400"])
    text = vobs(root, grafana, "publish", "--concurrency", "1")
    assert text.exit_code == 3, text.output
    assert "backed up the live JSON of 1 dashboard it replaced to .vobs/backups/" in text.stdout, text.stdout
    (folder,) = (root / ".vobs" / "backups").iterdir()
    assert sorted(p.name for p in folder.glob("sample-*.json")) == ["sample-a.json", "sample-b.json"]
    grafana.set_faults()
    edit_code(root, "again")  # two updates, the second refused
    refuse_saves(grafana, ["", "400"])
    markdown = vobs(root, grafana, "publish", "--concurrency", "1", "--format", "markdown")
    assert markdown.exit_code == 3, markdown.output
    assert "The live JSON of the 1 dashboard it replaced is backed up in" in markdown.stdout, markdown.stdout
