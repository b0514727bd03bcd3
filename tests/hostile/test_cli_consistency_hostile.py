"""Hostile rows for the CLI's consistency: every deadline flag (`--timeout`, `--http-timeout`) reads
the one duration grammar (guard.durations), so a bare number or junk is one usage line naming the
flag; GRAFANA_TIMEOUT takes the grammar or grafana-client's bare seconds. Each row held to the
harness' four rules."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hostile.harness import Case, cases_param, chaos_run_file, check, run_vobs
from hostile.test_edges_hostile import dashboards, static


def free_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def chaos_run(flag_value: str):
    def setup(box):
        (box.project / "day.yaml").write_text(chaos_run_file("up"), encoding="utf-8")
        return ["chaos", "run", "day.yaml", "--target-url", free_url(), "--prometheus-url", free_url(),
                "--http-timeout", flag_value]
    return setup


def pull_with(*extra: str):
    return lambda box: ["pull", "--all", "-o", str(box.project / "out"), "--grafana-url", free_url(), *extra]


NO_UNIT = "has no unit: write a duration"
CASES = [
    Case("timeout-bare-seconds", lambda box: ["validate", "--timeout", "5", dashboards(box)], 2,
         "'--timeout'", f"'5' {NO_UNIT}, e.g. 5s"),
    Case("timeout-bare-fraction", lambda box: ["audit", "--timeout", "2.5", dashboards(box)], 2,
         "'--timeout'", f"'2.5' {NO_UNIT}"),
    Case("timeout-junk", static("validate", "--timeout", "soon"), 2, "'--timeout'", "is not a duration like"),
    Case("timeout-wrong-order", static("validate", "--timeout", "30s1m"), 2, "'--timeout'", "largest first"),
    Case("timeout-too-short", static("validate", "--timeout", "10ms"), 2, "'--timeout'", "at least 100ms"),
    Case("timeout-zero", static("validate", "--timeout", "0s"), 2, "'--timeout'", "is zero"),
    # 300y passed the duration grammar, then overflowed the wait (found by a hostile-input probe)
    Case("timeout-300-years", static("validate", "--timeout", "300y"), 2, "'--timeout'", "at most 1d"),
    Case("timeout-a-day-and-a-second", static("validate", "--timeout", "1d1s"), 2, "'--timeout'", "at most 1d"),
    Case("http-timeout-999-years", chaos_run("999y"), 2, "'--http-timeout'", "at most 1d"),
    Case("grafana-timeout-env-huge", pull_with(), 2, "for environment variable 'GRAFANA_TIMEOUT':", "'1e308' is too long a deadline",
         env={"GRAFANA_TIMEOUT": "1e308"}),
    Case("http-timeout-bare", chaos_run("3"), 2, "'--http-timeout'", f"'3' {NO_UNIT}"),
    Case("grafana-timeout-flag-bare", pull_with("--timeout", "30"), 2, "'--timeout'", f"'30' {NO_UNIT}"),
    Case("grafana-timeout-env-junk", pull_with(), 2, "for environment variable 'GRAFANA_TIMEOUT':", "'5 s' is not a duration",
         env={"GRAFANA_TIMEOUT": "5 s"}),
    Case("grafana-timeout-env-nan", pull_with(), 2, "for environment variable 'GRAFANA_TIMEOUT':", "'nan' is not a deadline",
         env={"GRAFANA_TIMEOUT": "nan"}),
    Case("grafana-timeout-env-inf", pull_with(), 2, "for environment variable 'GRAFANA_TIMEOUT':", "'1e400' is not a deadline",
         env={"GRAFANA_TIMEOUT": "1e400"}),
    # accepted: the error is the unreachable server, not the value
    Case("grafana-timeout-env-duration", pull_with(), 2, None, "unreachable", env={"GRAFANA_TIMEOUT": "1s500ms"}),
    Case("grafana-timeout-env-seconds", pull_with(), 2, None, "unreachable", env={"GRAFANA_TIMEOUT": "1.5"}),
    Case("grafana-timeout-flag-duration", pull_with("--timeout", "1m30s"), 2, None, "unreachable"),
    Case("http-timeout-duration", chaos_run("1m30s"), 2, None, "unreachable"),
]


@cases_param(CASES)
def test_deadline_flags(case: Case, tmp_path: Path):
    check(case, tmp_path)


def test_a_deadline_error_names_what_the_user_used_not_both(tmp_path: Path):
    """A new-user trial: `vobs pull --timeout 5` said `Invalid value for '--timeout' (env var:
    'GRAFANA_TIMEOUT')`, naming a variable never set. The flag typed is named when it was the flag
    (even with the variable set: the flag wins), the variable when it was the variable."""
    for env in ({}, {"GRAFANA_TIMEOUT": "30s"}):
        flag = run_vobs(["pull", "--all", "--grafana-url", free_url(), "--timeout", "5"], tmp_path, env)
        assert "vobs: error: Invalid value for '--timeout': '5' has no unit" in flag.stderr, flag.stderr
        assert "GRAFANA_TIMEOUT" not in flag.stderr
    variable = run_vobs(["pull", "--all", "--grafana-url", free_url()], tmp_path, {"GRAFANA_TIMEOUT": "5 s"})
    assert "vobs: error: Invalid value for environment variable 'GRAFANA_TIMEOUT': '5 s'" in variable.stderr
    assert "--timeout" not in variable.stderr.split("(see")[0]
    org = run_vobs(["pull", "--all", "--org-id", "x"], tmp_path, {"GRAFANA_ORG_ID": "2"})
    assert "vobs: error: Invalid value for '--org-id': 'x' is not a valid integer" in org.stderr, org.stderr


@pytest.mark.parametrize("value", ["5s", "1m30s", "500ms"])
def test_timeout_takes_the_duration_grammar(value: str, tmp_path: Path):
    """`vobs validate --timeout 5s` runs (offline: no Prometheus, no catalog)."""
    (tmp_path / "dash").mkdir()
    (tmp_path / "dash" / "d.json").write_text('{"uid": "d1", "title": "D", "panels": []}', encoding="utf-8")
    done = run_vobs(["validate", "--timeout", value, "dash"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Invalid value" not in done.stderr


def test_help_says_deadlines_are_durations(tmp_path: Path):
    for command in (["validate"], ["pull"], ["chaos", "run"]):
        help_text = run_vobs([*command, "--help"], tmp_path).stdout
        assert "DURATION" in help_text and "SECONDS" not in help_text, command
