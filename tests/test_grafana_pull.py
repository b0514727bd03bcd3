"""`vobs pull` against the stand-in Grafana: what a pull that pulls nothing leaves (nothing), and what
`inventory.json` lists when pulls share a folder (what the folder holds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS

from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"
OVERVIEW, AROUSAL = "maximus-dopamine-overview", "maximus-dopamine-arousal"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One stand-in holding the repository's dashboards, for every test here (they only read it)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("dashboards", "narratives"):  # a copy of the repository's project, as `project` makes
        shutil.copytree(REPO / name, root / name)
    with GrafanaStandIn(version=VERSIONS[-1]) as standin:
        done = CliRunner().invoke(cli, ["-C", str(root), "publish"],
                                  env={"GRAFANA_URL": standin.url, "GRAFANA_TOKEN": TOKEN})
        assert done.exit_code == 0, done.output
        yield standin
        standin.assert_no_violations()


def pull(grafana, *args):
    return CliRunner().invoke(cli, ["pull", *args], env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})


def listed(folder) -> list[str]:
    return [d["uid"] for d in json.loads((folder / "inventory.json").read_text())["dashboards"]]


def test_a_pull_that_finds_nothing_asked_for_writes_nothing_and_claims_nothing(published, tmp_path):
    """A new-user trial: `vobs pull --uid nosuch -o r3` printed "pulled 0 dashboards … → r3/", then the
    not-found error (exit 2), and left r3/inventory.json, empty. Nothing is written and nothing said
    but the error; a folder of an earlier pull keeps its inventory as it was."""
    out = tmp_path / "r3"
    result = pull(published, "--uid", "nosuch", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"vobs: error: not found in Grafana at {published.url}: nosuch; nothing pulled"]
    assert not out.exists()

    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert pull(published, "--uid", "nosuch", "-o", str(out)).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_selection_that_matches_nothing_writes_nothing_and_says_so(published, tmp_path):
    out = tmp_path / "none"
    result = pull(published, "--tag", "no-such-tag", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == (f"vobs: warning: nothing pulled from Grafana at {published.url} (no dashboard "
                                     f"matched); nothing written to {out}/")
    assert not out.exists()
