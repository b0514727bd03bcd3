"""Environments: `vobs.yaml` declares staging and prod, `--env NAME` picks one, its token comes
from GRAFANA_TOKEN_<NAME> else GRAFANA_TOKEN — against two stand-in Grafanas with different
tokens and organisations, as a laptop would reach staging and prod."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from sample_project import make_project

from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.project import load_project, token_variable

STAGING_TOKEN, PROD_TOKEN = "glsa_staging_token_aaaa", "glsa_prod_token_bbbbbbbb"


def vobs_yaml(staging_url: str, prod_url: str) -> str:
    return (f"prometheus_url: http://top:9090\n"
            f"environments:\n"
            f"  staging:\n    grafana_url: {staging_url}\n    prometheus_url: http://staging-prom:9090\n"
            f"  prod:\n    grafana_url: {prod_url}\n    org_id: 2\n")


@pytest.fixture()
def two_grafanas():
    with GrafanaStandIn(token=STAGING_TOKEN) as staging, GrafanaStandIn(token=PROD_TOKEN, org_id=2) as prod:
        yield staging, prod
        staging.assert_no_violations()
        prod.assert_no_violations()


def run(root, *args, env=None):
    base = {"GRAFANA_URL": "", "GRAFANA_TOKEN": "", "PROMETHEUS_URL": "", "GRAFANA_ORG_ID": "", "VOBS_ENV": ""}
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={**base, **(env or {})})


def test_env_chooses_servers_over_variables_and_flags_win_over_both(tmp_path):
    (tmp_path / "vobs.yaml").write_text(vobs_yaml("http://staging:3000", "http://prod:3000"))
    variables = {"GRAFANA_URL": "http://left-in-the-shell:3000", "GRAFANA_TOKEN": "glsa_generic_token",
                 "GRAFANA_TOKEN_PROD": PROD_TOKEN, "PROMETHEUS_URL": "http://shell-prom:9090"}
    plain = load_project(tmp_path, environ=variables)
    assert (plain.grafana_url, plain.prometheus_url, plain.env) == ("http://left-in-the-shell:3000",
                                                                   "http://shell-prom:9090", None)
    assert plain.grafana_token == "glsa_generic_token" and plain.environments == ("prod", "staging")
    prod = load_project(tmp_path, environ=variables, env="prod")
    # the chosen environment beats a GRAFANA_URL left in the shell; a server it does not declare is
    # none — not the shell's PROMETHEUS_URL, not the file's top-level one
    assert (prod.grafana_url, prod.grafana_org_id, prod.prometheus_url) == ("http://prod:3000", 2, None)
    assert prod.grafana_token == PROD_TOKEN and prod.env == "prod"
    assert prod.origins["grafana_url"] == "vobs.yaml environments.prod"
    staging = load_project(tmp_path, environ=variables, env="staging")
    assert staging.grafana_token == "glsa_generic_token"  # no GRAFANA_TOKEN_STAGING: the generic one
    assert staging.prometheus_url == "http://staging-prom:9090"
    flagged = load_project(tmp_path, {"grafana_url": "http://flag:3000"}, environ=variables, env="prod")
    assert flagged.grafana_url == "http://flag:3000"


def test_token_variable_names():
    assert token_variable("prod") == "GRAFANA_TOKEN_PROD"
    assert token_variable("eu-west") == "GRAFANA_TOKEN_EU_WEST"


@pytest.mark.parametrize("text,env,message", [
    ("environments:\n  prod:\n    grafana_url: http://p:3000\n", "prd",
     "--env 'prd' is not a declared environment (declared: prod)"),
    ("grafana_url: http://g:3000\n", "prod", "--env 'prod': no environments are declared"),
    ("environments:\n  prod:\n    grafana_token: glsa_in_a_file_xx\n", None,
     "vobs.yaml:3:5: environments.prod.grafana_token must not be stored in a file: set GRAFANA_TOKEN_PROD"),
    ("environments:\n  prod:\n    grafana: http://p:3000\n", None,
     "vobs.yaml:3:5: environments.prod: unknown setting 'grafana'"),
    ("environments:\n  prod:\n    org_id: [1]\n", None, "vobs.yaml:3:5: environments.prod.org_id must be a number"),
    ("environments:\n  prod:\n    grafana_url: p:3000\n", "prod",
     "vobs.yaml:3:5: environments.prod.grafana_url: 'p:3000' is not an http:// or https:// URL"),
    # every environment's URLs and organisation are checked whichever is chosen (here: none)
    ("environments:\n  staging: {grafana_url: 'http://s:3000'}\n  prod:\n    org_id: two\n", "staging",
     "vobs.yaml:4:5: environments.prod.org_id must be a number from 1, not 'two'"),
    ("environments:\n  prod:\n    prometheus_url: ftp://p\n", None,
     "vobs.yaml:3:5: environments.prod.prometheus_url: 'ftp://p' is not an http:// or https:// URL"),
    ("environments:\n  prod:\n    grafana_url: 'http://admin:hunter2@g:3000'\n", None,
     "vobs.yaml:3:5: environments.prod.grafana_url carries a password (user:password@): a file in the repository "
     "must hold no secret"),
    ("prometheus_url: 'http://p:9090/?token=abc'\n", None,
     "vobs.yaml:1:1: prometheus_url carries a credential in its query string (its token parameter): a file in "
     "the repository must hold no secret"),
    # the message names the parameter without looking like a credential itself: the redaction that
    # every message goes through once ate "): a" after `api_key=…` (found by a new-user trial)
    ("grafana_url: 'https://g.example.com/?api_key=abcdefgh12345'\n", None,
     "vobs.yaml:1:1: grafana_url carries a credential in its query string (its api_key parameter): a file in "
     "the repository must hold no secret"),
    ("catalog:\n", None, "vobs.yaml:1:1: catalog must be a path, not null"),
    ("dashboard_dir: d\n", None, "vobs.yaml:1:1: unknown setting 'dashboard_dir', did you mean 'dashboards_dir'? "
                                  "(allowed: "),
    ("environments:\n  prod:\n    grafana_urll: http://p:3000\n", None,
     "vobs.yaml:3:5: environments.prod: unknown setting 'grafana_urll', did you mean 'grafana_url'?"),
    ("environments:\n  eu-west: {grafana_url: 'http://a:3000'}\n  eu_west: {grafana_url: 'http://b:3000'}\n", None,
     "vobs.yaml:3:3: environments 'eu-west' and 'eu_west' would both read GRAFANA_TOKEN_EU_WEST: rename one"),
    ("exports_dir: ''\n", None, "vobs.yaml:1:1: exports_dir must be a path, not empty"),
    ("environments:\n  '../x':\n    grafana_url: http://p:3000\n", None,
     "vobs.yaml:2:3: environment name '../x' must be a letter then letters"),
    ("environments: [prod]\n", None, "vobs.yaml:1:1: environments must be a mapping"),
    ("environments:\n  prod: http://p:3000\n", None, "vobs.yaml:2:3: environments.prod must be a mapping"),
])
def test_bad_environments_are_one_located_error(tmp_path, text, env, message):
    (tmp_path / "vobs.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        load_project(tmp_path, environ={}, env=env)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize("text,advice", [
    # Prometheus' credential is in its URL: no Grafana token to speak of
    ("prometheus_url: 'http://h/?token=abcdefgh12345'\n",
     "give the whole URL, credential included, with PROMETHEUS_URL or --prometheus-url: vobs sends it and never "
     "shows it"),
    ("prometheus_url: 'http://user:hunter2@h:9090'\n",
     "give the whole URL, credential included, with PROMETHEUS_URL or --prometheus-url: vobs sends it and never "
     "shows it"),
    ("grafana_url: 'http://user:hunter2@g:3000'\n",
     "give the whole URL, credential included, with GRAFANA_URL or --grafana-url: vobs sends it and never shows "
     "it; a Grafana service-account token goes in GRAFANA_TOKEN instead"),
    # with --env NAME only a flag names a server, and the token variable is the environment's
    ("environments:\n  prod:\n    prometheus_url: 'http://h/?token=abcdefgh12345'\n",
     "give the whole URL, credential included, with --prometheus-url (with --env prod, PROMETHEUS_URL is not "
     "read): vobs sends it and never shows it"),
    ("environments:\n  eu-west:\n    grafana_url: 'http://h/?api_key=abcdefgh12345'\n",
     "give the whole URL, credential included, with --grafana-url (with --env eu-west, GRAFANA_URL is not read): "
     "vobs sends it and never shows it; a Grafana service-account token goes in GRAFANA_TOKEN_EU_WEST or "
     "GRAFANA_TOKEN instead"),
])
def test_a_url_with_a_credential_in_the_file_says_where_it_goes_for_its_key(tmp_path, text, advice):
    (tmp_path / "vobs.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        load_project(tmp_path, environ={})
    assert str(info.value).endswith("a file in the repository must hold no secret — " + advice), str(info.value)
    assert "GRAFANA_TOKEN" not in advice or "grafana_url" in text


def test_a_typo_in_prod_fails_a_staging_run_too(tmp_path):
    (tmp_path / "vobs.yaml").write_text("environments:\n  staging:\n    grafana_url: http://s:3000\n"
                                        "  prod:\n    grafan_url: http://p:3000\n")
    with pytest.raises(InputError, match="environments.prod: unknown setting 'grafan_url'"):
        load_project(tmp_path, environ={}, env="staging")


def test_diff_and_publish_reach_the_chosen_grafana_with_its_own_token(tmp_path, two_grafanas):
    staging, prod = two_grafanas
    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text(vobs_yaml(staging.url, prod.url))
    tokens = {"GRAFANA_TOKEN_STAGING": STAGING_TOKEN, "GRAFANA_TOKEN_PROD": PROD_TOKEN}
    published = run(root, "publish", "--env", "staging", "--format", "json", env=tokens)
    assert published.exit_code == 0, published.output
    assert staging.dashboards and not prod.dashboards  # staging only
    # a laptop previews prod: everything is new there; VOBS_ENV picks it as --env would
    preview = run(root, "diff", "--format", "json", env={**tokens, "VOBS_ENV": "prod"})
    assert preview.exit_code == 1, preview.output  # changes pending, as diff says
    assert {d["status"] for d in json.loads(preview.stdout)["dashboards"]} == {"added"}
    # a GRAFANA_URL left in the shell for staging does not send an explicit --env prod there
    before = len(staging.requests)
    shell = run(root, "diff", "--env", "prod", "--format", "json", env={**tokens, "GRAFANA_URL": staging.url})
    assert shell.exit_code == 1 and {d["status"] for d in json.loads(shell.stdout)["dashboards"]} == {"added"}
    assert len(staging.requests) == before
    same = run(root, "diff", "--env", "staging", "--format", "json", env=tokens)
    assert {d["status"] for d in json.loads(same.stdout)["dashboards"]} == {"unchanged"}
    assert any(r.headers.get("X-Grafana-Org-Id") == "2" for r in prod.requests)  # org_id from the environment
    # the wrong environment's token is refused by that Grafana, named, and never shown
    crossed = run(root, "diff", "--env", "prod", env={"GRAFANA_TOKEN_PROD": STAGING_TOKEN})
    assert crossed.exit_code == 2
    assert f"Grafana prod at {prod.url}" in crossed.output
    assert "check GRAFANA_TOKEN_PROD" in crossed.output  # the variable that set it
    assert STAGING_TOKEN not in crossed.output and len(crossed.output.strip().splitlines()) == 1


def test_an_environment_without_grafana_never_falls_back_to_the_provisioning_folder(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text("environments:\n  metrics-only:\n    prometheus_url: http://p:9090\n")
    result = run(root, "publish", "--env", "metrics-only")
    assert result.exit_code == 2
    assert result.output.strip() == "vobs: error: --env metrics-only: the environment declares no grafana_url"
    assert not (root / "provisioning").exists()


@pytest.mark.parametrize("yaml_text,expected", [
    ("environments:\n  staging:\n    grafana_url: http://s:3000\n",
     "{how} 'prod' is not a declared environment (declared: staging)"),
    ("grafana_url: http://g:3000\n", "{how} 'prod': no environments are declared"),
    ("environments:\n  prod:\n    prometheus_url: http://p:9090\n",
     "{how} prod: the environment declares no grafana_url"),
])
@pytest.mark.parametrize("how", ["--env", "VOBS_ENV"])
def test_an_environment_is_said_as_what_chose_it_the_flag_or_vobs_env(tmp_path, yaml_text, expected, how):
    """README "Durations": a bad value is said as what was used, VOBS_ENV among them. A VOBS_ENV
    left in the shell was said as `--env 'prod'`, a flag the user never typed."""
    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text(yaml_text)
    result = run(root, "diff", *(["--env", "prod"] if how == "--env" else []),
                 env={"VOBS_ENV": "prod"} if how == "VOBS_ENV" else None)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("vobs: error: " + expected.format(how=how))


@pytest.mark.parametrize("command", [["publish"], ["diff"]])
@pytest.mark.parametrize("how", ["variable", "flag"])
def test_a_token_without_a_grafana_url_never_falls_back_to_the_provisioning_folder(tmp_path, command, how):
    """CI's `GRAFANA_URL: ${{ vars.GRAFANA_URL }}` with the variable unset (or misspelt) arrives
    empty, beside the write token: publishing to the runner's provisioning folder would go green
    with nothing published. Refused, before anything is written; the token is never shown."""
    root = make_project(tmp_path / "p")
    token = "glsa_write_token_cccccccc"
    args = [*command, *(["--grafana-token", token] if how == "flag" else [])]
    result = run(root, *args, env={"GRAFANA_URL": "", **({"GRAFANA_TOKEN": token} if how == "variable" else {})})
    assert result.exit_code == 2
    where = "GRAFANA_TOKEN" if how == "variable" else "--grafana-token"
    assert result.output.strip() == (f"vobs: error: a Grafana token is set ({where}) but no Grafana URL (--grafana-url, "
                                     "GRAFANA_URL or vobs.yaml): vobs would write the provisioning folder provisioning/ "
                                     "instead; set the URL, or unset the token to use the folder")
    assert not (root / "provisioning").exists() and token not in result.output
    assert run(root, *command).exit_code in (0, 1)  # neither set: the folder, as documented


@pytest.mark.parametrize("command", [["publish"], ["diff"], ["validate"], ["chaos", "check", "RUN"]])
def test_a_server_the_environment_does_not_declare_is_never_the_shells_or_the_files(tmp_path, command):
    """prod declares neither Grafana nor Prometheus here; the shell and the file's top level name
    both (staging's, say). `--env prod` reaches neither — and sends prod's token nowhere."""
    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text("grafana_url: http://top-level:3000\nprometheus_url: http://top-level:9090\n"
                                    "environments:\n  prod:\n    org_id: 2\n  staging:\n"
                                    "    grafana_url: http://staging:3000\n")
    (root / "RUN").write_text("")
    shell = {"GRAFANA_URL": "http://staging-left-in-shell:3000", "PROMETHEUS_URL": "http://staging-prom:9090",
             "GRAFANA_TOKEN_PROD": PROD_TOKEN}
    result = run(root, *[c if c != "RUN" else str(root / "RUN") for c in command], "--env", "prod", env=shell)
    assert result.exit_code == 2
    needed = "grafana_url" if command[0] in ("publish", "diff") else "prometheus_url"
    assert result.output.strip().startswith(f"vobs: error: --env prod: the environment declares no {needed}")
    assert PROD_TOKEN not in result.output


def test_a_configured_catalog_that_is_not_there_is_an_error_not_a_silent_pass(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text("# the project\ncatalog: narratives/metric.yaml\n")  # metrics.yaml, misspelt
    result = run(root, "validate")
    assert result.exit_code == 2
    assert result.output.strip() == ("vobs: error: vobs.yaml:2:1: catalog: no metric catalog at narratives/metric.yaml "
                                     "(a file of metrics: fix the setting, or leave it out for narratives/metrics.yaml)")
    (root / "pyproject.toml").write_text('[tool.vobs]\ncatalog = "narratives/metric.yaml"\n')  # no lines known there
    (root / "vobs.yaml").unlink()
    assert run(root, "validate").output.strip().startswith(
        "vobs: error: catalog (pyproject.toml [tool.vobs]): no metric catalog at narratives/metric.yaml")
    (root / "pyproject.toml").unlink()
    (root / "vobs.yaml").write_text("catalog: narratives\n")  # a folder
    assert run(root, "audit").exit_code == 2
    (root / "vobs.yaml").unlink()
    assert run(root, "validate", "--catalog", "nowhere.yaml").output.strip().endswith("(--catalog)")


def test_help_shows_env_and_the_variables_each_option_reads():
    for command in (["diff"], ["publish"], ["validate"], ["pull"], ["audit"], ["chaos", "run"], ["chaos", "check"]):
        text = CliRunner().invoke(cli, [*command, "--help"]).output
        assert "--env NAME" in text and "VOBS_ENV" in text, command
    diff_help = CliRunner().invoke(cli, ["diff", "--help"]).output
    for variable in ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_ORG_ID", "GRAFANA_TOKEN_<NAME>"):
        assert variable in diff_help
    assert "PROMETHEUS_URL" in CliRunner().invoke(cli, ["validate", "--help"]).output


@pytest.mark.parametrize("command", [["audit"], ["validate"], ["chaos", "check"]])
def test_only_commands_that_reach_a_grafana_say_env_reads_a_grafana_token(command):
    """A new-user trial: `vobs audit --help` said --env reads GRAFANA_TOKEN_<NAME>; audit reaches only
    Prometheus and reads no token. The Grafana commands still say which token they read."""
    said = " ".join(CliRunner().invoke(cli, [*command, "--help"]).output.split())
    assert "GRAFANA_TOKEN" not in said and "this command reads no Grafana token" in said
    assert "PROMETHEUS_TOKEN_<NAME>, else PROMETHEUS_TOKEN" in said
    for grafana in (["diff"], ["publish"], ["pull"], ["chaos", "run"]):
        said = " ".join(CliRunner().invoke(cli, [*grafana, "--help"]).output.split())
        assert "GRAFANA_TOKEN_<NAME>, else GRAFANA_TOKEN" in said
        assert ("PROMETHEUS_TOKEN" in said) == (grafana == ["chaos", "run"])  # only chaos run reaches both


GRAFANA_SECRET = "glsa_refused_token_0123456789"
CONTROL = "holds a newline or another control character (read with its line end?)"
NOT_BEARER = "holds a space or a character beyond ASCII, which no bearer token has (copied with its quotes or spaces?)"


@pytest.mark.parametrize("token, said", [
    (GRAFANA_SECRET + "\n", CONTROL),
    (GRAFANA_SECRET + "\r\nX-Injected: 1", CONTROL),
    (" " + GRAFANA_SECRET, NOT_BEARER),
    (GRAFANA_SECRET + " ", NOT_BEARER),
    ("glsa_токен_0123456789", NOT_BEARER),
    (GRAFANA_SECRET + "\u2028", NOT_BEARER),
])
@pytest.mark.parametrize("source", ["GRAFANA_TOKEN", "GRAFANA_TOKEN_PROD", "--grafana-token"])
def test_a_grafana_token_no_bearer_header_can_carry_is_one_error_naming_it_and_nothing_is_sent(tmp_path, token,
                                                                                               said, source):
    """A review: the Grafana token was checked for control characters only, while PROMETHEUS_TOKEN
    also refused spaces around it and characters beyond ASCII. Both now go through one check
    (`guard.http.bearer_token`), whose one line names what set the token; no request is made."""
    root = make_project(tmp_path / "p")
    with GrafanaStandIn() as grafana:
        (root / "vobs.yaml").write_text(f"environments:\n  prod:\n    grafana_url: {grafana.url}\n")
        if source == "GRAFANA_TOKEN_PROD":
            result = run(root, "diff", "--env", "prod", env={source: token})
        elif source == "GRAFANA_TOKEN":
            result = run(root, "diff", env={"GRAFANA_URL": grafana.url, source: token})
        else:
            result = run(root, "diff", "--grafana-url", grafana.url, "--grafana-token", token)
        assert (result.exit_code, result.output.strip().splitlines()) == (
            2, [f"vobs: error: {source} {said}: give the token alone"]), result.output
        assert grafana.requests == []  # nothing sent
    assert GRAFANA_SECRET not in result.output


@pytest.mark.parametrize("where", ["environment", "flag", "variable"])
def test_a_wrong_org_id_is_said_as_an_org_problem_naming_where_it_was_set(tmp_path, where):
    """A prod environment with the wrong `org_id` said `refused the credentials …: check
    GRAFANA_TOKEN_PROD` — the token was right. Grafana (10 on, authn's API key client) answers a
    token sent to another organisation 401 `api-key.organization-mismatch`: said as the org id it
    is, with where it was set."""
    with GrafanaStandIn(token=PROD_TOKEN, org_id=2) as prod:
        root = make_project(tmp_path / "p")
        org = "3" if where == "environment" else "2"
        (root / "vobs.yaml").write_text(f"environments:\n  prod:\n    grafana_url: {prod.url}\n    org_id: {org}\n")
        extra, env = {"flag": (["--org-id", "3"], {}), "variable": ([], {"GRAFANA_ORG_ID": "3"})}.get(where, ([], {}))
        if where != "environment":  # no environment: the flag or the variable sets the org of GRAFANA_URL
            (root / "vobs.yaml").unlink()
            env = {**env, "GRAFANA_URL": prod.url, "GRAFANA_TOKEN": PROD_TOKEN}
        args = ["--env", "prod"] if where == "environment" else []
        result = run(root, "publish", *args, *extra, env={"GRAFANA_TOKEN_PROD": PROD_TOKEN, **env})
        assert result.exit_code == 2, result.output
        said = {"environment": "vobs.yaml environments.prod", "flag": "--org-id", "variable": "GRAFANA_ORG_ID"}[where]
        assert result.stderr.startswith(f"vobs: error: Grafana{' prod' if where == 'environment' else ''} at "
                                        f"{prod.url} refused organisation 3 (org id set by {said}) for this token "
                                        "(401 API key does not belong to the requested organization)"), result.stderr
        assert "check GRAFANA_TOKEN" not in result.stderr and result.stderr.count("\n") == 1
        assert PROD_TOKEN not in result.output and not prod.writes()
        prod.assert_no_violations()


USER, PASSWORD = "ci-bot", "s3cret-pass-9"


@pytest.mark.parametrize("version", ["9.5.21", "12.0.2"])
@pytest.mark.parametrize("where", ["flag", "variable"])
def test_a_basic_auth_user_outside_the_org_is_told_so_not_that_a_token_lacks_permission(tmp_path, version, where):
    """`http://user:pass@host` with the org id of an organisation the user is not a member of: Grafana
    answers no 401 — it signs the user in with no role there, searches come back empty and the next read
    403 "Permissions needed: folders:read" — and vobs said `folders: the token lacks permission (403)`,
    with no token given. It asks the user's organisations once (`/api/user/orgs`, basic auth only) and says
    what is wrong and what to do, in one line, before any dashboard is read; never the password. A user of
    that organisation publishes as before."""
    root = make_project(tmp_path / "p")
    with GrafanaStandIn(version=version, basic=(USER, PASSWORD)) as grafana:
        url = grafana.url.replace("http://", f"http://{USER}:{PASSWORD}@")
        flag, env = (["--org-id", "5"], {}) if where == "flag" else ([], {"GRAFANA_ORG_ID": "5"})
        for command in ("diff", "publish"):
            result = run(root, command, "--grafana-url", url, *flag, env=env)
            assert result.exit_code == 2, result.output
            said = "--org-id" if where == "flag" else "GRAFANA_ORG_ID"
            assert result.stderr == (f"vobs: error: Grafana at {grafana.url}: user '{USER}' is not a member of "
                                     f"organisation 5 (org id set by {said}; its organisations: 1 'Main Org.'): "
                                     f"check {said}, or use a service-account token of organisation 5\n"), result.stderr
            assert result.stdout == "" and PASSWORD not in result.output
        assert not grafana.writes()
        assert [r.path for r in grafana.requests if r.path.startswith("/api/user")] == ["/api/user/orgs"] * 2
        member = run(root, "publish", "--grafana-url", url, *(["--org-id", "1"] if where == "flag" else []),
                     env={"GRAFANA_ORG_ID": "1"} if where == "variable" else {})
        assert member.exit_code == 0, member.output
        assert grafana.dashboards and PASSWORD not in member.output
        grafana.assert_no_violations()
