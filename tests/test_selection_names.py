"""`--narrative` and `--uid` of `vobs publish` and `vobs diff` (one code path: `desired_dashboards`).
Trial 20: `publish --narrative nope` said `no such dashboard or narrative: nope` — "dashboard" for a
narrative, no close name, not the project's names; and beside a narrative that exists, an unknown one
was dropped without a word."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vertice_obs.cli import cli

NARRATIVES = "cockpit, dopamine, esgt, skill-learning"
NO_GRAFANA = {"GRAFANA_URL": "", "GRAFANA_TOKEN": ""}  # the provisioning folder: nothing is written on an error


def run(project, *args):
    return CliRunner().invoke(cli, ["-C", str(project), *args], env=NO_GRAFANA)


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("vobs: error:")]


@pytest.mark.parametrize("command", ["publish", "diff"])
def test_an_unknown_narrative_is_said_as_a_narrative_with_the_project_s_and_the_close_one(project, command):
    result = run(project, command, "--narrative", "cockpt")
    assert result.exit_code == 2, result.output
    assert errors(result) == [f"vobs: error: no such narrative: cockpt (the project's: {NARRATIVES}; "
                              "did you mean 'cockpit'?)"], result.stderr
    far = run(project, command, "--narrative", "nope")
    assert errors(far) == [f"vobs: error: no such narrative: nope (the project's: {NARRATIVES})"], far.stderr
    assert not (project / "provisioning").exists()


def test_an_unknown_uid_is_said_as_a_dashboard_with_the_close_one(project):
    result = run(project, "publish", "--uid", "maximus-cockpit-safty")
    assert result.exit_code == 2, result.output
    [error] = errors(result)
    assert error.startswith("vobs: error: no such dashboard: maximus-cockpit-safty (the project's: "
                            "maximus-cockpit-safety, maximus-cockpit-streaming, "), error
    assert error.endswith("; did you mean 'maximus-cockpit-safety'?)"), error


def test_an_unknown_name_beside_a_known_one_is_not_dropped(project):
    """`--narrative cockpit --narrative nope` published cockpit and never said `nope`."""
    result = run(project, "publish", "--narrative", "cockpit", "--narrative", "nope", "--uid", "nada")
    assert result.exit_code == 2, result.output
    assert [e.split(" (")[0] for e in errors(result)] == ["vobs: error: no such narrative: nope",
                                                          "vobs: error: no such dashboard: nada"], result.stderr
    assert not (project / "provisioning").exists()


def test_a_dashboard_of_another_narrative_says_whose_it_is(project):
    result = run(project, "diff", "--narrative", "cockpit", "--uid", "maximus-dopamine-arousal")
    assert result.exit_code == 2, result.output
    assert errors(result) == ["vobs: error: narrative cockpit has none of the dashboards asked for "
                              "(maximus-dopamine-arousal is dopamine's: a dashboard goes with the first narrative, "
                              "by id, with a chapter of it)"], result.stderr


def test_a_hostile_name_is_said_on_one_bounded_line(project):
    """Review of this stop: a 100,000-character `--narrative` made a 100 KB error line; a newline in
    it split the line. One line of at most 80 characters of the name, control characters shown."""
    result = run(project, "diff", "--narrative", "x" * 100_000 + "\nvobs: error: forged")
    assert result.exit_code == 2, result.output
    [error] = errors(result)
    assert len(error) < 400 and "forged" not in error and error.startswith("vobs: error: no such narrative: xxx")
    assert len(result.stderr.splitlines()) == 1
