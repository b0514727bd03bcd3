"""`vobs chaos report --fail-on`: CI gates a Chaos Day on its report. The default stays exit 0
whatever the run found; `incomplete` exits 1 for a run that did not complete, `breach` for that or
a budget breached that no expectation accepted (or a recovery slower than its budget), `warning` for
that or a breach an expectation demanded that did not come. The report is
written either way, and stderr says in one line why the exit is 1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_chaos_report import SERIES, SPIKE_SERIES, SPIKES, journal

from vertice_obs.cli import cli

CLEAN = [(0, 0.1), (5, 0.1), (15, 0.1), (25, 0.1)]


def _stopped(status: str, **event) -> dict:
    data = journal(CLEAN)
    data["scenarios"][0]["steps"] = []  # stopped before its first step
    data.update(status=status, events=[event] if event else [])
    data.pop("ended")
    return data


JOURNALS = {
    "clean": journal(CLEAN),
    # p95 breaches in the fault phase (no expectation covers it) and in the recover phase that "holds"
    "breach": journal(SERIES),
    # the only breach is accepted (`breaks: true`): info, not a deviation
    "accepted": journal([(12, 1.4), (15, 1.6)], expectations=[{"probe": "p95", "phase": "fault", "breaks": True,
                                                                "why": "5 s of injected latency"}]),
    # a breach demanded that did not come: a warning, not a breach
    "no-breach-came": journal(CLEAN, phase="fault", holds=False),
    # no spikes under the kill switch, as accepted, but back only 6 s after the revert, budget 5 s: an error
    "slow-recovery": journal(SPIKE_SERIES, probe={**SPIKES, "recover_within_seconds": 5}, settle=8,
                             expectations=[{"probe": "spikes", "phase": "fault", "breaks": True, "why": "paused"}]),
    "failed": _stopped("failed", kind="error", message="POST http://t/fault/latency: HTTP 400 no"),
    "aborted": _stopped("aborted", kind="aborted", reason="interrupted (Ctrl-C or SIGTERM)"),
    "killed": _stopped("running"),  # the process died: its journal still says running, no end recorded
}
INCOMPLETE = {"failed", "aborted", "killed"}
BREACH = {"breach", "slow-recovery"} | INCOMPLETE
WARNING = {"no-breach-came"} | BREACH


def report(tmp_path, name: str, *flags: str):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(JOURNALS[name]))
    out = tmp_path / f"{name}-out"
    result = CliRunner().invoke(cli, ["chaos", "report", str(path), "-o", str(out), *flags])
    assert (out / "report.md").is_file() and (out / "report.html").is_file(), result.output  # written either way
    return result


@pytest.mark.parametrize("name", sorted(JOURNALS))
def test_the_default_exits_0_whatever_the_run_found(tmp_path, name):
    assert report(tmp_path, name).exit_code == 0
    assert report(tmp_path, name, "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("level, failing", [("incomplete", INCOMPLETE), ("breach", BREACH), ("warning", WARNING)])
@pytest.mark.parametrize("name", sorted(JOURNALS))
def test_each_level_exits_1_exactly_when_its_condition_holds(tmp_path, name, level, failing):
    result = report(tmp_path, name, "--fail-on", level)
    assert result.exit_code == (1 if name in failing else 0), result.output
    said = [line for line in result.stderr.splitlines() if line.startswith("vobs: ")]
    assert len(said) == (1 if name in failing else 0) and all(s.endswith(f"; --fail-on {level}") for s in said)


def test_stderr_says_why_in_one_line(tmp_path):
    assert report(tmp_path, "breach", "--fail-on", "breach").stderr == (
        "vobs: 2 budgets breached and not accepted (p95 in the recover phase of lat 1s, p95 in the fault phase of "
        "lat 1s); --fail-on breach\n")
    assert report(tmp_path, "slow-recovery", "--fail-on", "breach").stderr == (
        "vobs: 1 budget breached and not accepted (spikes recovery after lat 1s); --fail-on breach\n")
    aborted = report(tmp_path, "aborted", "--fail-on", "incomplete").stderr.splitlines()
    # the line before is the report's own: where and why the run stopped
    assert aborted[0].startswith("The run was aborted ")
    assert aborted[1:] == ["vobs: the run was aborted; --fail-on incomplete"]
    assert report(tmp_path, "no-breach-came", "--fail-on", "warning").stderr == (
        "vobs: 1 breach expected and not seen (p95 in the fault phase of lat 1s); --fail-on warning\n")
    assert report(tmp_path, "killed", "--fail-on", "breach").stderr.splitlines()[-1] == (
        "vobs: the run did not complete (its journal still says running: the process died?); --fail-on breach")


def test_a_run_cut_short_with_a_breach_says_both(tmp_path):
    JOURNALS["aborted-breach"] = journal(SERIES) | {"status": "aborted",
                                                    "events": [{"kind": "aborted", "reason": "--timeout"}]}
    try:
        line = report(tmp_path, "aborted-breach", "--fail-on", "breach").stderr.splitlines()[-1]
    finally:
        del JOURNALS["aborted-breach"]
    assert line.startswith("vobs: the run was aborted") and " and 2 budgets breached and not accepted (" in line


def test_a_bad_level_is_clicks_one_line_error(tmp_path):
    (tmp_path / "j.json").write_text(json.dumps(JOURNALS["clean"]))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "--fail-on", "error"])
    assert result.exit_code == 2
    assert result.stderr == ("vobs: error: Invalid value for '--fail-on': 'error' is not one of 'never', 'incomplete', "
                             "'breach', 'warning' (see 'vobs chaos report --help')\n")
    assert not (tmp_path / "j-report").exists()


def test_help_teaches_it_with_an_example():
    text = CliRunner().invoke(cli, ["chaos", "report", "--help"]).output
    assert "--fail-on [never|incomplete|breach|warning]" in text
    assert "vobs chaos report journal.json --fail-on breach" in text


def test_the_flag_offers_exactly_the_levels_the_report_judges():
    """The CLI's choices are written beside `report.FAIL_ON` (the CLI imports the chaos modules only inside the
    command, to start fast): a level added to one and not the other would be refused, or never judged."""
    from vertice_obs.chaos.report import FAIL_ON
    from vertice_obs.cli.app import cli

    report = cli.commands["chaos"].commands["report"]
    [option] = [p for p in report.params if p.name == "fail_on"]
    assert tuple(option.type.choices) == FAIL_ON
