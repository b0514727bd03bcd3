"""No secret on any error path (issue 16): a Grafana token, a password in the URL, its basic-auth
pair and a proxy's query-string token stay unprinted and unwritten when the server answers 5xx,
429 until the retries run out, times out, drips, hangs or closes — the paths where an error
message is built from what the server said, and where a retry loop could repeat a URL.

Every server here echoes everything it received (the Authorization header, the path with its
query string) into its error body: the worst case a real proxy or upstream can produce. Each row
is held to the harness' four rules; `secrets` is the rule this table is about."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from hostile import fake_servers as fs
from hostile.harness import Case, Sandbox, cases_param, check
from hostile.test_grafana_hostile import (
    Answer,
    closed_port,
    command,
    html,
    normal,
    on,
    pull,
)

TOKEN = "glsa_pathSECRETtoken0123456789"      # the Grafana service-account token (GRAFANA_TOKEN)
PASSWORD = "pw-on-every-path-7c1d"              # a password in a server URL
BASIC = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
QUERY = "qs-proxy-t0ken-5e6f"                   # a reverse proxy's ?token=
SECRETS = [TOKEN, PASSWORD, BASIC, QUERY]
ENV = {"GRAFANA_TOKEN": TOKEN}


def everything(query, headers) -> str:
    return f"auth={headers.get('authorization', '')} query={json.dumps(query)}"


def g_echo(status: int, retry_after: str | None = None):
    """A Grafana error whose message repeats the credentials and query it got."""
    return lambda q, h: Answer(status, {"message": f"upstream refused: {everything(q, h)}"},
                               headers={"Retry-After": retry_after} if retry_after else {})


def with_query_token(url: str) -> str:
    return f"{url}/?token={QUERY}"


def with_password(url: str) -> str:
    return url.replace("http://", f"http://admin:{PASSWORD}@")


def p_echo(status: int, retry_after: str | None = None):
    """A Prometheus-compatible error that repeats the Authorization header and the path with its query."""
    def behave(h):
        fs.reply(h, status, json.dumps({"status": "error", "errorType": "unavailable",
                                        "error": f"auth={h.headers.get('Authorization', '')} path={h.path}"}),
                 headers={"Retry-After": retry_after} if retry_after else None)
    return behave


def prometheus(behaviour, name: str, *extra: str):
    """`vobs validate --prometheus-url http://admin:<pw>@<fake>/?token=<t> --timeout 2s` on one dashboard."""
    def setup(box: Sandbox):
        folder = box.project / "dash"
        folder.mkdir()
        (folder / "d.json").write_text(json.dumps({"uid": "d1", "title": "D", "panels": [
            {"id": 1, "title": "P", "type": "timeseries", "targets": [{"refId": "A", "expr": "sample_level"}]}]}))
        url = with_query_token(with_password(fs.server(name, behaviour).url))
        return ["validate", "--prometheus-url", url, "--timeout", "2s", *extra, "dash"]
    return setup


AT = "Prometheus at http://127.0.0.1:"
CASES = [
    # --- Grafana ---------------------------------------------------------------------------------------------
    Case("g-429-until-retries-run-out", pull(on("/api/search", g_echo(429, "0")), url=with_query_token), 2,
         message="429", env=ENV, secrets=SECRETS, timeout=60),
    Case("g-429-http-date-retry-after", pull(on("/api/search", g_echo(429, "Wed, 21 Oct 2015 07:28:00 GMT")),
                                             url=with_query_token), 2, message="429", env=ENV, secrets=SECRETS,
         timeout=60),
    Case("g-500-on-search", pull(on("/api/search", g_echo(500)), url=with_password), 2, message="500",
         secrets=SECRETS),
    Case("g-502-html-on-health", pull(on("/api/health", lambda q, h: html(502, f"<pre>{everything(q, h)}</pre>")),
                                      url=with_query_token), 2, message="502", env=ENV, secrets=SECRETS),
    Case("g-503-on-every-save", command("publish", on("/api/dashboards/db", g_echo(503), method="POST")), 3,
         message="not published", env=ENV, secrets=SECRETS, timeout=60),
    # a proxy's 504 to the folder's create: the folder may have been made, so its outcome is unknown (exit 3, not 2)
    Case("g-504-on-folder-create", command("publish", on("/api/folders", g_echo(504), method="POST")), 3,
         message="1 folder of unknown outcome", env=ENV, secrets=SECRETS, timeout=60),
    Case("g-hang-with-query-token", pull(on("/api/frontend/settings", Answer(hang=True)), timeout="1s",
                                         url=with_query_token), 2, message="did not answer within 1s", env=ENV,
         secrets=SECRETS, timeout=30),
    Case("g-drip-on-save", command("publish", on("/api/dashboards/db", Answer(body=b"{" + b" " * 100 + b"}",
                                                                              drip=0.5), method="POST"),
                                   timeout="1500ms"), 3, message="not published", env=ENV, secrets=SECRETS, timeout=60),
    Case("g-unreachable-with-password", pull(normal, url=lambda u: with_query_token(with_password(
        f"http://127.0.0.1:{closed_port()}")), timeout="1s"), 2, message="unreachable", env=ENV, secrets=SECRETS),
    # --- Prometheus ------------------------------------------------------------------------------------------
    Case("p-429-echoes-everything", prometheus(p_echo(429, "0"), "secret-429"), 2, AT, secrets=SECRETS,
         env=ENV),
    Case("p-503-until-retries-run-out", prometheus(p_echo(503), "secret-503"), 2, AT, secrets=SECRETS, env=ENV),
    Case("p-500-echoes-everything", prometheus(p_echo(500), "secret-500"), 2, AT, "HTTP 500", secrets=SECRETS,
         env=ENV),
    Case("p-timeout-dripping", prometheus(fs.dripping(2.0), "secret-drip"), 2, AT, "did not answer within 2s",
         secrets=SECRETS, env=ENV, timeout=30),
    Case("p-connection-closed", prometheus(fs.closing, "secret-closing"), 2, AT, secrets=SECRETS, env=ENV),
]


@cases_param(CASES)
def test_no_secret_on_any_error_path(case: Case, tmp_path: Path):
    outcome = check(case, tmp_path)
    assert outcome.exit_code != 0  # an error path was taken: the secrets were there to leak
