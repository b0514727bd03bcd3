"""A bearer token for Prometheus (`PROMETHEUS_TOKEN`), as a new user's Prometheus-compatible store
behind an auth proxy (oauth2-proxy, vmauth, a Mimir gateway) wants it: found by a new-user trial,
where only user:password@ and ?token= could be given. The real Prometheus of the suite stands behind
a proxy that wants `Authorization: Bearer`; the token is sent, never shown, never read from a file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from subpath_proxy import SubPathProxy

from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.project import load_project

TOKEN = "prom-bearer-secret-0123456789"


@pytest.fixture(scope="module")
def guarded(prometheus):
    with SubPathProxy(prometheus.url, prefix="/prom", token=None, bearer=TOKEN) as proxy:
        yield proxy


def validate(project, url, **env):
    return CliRunner().invoke(cli, ["-C", str(project), "validate", str(project / "in"), "--prometheus-url", url],
                              env={"PROMETHEUS_URL": "", "PROMETHEUS_TOKEN": "", **env})


@pytest.fixture()
def one_dashboard(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "d.json").write_text(
        '{"uid": "d", "title": "D", "schemaVersion": 39, "panels": [{"id": 1, "type": "timeseries", "title": "L",'
        ' "targets": [{"refId": "A", "expr": "maximus_dopamine_level"}]}]}')
    return tmp_path


def test_the_token_is_sent_as_a_bearer_and_the_metric_is_found(guarded, one_dashboard):
    result = validate(one_dashboard, guarded.url, PROMETHEUS_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    assert "maximus_dopamine_level" not in result.output or "missing" not in result.output
    assert "1 present" in result.output, result.output
    assert TOKEN not in result.output


@pytest.mark.parametrize("token, check", [
    ("", "it wants credentials: PROMETHEUS_TOKEN (a bearer token) or user:password@ in the URL (basic auth)"),
    ("wrong-token-abcdef", "check PROMETHEUS_TOKEN, sent as a bearer token"),
])
def test_a_refused_token_says_what_to_check_and_never_shows_it(guarded, one_dashboard, token, check):
    result = validate(one_dashboard, guarded.url, PROMETHEUS_TOKEN=token)
    assert result.exit_code != 0
    assert f"(the credentials were refused: {check})" in result.output, result.output
    assert "wrong-token" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("token, said", [
    (TOKEN + "\n", "holds a newline or another control character (read with its line end?)"),
    (" " + TOKEN + " ", "holds a space or a character beyond ASCII, which no bearer token has (copied with its "
                        "quotes or spaces?)"),
    ("токен-0123456789", "holds a space or a character beyond ASCII, which no bearer token has (copied with its "
                         "quotes or spaces?)"),
    (TOKEN + "\u2028", "holds a space or a character beyond ASCII, which no bearer token has (copied with its "
                       "quotes or spaces?)"),
])
def test_a_token_no_header_can_carry_is_one_error_and_is_not_sent(guarded, one_dashboard, token, said):
    """A line end, surrounding spaces or a character beyond ASCII: said as the token's, not blamed on
    the server (a review: 'answered something that is not Prometheus' API: UnicodeEncodeError')."""
    before = len(guarded.seen)
    result = validate(one_dashboard, guarded.url, PROMETHEUS_TOKEN=token)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [f"vobs: error: PROMETHEUS_TOKEN {said}: give the token alone"]
    assert len(guarded.seen) == before  # nothing sent


def test_the_token_is_never_read_from_a_file_and_an_environment_has_its_own(tmp_path):
    (tmp_path / "vobs.yaml").write_text("prometheus_token: abc\n")
    with pytest.raises(InputError, match="vobs.yaml:1:1: prometheus_token must not be stored in a file: "
                                         "set PROMETHEUS_TOKEN$"):
        load_project(tmp_path, environ={})
    (tmp_path / "vobs.yaml").write_text("environments:\n  prod:\n    prometheus_url: http://p:9090\n")
    env = {"PROMETHEUS_TOKEN": "shell", "PROMETHEUS_TOKEN_PROD": "prod-token"}
    assert load_project(tmp_path, environ=env, env="prod").prometheus_token == "prod-token"
    assert load_project(tmp_path, environ={"PROMETHEUS_TOKEN": "shell"}, env="prod").prometheus_token == "shell"
    assert load_project(tmp_path, environ=env).prometheus_token == "shell"
    assert "shell" not in repr(load_project(tmp_path, environ=env))


def test_a_chaos_day_measures_through_the_same_token(guarded):
    """`chaos run` samples and reads scrape targets through the proxy too (ServingSource, ScrapeSource)."""
    from vertice_obs.chaos.runner import Sampler
    from vertice_obs.chaos.scrape import ScrapeSource

    assert Sampler(guarded.url, token=TOKEN).served_until(["maximus_dopamine_level"]) is not None
    assert ScrapeSource(guarded.url, token=TOKEN).active_targets()
    from vertice_obs.errors import VobsError

    with pytest.raises(VobsError, match="check PROMETHEUS_TOKEN"):
        Sampler(guarded.url, token="not-it").served_until(["maximus_dopamine_level"])


def test_an_environments_token_is_named_as_the_user_set_it(guarded, one_dashboard):
    """With `--env prod` the token comes from PROMETHEUS_TOKEN_PROD: a token no header can carry, or
    one the server refuses, names that variable — not PROMETHEUS_TOKEN, which the user did not set
    (a review: the refusal named the plain variable). validate and chaos check, through one path."""
    (one_dashboard / "vobs.yaml").write_text(f"environments:\n  prod: {{prometheus_url: '{guarded.url}'}}\n")
    (one_dashboard / "day.yaml").write_text(
        "id: day\ntitle: Day\nowner: t\nscenarios:\n  - id: s\n    title: S\n    fault:\n      kind: kill-switch\n"
        "      hold: 1m\n      inject: {command: ['true']}\n      revert: {command: ['true']}\n"
        "    probes: [{id: p, title: P, query: maximus_dopamine_level, unit: '1', threshold: {op: '<', value: 1}}]\n")

    def run(*args, **env):
        return CliRunner().invoke(cli, ["-C", str(one_dashboard), *args, "--env", "prod"],
                                  env={"PROMETHEUS_URL": "", "PROMETHEUS_TOKEN": TOKEN, **env})

    bad = run("validate", str(one_dashboard / "in"), PROMETHEUS_TOKEN_PROD=TOKEN + "\n")
    assert bad.exit_code == 2 and bad.output.startswith("vobs: error: PROMETHEUS_TOKEN_PROD holds a newline"), bad.output
    refused = run("validate", str(one_dashboard / "in"), PROMETHEUS_TOKEN_PROD="wrong-token-abcdef")
    assert "check PROMETHEUS_TOKEN_PROD, sent as a bearer token" in refused.output, refused.output
    chaos = run("chaos", "check", str(one_dashboard / "day.yaml"), PROMETHEUS_TOKEN_PROD=" spaced ")
    assert "vobs: error: PROMETHEUS_TOKEN_PROD holds a space" in chaos.output, chaos.output
    good = run("validate", str(one_dashboard / "in"), PROMETHEUS_TOKEN_PROD=TOKEN, PROMETHEUS_TOKEN="")
    assert good.exit_code == 0 and "1 present" in good.output, good.output
