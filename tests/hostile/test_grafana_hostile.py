"""Hostile Grafanas (issue 9): servers that are not what they claim, uids that are paths, text that
is terminal control, answers that never end, folder trees that are not trees, poisoned state.

Each row runs `vobs diff|publish|pull` in a subprocess against a small misbehaving fake Grafana
(started per case on 127.0.0.1:0, below) or a poisoned provisioning folder, and holds the
harness' four rules: exit code, one located error line, nothing written outside, no secret.
Normal behaviour is tested on the spec-checked stand-in (tests/test_grafana_*.py); the version
matrix cases at the end run on the stand-in too.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from grafana_standin.server import VERSIONS
from sample_project import make_project

from hostile.harness import Case, cases_param, check

TOKEN = "glsa_hostileSECRETtoken0123456789"
PASSWORD = "pw-s3cret-in-url"
SERVER = "error: Grafana at http://127.0.0.1"  # a server-wide failure names the server, not a dashboard
OSC = "\x1b]0;pwned\x07"
ESC = "\x1b[2J\x1b[31m"
C1 = "\x9b31m"
HTML_502 = ("<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
            "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
LOGIN = ("<!doctype html><html lang=\"en\"><head><title>Grafana</title></head><body>"
         "<div id=\"login\">Sign in</div></body></html>")

# --- a small misbehaving Grafana ------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0  # seconds between single bytes of the body
    hang: bool = False  # accept, then never answer
    length: int | None = None  # a Content-Length that lies


def html(status: int, text: str) -> Answer:
    return Answer(status, text.encode(), "text/html; charset=utf-8")


Route = Callable[[str, str, dict[str, list[str]], dict[str, str]], "Answer | None"]


def dashboard(uid: str, title: str = "T", **extra: Any) -> dict[str, Any]:
    return {"dashboard": {"uid": uid, "title": title, "version": 3, "panels": [], **extra},
            "meta": {"folderUid": "", "version": 3}}


def normal(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Answer:
    """A well-behaved Grafana 11.4 with nothing in it: what every case changes one part of."""
    if path == "/api/health":
        return Answer(body={"commit": "fake", "database": "ok", "version": "11.4.0"})
    if path == "/api/frontend/settings":
        return Answer(body={"buildInfo": {"version": "11.4.0"}, "featureToggles": {"nestedFolders": True}})
    if path in ("/api/search", "/api/folders") and method == "GET":
        return Answer(body=[])
    if path == "/api/folders" and method == "POST":
        return Answer(body={"uid": "f", "title": "F"})
    if path == "/api/dashboards/db" and method == "POST":
        return Answer(body={"id": 1, "uid": "x", "status": "success", "version": 1, "slug": "x", "url": "/d/x"})
    if path.startswith("/api/dashboards/uid/") and path.endswith("/versions"):
        return Answer(body=[])
    if path in ("/api/annotations", "/api/playlists"):  # vobs' playlist records, and the playlists
        return Answer(body=[] if method == "GET" else {"message": "Annotation added", "id": 1, "uid": "p1",
                                                       "name": "N", "interval": "5m"})
    return Answer(404, {"message": "Dashboard not found", "status": "not-found"})


class FakeGrafana:
    def __init__(self, route: Route):
        self.route = route
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                fake.requests.append(f"{self.command} {self.path}")
                query = parse_qs(parts.query, keep_blank_values=True)
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = fake.route(self.command, parts.path, query, headers) or normal(
                    self.command, parts.path, query, headers)
                fake.send(self, answer)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                # vobs hanging up on a slow or hostile answer is what these cases test: not a traceback
                # in the CI log. Anything else is this fake's own bug, printed as usual.
                if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.stopped = threading.Event()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def send(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        if answer.hang:
            self.stopped.wait(120)
            return
        data = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(answer.length if answer.length is not None else len(data)))
        for key, value in answer.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        try:
            if not answer.drip:
                handler.wfile.write(data)
                return
            for i in range(len(data)):
                if self.stopped.wait(answer.drip):
                    return
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
        except OSError:
            pass

    def stop(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


_RUNNING: list[FakeGrafana] = []


@pytest.fixture(autouse=True)
def _stop_fakes():
    yield
    while _RUNNING:
        _RUNNING.pop().stop()


def on(path: str, answer: Answer | Callable[..., Answer], method: str = "GET") -> Route:
    """Answer `path` (a prefix when it ends with '*') this way, everything else normally."""
    def route(m, p, query, headers):
        if m == method and (p == path or path.endswith("*") and p.startswith(path[:-1])):
            return answer(query, headers) if callable(answer) else answer
        return None
    return route


def routes(*many: Route) -> Route:
    def route(m, p, query, headers):
        return next((a for a in (r(m, p, query, headers) for r in many) if a is not None), None)
    return route


# --- what each case runs -------------------------------------------------------------------------

def pull(route: Route, *extra: str, timeout: str = "3s", url: Callable[[str], str] = lambda u: u):
    def setup(box):
        fake = FakeGrafana(route)
        _RUNNING.append(fake)
        return ["pull", "--all", *extra, "-o", str(box.project / "out"), "--grafana-url", url(fake.url),
                "--timeout", timeout]
    return setup


def command(name: str, route: Route, *extra: str, timeout: str = "3s"):
    """`vobs diff|publish` on the sample project (two dashboards, folder Samples/Story)."""
    def setup(box):
        make_project(box.project)
        fake = FakeGrafana(route)
        _RUNNING.append(fake)
        return ["-C", str(box.project), name, "--grafana-url", fake.url, "--timeout", timeout, *extra]
    return setup


def search_hits(*uids: Any) -> Route:
    hits = [{"uid": u, "title": "Hit", "type": "dash-db", "tags": []} for u in uids]
    return routes(on("/api/search", Answer(body=hits)),
                  on("/api/dashboards/uid/*", lambda q, h: Answer(body=dashboard("good"))))


def live(uid: str, versions: Answer | None = None, **model: Any) -> Route:
    """Grafana holds dashboard `uid` (with `model` overrides) in the sample's folder — listed by the
    search, as a Grafana lists what it holds — its version list answered `versions`."""
    hit = {"uid": uid, "title": "T", "type": "dash-db", "tags": [], "folderUid": "vobs-samples-story"}
    return routes(on("/api/search", Answer(body=[hit])),
                  on(f"/api/dashboards/uid/{uid}", Answer(body=dashboard(uid, **model))),
                  on(f"/api/dashboards/uid/{uid}/versions", versions or Answer(body=[{"version": 3, "message": "ui"}])))


def provisioning(setup_files: Callable[[Any], None], *args: str, narrative_folder: str | None = None):
    def setup(box):
        make_project(box.project)
        if narrative_folder is not None:
            narrative = box.project / "narratives" / "sample.yaml"
            narrative.write_text(narrative.read_text().replace("folder: Samples/Story",
                                                               f"folder: {json.dumps(narrative_folder)}"))
        setup_files(box)
        return ["-C", str(box.project), *args]
    return setup


def state(text: str) -> Callable[[Any], None]:
    def write(box):
        (box.project / "provisioning").mkdir()
        (box.project / "provisioning" / ".vobs-state.json").write_text(text)
    return write


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_token(status: int, as_html: bool = False):
    def answer(query, headers):
        said = headers.get("authorization", "")
        if as_html:
            return html(status, f"<html><body><h1>Denied</h1><pre>Authorization: {said}</pre></body></html>")
        return Answer(status, {"message": f"invalid credentials: {said}", "messageId": "api-key.invalid"})
    return answer


ENV = {"GRAFANA_TOKEN": TOKEN}
HIT = {"uid": "good", "title": "Hit", "type": "dash-db", "tags": []}
NOT_UIDS = "that is not a Grafana uid, not written"  # one each: said in the singular (trial 22)

BAD_UIDS = [
    ("dotdot-slash", "../../x"), ("absolute", "/abs/x"), ("inner-dotdot", "a/../../b"), ("dotdot", ".."),
    ("dot", "."), ("backslashes", "a\\..\\..\\b"), ("query", "alpha?x=1"), ("fragment", "a#b"),
    ("percent-dots", "a%2e%2e"), ("too-long", "u" * 41), ("empty", ""), ("nul", "a\x00b"),
    ("osc-in-uid", f"a{OSC}b"), ("number", 12345), ("space", "a b"), ("home", "~/x"),
]

CASES = [
    # 1. uids from the server are never paths
    *[Case(f"pull-uid-{name}", pull(search_hits(uid)), 2, where=SERVER, message=NOT_UIDS, env=ENV,
           secrets=[TOKEN]) for name, uid in BAD_UIDS],
    Case("pull-uid-good-and-bad", pull(search_hits("good", "../../escape", "/etc/x")), 3, where=SERVER,
         message="pulled 1 into", writes=["project/out"], env=ENV, secrets=[TOKEN]),
    # a dashboard whose JSON names another uid (`../x`): its file would carry a uid vobs import refuses
    Case("pull-inner-uid-dotdot", pull(routes(on("/api/search", Answer(body=[HIT])),
                                              on("/api/dashboards/uid/good", Answer(body=dashboard("../../x"))))),
         2, where=SERVER, message="good (its JSON says uid '../../x')", env=ENV),
    Case("pull-inner-uid-good-and-bad", pull(routes(
        on("/api/search", Answer(body=[HIT, {**HIT, "uid": "evil"}])),
        on("/api/dashboards/uid/good", Answer(body=dashboard("good"))),
        on("/api/dashboards/uid/evil", Answer(body=dashboard("../evil"))))),
         3, where=SERVER, message="evil (its JSON says uid '../evil')", writes=["project/out"], env=ENV),
    Case("pull-uid-null", pull(search_hits(None)), 2, where="search: Grafana at", message="wrong shape", env=ENV),
    # uids from the user are checked before any request
    Case("pull-arg-uid-query", pull(normal, "--uid", "alpha?x=1"), 2, message="--uid 'alpha?x=1'", env=ENV),
    Case("pull-arg-uid-dotdot", pull(normal, "--uid", "../x"), 2, message="is not a Grafana uid", env=ENV),
    Case("pull-arg-uid-fragment", pull(normal, "--uid", "a#b"), 2, message="is not a Grafana uid", env=ENV),
    # a --folder is a uid or a path, matched against the server's folders and never sent as it is
    Case("pull-arg-folder-slash", pull(normal, "--folder", "a/b"), 2,
         message="no folder 'a/b' in Grafana at", env=ENV),
    Case("pull-arg-folder-query", pull(normal, "--folder", "alpha?x=1"), 2,
         message="no folder 'alpha?x=1' in Grafana at", env=ENV),
    # 2. servers that are not what they claim
    Case("health-login-page", pull(on("/api/health", html(200, LOGIN))), 2, where=SERVER, message="HTML page",
         env=ENV),
    Case("settings-login-page", pull(on("/api/frontend/settings", html(200, LOGIN))), 2, where=SERVER,
         message="a login page or a proxy", env=ENV),
    Case("search-login-page", pull(on("/api/search", html(200, LOGIN))), 2, message="HTML page", env=ENV),
    Case("dashboard-login-page", pull(routes(on("/api/dashboards/uid/*", html(200, LOGIN)), search_hits("good"))),
         2, message="HTML page", env=ENV),
    Case("redirect-to-login", pull(routes(on("/api/health", Answer(302, b"", "text/html", {"Location": "/login"})),
                                          on("/login", html(200, LOGIN)))), 2,
         message="answered with a redirect to /login, which vobs does not follow", env=ENV),
    Case("health-html-502", pull(on("/api/health", html(502, HTML_502))), 2, where=SERVER,
         message="answered 502: an HTML page titled '502 Bad Gateway'", env=ENV),
    Case("search-html-500", pull(on("/api/search", html(500, HTML_502.replace("502", "500")))), 2,
         message="answered 500", env=ENV),
    Case("search-text-plain", pull(on("/api/search", Answer(body=b"hello", content_type="text/plain"))), 2,
         message="text, not JSON", env=ENV),
    Case("search-broken-json", pull(on("/api/search", Answer(body=b"[{\"uid\": "))), 2, message="not JSON",
         env=ENV),
    Case("health-a-list", pull(on("/api/health", Answer(body=[]))), 2, message="wrong shape", env=ENV),
    Case("no-version", pull(routes(on("/api/health", Answer(body={"database": "ok"})),
                                   on("/api/frontend/settings", Answer(body={})))), 2, where=SERVER,
         message="does not say which Grafana it is", env=ENV),
    Case("version-banana", pull(routes(on("/api/health", Answer(body={"version": "banana"})),
                                       on("/api/frontend/settings", Answer(body={"buildInfo": {"version": "x"}})))), 2,
         message="does not say which Grafana", env=ENV),
    Case("version-too-old", pull(routes(on("/api/health", Answer(body={"version": "8.5.27"})),
                                        on("/api/frontend/settings", Answer(body={"buildInfo": {"version": "8.5.27"}})))),
         2, where=SERVER, message="vobs supports 9.5", env=ENV),
    Case("search-an-object", pull(on("/api/search", Answer(body={"uid": "x"}))), 2, message="wrong shape", env=ENV),
    Case("search-strings", pull(on("/api/search", Answer(body=["a", "b"]))), 2, message="wrong shape", env=ENV),
    Case("search-hit-without-uid", pull(on("/api/search", Answer(body=[{"title": "t"}]))), 2,
         message="wrong shape", env=ENV),
    Case("dashboard-a-list", pull(routes(on("/api/dashboards/uid/*", Answer(body=[])), search_hits("good"))), 2,
         message="wrong shape", env=ENV),
    Case("dashboard-a-string", pull(routes(on("/api/dashboards/uid/*", Answer(body={"dashboard": "x", "meta": {}})),
                                           search_hits("good"))),
         2, message="wrong shape", env=ENV),
    Case("diff-versions-a-number", command("diff", live("sample-a", versions=Answer(body=5))), 2,
         message="wrong shape", env=ENV),
    Case("diff-versions-strings", command("diff", live("sample-a", versions=Answer(body=["x"]))), 2,
         message="wrong shape", env=ENV),
    Case("diff-dashboard-panels-an-int", command("diff", live("sample-a", panels=5, templating="x")), 1,
         error_line=False, env=ENV),
    Case("publish-folders-an-object", command("publish", on("/api/folders", Answer(body={"a": 1}))), 2,
         message="wrong shape", env=ENV),
    Case("huge-content-length", pull(on("/api/search", Answer(body=[], length=200 * 1024 * 1024))), 2,
         message="byte cap", env=ENV),
    # 3. server-wide failures: once, first, naming the server
    Case("unreachable-pull", pull(normal, url=lambda u: f"http://127.0.0.1:{closed_port()}"), 2, where=SERVER,
         message="is unreachable", env=ENV),
    Case("unreachable-diff", lambda box: [a if not a.startswith("http") else f"http://127.0.0.1:{closed_port()}"
                                          for a in command("diff", normal)(box)],
         2, where=SERVER, message="is unreachable", env=ENV),
    Case("401-echoes-token", pull(on("/api/frontend/settings", echo_token(401))), 2, where=SERVER,
         message="refused the credentials (401", env=ENV, secrets=[TOKEN]),
    Case("401-html-echoes-token", pull(on("/api/frontend/settings", echo_token(401, as_html=True))), 2,
         where=SERVER, message="401", env=ENV, secrets=[TOKEN]),
    Case("401-on-publish-before-any-dashboard", command("publish", on("/api/frontend/settings", echo_token(401))),
         2, where=SERVER, env=ENV, secrets=[TOKEN]),
    Case("500-echoes-authorization", pull(on("/api/search", lambda q, h: Answer(
        500, {"message": f"upstream said Authorization: {h.get('authorization')}"}))), 2, message="answered 500",
         env=ENV, secrets=[TOKEN]),
    Case("password-in-url-echoed", pull(on("/api/frontend/settings", lambda q, h: Answer(
        401, {"message": f"bad basic auth {h.get('authorization')} for admin:{PASSWORD}"})),
        url=lambda u: u.replace("http://", f"http://admin:{PASSWORD}@")), 2,
         message="check the user and password in the Grafana URL", secrets=[PASSWORD]),  # not "GRAFANA_TOKEN"
    Case("tls-to-plain-http", pull(normal, url=lambda u: u.replace("http://", "https://")), 2,
         where="error: Grafana at https://127.0.0.1", message="does not speak TLS (plain HTTP? try http://", env=ENV),
    Case("403-on-settings", pull(on("/api/frontend/settings", Answer(403, {"message": "forbidden"}))), 2,
         message="lacks permission (403)", env=ENV),
    # 4. untrusted text: escape sequences never reach the terminal raw
    Case("500-message-with-osc", pull(on("/api/search", Answer(500, {"message": f"boom{OSC}{ESC}\a"}))), 2,
         message="boom\\x1b]0;pwned\\x07", env=ENV),
    Case("404-message-with-bel", pull(on("/api/search", Answer(404, {"message": "gone\a\a\a"}))), 2,
         message="not found (404): gone\\x07", env=ENV),
    Case("diff-title-with-escapes", command("diff", live("sample-a", title=f"{ESC}Evil{OSC}")), 1,
         error_line=False, env=ENV),
    Case("diff-orphan-title-c1", command("diff", on("/api/search", Answer(body=[
        {"uid": "orphan", "title": f"x{C1}{OSC}", "type": "dash-db", "tags": ["vertice-obs"]}]))), 1,
         error_line=False, env=ENV),
    Case("diff-json-title-c1", command("diff", live("sample-a", title=f"t{C1}\u202e"), "--format", "json"), 1,
         error_line=False, env=ENV),
    Case("diff-unified-escapes", command("diff", live("sample-a", description=f"d{C1}{OSC}"), "--unified"), 1,
         error_line=False, env=ENV),
    Case("publish-400-message-with-esc", command("publish", on("/api/dashboards/db", Answer(
        400, {"message": f"bad{ESC}{OSC}"}), method="POST")), 3, message="not published", env=ENV),
    # 5. nothing hangs
    Case("drip-health", pull(on("/api/health", Answer(body=b"{" + b" " * 100 + b"}", drip=0.5)), timeout="2s"), 2,
         message="did not answer within 2s", env=ENV, timeout=30),
    Case("drip-search", pull(on("/api/search", Answer(body=b"[" + b" " * 100 + b"]", drip=0.5)), timeout="2s"), 2,
         message="did not answer within 2s", env=ENV, timeout=30),
    Case("hang-settings", pull(on("/api/frontend/settings", Answer(hang=True)), timeout="1500ms"), 2,
         message="did not answer within 1.5s", env=ENV, timeout=30),
    Case("drip-save", command("publish", on("/api/dashboards/db", Answer(body=b"{" + b" " * 100 + b"}", drip=0.5),
                                            method="POST"), timeout="1500ms"), 3, message="of unknown outcome", env=ENV,
         timeout=60),
    Case("retry-after-an-hour", pull(on("/api/search", Answer(429, {"message": "slow down"},
                                                              headers={"Retry-After": "3600"})), timeout="1s"), 2,
         message="answered 429", env=ENV, timeout=30),
    Case("search-ignores-page", command("publish", on("/api/search", Answer(body=[
        {"uid": f"h{i}", "title": "x", "type": "dash-db"} for i in range(5000)]))), 2, where=SERVER,
         message="answered page 2 of search with only items of earlier pages: it ignores `page`", env=ENV),
    Case("folders-ignore-page-flat", command("publish", routes(
        on("/api/frontend/settings", Answer(body={"buildInfo": {"version": "10.4.3"},
                                                  "featureToggles": {"nestedFolders": False}})),
        on("/api/folders", Answer(body=[{"uid": f"f{i}", "title": f"F{i}"} for i in range(1000)])))), 2,
         where=SERVER, message="page 2 of folders with only items of earlier pages", env=ENV),
    # 6. folder trees that are not trees
    Case("folder-its-own-parent", command("publish", on("/api/folders", lambda q, h: Answer(
        body=[{"uid": "a", "title": "A"}])), "--dry-run"), 2, where=SERVER, message="lists folder 'a' again",
         env=ENV),
    Case("folder-cycle-a-b", command("publish", on("/api/folders", lambda q, h: Answer(
        body=[{"uid": "b" if q.get("parentUid") == ["a"] else "a", "title": "X"}])), "--dry-run"), 2,
         where=SERVER, message="again", env=ENV),
    Case("nested-claimed-parentuid-ignored", command("publish", on("/api/folders", Answer(
        body=[{"uid": "a", "title": "A"}, {"uid": "b", "title": "B"}]))), 2, message="parentUid ignored", env=ENV),
    # 7. the provisioning folder and its state file
    Case("state-cycle", provisioning(state(json.dumps({"dashboards": {}, "folders": {
        "a": {"title": "A", "parent": "b"}, "b": {"title": "B", "parent": "a"}}})), "publish"), 2,
         where="provisioning/.vobs-state.json", message="is its own ancestor"),
    Case("state-self-parent", provisioning(state(json.dumps({"folders": {"a": {"title": "A", "parent": "a"}}})),
                                           "publish"), 2, where="provisioning/.vobs-state.json",
         message="own ancestor"),
    Case("state-title-escapes", provisioning(state(json.dumps({"folders": {
        "vobs-samples": {"title": "../../../outside", "parent": ""}}})), "publish"), 2,
         where="provisioning/.vobs-state.json", message="not a folder name"),
    Case("state-not-json", provisioning(state("{\n  not json"), "publish"), 2,
         where="provisioning/.vobs-state.json:2", message="not valid JSON"),
    Case("state-wrong-shape", provisioning(state("[1, 2]"), "diff"), 2, where="provisioning/.vobs-state.json"),
    Case("state-folder-a-string", provisioning(state(json.dumps({"folders": {"a": "A"}})), "publish"), 2,
         where="provisioning/.vobs-state.json", message="folder 'a'"),
    Case("narrative-folder-dotdot", provisioning(lambda box: None, "publish", narrative_folder=".."), 2),
    Case("narrative-folder-inner-dotdot", provisioning(lambda box: None, "publish",
                                                       narrative_folder="Samples/../../x"), 2),
    Case("narrative-folder-non-ascii", provisioning(lambda box: None, "publish",
                                                    narrative_folder="MAXIMUS/ドーパミン"), 0,
         writes=["project/provisioning/"], error_line=False),
    Case("provisioning-symlink-outside", provisioning(
        lambda box: ((box.project / "provisioning").mkdir(),
                     (box.project / "provisioning" / "Samples").symlink_to(box.outside)), "publish"), 3,
         message="not published", writes=["project/provisioning/"]),
    Case("provisioning-broken-dashboard-file", provisioning(
        lambda box: ((box.project / "provisioning").mkdir(),
                     (box.project / "provisioning" / "sample-a.json").write_text("{oops")), "diff"), 2,
         message="not valid JSON"),
]


@cases_param(CASES)
def test_hostile_grafana(case, tmp_path):
    check(case, tmp_path)


def test_the_table_is_large_enough():
    assert len(CASES) >= 45


def test_bad_uids_from_the_user_send_no_request(tmp_path):
    fake = FakeGrafana(normal)
    _RUNNING.append(fake)
    for uid in ("alpha?x=1", "a#b", "a%2e", "../x"):
        out = check(Case(f"uid-{uid}", lambda box: ["pull", "--uid", uid, "--grafana-url", fake.url], 2,
                         message="is not a Grafana uid", env=ENV), tmp_path / str(len(fake.requests)))
        assert out.exit_code == 2
    assert fake.requests == []


def test_server_wide_failure_is_reported_once_before_any_dashboard(tmp_path):
    out = check(CASES[[c.id for c in CASES].index("unreachable-diff")], tmp_path)
    assert out.stdout == "" and "sample-" not in out.stderr


def test_a_drip_ends_near_its_deadline(tmp_path):
    case = next(c for c in CASES if c.id == "drip-search")
    start = time.monotonic()
    check(case, tmp_path)
    assert time.monotonic() - start < 15  # 2 s deadline, plus start-up; never the 50 s the drip would take


# --- the version matrix, on the stand-in ------------------------------------------------------------

def on_standin(version: str, first: tuple[str, ...], then: tuple[str, ...], faults: dict[str, Any] | None = None):
    """Run `first` in-process against a stand-in of `version`, then `then` as the case."""
    def setup(box):
        make_project(box.project)
        standin = GrafanaStandIn(version=version).start()
        _STANDINS.append(standin)
        from vertice_obs.cli import cli

        if first:
            done = CliRunner().invoke(cli, ["-C", str(box.project), *first, "--grafana-url", standin.url],
                                      env={"GRAFANA_TOKEN": "glsa_standin_token"})
            assert done.exit_code == 0, done.output
        standin.writes_before = len(standin.writes())
        if faults:
            standin.set_faults(**faults)
        return ["-C", str(box.project), *then, "--grafana-url", standin.url]
    return setup


_STANDINS: list[GrafanaStandIn] = []
STANDIN_ENV = {"GRAFANA_TOKEN": "glsa_standin_token"}
VERSION_CASES = [
    *[Case(f"republish-writes-nothing-{v}", on_standin(v, ("publish",), ("publish",)), 0, error_line=False,
           env=STANDIN_ENV, secrets=["glsa_standin_token"]) for v in VERSIONS],
    *[Case(f"diff-after-publish-{v}", on_standin(v, ("publish",), ("diff",)), 0, error_line=False,
           env=STANDIN_ENV) for v in VERSIONS],
    *[Case(f"lost-reply-is-ours-{v}", on_standin(v, (), ("publish", "--concurrency", "1"), dict(
        script=["drop-reply"], methods=frozenset({"POST"}), paths=("/api/dashboards/db",))), 0, error_line=False,
        env=STANDIN_ENV)
      for v in VERSIONS],
]


@cases_param(VERSION_CASES)
def test_version_matrix(case, tmp_path):
    try:
        out = check(case, tmp_path)
        standin = _STANDINS[-1]
        standin.assert_no_violations()
        if case.id.startswith("republish"):
            assert len(standin.writes()) == standin.writes_before, "a re-publish must write nothing"
        if case.id.startswith("lost-reply"):
            # no 412 said (a status, not digits of the stand-in's random port such as 41231)
            assert "failed" not in out.stdout and not re.search(r"\b412\b", out.stdout + out.stderr)
            assert {e["model"]["version"] for e in standin.dashboards.values()} == {1}
            assert [r.status for r in standin.requests if r.path == "/api/dashboards/db"][:2] == [-1, 412]
    finally:
        while _STANDINS:
            _STANDINS.pop().stop()


def test_a_dashboard_whose_json_names_another_uid_is_not_written(tmp_path):
    out = check(CASES[[c.id for c in CASES].index("pull-inner-uid-good-and-bad")], tmp_path)
    assert sorted(out.written) == ["project/out/good.json", "project/out/inventory.json"], out.written
    inventory = json.loads(out.written["project/out/inventory.json"])
    assert [d["uid"] for d in inventory["dashboards"]] == ["good"]
