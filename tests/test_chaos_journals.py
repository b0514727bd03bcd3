"""Journals from earlier versions still render: one written by the code before journals carried a
schema version (`tests/data/chaos-journal-unversioned.json`, written by `vobs chaos run` at commit
ca16d45 against the simulator and a real Prometheus, steps cut to 100ms and 5s)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from click.testing import CliRunner

from vertice_obs.cli import cli

OLD = Path(__file__).resolve().parent / "data" / "chaos-journal-unversioned.json"


def test_an_unversioned_journal_still_renders(tmp_path):
    assert "schema_version" not in json.loads(OLD.read_text())
    result = CliRunner().invoke(cli, ["chaos", "report", str(OLD), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    markdown = html.unescape((tmp_path / "r" / "report.md").read_text())  # as a reader sees it
    assert "| 5s | Streaming p95 latency | < 0.5 s |" in markdown
    assert len(list((tmp_path / "r" / "plots").glob("*.png"))) == 6  # 4 probes, 2 degradation curves


def test_a_journal_from_a_newer_vobs_is_one_line(tmp_path):
    newer = json.loads(OLD.read_text()) | {"schema_version": 4}
    path = tmp_path / "j.json"
    path.write_text(json.dumps(newer))
    result = CliRunner().invoke(cli, ["chaos", "report", str(path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.stderr == (f"vobs: error: {path}: malformed journal: schema_version: 4 is not one this vobs reads "
                             "(1 to 3); a newer vobs wrote it?\n")
    assert not (tmp_path / "r").exists()


def test_a_schema_version_of_the_wrong_type_is_said_as_such(tmp_path):
    """`"2"` (a string) was "'2' is not one this vobs reads (1 to 2)", which reads as a contradiction."""
    path = tmp_path / "j.json"
    path.write_text(json.dumps(json.loads(OLD.read_text()) | {"schema_version": "2"}))
    result = CliRunner().invoke(cli, ["chaos", "report", str(path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.stderr == (f"vobs: error: {path}: malformed journal: schema_version must be a whole number "
                             "(1 to 3), not '2'\n")


def test_the_chaos_day_file_given_for_its_journal_is_said_as_such(tmp_path):
    """A new user's `vobs chaos report chaos/day.yaml` was told `invalid JSON: Expecting value (it reads as
    YAML: vobs reads Grafana's dashboard JSON; convert it first, e.g. yq -o json)` — advice for a dashboard,
    and converting the file would not make it a journal. It is told which file the report reads;
    compare, which reads journals the same way, too. Any other YAML keeps the JSON error."""
    day = Path(__file__).resolve().parents[1] / "chaos" / "chaos-day-1.yaml"
    for args in (["chaos", "report", str(day), "-o", str(tmp_path / "r")], ["chaos", "compare", str(OLD), str(day)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"vobs: error: {day}: this is a Chaos Day file, not its journal: `vobs chaos run` it, then give here "
            "the JSON journal the run writes (chaos/journals/<run>-<UTC>.json, printed at its end)\n")
    assert not (tmp_path / "r").exists()
    other = tmp_path / "other.yaml"
    other.write_text("title: not a chaos file\n")
    result = CliRunner().invoke(cli, ["chaos", "report", str(other), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "invalid JSON" in result.stderr, result.output
