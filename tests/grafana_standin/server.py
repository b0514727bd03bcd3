"""A stand-in Grafana for tests: an HTTP server on a free loopback port.

It follows Grafana's official OpenAPI spec (every request is validated, see `spec.py`; the spec is
in this folder, see SOURCE.md — only a benchmark switches that off, `validate=False`) and Grafana's documented behaviours: ids and versions assigned on
save, `412 version-mismatch`, 404s for unknown uids and folders, 401/403, a dashboard moved to
General when an update omits `folderUid`, search hits shaped as Grafana's. A Viewer token's write
is refused as Grafana's access-control middleware refuses it, `403` "You'll need additional
permissions to perform this action. Permissions needed: folders:create" (`POST /api/folders`) or
"…: any of dashboards:create, dashboards:write" (`POST /api/dashboards/db`); a save into a folder in
`read_only_folders` answers `403` "Access denied to save dashboard" (`dashboards.ErrDashboardUpdateAccessDenied`
in pkg/services/dashboards/errors.go). A folder in `unreadable_folders` is one the token has no
permission on: `GET /api/folders/{uid}` answers `403` "…Permissions needed: folders:read" (the route
is authorised by `folders:read` scoped to `folders:uid:<uid>`, pkg/api/api.go; the folder HTTP API
docs list 403 "Access Denied" beside 404 "Folder not found"), `GET /api/folders` and the search leave
it out ("Returns all folders that the authenticated user has permission to view"), and a save into it
answers 403 as for a read-only one. Annotations follow Grafana's fixed roles: a Viewer may add them
to dashboards but not to the organisation (403 "Access denied to this dashboard", from PostAnnotation's
own check), a token of no basic role (`glsa_norole_token`) may not add any (the middleware's 403
"…Permissions needed: annotations:create"), and `GET /api/access-control/user/permissions` answers
each token's actions and scopes (see `PERMISSIONS`). A service-account token (or API key) sent with an
`X-Grafana-Org-Id` of another organisation than its own answers `401` with messageId
`api-key.organization-mismatch`, "API key does not belong to the requested organization"
(`errAPIKeyOrgMismatch` in pkg/services/authn/clients/api_key.go, `validateApiKey`: a key belongs
to one org; written as an errutil public error by the middleware's `WriteErrOrFallback`; Grafana
10 on, where authn serves every request — 9.5's older context handler is not modelled apart). A basic-auth
USER sent with the `X-Grafana-Org-Id` of an organisation it is not a member of gets no 401: it is signed
in with no role there. Grafana reads the user for the request's org (`GetSignedInUser` with the header's
org: 9.5's `initContextWithBasicAuth`, from 10 authn's `orgIDFromHeader` in authnimpl/service.go and
`FetchSyncedUserHook` in authnimpl/sync/user_sync.go), and the user store gives a user without a role in
that org `OrgID = -1`, "Org missing" (`GetSignedInUser` in pkg/services/user/userimpl/store.go). Routes
that need only a signed-in user answer (`/api/frontend/settings`, `/api/user/orgs` — the user's own
organisations, `getSignedInUserOrgList`, registered under `/api/user` with no RBAC check in pkg/api/api.go),
searches find nothing (org -1), and every route behind RBAC answers 403 "You'll need additional permissions
to perform this action. Permissions needed: …" (grafana/grafana#88924 shows that 403 for a user outside any
organisation), a playlist write (Editor role) 403 "Permission denied". The stand-in serves one organisation
(`org_id`), the basic user a member of it alone (`_outside_org`). Sources: grafana/grafana's folder API tests (the
folders:create message), its route registration, docs/sources/developers/http_api/folder.md and its
dashboard errors, read with the search tool for this. Faults can be injected
(latency, 5xx, 429 with Retry-After, connection resets, timeouts, a reply lost after the write was
applied). Every request is logged, without secrets.

Version mode (`GrafanaStandIn(version=…)`, see `VERSIONS`) models what differs between the
Grafanas vobs supports: 9.5 and 10.4 without the `nestedFolders` toggle ignore `parentUid` on
`GET /api/folders` (every folder is listed) and on folder create (folders have no parent); 11
and 12 nest. An existing folder uid answers 412 before 11 and 409 from 11 (both mean "exists").
The versions list is a bare array up to 11.4 and `{continueToken, versions}` from 11.5.
Before 11.3 a folder holds one dashboard of a title: saving another dashboard of its title into the
same folder answers `412` `{"status": "name-exists", "message": "A dashboard with the same name in
the folder already exists"}` (`ErrDashboardWithSameNameInFolderExists`, status code 412 — not 400 —
in pkg/services/dashboards/errors.go; the check, `getExistingDashboardByTitleAndFolder` in
pkg/services/dashboards/database/database.go; with `overwrite` it would take the other dashboard's
place, which vobs never sends). Titles are compared trimmed and exactly (`title=?`, as on SQLite
and Postgres; MySQL's `utf8mb4_unicode_ci` would ignore case): grafana/grafana#70723 replaced the
slug by the title in 9.5.7 and 10.0.2, before any release the stand-in plays. 11.3 dropped the rule
("Dashboards: Remove unique name constraints", grafana/grafana#90687: "In Grafana 11.3, dashboards
and folder names are no longer required to be unique"), so 11.4 and 12 save both. The same query
finds a FOLDER of the title: anywhere in the organisation before 10.4 (`is_folder OR folder_id=?`),
from 10.4 only beside the dashboard (`folder_uid=?`, or `IS NULL` at the root; grafana/grafana#77076,
dated between 10.3.0 and 10.4.0) — then it answers `400` `{"status": "name-match", "message":
"Dashboard name cannot be the same as folder"}` (`ErrDashboardWithSameNameAsFolder`), checked before
`overwrite` is looked at (kyverno/kyverno#6234 met it when provisioning "Kyverno" into "Kyverno").
The lookup takes ONE row (`Get`): when it is the saved dashboard itself, neither rule applies — here
the row of the lowest id, as a table read in rowid order gives it (the real order is the database's). A
folder is made through the same lookup before 11.3 (folders are rows of the dashboard table): one of
a title already taken by a folder in its place answers `ErrFolderSameNameExists` ("a folder or
dashboard in the general folder with the same name already exists"; 409 from 10, as Grafana's
folder API tests expect, 400 in 9.x's `toFolderError`), and a root folder of a root dashboard's title
`400` "Folder name cannot be the same as one of its dashboards"
(`ErrDashboardFolderWithSameNameAsDashboard`, a `DashboardErr` of status 400). Saving
into an unknown `folderUid` is silently accepted up to 11.x and a 400 from 12.

`GET /api/annotations` answers the newest `limit` (100 when none is given) by end, then start time,
both descending, and filters by time only when given both `from` and `to` (ms: `epoch <= to AND
epoch_end >= from`, so `to` is inclusive; one alone is ignored) — `Get` in
pkg/services/annotations/annotationsimpl/xorm_store.go; ties come in the order they were added.

Playlists (`/api/playlists`, spec operations searchPlaylists, createPlaylist, getPlaylist,
updatePlaylist, deletePlaylist, getPlaylistItems) are kept by uid in every version served: Grafana
9.0 replaced their numeric ids by uids in the API (grafana/grafana#49609, issue #48336), and vobs
supports 9.5 on. Create assigns the uid (`CreatePlaylistCommand` has no `uid`: one sent is ignored,
as Grafana's `json:"-"` field does); a name is required; there is no version and no history.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import orjson

from .resources import resource_list
from .spec import RESOURCES, Spec

VERSION = "11.4.0"
# The version matrix the Grafana tests run over (tests/conftest.py `grafana_version`).
VERSIONS = ("9.5.21", "10.4.19", "11.4.0", "12.0.2")
# The signed-in identity's own permissions, action → scopes (`getUserPermissions`, registered for any
# signed-in user by pkg/services/accesscontrol/api/api.go; Grafana's service-account docs, "Debug the
# permissions of a service account token", read a token's permissions from it). Per basic role, the
# annotation and dashboard actions of Grafana's fixed roles: Viewer holds `fixed:annotations.dashboard:writer`
# (annotations:create on annotations:type:dashboard: it may annotate dashboards, not the organisation),
# Editor and Admin `fixed:annotations:writer` (annotations:*); a service account of no basic role ("None") none.
PERMISSIONS_PATH = "/api/access-control/user/permissions"
PERMISSIONS = {
    "Admin": {"annotations:create": ["annotations:*"], "annotations:read": ["annotations:*"],
              "annotations:write": ["annotations:*"], "dashboards:read": ["dashboards:*", "folders:*"],
              "dashboards:write": ["dashboards:*", "folders:*"], "folders:create": [""]},
    "Viewer": {"annotations:create": ["annotations:type:dashboard"], "annotations:read": ["annotations:*"],
               "annotations:write": ["annotations:type:dashboard"], "dashboards:read": ["dashboards:*", "folders:*"]},
    "None": {},
}
# Not in the spec, but served by every Grafana (grafana-client reads the version from it), and
# the stand-in's own statistics for a benchmark that runs it in another process.
_KNOWN_OUTSIDE_SPEC = {("GET", "/api/frontend/settings"), ("GET", "/_standin/stats"), ("GET", PERMISSIONS_PATH)}
_UID = re.compile(r"^[a-zA-Z0-9\-_]*$")
_SECRET_HEADERS = {"authorization", "cookie"}


@dataclass
class Faults:
    """What to inject, into requests whose method is in `methods` (None: all but /api/health)."""

    latency_ms: float = 0.0
    rate: float = 0.0  # probability that a matching request gets a fault
    kinds: tuple[str, ...] = ("500",)  # "500" "502" "503" "429" "reset" "timeout" "drop-reply" "cut-body" "redirect"
    methods: frozenset[str] | None = None
    paths: tuple[str, ...] = ()  # only requests whose path starts with one of these (empty: all)
    script: list[str] = field(default_factory=list)  # faults to inject first, in order ("" = none)
    retry_after: int = 1
    timeout_seconds: float = 3.0
    seed: int = 0


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    status: int = 0


class GrafanaStandIn:
    def __init__(self, token: str = "glsa_standin_token", basic: tuple[str, str] = ("admin", "admin"),
                 readonly_token: str = "glsa_viewer_token", org_id: int = 1, strict: bool = True,
                 version: str = VERSION, nested_folders: bool | None = None, validate: bool = True,
                 norole_token: str = "glsa_norole_token"):
        # norole_token: a service account of no basic role (Grafana 10.3 on offers "No basic role"): signed
        # in, allowed nothing — every write answers the RBAC middleware's 403.
        self.tokens = {token: "Admin", readonly_token: "Viewer", norole_token: "None"}
        # Folders whose dashboards any token may read but not save (a folder permission of View):
        # Grafana answers 403 "Access denied to save dashboard" (`ErrDashboardUpdateAccessDenied`).
        self.read_only_folders: set[str] = set()
        # Folders the tokens have no permission on at all: 403 when read by uid, absent from lists (see above).
        self.unreadable_folders: set[str] = set()
        self.basic = basic
        self.org_id = org_id  # the one organisation served: the basic user is a member of it alone
        self.org_name = "Main Org." if org_id == 1 else f"Org {org_id}"
        self.strict = strict
        # Off only in benchmark mode (`python -m grafana_standin --no-validate`): checking every body
        # against the spec costs the stand-in more CPU than the client being measured spends.
        self.validate = validate
        self.version = version
        self.major_minor = tuple(int(x) for x in version.split(".")[:2])
        # nested folders: GA from 11; behind the nestedFolders toggle (off by default) before.
        self.nested = self.major_minor >= (11, 0) if nested_folders is None else nested_folders
        self.spec = Spec()
        self.resource_spec = Spec(RESOURCES)  # /apis/dashboard.grafana.app (the resource API, served from 12 on)
        self.faults = Faults()
        self._rng = random.Random(0)
        self.requests: list[Logged] = []
        self.violations: list[str] = []
        self.dashboards: dict[str, dict[str, Any]] = {}
        # uids by trimmed title, as each was stored (`_store`): a save's title rule looks at these instead of
        # every dashboard (a benchmark's 5,000th save read 5,000). A candidate is checked against the entry
        # as it is now — a test may move one (`folderUid`) or delete it — so a stale uid only costs a look.
        self._by_title: dict[str, set[str]] = {}
        self.folders: dict[str, dict[str, Any]] = {}
        self.annotations: list[dict[str, Any]] = []
        self.playlists: dict[str, dict[str, Any]] = {}
        self._next_id = 1
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def titled(self, title: str) -> list[dict[str, Any]]:
        """The dashboards whose trimmed title is `title` now (a stored uid since deleted or retitled is not)."""
        entries = (self.dashboards.get(uid) for uid in self._by_title.get(title, ()))
        return [e for e in entries if e is not None and _title(e["model"].get("title", "")) == title]

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> "GrafanaStandIn":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "GrafanaStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- inspection -------------------------------------------------------------------------------
    def writes(self) -> list[Logged]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def assert_no_violations(self) -> None:
        assert not self.violations, "requests Grafana would reject:\n" + "\n".join(self.violations)

    def spec_for(self, path: str) -> Spec:
        return self.resource_spec if path.startswith("/apis/") else self.spec

    def match_exists(self, method: str, path: str) -> bool:
        return self.spec_for(path).match(method, path) is not None

    def set_faults(self, **kwargs: Any) -> None:
        self.faults = Faults(**kwargs)
        self._rng = random.Random(self.faults.seed)

    def edit_in_ui(self, uid: str, mutate: Callable[[dict[str, Any]], None], user: str = "alice") -> int:
        """A person edits and saves the dashboard in Grafana's UI: content changes, version +1."""
        with self._lock:
            entry = self.dashboards[uid]
            model = copy.deepcopy(entry["model"])
            mutate(model)
            return self._store(model, entry["folderUid"], f"edited by {user} in the UI", user)["version"]

    def edit_playlist_in_ui(self, uid: str, mutate: Callable[[dict[str, Any]], None]) -> None:
        """A person edits and saves the playlist in Grafana's UI (name, interval, items)."""
        with self._lock:
            mutate(self.playlists[uid])

    def edit_folder_in_ui(self, uid: str, title: str | None = None, parent_uid: str | None = None) -> None:
        """A person renames the folder (`PUT /api/folders/{uid}`) or moves it (`…/move`) in Grafana's UI:
        version +1, as the API would."""
        with self._lock:
            folder = self.folders[uid]
            folder.update({"title": folder["title"] if title is None else title,
                           "parentUid": folder.get("parentUid", "") if parent_uid is None else parent_uid,
                           "version": folder["version"] + 1, "updated": _now()})

    def provision(self, model: dict[str, Any], path: str, folder_uid: str = "", provisioner: str = "files",
                  allow_ui_updates: bool = False) -> dict[str, Any]:
        """A dashboard file provisioning loads (`path`, relative to the provider's folder) — as Grafana's
        provisioner saves it, with no message. With `allow_ui_updates` false (Grafana's default) an API save
        of it answers `400` "Cannot save provisioned dashboard" (`ErrDashboardCannotSaveProvisionedDashboard`
        in pkg/services/dashboards/errors.go, raised by the dashboard service's `BuildSaveDashboardCommand`
        after the version and title checks) and `GET /api/dashboards/uid/<uid>` says `meta.provisioned: true`
        with `provisionedExternalId` the file's path (pkg/api/dashboard.go, getDashboardHelper: `provisioned`
        is set only when the provider does not allow UI updates; the path is set either way). Grafana 12's
        resource list marks it by annotations (`grafana.app/managedBy: classic-file-provisioning`,
        `grafana.app/managerId`: the provisioner, `grafana.app/sourcePath`: the file; pkg/apimachinery/utils
        manager.go, the legacy SQL row reader). Sources read with the search tool for this."""
        with self._lock:
            entry = self._store(model, folder_uid, "", "provisioner")
            self.dashboards[entry["uid"]]["provisioning"] = {"path": path, "name": provisioner,
                                                             "allowUiUpdates": allow_ui_updates}
            return entry

    # --- state changes ----------------------------------------------------------------------------
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _store(self, model: dict[str, Any], folder_uid: str, message: str, user: str = "admin") -> dict[str, Any]:
        uid = model.get("uid") or f"gen{self._next_id:06d}"
        now = _now()
        entry = self.dashboards.get(uid)
        if entry is None:
            entry = self.dashboards[uid] = {"id": self._id(), "created": now, "createdBy": user, "versions": []}
        version = len(entry["versions"]) + 1
        stored = {**model, "id": entry["id"], "uid": uid, "version": version}
        self._by_title.setdefault(_title(stored.get("title", "")), set()).add(uid)
        entry.update(model=stored, folderUid=folder_uid, updated=now, updatedBy=user)
        entry["versions"].append({"version": version, "message": message, "created": now, "createdBy": user,
                                  "data": _copy(stored)})
        return entry | {"uid": uid, "version": version}


