"""Hostile environments (issue 13): `vobs.yaml` `environments:` and `--env NAME` as users get them
wrong — an unknown or unsafe name, a token stored in the file, a wrong type, an environment that
names no Grafana, a token variable that does not match. One row each, held to the harness' four
rules: exit code, one located error line, nothing written outside, no secret anywhere."""

from __future__ import annotations

from pathlib import Path

from sample_project import make_project

from hostile.harness import Case, Sandbox, cases_param, check

SECRET = "glsa_never_shown_0123456789"


def project(vobs_yaml: str, *args: str):
    def setup(box: Sandbox):
        make_project(box.project)
        (box.project / "vobs.yaml").write_text(vobs_yaml)
        return list(args)
    return setup


PROD = "environments:\n  prod:\n    grafana_url: http://127.0.0.1:9\n"
CASES = [
    Case("env-unknown-name", project(PROD, "diff", "--env", "prd"), 2, "--env 'prd'",
         "not a declared environment (declared: prod)"),
    Case("env-unknown-from-variable", project(PROD, "publish"), 2, "VOBS_ENV 'staging'", "declared: prod",
         env={"VOBS_ENV": "staging"}),
    Case("env-none-declared", project("grafana_url: http://127.0.0.1:9\n", "pull", "--all", "--env", "prod"), 2,
         "--env 'prod'", "no environments are declared"),
    Case("env-token-in-file", project(f"environments:\n  prod:\n    grafana_token: {SECRET}\n", "diff", "--env",
                                      "prod"), 2, "vobs.yaml:3", "must not be stored in a file",
         secrets=[SECRET]),
    Case("env-name-path-traversal", project("environments:\n  ../../etc:\n    grafana_url: http://x:3000\n",
                                            "diff"), 2, "vobs.yaml:2", "environment name '../../etc'"),
    Case("env-name-shell", project("environments:\n  '$(rm -rf ~)':\n    grafana_url: http://x:3000\n",
                                   "validate", "--offline"), 2, "vobs.yaml:2", "must be a letter"),
    Case("env-org-not-a-number", project("environments:\n  prod:\n    org_id: two\n", "diff", "--env", "prod"),
         2, "environments.prod", "not 'two'"),
    Case("env-section-a-list", project("environments:\n  prod: [a, b]\n", "build"), 2, "vobs.yaml:2",
         "environments.prod must be a mapping"),
    Case("env-url-with-password-no-scheme", project(f"environments:\n  prod:\n    grafana_url: admin:{SECRET}@g:3000\n",
                                                    "diff", "--env", "prod"), 2, "environments.prod",
         "carries a password (user:password@)", secrets=[SECRET]),
    Case("env-url-without-scheme", project("environments:\n  prod:\n    grafana_url: g:3000\n", "diff", "--env",
                                           "prod"), 2, "environments.prod", "not an http:// or https:// URL"),
    Case("env-without-grafana-publish", project("environments:\n  m:\n    prometheus_url: http://127.0.0.1:9\n",
                                                "publish", "--env", "m"), 2, "--env m", "declares no grafana_url"),
    Case("env-unreachable-token-not-shown", project(PROD, "diff", "--env", "prod"), 2, "Grafana prod at",
         "unreachable", secrets=[SECRET], env={"GRAFANA_TOKEN_PROD": SECRET}),
    # a token read with its line end (or a header smuggled into it) is said as such, never "not JSON"
    Case("token-with-a-newline", project(PROD, "diff", "--env", "prod"), 2, None,
         "GRAFANA_TOKEN_PROD holds a newline or another control character", secrets=[SECRET],
         env={"GRAFANA_TOKEN_PROD": SECRET + "\n"}),
    Case("token-smuggling-a-header", project(PROD, "diff", "--env", "prod"), 2, None,
         "GRAFANA_TOKEN_PROD holds a newline", secrets=[SECRET, "X-Injected"],
         env={"GRAFANA_TOKEN_PROD": SECRET + "\r\nX-Injected: 1"}),
]


@cases_param(CASES)
def test_environments_hostile(case: Case, tmp_path: Path):
    check(case, tmp_path)
