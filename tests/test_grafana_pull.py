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


def test_the_inventory_lists_what_the_folder_holds_after_each_pull(published, tmp_path):
    """A new-user trial: `pull --uid A -o x; pull --uid B -o x` left both files in x/, but
    inventory.json listed B only. It lists every dashboard vobs pull wrote there that is still
    there: an earlier pull's stays, one pulled again takes its own place, one deleted drops out."""
    out = tmp_path / "x"
    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    second = pull(published, "--uid", AROUSAL, "-o", str(out))
    assert second.exit_code == 0, second.output
    assert "pulled 1 dashboard from" in second.stdout  # this run's count
    assert listed(out) == [OVERVIEW, AROUSAL]
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{OVERVIEW}.json", f"{AROUSAL}.json", "inventory.json"])

    entries = json.loads((out / "inventory.json").read_text())["dashboards"]
    assert [e["file"] for e in entries] == [f"{out}/{OVERVIEW}.json", f"{out}/{AROUSAL}.json"]
    assert all(e["panels"] for e in entries)  # the earlier pull's entry is kept whole, not a stub

    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0  # pulled again: in its place
    assert listed(out) == [OVERVIEW, AROUSAL]
    (out / f"{OVERVIEW}.json").unlink()
    assert pull(published, "--uid", AROUSAL, "-o", str(out)).exit_code == 0
    assert listed(out) == [AROUSAL]


@pytest.mark.parametrize("text,where,message", [
    ("[1, 2]", "inventory.json", 'is not the inventory vobs pull writes (no "dashboards" list)'),
    ('{"dashboards": {}}', "inventory.json", 'is not the inventory vobs pull writes (no "dashboards" list)'),
    ("my notes\n", "inventory.json:1:1", "invalid JSON"),
])
def test_an_inventory_json_that_is_not_ours_stops_the_pull_before_any_write(published, tmp_path, text, where,
                                                                            message):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "inventory.json").write_text(text)
    result = pull(published, "--uid", OVERVIEW, "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [error] = result.stderr.strip().splitlines()
    assert error.startswith(f"vobs: error: {out}/{where}: ") and message in error, error
    assert [p.name for p in out.iterdir()] == ["inventory.json"] and (out / "inventory.json").read_text() == text


def test_an_earlier_entry_naming_no_file_of_the_folder_is_dropped_and_nothing_outside_is_touched(published,
                                                                                                  tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    (out / "inventory.json").write_text(json.dumps({"dashboards": [
        {"uid": "a", "file": "../outside.json"}, {"uid": "b", "file": "x/b.json"}, "junk",
        {"uid": "c", "file": "x/inventory.json"}, {"uid": "d"}]}))
    (out / "b.json").write_text("{}")
    assert pull(published, "--uid", OVERVIEW, "-o", str(out)).exit_code == 0
    entries = json.loads((out / "inventory.json").read_text())["dashboards"]
    assert [(e["uid"], e["file"]) for e in entries] == [("b", f"{out}/b.json"), (OVERVIEW, f"{out}/{OVERVIEW}.json")]
    assert (tmp_path / "outside.json").read_text() == "{}"