class _Handler(BaseHTTPRequestHandler):
    standin: GrafanaStandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, delayed ACKs add ~40 ms to each reply.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    # --- plumbing ---------------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        s = self.standin
        parts = urlsplit(self.path)
        path, query = parts.path.rstrip("/") or "/", parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "<invalid JSON>"
        headers = {k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        logged = Logged(method, path, query, body, headers)
        with s._lock:
            s.requests.append(logged)
        if s.validate and (method, path) not in _KNOWN_OUTSIDE_SPEC:
            problems = s.spec_for(path).validate(method, path, query, body)
            if problems:
                with s._lock:
                    s.violations.extend(problems)
                if s.match_exists(method, path):
                    return self._reply(logged, 400, {"message": "bad request data", "problems": problems})
                return self._reply(logged, 404, {"message": "Not found"})
        if path != "/api/health":
            fault = self._fault(method, path)
            if fault == "drop-reply":  # the write is applied, then its reply is lost
                with s._lock:
                    _route(s, method, path, query, body)
                fault = "reset"
            if fault == "cut-body":  # the write is applied, its reply's headers sent, then half its body
                with s._lock:
                    status, payload = _route(s, method, path, query, body)
                data = orjson.dumps(payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                fault = "reset"
            if fault == "redirect":  # a proxy in front points elsewhere (307: the method and body kept)
                return self._reply(logged, 307, {}, {"Location": f"http://127.0.0.1:9/{path.lstrip('/')}?token=secret-in-location"})
            if fault == "reset":
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                logged.status = -1
                return
            if fault == "timeout":
                time.sleep(s.faults.timeout_seconds)
                return self._reply(logged, 504, {"message": "timeout"})
            if fault == "429":
                return self._reply(logged, 429, {"message": "Too many requests"},
                                   {"Retry-After": str(s.faults.retry_after)})
            if fault:
                return self._reply(logged, int(fault), {"message": "injected server error"})
            denied = self._auth(method, path, body)
            if denied:
                return self._reply(logged, *denied)
            if path == PERMISSIONS_PATH and method == "GET":
                return self._reply(logged, 200, PERMISSIONS[self.role])
        with s._lock:
            status, payload = _route(s, method, path, query, body)
        self._reply(logged, status, payload)

    def _fault(self, method: str, path: str) -> str:
        s, f = self.standin, self.standin.faults
        if f.latency_ms:
            time.sleep(f.latency_ms / 1000)
        if f.methods is not None and method not in f.methods or f.paths and not path.startswith(f.paths):
            return ""
        with s._lock:
            if f.script:
                return f.script.pop(0)
            if f.rate and s._rng.random() < f.rate:
                return s._rng.choice(f.kinds)
        return ""

    def _auth(self, method: str, path: str = "", body: Any = None) -> tuple[int, dict] | None:
        """401 or 403 as Grafana's authentication and RBAC would answer; the role that asked is `self.role`."""
        s = self.standin
        header = self.headers.get("Authorization", "")
        role = None
        if header.startswith("Bearer "):
            role = s.tokens.get(header[7:])
            if role is None:
                return 401, {"message": "Invalid API key", "messageId": "api-key.invalid", "statusCode": 401,
                             "traceID": ""}
        elif header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user = password = ""
            if (user, password) != s.basic:
                return 401, {"message": "Invalid username or password", "messageId": "password-auth.failed",
                             "statusCode": 401, "traceID": ""}
            role = "Admin"
        else:
            return 401, {"message": "Unauthorized", "messageId": "auth.unauthorized", "statusCode": 401, "traceID": ""}
        org = self.headers.get("X-Grafana-Org-Id")
        if org is not None and org != str(s.org_id) and header.startswith("Bearer "):  # a token of another org
            return 401, {"message": "API key does not belong to the requested organization",
                         "messageId": "api-key.organization-mismatch", "statusCode": 401, "traceID": ""}
        if org is not None and org != str(s.org_id):  # a user signed in to an organisation it is not a member of
            self.role = "None"
            return _outside_org(method, path)
        self.role = role
        if role == "Viewer" and path == "/api/annotations" and method == "POST":
            # allowed by the middleware (annotations:create on dashboards); PostAnnotation's own check
            # (canCreateAnnotation) then refuses an organisation annotation: dashboardGuardianResponse(nil)
            if isinstance(body, dict) and (body.get("dashboardUID") or body.get("dashboardId")):
                return None
            return 403, {"message": "Access denied to this dashboard"}
        if role in ("Viewer", "None") and method != "GET":  # Grafana's RBAC middleware, naming what the route needs
            needed = {"/api/folders": "folders:create", "/api/dashboards/db": "any of dashboards:create, dashboards:write",
                      "/api/annotations": "annotations:create"}
            return 403, {"message": "You'll need additional permissions to perform this action. "
                                    f"Permissions needed: {needed.get(urlsplit(self.path).path, 'dashboards:write')}",
                         "accessErrorId": "ACE0000000001", "title": "Access denied"}
        return None

    def _reply(self, logged: Logged, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        logged.status = status
        try:  # orjson: a list page of megabytes must not make the stand-in the slow side of a benchmark
            data = orjson.dumps(payload)
        except TypeError:
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


# --- the API ------------------------------------------------------------------------------------------

def _route(s: GrafanaStandIn, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    one = {k: v[0] for k, v in query.items()}
    if path == "/api/health":
        return 200, {"commit": "standin", "database": "ok", "version": s.version}
    if path == "/_standin/stats":
        return 200, {"requests": len(s.requests), "writes": len(s.writes()), "violations": s.violations}
    if path == "/api/frontend/settings":
        return 200, {"buildInfo": {"version": s.version, "commit": "standin", "edition": "Open Source"},
                     # 12 no longer lists the GA toggle: vobs then goes by the version.
                     "featureToggles": {} if s.nested and s.major_minor >= (12, 0) else {"nestedFolders": s.nested},
                     # the organisation's namespace in the resource APIs (/apis/…), served from 12 on here
                     **({"namespace": "default" if s.org_id == 1 else f"org-{s.org_id}"}
                        if s.major_minor >= (12, 0) else {})}
    if path == "/api/search" and method == "GET":
        return _search(s, query)
    if path == "/api/user/orgs" and method == "GET":  # getSignedInUserOrgList: the (basic-auth) user's organisations
        return 200, [{"orgId": s.org_id, "name": s.org_name, "role": "Admin"}]
    if path == "/api/folders":
        return _folders_list(s, one) if method == "GET" else _folder_create(s, body)
    m = re.fullmatch(r"/api/folders/([^/]+)", path)
    if m and method == "GET":
        folder = s.folders.get(m.group(1))
        if m.group(1) in s.unreadable_folders:  # the RBAC middleware, before the handler looks it up
            return 403, {"message": "You'll need additional permissions to perform this action. Permissions "
                                    "needed: folders:read", "accessErrorId": "ACE0000000002", "title": "Access denied"}
        return (200, _folder_json(s, folder)) if folder else (404, {"message": "folder not found",
                                                                     "status": "not-found"})
    if m and method == "PUT":
        return _folder_update(s, m.group(1), body)
    m = re.fullmatch(r"/api/folders/([^/]+)/move", path)
    if m and method == "POST":
        return _folder_move(s, m.group(1), body)
    if path == "/api/dashboards/db" and method == "POST":
        return _save(s, body)
    m = re.fullmatch(r"/api/dashboards/uid/([^/]+)(/versions)?", path)
    if m:
        entry = s.dashboards.get(m.group(1))
        if entry is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        if m.group(2):
            limit = int(one.get("limit", 0) or 0)
            versions = [_version_meta(entry, v) for v in reversed(entry["versions"])]
            versions = versions[:limit] if limit else versions
            return 200, {"continueToken": "", "versions": versions} if s.major_minor >= (11, 5) else versions
        if method == "DELETE":
            del s.dashboards[m.group(1)]
            title = entry["model"].get("title", "")
            return 200, {"title": title, "message": f"Dashboard {title} deleted", "id": entry["id"]}
        return 200, {"dashboard": entry["model"], "meta": _meta(s, entry)}
    if path == "/api/annotations":
        return _annotation_add(s, body) if method == "POST" else _annotations_find(s, query)
    if path == "/api/playlists":
        return _playlist_create(s, body) if method == "POST" else _playlists_search(s, one)
    m = re.fullmatch(r"/apis/dashboard\.grafana\.app/v0alpha1/namespaces/([^/]+)/dashboards", path)
    if m and method == "GET":
        return resource_list(s, m.group(1), one)
    m = re.fullmatch(r"/api/playlists/([^/]+)(/items)?", path)
    if m:
        return _playlist(s, method, m.group(1), bool(m.group(2)), body)
    return 404, {"message": "Not found"}


# A basic-auth user whose `X-Grafana-Org-Id` names an organisation it is not a member of is signed in all
# the same, with no role there — Grafana answers no 401 (see the module's docstring): the routes that need
# only a signed-in user answer; a search runs in no organisation; every route behind an RBAC check is refused.
_SIGNED_IN_ONLY = {"/api/frontend/settings", "/api/user/orgs", PERMISSIONS_PATH}
_EMPTY_OUTSIDE = {"/api/search", "/api/playlists"}  # searchPlaylists has no RBAC check either
_NEEDED = (("GET", "/api/folders", "folders:read"), ("POST", "/api/folders", "folders:create"),
           ("PUT", "/api/folders", "folders:write"), ("GET", "/api/dashboards", "dashboards:read"),
           ("POST", "/api/dashboards", "any of dashboards:create, dashboards:write"),
           ("GET", "/api/annotations", "annotations:read"), ("POST", "/api/annotations", "annotations:create"),
           ("GET", "/apis/", "dashboards:read"))


def _outside_org(method: str, path: str) -> tuple[int, Any] | None:
    """What a user outside the requested organisation gets (None: the route answers as usual)."""
    if method == "GET" and path in _SIGNED_IN_ONLY:
        return None
    if method == "GET" and path in _EMPTY_OUTSIDE:
        return 200, []
    if path.startswith("/api/playlists"):  # its writes need the Editor role (reqEditorRole): none here
        return 403, {"message": "Permission denied"}
    needed = next((n for m, prefix, n in _NEEDED if m == method and path.startswith(prefix)), "dashboards:write")
    return 403, {"message": f"You'll need additional permissions to perform this action. Permissions needed: {needed}",
                 "accessErrorId": "ACE0000000003", "title": "Access denied"}


def _save(s: GrafanaStandIn, body: dict[str, Any]) -> tuple[int, Any]:
    model = body.get("dashboard")
    if not isinstance(model, dict):
        return 400, {"message": "bad request data"}
    if not str(model.get("title", "")).strip():
        return 400, {"message": "Dashboard title cannot be empty", "status": "empty-name"}
    uid = model.get("uid") or ""
    if len(uid) > 40:
        return 400, {"message": "uid too long, max 40 characters", "status": "bad-uid"}
    if not _UID.match(uid):
        return 400, {"message": "uid contains illegal characters", "status": "bad-uid"}
    folder_uid = body.get("folderUid") or ""
    if folder_uid and folder_uid not in s.folders and s.major_minor >= (12, 0):
        return 400, {"message": "folder not found"}  # Grafana 12 (silently saved up to 11.x)
    existing = s.dashboards.get(uid) if uid else None
    closed = s.read_only_folders | s.unreadable_folders
    if folder_uid in closed or existing is not None and existing["folderUid"] in closed:
        return 403, {"message": "Access denied to save dashboard"}
    if existing is not None and not body.get("overwrite"):
        if model.get("version") != existing["model"]["version"]:
            return 412, {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"}
    title = _title(model["title"])  # `title=?` on the trimmed title (SQLite: case-sensitive)
    beside = s.major_minor >= (10, 4)  # from 10.4 only a folder beside it (grafana/grafana#77076), before any
    rows = sorted([(f["id"], " folder") for f in s.folders.values() if _title(f["title"]) == title
                   and (not beside or f.get("parentUid", "") == folder_uid)]  # folder; or a dashboard of this folder:
                  + [(e["id"], e["model"]["uid"]) for e in s.titled(title)
                     if e["folderUid"] == folder_uid]) if title else []
    first = rows[0][1] if rows and s.major_minor < (11, 3) else uid  # the ONE row Grafana's lookup takes (by id here)
    if first == " folder":  # (no uid has a space) no dashboard titled like a folder before 11.3, overwrite or not
        return 400, {"message": "Dashboard name cannot be the same as folder", "status": "name-match"}
    if first != uid and not body.get("overwrite"):  # one title (by slug) per folder before 11.3
        return 412, {"status": "name-exists", "message": "A dashboard with the same name in the folder already exists"}
    held = (existing or {}).get("provisioning")
    if held and not held["allowUiUpdates"]:  # after the checks above, as Grafana's BuildSaveDashboardCommand
        return 400, {"message": "Cannot save provisioned dashboard"}
    entry = s._store(model, folder_uid, body.get("message", ""))
    slug = _slug(model["title"])
    return 200, {"id": entry["id"], "uid": entry["uid"], "url": f"/d/{entry['uid']}/{slug}", "status": "success",
                 "version": entry["version"], "slug": slug, "folderUid": folder_uid}


def _meta(s: GrafanaStandIn, entry: dict[str, Any]) -> dict[str, Any]:
    model, folder = entry["model"], s.folders.get(entry["folderUid"])
    slug = _slug(model.get("title", ""))
    meta = {"type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True, "canDelete": True,
            "slug": slug, "url": f"/d/{model['uid']}/{slug}", "expires": "0001-01-01T00:00:00Z",
            "created": entry["created"], "updated": entry["updated"], "updatedBy": entry["updatedBy"],
            "createdBy": entry["createdBy"], "version": model["version"], "hasAcl": False, "isFolder": False,
            "folderId": folder["id"] if folder else 0, "folderUid": entry["folderUid"],
            "folderTitle": folder["title"] if folder else "Dashboards",
            "folderUrl": f"/dashboards/f/{folder['uid']}/{_slug(folder['title'])}" if folder else "",
            "provisioned": False, "provisionedExternalId": "", "annotationsPermissions": {}}
    held = entry.get("provisioning")
    if held:  # see `GrafanaStandIn.provision`
        meta.update(provisioned=not held["allowUiUpdates"], provisionedExternalId=held["path"])
    return meta


def _version_meta(entry: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry["id"] * 1000 + v["version"], "dashboardId": entry["id"], "uid": entry["model"]["uid"],
            "parentVersion": v["version"] - 1, "restoredFrom": 0, "version": v["version"], "created": v["created"],
            "createdBy": v["createdBy"], "message": v["message"]}


def _search(s: GrafanaStandIn, query: dict[str, list[str]]) -> tuple[int, Any]:
    one = {k: v[0] for k, v in query.items()}
    limit = int(one.get("limit") or 1000)
    if limit > 5000:
        return 422, {"message": "Limit is above maximum allowed (5000), use page"}
    page = max(1, int(one.get("page") or 1))
    kind = one.get("type")
    text = one.get("query", "").lower()
    tags = query.get("tag", [])
    folder_uids = set(query.get("folderUIDs", []))
    uids = set(query.get("dashboardUIDs", []))
    hits = []
    if kind in (None, "dash-folder") and not tags and not uids:
        for f in s.folders.values():
            if f["uid"] in s.unreadable_folders:  # only the folders the token may view
                continue
            if text in f["title"].lower() and (not folder_uids or f.get("parentUid", "") in folder_uids):
                hit = {"id": f["id"], "uid": f["uid"], "title": f["title"], "uri": f"db/{_slug(f['title'])}",
                       "url": f"/dashboards/f/{f['uid']}/{_slug(f['title'])}", "slug": "", "type": "dash-folder",
                       "tags": [], "isStarred": False, "sortMeta": 0, "isDeleted": False}
                hits.append(hit)
    if kind in (None, "dash-db"):
        for e in s.dashboards.values():
            model = e["model"]
            if text not in model.get("title", "").lower() or not set(tags) <= set(model.get("tags", [])):
                continue
            if folder_uids and e["folderUid"] not in folder_uids or uids and model["uid"] not in uids:
                continue
            slug = _slug(model.get("title", ""))
            hit = {"id": e["id"], "uid": model["uid"], "title": model.get("title", ""), "uri": f"db/{slug}",
                   "url": f"/d/{model['uid']}/{slug}", "slug": "", "type": "dash-db",
                   "tags": list(model.get("tags", [])), "isStarred": False, "sortMeta": 0, "isDeleted": False}
            folder = s.folders.get(e["folderUid"])
            if folder:  # root items omit the folder fields
                hit.update(folderId=folder["id"], folderUid=folder["uid"], folderTitle=folder["title"],
                           folderUrl=f"/dashboards/f/{folder['uid']}/{_slug(folder['title'])}")
            hits.append(hit)
    hits.sort(key=lambda h: (h["type"] != "dash-folder", h["title"].lower()))
    return 200, hits[(page - 1) * limit: page * limit]


def _folders_list(s: GrafanaStandIn, one: dict[str, str]) -> tuple[int, Any]:
    parent = one.get("parentUid", "") if s.nested else None  # without nested folders: ignored
    items = [{"id": f["id"], "uid": f["uid"], "title": f["title"]} | ({"parentUid": f["parentUid"]}
                                                                      if f.get("parentUid") else {})
             for f in s.folders.values() if (parent is None or f.get("parentUid", "") == parent)
             and f["uid"] not in s.unreadable_folders]  # only the folders the token may view
    items.sort(key=lambda f: (f["title"].lower(), f["uid"]))
    limit, page = int(one.get("limit") or 1000), max(1, int(one.get("page") or 1))
    return 200, items[(page - 1) * limit: page * limit]


def _folder_create(s: GrafanaStandIn, body: dict[str, Any]) -> tuple[int, Any]:
    title = str(body.get("title", "")).strip()
    if not title:
        return 400, {"message": "folder title cannot be empty"}
    if title.casefold() == "general":  # every version: strings.EqualFold(title, RootFolderName), trimmed
        return 400, {"message": "A folder with that name already exists"}
    uid = body.get("uid") or f"f{s._next_id:08d}"
    if len(uid) > 40 or not _UID.match(uid):
        return 400, {"message": "uid contains illegal characters"}
    if uid in s.folders:
        return (409 if s.major_minor >= (11, 0) else 412), {"message": "a folder with the same uid already exists"}
    parent = (body.get("parentUid") or "") if s.nested else ""  # without nested folders: ignored
    if parent and parent not in s.folders:
        return 404, {"message": "folder not found", "status": "not-found"}
    if s.major_minor < (11, 3) and any(f.get("parentUid", "") == parent and _title(f["title"]) == _title(title)
                                       for f in s.folders.values()):  # one title (by slug) per place before 11.3
        return (409 if s.major_minor >= (10, 0) else 400), {
            "message": "a folder or dashboard in the general folder with the same name already exists"}
    if s.major_minor < (11, 3) and not parent and any(  # nor a root folder titled like a root dashboard
            not e["folderUid"] for e in s.titled(_title(title))):
        return 400, {"message": "Folder name cannot be the same as one of its dashboards"}
    now = _now()
    s.folders[uid] = {"id": s._id(), "uid": uid, "title": title, "parentUid": parent, "version": 1,
                      "created": now, "updated": now}
    return 200, _folder_json(s, s.folders[uid])


def _folder_update(s: GrafanaStandIn, uid: str, body: dict[str, Any]) -> tuple[int, Any]:
    """`PUT /api/folders/{uid}` (UpdateFolderCommand): a new title; without `overwrite`, the
    `version` sent must be the folder's (else 412 version-mismatch, as for dashboards)."""
    folder = s.folders.get(uid)
    if folder is None:
        return 404, {"message": "folder not found", "status": "not-found"}
    title = str(body.get("title", folder["title"])).strip()
    if not title:
        return 400, {"message": "folder title cannot be empty"}
    if title.casefold() == "general":
        return 400, {"message": "A folder with that name already exists"}
    if not body.get("overwrite") and body.get("version") != folder["version"]:
        return 412, {"message": "the folder has been changed by someone else", "status": "version-mismatch"}
    folder.update(title=title, version=folder["version"] + 1, updated=_now())
    return 200, _folder_json(s, folder)


def _folder_move(s: GrafanaStandIn, uid: str, body: dict[str, Any]) -> tuple[int, Any]:
    """`POST /api/folders/{uid}/move` (MoveFolderCommand, nested folders only): `parentUid` ""
    is the root; a folder cannot move below itself."""
    folder = s.folders.get(uid)
    if not s.nested or folder is None:
        return 404, {"message": "folder not found", "status": "not-found"}
    parent = str(body.get("parentUid") or "")
    if parent and parent not in s.folders:
        return 404, {"message": "folder not found", "status": "not-found"}
    p = parent
    while p:
        if p == uid:
            return 400, {"message": "cannot move a folder into itself or one of its subfolders"}
        p = s.folders[p].get("parentUid", "")
    folder.update(parentUid=parent, version=folder["version"] + 1, updated=_now())
    return 200, _folder_json(s, folder)


def _folder_json(s: GrafanaStandIn, f: dict[str, Any]) -> dict[str, Any]:
    parents, p = [], f.get("parentUid")
    while p and p in s.folders and all(x["uid"] != p for x in parents):  # a test may corrupt the tree
        parents.insert(0, {"uid": p, "title": s.folders[p]["title"]})
        p = s.folders[p].get("parentUid")
    out = {"id": f["id"], "uid": f["uid"], "orgId": s.org_id, "title": f["title"],
           "url": f"/dashboards/f/{f['uid']}/{_slug(f['title'])}", "hasAcl": False, "canSave": True, "canEdit": True,
           "canAdmin": True, "canDelete": True, "createdBy": "admin", "created": f["created"], "updatedBy": "admin",
           "updated": f["updated"], "version": f["version"]}
    if f.get("parentUid"):
        out["parentUid"] = f["parentUid"]
        out["parents"] = parents
    return out


def _annotation_add(s: GrafanaStandIn, body: dict[str, Any]) -> tuple[int, Any]:
    if not str(body.get("text", "")).strip():
        return 400, {"message": "Failed to save annotation: text is required"}
    now = int(time.time() * 1000)
    start = body.get("time") or now  # Go decodes null as 0, and Grafana saves 0 as "now"
    item = {"id": s._id(), "dashboardUID": body.get("dashboardUID") or "", "panelId": body.get("panelId") or 0,
            "time": start, "timeEnd": body.get("timeEnd") or start,  # a point: it ends where it starts
            "text": body["text"], "tags": list(body.get("tags", [])), "created": now}
    s.annotations.append(item)
    return 200, {"message": "Annotation added", "id": item["id"]}


def _annotations_find(s: GrafanaStandIn, query: dict[str, list[str]]) -> tuple[int, Any]:
    one = {k: v[0] for k, v in query.items()}
    items = s.annotations
    if "dashboardUID" in one:
        items = [a for a in items if a["dashboardUID"] == one["dashboardUID"]]
    if "panelId" in one:
        items = [a for a in items if a["panelId"] == int(one["panelId"])]
    start, end = int(one.get("from") or 0), int(one.get("to") or 0)
    if start > 0 and end > 0:  # both or neither: Grafana ignores one alone (`query.From > 0 && query.To > 0`)
        items = [a for a in items if a["time"] <= end and a["timeEnd"] >= start]
    tags = query.get("tags", [])
    if tags:
        items = [a for a in items if set(tags) <= set(a["tags"])]
    items = sorted(items, key=lambda a: (-a["timeEnd"], -a["time"]))  # `ORDER BY a.epoch_end DESC, a.epoch DESC`
    return 200, items[: int(one.get("limit") or 100)]


def _playlists_search(s: GrafanaStandIn, one: dict[str, str]) -> tuple[int, Any]:
    """`query` matches names containing it (case-insensitive), `limit` caps the list."""
    text = one.get("query", "").lower()
    found = [{"id": p["id"], "uid": p["uid"], "name": p["name"], "interval": p["interval"]}
             for p in s.playlists.values() if text in p["name"].lower()]
    limit = int(one.get("limit") or 0)
    return 200, found[:limit] if limit > 0 else found


def _playlist_items(body: dict[str, Any]) -> list[dict[str, str]]:
    return [{"type": str(i.get("type", "")), "value": str(i.get("value", ""))} for i in body.get("items") or []]


def _playlist_create(s: GrafanaStandIn, body: dict[str, Any]) -> tuple[int, Any]:
    if not str(body.get("name", "")).strip():
        return 400, {"message": "bad request data"}  # `binding:"Required"` on the name
    uid = f"p{s._next_id:08d}x"  # assigned by Grafana: a `uid` in the body is not read
    s.playlists[uid] = {"id": s._id(), "uid": uid, "name": body["name"], "interval": str(body.get("interval", "")),
                        "items": _playlist_items(body)}
    p = s.playlists[uid]
    return 200, {"id": p["id"], "uid": uid, "name": p["name"], "interval": p["interval"]}


def _playlist(s: GrafanaStandIn, method: str, uid: str, items_only: bool, body: Any) -> tuple[int, Any]:
    p = s.playlists.get(uid)
    if p is None:
        return 404, {"message": "Playlist not found"}
    if method == "DELETE":
        del s.playlists[uid]
        return 200, {"message": "Playlist deleted"}
    if method == "PUT":
        if not str(body.get("name", "")).strip():
            return 400, {"message": "bad request data"}
        p.update(name=body["name"], interval=str(body.get("interval", "")), items=_playlist_items(body))
    if items_only:
        return 200, [dict(i) for i in p["items"]]
    return 200, {"uid": uid, "name": p["name"], "interval": p["interval"], "items": [dict(i) for i in p["items"]]}


def _title(title: object) -> str:
    """A title as Grafana compares it for its title rules before 11.3: trimmed (`BuildSaveDashboardCommand`),
    then `title=?` — exact on SQLite and Postgres, the stand-in's model (9.5.7 and 10.0.2 on, after
    grafana/grafana#70723; slugs were compared before, in releases the stand-in does not play)."""
    return str(title).strip()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _copy(value: Any) -> Any:
    """A deep copy of JSON data, by orjson where it can (~10× `copy.deepcopy`: the stand-in keeps
    every saved version, and must not be the slow side of a benchmark)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
