"""URLs as users write them (issue 18): sub-paths, query-string tokens, trailing slashes, IPv6
literals and `user:pass@` for Grafana, Prometheus and chaos targets; uids with URL metacharacters;
paginated reads that never end. One row each, held to the harness' four rules (exit code, one
located error line, nothing written outside, no secret anywhere).

The servers are real where the behaviour is normal — the real Prometheus (tests/conftest.py) and
the spec-checked Grafana stand-in — each behind `SubPathProxy`, a small reverse proxy that serves
it under a sub-path and only with `?token=` in the query string, as deployments do. Fake servers
appear only for misbehaviour (a search that ignores `page`). IPv6 rows skip when `::1` cannot be
bound.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from sample_project import make_project
from subpath_proxy import SubPathProxy, ipv6_loopback_works

from hostile import fake_servers as fs
from hostile.harness import Case, Sandbox, cases_param, chaos_run_file, check
from hostile.test_grafana_hostile import _RUNNING as FAKE_GRAFANAS
from hostile.test_grafana_hostile import Answer, FakeGrafana, on

PROXY_TOKEN = "pr0xy-t0ken-7f3a9c"  # the proxy's query-string token: a secret
WRONG_TOKEN = "wr0ng-t0ken-4d2e"
GRAFANA_TOKEN = "glsa_standin_token"
BASIC_PW = "b4sic-s3cret-pw"
METRIC = "maximus_dopamine_level"  # served by the simulator the real Prometheus scrapes
LIVE: dict[str, Any] = {}
_STARTED: list[Any] = []
IPV6 = ipv6_loopback_works()

RUN_FILE = chaos_run_file("maximus_dopamine_level", -1)


@pytest.fixture(autouse=True)
def _live(prometheus):
    LIVE["prometheus"] = prometheus.url
    yield
    while _STARTED:
        _STARTED.pop().stop()
    while FAKE_GRAFANAS:
        FAKE_GRAFANAS.pop().stop()
    fs.stop_all()


def started(thing):
    _STARTED.append(thing)
    return thing


def proxy(upstream: str, prefix: str, token: str | None = PROXY_TOKEN, host: str = "127.0.0.1") -> SubPathProxy:
    return started(SubPathProxy(upstream, prefix, token, host))


def dashboards(box: Sandbox, query: str = METRIC) -> str:
    folder = box.project / "dash"
    folder.mkdir(exist_ok=True)
    model = {"uid": "d1", "title": "D", "panels": [
        {"id": 1, "title": "P", "type": "timeseries", "targets": [{"refId": "A", "expr": query}]}]}
    (folder / "d.json").write_text(json.dumps(model), encoding="utf-8")
    return "dash"


# --- Prometheus: the real one, behind the proxy ---------------------------------------------------

def prom_url(form: Callable[[SubPathProxy], str], host: str = "127.0.0.1", token: str | None = PROXY_TOKEN):
    def setup(box):
        p = proxy(LIVE["prometheus"], "/prometheus", token, host)
        return ["validate", "--prometheus-url", form(p), dashboards(box)]
    return setup


AT_PROM = "Prometheus at http://127.0.0.1:"
PROM_ENV: dict[str, str] = {}  # filled by the case's setup, read by the harness after it
PROM_CASES = [
    Case("prom-subpath-token", prom_url(lambda p: p.url), 0, error_line=False, secrets=[PROXY_TOKEN]),
    Case("prom-subpath-trailing-slash", prom_url(lambda p: f"{p.origin}/prometheus/?token={PROXY_TOKEN}"), 0,
         error_line=False, secrets=[PROXY_TOKEN]),
    Case("prom-subpath-trailing-slashes", prom_url(lambda p: f"{p.origin}/prometheus///?token={PROXY_TOKEN}"), 0,
         error_line=False, secrets=[PROXY_TOKEN]),
    Case("prom-subpath-token-and-more", prom_url(lambda p: f"{p.url}&tenant=a%20b"), 0, error_line=False,
         secrets=[PROXY_TOKEN]),
    Case("prom-subpath-userinfo-and-token", prom_url(lambda p: p.url.replace("http://", f"http://ops:{BASIC_PW}@")),
         0, error_line=False, secrets=[PROXY_TOKEN, BASIC_PW]),
    Case("prom-subpath-env", lambda box: (PROM_ENV.update(PROMETHEUS_URL=proxy(LIVE["prometheus"], "/prometheus").url),
                                          ["validate", dashboards(box)])[1], 0, error_line=False,
         env=PROM_ENV, secrets=[PROXY_TOKEN]),
    Case("prom-subpath-no-token", prom_url(lambda p: p.url.split("?")[0]), 2, AT_PROM, "HTTP 403"),
    Case("prom-subpath-wrong-token", prom_url(lambda p: p.url.replace(PROXY_TOKEN, WRONG_TOKEN)), 2, AT_PROM,
         "HTTP 403", secrets=[WRONG_TOKEN]),
    Case("prom-subpath-missing", prom_url(lambda p: p.url.replace("/prometheus", "")), 2, AT_PROM, "HTTP 404",
         secrets=[PROXY_TOKEN]),
    Case("prom-ipv6-subpath-token", prom_url(lambda p: p.url, host="::1"), 0, error_line=False,
         secrets=[PROXY_TOKEN]),
    Case("prom-ipv6-unreachable", lambda box: ["validate", "--prometheus-url",
                                               f"http://[::1]:{closed_v6_port()}/prometheus?token={PROXY_TOKEN}",
                                               dashboards(box)], 2, "Prometheus at http://[::1]:",
         "/prometheus is unreachable", secrets=[PROXY_TOKEN]),
    Case("prom-bracket-unclosed", lambda box: ["validate", "--prometheus-url",
                                                    f"http://ops:{BASIC_PW}@[::1:9090/p?token={PROXY_TOKEN}",
                                                    dashboards(box)], 2, "the Prometheus URL", "not a valid URL",
         secrets=[BASIC_PW, PROXY_TOKEN]),
    Case("grafana-bracket-unclosed-env", lambda box: ["pull", "--all"], 2, "the Grafana URL",
         "not a valid URL", env={"GRAFANA_URL": f"http://ops:{BASIC_PW}@[::1/g?token={PROXY_TOKEN}"},
         secrets=[BASIC_PW, PROXY_TOKEN]),
    Case("prom-no-scheme-bracketed-host", lambda box: ["validate", "--prometheus-url", f"ops:{BASIC_PW}@[::1]:9090",
                                             dashboards(box)], 2, "prometheus_url", "not an http",
         secrets=[BASIC_PW]),
    Case("prom-port-out-of-range", lambda box: ["validate", "--prometheus-url", "http://127.0.0.1:99999/p",
                                                dashboards(box)], 2, "the Prometheus URL", "not a valid URL"),
]


def closed_v6_port() -> int:
    import socket

    if not IPV6:
        return 9
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]


# --- Grafana: the stand-in, behind the proxy ------------------------------------------------------

def grafana(command: tuple[str, ...], form: Callable[[SubPathProxy], str] = lambda p: p.url, *,
            first: tuple[str, ...] = (), host: str = "127.0.0.1", token: str | None = PROXY_TOKEN,
            basic: tuple[str, str] = ("admin", "admin")):
    """`vobs <command>` on the sample project against the stand-in at `/grafana` behind the proxy;
    `first` runs before, in-process, through the same proxy."""
    def setup(box):
        make_project(box.project)
        standin = started(GrafanaStandIn(basic=basic).start())
        p = proxy(standin.url, "/grafana", token, host)
        url = form(p)
        LIVE["standin"], LIVE["proxy"] = standin, p
        if first:
            done = CliRunner().invoke(__import__("vertice_obs.cli", fromlist=["cli"]).cli,
                                      ["-C", str(box.project), *first, "--grafana-url", url],
                                      env={"GRAFANA_TOKEN": GRAFANA_TOKEN})
            assert done.exit_code == 0, done.output
        return ["-C", str(box.project), *command, "--grafana-url", url]
    return setup


ENV = {"GRAFANA_TOKEN": GRAFANA_TOKEN}
AT_GRAFANA = "Grafana at http://127.0.0.1:"
GRAFANA_CASES = [
    Case("grafana-subpath-publish", grafana(("publish",)), 0, error_line=False, env=ENV,
         secrets=[PROXY_TOKEN, GRAFANA_TOKEN]),
    Case("grafana-subpath-trailing-slash-publish", grafana(("publish",), lambda p: p.url.replace(
        "/grafana?", "/grafana/?")), 0, error_line=False, env=ENV, secrets=[PROXY_TOKEN]),
    Case("grafana-subpath-republish", grafana(("publish",), first=("publish",)), 0, error_line=False, env=ENV,
         secrets=[PROXY_TOKEN]),
    Case("grafana-subpath-diff-after-publish", grafana(("diff",), first=("publish",)), 0, error_line=False,
         env=ENV, secrets=[PROXY_TOKEN]),
    Case("grafana-subpath-pull", grafana(("pull", "--all", "-o", "out"), first=("publish",)), 0, error_line=False,
         env=ENV, writes=["project/out"], secrets=[PROXY_TOKEN]),
    Case("grafana-subpath-pull-one-uid", grafana(("pull", "--uid", "sample-a", "-o", "out"), first=("publish",)), 0,
         error_line=False, env=ENV, writes=["project/out"], secrets=[PROXY_TOKEN]),
    Case("grafana-subpath-basic-auth-in-url", grafana(("publish",), lambda p: p.url.replace(
        "http://", f"http://ops:{BASIC_PW}@"), basic=("ops", BASIC_PW)), 0, error_line=False,
         secrets=[PROXY_TOKEN, BASIC_PW]),
    Case("grafana-subpath-no-token", grafana(("publish",), lambda p: p.url.split("?")[0]), 2, AT_GRAFANA,
         "403", env=ENV),
    Case("grafana-subpath-wrong-token", grafana(("diff",), lambda p: p.url.replace(PROXY_TOKEN, WRONG_TOKEN)), 2,
         AT_GRAFANA, "403", env=ENV, secrets=[WRONG_TOKEN]),
    Case("grafana-subpath-forgotten", grafana(("diff",), lambda p: p.url.replace("/grafana", "")), 2, AT_GRAFANA,
         "404", env=ENV, secrets=[PROXY_TOKEN]),
    Case("grafana-ipv6-subpath-publish", grafana(("publish",), host="::1"), 0, error_line=False, env=ENV,
         secrets=[PROXY_TOKEN]),
    Case("grafana-ipv6-subpath-diff", grafana(("diff",), host="::1", first=("publish",)), 0, error_line=False,
         env=ENV, secrets=[PROXY_TOKEN]),
    Case("grafana-url-without-host", lambda box: ["pull", "--all", "--grafana-url", "http:///grafana"], 2,
         "the Grafana URL", "has no host", env=ENV),
    # uids from the user with URL metacharacters: refused before any request
    Case("grafana-pull-uid-percent", grafana(("pull", "--uid", "a%3Fb", "-o", "out")), 2, None,
         "is not a Grafana uid", env=ENV),
    Case("grafana-pull-uid-query", grafana(("pull", "--uid", "sample-a?x=1", "-o", "out")), 2, None,
         "is not a Grafana uid", env=ENV),
    Case("grafana-pull-uid-hash", grafana(("pull", "--uid", "sample-a#x", "-o", "out")), 2, None,
         "is not a Grafana uid", env=ENV),
    Case("grafana-publish-narrative-uid-query", lambda box: (make_project(box.project), (
        box.project / "narratives" / "sample.yaml").write_text((box.project / "narratives" / "sample.yaml")
                                                              .read_text().replace("dashboard: sample-b",
                                                                                   "dashboard: 'b?x=1'")),
        ["-C", str(box.project), "publish", "--grafana-url", "http://127.0.0.1:9"])[2], 2,
         "narratives/sample.yaml:", "must be a dashboard uid", env=ENV),
]


# --- paged reads that never end (fake Grafanas: misbehaviour) ---------------------------------------

def fake(command: tuple[str, ...], route, behind_proxy: bool = False):
    def setup(box):
        make_project(box.project)
        server = FakeGrafana(route)
        FAKE_GRAFANAS.append(server)
        url = proxy(server.url, "/grafana").url if behind_proxy else server.url
        return ["-C", str(box.project), *command, "--grafana-url", url, "--timeout", "5s"]
    return setup


def same_page(n: int, kind: str = "dash-db") -> Answer:
    return Answer(body=[{"uid": f"h{i}", "title": f"H{i}", "type": kind} for i in range(n)])


PAGING_CASES = [
    Case("paging-search-ignores-page-pull", fake(("pull", "--all", "-o", "out"), on("/api/search", same_page(5000))),
         2, AT_GRAFANA, "ignores `page`", env=ENV),
    Case("paging-search-ignores-page-behind-proxy", fake(("diff",), on("/api/search", same_page(5000)), True), 2,
         AT_GRAFANA, "page 2 of search", env=ENV, secrets=[PROXY_TOKEN]),
    Case("paging-search-second-page-subset", fake(("publish", "--dry-run"), on("/api/search", lambda q, h: Answer(body=[
        {"uid": f"h{i}", "title": "H", "type": "dash-db"} for i in (range(5000) if q.get("page") == ["1"]
                                                                     else range(4990, 5010))]))),
         0, error_line=False, env=ENV),  # overlapping pages with new items are normal: de-duplicated
    Case("paging-nested-folders-ignore-page", fake(("publish", "--dry-run"), on("/api/folders", lambda q, h: (
        same_page(1000) if not q.get("parentUid") else Answer(body=[])))), 2, AT_GRAFANA, "page 2 of folders",
         env=ENV),
]

# --- chaos targets: the fake target (it only records) behind the proxy -------------------------------

def chaos(form: Callable[[SubPathProxy], str] = lambda p: p.url, host: str = "127.0.0.1"):
    def setup(box):
        target = started(fs.Fake(fs.target()))
        LIVE["target"] = target
        p = proxy(target.url, "/sim", PROXY_TOKEN, host)
        (box.project / "day.yaml").write_text(RUN_FILE, encoding="utf-8")
        return ["chaos", "run", "day.yaml", "--target-url", form(p), "--prometheus-url", LIVE["prometheus"],
                "--time-scale", "0.001", "--http-timeout", "5s", "--journal", "j.json"]
    return setup


CHAOS_CASES = [
    Case("chaos-target-subpath-token", chaos(), 0, error_line=False, writes=["project/j.json"],
         secrets=[PROXY_TOKEN]),
    Case("chaos-target-subpath-trailing-slash", chaos(lambda p: p.url.replace("/sim?", "/sim/?")), 0,
         error_line=False, writes=["project/j.json"], secrets=[PROXY_TOKEN]),
    Case("chaos-target-userinfo-and-token", chaos(lambda p: p.url.replace("http://", f"http://ops:{BASIC_PW}@")),
         0, error_line=False, writes=["project/j.json"], secrets=[PROXY_TOKEN, BASIC_PW]),
    Case("chaos-target-wrong-token", chaos(lambda p: p.url.replace(PROXY_TOKEN, WRONG_TOKEN)), 2,
         "could not revert lat 100ms: DELETE http://127.0.0.1:", "/sim/fault/latency: HTTP 403",
         writes=["project/j.json"],
         secrets=[WRONG_TOKEN]),
    Case("chaos-target-ipv6-subpath", chaos(host="::1"), 0, error_line=False, writes=["project/j.json"],
         secrets=[PROXY_TOKEN]),
]

CASES = PROM_CASES + GRAFANA_CASES + PAGING_CASES + CHAOS_CASES


@cases_param(CASES)
def test_urls_hostile(case, tmp_path):
    if "ipv6" in case.id and not IPV6:
        pytest.skip("::1 cannot be bound on this machine (no IPv6 loopback)")
    out = check(case, tmp_path)
    if case.id.startswith("grafana-subpath") or case.id.startswith("grafana-ipv6"):
        LIVE["standin"].assert_no_violations()
        seen = LIVE["proxy"].seen
        assert all(line.split()[1].startswith("/grafana/api/") for line in seen if "forgotten" not in case.id), seen
    if case.id in ("grafana-subpath-publish", "grafana-subpath-trailing-slash-publish",
                   "grafana-subpath-basic-auth-in-url", "grafana-ipv6-subpath-publish"):
        assert set(LIVE["standin"].dashboards) == {"sample-a", "sample-b"}
    if case.id == "grafana-subpath-republish":
        assert all(e["model"]["version"] == 1 for e in LIVE["standin"].dashboards.values())
    if case.id.startswith("grafana-pull-uid"):
        assert LIVE["proxy"].seen == [], "a non-uid must be refused before any request"
    if case.id.startswith("chaos-target") and case.exit_code == 0:
        # the pre-flight's GET of the target (through the proxy: sub-path and token kept), then the fault
        assert LIVE["target"].requests == [("GET", "/"), ("POST", "/fault/latency"), ("DELETE", "/fault/latency")], \
            out.stdout


def test_the_table_is_large_enough():
    assert len(CASES) >= 20
