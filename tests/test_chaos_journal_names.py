"""Where `vobs chaos run` writes its journal: never over a file it was not told to replace. A
new-user trial's `--journal` overwrote the Chaos Day file being run, and two runs started in the
same second wrote one default journal (`<run>-<UTC second>.json`) over the other."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from chaos_fixtures import KILL_SWITCH_PROBE
from click.testing import CliRunner
from prometheus_harness import scraping

from vertice_obs.cli import cli
from vertice_obs.simulator import Simulator

DAY = f"""\
id: name-day
title: Journal names
owner: sre
baseline: 20s
recover: 20s
settle: 10s
scenarios:
  - id: cmdfault
    title: Command fault
    fault:
      kind: kill-switch
      hold: 20s
      inject: {{command: [sh, -c, "echo on > STATE"]}}
      revert: {{command: [sh, -c, "echo off > STATE"]}}
    probes:
{KILL_SWITCH_PROBE}
"""


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=13)
    with scraping(sim, "maximus_kill_switch_latency_milliseconds") as server:
        yield sim, server


def run(system, tmp_path: Path, *flags: str):
    sim, prometheus = system
    (tmp_path / "day.yaml").write_text(DAY.replace("STATE", str(tmp_path / "state")))
    return CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"), "--target-url",
                                    sim.url, "--prometheus-url", prometheus.url, "--time-scale", "0.05", *flags],
                              env={"GRAFANA_URL": ""})


@pytest.mark.parametrize("name", ["day.yaml", "old.json"])
def test_an_existing_journal_file_is_refused_before_anything_is_injected(system, tmp_path, name):
    (tmp_path / "old.json").write_text("{}\n")
    result = run(system, tmp_path, "--journal", str(tmp_path / name))
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    said = "is the Chaos Day file being run" if name == "day.yaml" else "exists: give another --journal, or --force"
    assert line.startswith("vobs: error: ") and said in line, line
    assert not (tmp_path / "state").exists()  # nothing injected
    assert (tmp_path / "old.json").read_text() == "{}\n"
    assert (tmp_path / "day.yaml").read_text().startswith("id: name-day")


def test_force_writes_over_an_existing_journal(system, tmp_path):
    (tmp_path / "old.json").write_text("{}\n")
    result = run(system, tmp_path, "--journal", str(tmp_path / "old.json"), "--force")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "old.json").read_text())["status"] == "completed"


def test_a_default_journal_name_already_taken_is_not_written_over(system, tmp_path):
    """As a run started in the same second finds it: every name of the next seconds is taken."""
    journals = tmp_path / "chaos" / "journals"
    journals.mkdir(parents=True)
    now = time.time()
    taken = {journals / f"name-day-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now + s))}.json" for s in range(-1, 10)}
    for path in taken:
        path.write_text("{}\n")
    result = run(system, tmp_path)
    assert result.exit_code == 0, result.output
    assert all(path.read_text() == "{}\n" for path in taken)
    [written] = set(journals.glob("*.json")) - taken
    assert written.name.endswith(".1.json") and json.loads(written.read_text())["status"] == "completed"
    assert f"{written.name}\n" in result.stderr and f"{written.name}\n" in result.stdout  # the journal line, the report hint


HTTP_DAY = DAY.replace('inject: {command: [sh, -c, "echo on > STATE"]}',
                       'inject: {http: {method: POST, url: "${target}/fault/kill-switch"}}').replace(
    'revert: {command: [sh, -c, "echo off > STATE"]}', 'revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}}')


def test_a_journal_whose_folder_does_not_exist_is_one_line_before_anything_is_touched(system, tmp_path):
    """A --journal FILE is a file the user names, as an `-o FILE`: its folder is never made (it made
    `new/deeper/`, any depth, anywhere — a typo in the path became a tree). One line, exit 2, before
    Prometheus' pre-flight: no fault, no request to the target or to Grafana."""
    from hostile.fake_servers import Fake, answering, target

    _, prometheus = system
    (tmp_path / "day.yaml").write_text(HTTP_DAY)
    journal = tmp_path / "new" / "deeper" / "j.json"
    faults, grafana = Fake(target()), Fake(answering(200, "{}"))
    try:
        result = CliRunner().invoke(cli, ["-C", str(tmp_path), "chaos", "run", str(tmp_path / "day.yaml"),
                                          "--target-url", faults.url, "--prometheus-url", prometheus.url,
                                          "--grafana-url", grafana.url, "--grafana-token", "glsa_standin_token",
                                          "--time-scale", "0.05", "--journal", str(journal)])
    finally:
        faults.stop()
        grafana.stop()
    assert result.exit_code == 2, result.output
    shown = os.path.relpath(journal)
    assert result.stderr.splitlines() == [
        f"vobs: error: cannot write {shown}: the folder {os.path.dirname(shown)} does not exist (vobs creates no "
        "folder for a file it is given: make it first)"], result.stderr
    assert not (tmp_path / "new").exists()
    assert faults.requests == [] and grafana.requests == []  # nothing reached, nothing injected


def test_a_named_journal_whose_folder_went_away_mid_run_is_not_made_again(tmp_path):
    """The check's promise kept by each save: a --journal's folder removed since is an error naming
    why (as `write_output`), where the default journal's own folder is made again."""
    from vertice_obs.chaos.record import Journal

    (tmp_path / "gone").mkdir()
    named = Journal(tmp_path / "gone" / "j.json", {"status": "running"}, new_folders=False)
    named.save()
    (tmp_path / "gone" / "j.json").unlink()
    (tmp_path / "gone").rmdir()
    with pytest.raises(FileNotFoundError):
        named.save()
    assert not (tmp_path / "gone").exists()
    Journal(tmp_path / "own" / "j.json", {"status": "running"}).save()
    assert json.loads((tmp_path / "own" / "j.json").read_text()) == {"status": "running"}
