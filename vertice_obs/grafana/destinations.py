"""Where dashboards are published: a live Grafana (through grafana-client) or a provisioning folder.

Both sit behind one small interface so that diff, publish and pull never know which it is.
Errors become `DestinationError` with a one-line message; tokens never appear in messages, and
server text is escaped. `GrafanaDestination` learns once per run which Grafana it talks to
(`info`: version, nested folders — the first request, so that an unreachable server, refused
credentials, TLS or a login page in front of Grafana are reported once, before any dashboard).
Every request goes through `_call`: uids are checked and quoted before it, one total deadline
(`--timeout`) bounds it, 5xx, connection errors and timeouts are retried with exponential backoff,
`429 Retry-After` is honoured up to the deadline, and the answer's shape is checked after it; how a
request failed is classified in one place (`failures.explain`).
Every request URL is built by `guard.urls` (sub-paths, `?token=`, IPv6 — see `GrafanaDestination`),
and every paginated read stops on a page of nothing new or after `MAX_PAGES` (`_paged`).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from typing import Any, Callable, TypeVar

import niquests
import orjson
from grafana_client import GrafanaApi

from vertice_obs.errors import VobsError
from vertice_obs.grafana.answers import (
    TITLE_TAKEN,
    DestinationError,
    ServerInfo,
    expect,
    items,
    not_a_member,
    outcome_unknown,
    server_info,
)
from vertice_obs.grafana.failures import explain
from vertice_obs.grafana.folders import Folder, from_answer
from vertice_obs.grafana.live import (
    LiveDashboard,
    Newest,
    provisioned_file,
    recorded_hash,
)
from vertice_obs.grafana.normalize import content_hash
from vertice_obs.grafana.resources import (
    LIST_PATH,
    SERVED_FROM,
    Listed,
    listing,
    namespace,
)
from vertice_obs.guard.http import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    ResponseTooLarge,
    bearer_token,
    retry_after,
    tls_verify,
    within,
)
from vertice_obs.guard.paths import check_uid
from vertice_obs.guard.secrets import redact_url
from vertice_obs.guard.text import escape
from vertice_obs.guard.urls import parse, segment
from vertice_obs.project import token_variable

__all__ = ["DestinationError", "GrafanaDestination"]
T = TypeVar("T")
PAGE = 1000  # folders per page (Grafana's default limit)
SEARCH_PAGE = 5000  # search hits per page (Grafana's maximum)
MAX_PAGES = 1000  # a paginated read that is still going after this many pages is stopped


def _q(uid: object, what: str = "uid") -> str:
    """A uid fit for an API path: checked against Grafana's rule first (a non-uid such as
    `alpha?x=1` or `../x` is refused before any request), then encoded by the one encoder all the same."""
    return segment(check_uid(uid, what))


class GrafanaDestination:
    adopts_folders = True  # a narrative's `folder_uid:` names one of its folders

    def __init__(self, url: str, token: str | None = None, org_id: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_attempts: int = 4, backoff: float = 0.2,
                 max_retry_after: float = 30.0, max_bytes: int = DEFAULT_MAX_BYTES, connections: int = 16,
                 env: str | None = None, timeout_name: str = "--timeout", token_name: str = "GRAFANA_TOKEN",
                 org_name: str = "--org-id"):
        self.server = parse(url, "the Grafana URL")  # registers its password and token= values
        self.url = self.server.base
        named = f" {escape(env, one_line=True)}" if env else ""  # the --env it is: "Grafana prod at …"
        # what to check when the token is refused: the variable that environment reads first
        self.token_hint = f"{token_variable(env)} (else GRAFANA_TOKEN)" if env else "GRAFANA_TOKEN"
        self.description = f"Grafana{named} at {escape(self.url, one_line=True)}"
        self.source = redact_url(self.url)  # what a backup records it came from: never a credential
        if token:  # `token_name`: what set it, as the user wrote it (GRAFANA_TOKEN_PROD, --grafana-token)
            bearer_token(token, token_name)  # registered, and one a bearer header can carry: else never sent
            self.token_hint = token_name  # a refused token is that one (trial 16: a flag's was said GRAFANA_TOKEN)
        credential: Any = token if token is not None else self.server.auth
        self.anonymous = credential is None  # a 401 then says that none was given, not that it was refused
        self.basic_user = None  # basic auth's user name (the URL's `user:pass@`): a token, when given, is sent instead
        if token is None and self.server.auth is not None:  # a refused password is the URL's, not a token's
            self.token_hint, self.basic_user = "the user and password in the Grafana URL", self.server.auth[0]
        self.timeout, self.max_bytes = timeout, max_bytes
        self.timeout_name = timeout_name  # what set the deadline, as the user wrote it: `--timeout`, `GRAFANA_TIMEOUT`
        query = f"?{self.server.query}" if self.server.query else ""  # grafana-client reads ?verify=false
        self.api = GrafanaApi.from_url(self.url + query, credential=credential, timeout=timeout)
        self.api.client.verify = tls_verify()  # --ca-cert / --insecure, never a URL's ?verify=false
        # A kept-alive connection per request in flight: grafana-client's pool of 10 made each one past it anew.
        session = niquests.Session(pool_maxsize=max(10, connections))
        # No redirect is followed: a 307 would re-send a write, whole, to another server, its token dropped
        # on the way (trial 22 M1); `failures.explain` says where it pointed
        session.max_redirects = 0
        session.headers.update(self.api.client.s.headers)
        self.api.client.s = session
        # grafana-client builds `{scheme}://{hostname}:{port}/{path without its leading /}api` + path as text:
        # `https://host/grafana` becomes `/grafanaapi/…`, the query string is dropped and an IPv6 host loses its
        # brackets. Ours replaces it: joined, query string kept; /apis/ paths (`resources`) joined as they are.
        self.api.client._make_url = lambda path: self.server.join(
            path if path.startswith("/apis/") else f"/api/{path.lstrip('/')}")
        self.org_id, self.org_name = org_id, org_name  # org_name: where it was set (`--org-id`, vobs.yaml …)
        if org_id:
            self.api.client.s.headers["X-Grafana-Org-Id"] = str(org_id)
        self.max_attempts, self.backoff, self.max_retry_after = max_attempts, backoff, max_retry_after
        self._local = threading.local()
        self.api.client.s.hooks["response"].append(self._on_response)
        self.requests = 0
        self._lock = threading.Lock()
        self._info: ServerInfo | None = None

    def _on_response(self, response, *args, **kwargs):
        with self._lock:
            self.requests += 1
        self._local.retry_after = response.headers.get("Retry-After")
        declared = response.headers.get("Content-Length") or ""
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()
            raise ResponseTooLarge(f"an answer of {int(declared):,} bytes, more than the {self.max_bytes:,}-byte cap")
        return response

    # --- which Grafana ----------------------------------------------------------------------------
    def info(self) -> ServerInfo:
        """Version and nested folders, asked once per run: `/api/health` (no credentials needed:
        reachability, TLS, is it Grafana) then `/api/frontend/settings` (the credentials) — and, for a
        basic-auth user with an org id, `/api/user/orgs`: whether it is a member (`answers.not_a_member`)."""
        with self._lock:
            if self._info is not None:
                return self._info
        health = self._call("/api/health", lambda: self.api.client.GET("/health"), dict)
        settings = self._call("/api/frontend/settings", lambda: self.api.client.GET("/frontend/settings"), dict)
        info = server_info(health, settings, self.description)
        if self.org_id and self.basic_user is not None:  # a user outside that org is signed in with no role there
            try:
                orgs = self._call("/api/user/orgs", lambda: self.api.client.GET("/user/orgs"), list, retry=False)
            except DestinationError:  # not a user (`api_key:<key>`), or no answer: not known, so not refused
                orgs = None
            if (refused := not_a_member(orgs, (self.org_id, self.org_name), self.basic_user, self.description)):
                raise refused
        with self._lock:
            self._info = info
        return info

    @property
    def nested_folders(self) -> bool:
        return self.info().nested_folders

    @property
    def folder_titles_reserved(self) -> bool:
        return self.info().major_minor < (11, 3)

    @property
    def folder_titles_beside(self) -> bool:
        """From 10.4 (grafana/grafana#77076) a dashboard's title is kept only from folders beside it."""
        return self.info().major_minor >= (10, 4)

    # --- the interface ----------------------------------------------------------------------------
    def get(self, uid: str, history: bool = True) -> LiveDashboard | None:
        """The live dashboard; with `history`, also what vobs last published (one more request)."""
        quoted = _q(uid, "dashboard uid")
        try:
            full = self._call(f"dashboard {uid}", lambda: self.api.dashboard.get_dashboard(quoted), dict)
        except DestinationError as exc:
            if exc.status == 404:
                return None
            raise
        model = expect(full.get("dashboard"), dict, f"dashboard {uid}", self.description, part="dashboard")
        meta = full.get("meta") if isinstance(full.get("meta"), dict) else {}
        version = model.get("version", meta.get("version"))
        folder = meta.get("folderUid")
        live = LiveDashboard(uid=uid, model=model, version=version if isinstance(version, int) else None,
                             folder_uid=folder if isinstance(folder, str) else "", recorded_hash=None,
                             latest_is_ours=False, provisioned=provisioned_file(meta))
        return self.with_history(live) if history else live

    def with_history(self, live: LiveDashboard) -> LiveDashboard:
        quoted = _q(live.uid, "dashboard uid")
        versions = self._call(f"dashboard {live.uid}",
                              lambda: self.api.dashboard_versions.get_dashboard_versions_by_uid(quoted), (list, dict))
        if isinstance(versions, dict):  # Grafana ≥ 11.5: {"continueToken", "versions"}
            versions = versions.get("versions")
        versions = items(versions, f"dashboard {live.uid} versions", self.description, ())
        messages = [v.get("message") for v in versions]
        recorded = next((h for h in map(recorded_hash, messages) if h), None)
        latest = messages[0] if messages and isinstance(messages[0], str) else ""
        return replace(live, recorded_hash=recorded, latest_is_ours=recorded_hash(latest) is not None,
                       latest_message=latest)

    def newest_version(self, uid: str) -> Newest | None:
        """`GET …/versions?limit=1`: a few hundred bytes instead of the whole model. Grafana lists
        versions newest first; a bare list up to 11.4, `{continueToken, versions}` from 11.5."""
        quoted = _q(uid, "dashboard uid")
        try:
            answer = self._call(f"dashboard {uid}", lambda: self.api.client.GET(
                f"/dashboards/uid/{quoted}/versions", params={"limit": 1}), (list, dict))
        except DestinationError as exc:
            if exc.status == 404:
                return None
            raise
        versions = items(answer.get("versions") if isinstance(answer, dict) else answer,
                         f"dashboard {uid} versions", self.description, ())
        if not versions:
            return None
        version, message = versions[0].get("version"), versions[0].get("message")
        return Newest(version if isinstance(version, int) and not isinstance(version, bool) else None,
                      message if isinstance(message, str) else "")

    def listed(self) -> dict[str, Listed] | None:
        """Every dashboard whole, through the resource API's list (`resources`), each page sent
        once, all of it within `--timeout`: None before Grafana 12, or when it fails or answers an
        unexpected shape — then each dashboard is read alone, as before."""
        info = self.info()
        if info.major_minor < SERVED_FROM:
            return None
        try:
            path = LIST_PATH.format(namespace=segment(namespace(self.org_id, info.namespace)))
            return listing(lambda params: self._call("dashboard list", lambda: self.api.client.GET(path, params=params),
                                                     dict, retry=False), budget=self.timeout)
        except VobsError:
            return None

    def existing_uids(self) -> set[str]:
        """Every dashboard uid in the organisation: one search, so new dashboards need no GET."""
        return {str(hit["uid"]) for hit in self.search()}

    def search(self, tags=(), folder_uids=(), uids=()) -> list[dict[str, Any]]:
        """Every matching dashboard, page by page; a server that ignores `page` (the same hits
        again) is one error instead of a loop (`_paged`)."""
        for uid in (*folder_uids, *uids):
            check_uid(uid)
        return self._paged("search", SEARCH_PAGE, lambda page: items(self._call(
            "search", lambda: self.api.search.search_dashboards(
                type_="dash-db", tag=list(tags) or None, folder_uids=list(folder_uids) or None,
                dashboard_uids=list(uids) or None, limit=SEARCH_PAGE, page=page), list), "search", self.description,
            ("uid",)))

    def folders(self) -> dict[str, Folder]:
        """Every folder. Nested: walked from the root with a visited set (a folder listed twice is
        a cycle, or a server ignoring `parentUid`: one error, never an endless walk). Flat: one list."""
        if not self.nested_folders:
            return {f["uid"]: Folder(f["uid"], f["title"]) for f in self._folder_page_walk(None)}
        out: dict[str, Folder] = {}
        queue = [""]
        while queue:  # breadth-first
            parent = queue.pop(0)
            for f in self._folder_page_walk(parent):
                if f["uid"] in out or f["uid"] == parent:
                    raise DestinationError(f"{self.description} lists folder "
                                           f"{escape(f['uid'], one_line=True)!r} again under "
                                           f"{escape(parent, one_line=True)!r}: its folders are not a tree "
                                           "(a cycle, or nested folders reported on but parentUid ignored)",
                                           server_wide=True)
                out[f["uid"]] = Folder(f["uid"], f["title"], parent)
                queue.append(f["uid"])
        return out

    def folder(self, uid: str) -> dict[str, Folder]:
        """`GET /api/folders/{uid}` (`from_answer`): one request, not a walk; {} for a 404 (a 403 raises)."""
        quoted = _q(uid, "folder uid")
        try:
            answer = self._call(f"folder {uid}", lambda: self.api.client.GET(f"/folders/{quoted}"), dict)
        except DestinationError as exc:
            if exc.status == 404:
                return {}
            raise
        return from_answer(answer, uid, self.nested_folders)

    def _folder_page_walk(self, parent: str | None) -> list[dict[str, Any]]:
        base: dict[str, Any] = {"parentUid": check_uid(parent, "folder uid")} if parent else {}  # client-encoded

        def page_of(page: int) -> list[dict[str, Any]]:
            params = {**base, "limit": PAGE, "page": page}
            return items(self._call("folders", lambda: self.api.client.GET("/folders", params=params), list),
                         "folders", self.description, ("uid", "title"))

        return [{"uid": str(f["uid"]), "title": str(f["title"])} for f in self._paged("folders", PAGE, page_of)]

    def _paged(self, what: str, size: int, page_of: Callable[[int], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Every item of a paginated read, each uid once. A full page that brings nothing new (a
        server that ignores `page` answers the same page again) or more than `MAX_PAGES` pages is one
        server-wide error naming the server — never an endless walk or memory filling up."""
        listed: list[dict[str, Any]] = []
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            batch = page_of(page)
            new = []
            for item in batch:  # each uid once, within a page as across pages
                if str(item["uid"]) not in seen:
                    seen.add(str(item["uid"]))
                    new.append(item)
            if batch and not new:
                raise DestinationError(f"{self.description} answered page {page} of {what} with only items of "
                                       "earlier pages: it ignores `page`, so vobs stopped instead of asking again",
                                       server_wide=True)
            listed.extend(new)
            if len(batch) < size:
                return listed
        raise DestinationError(f"{self.description} still had more {what} after {MAX_PAGES:,} pages of {size:,}: "
                               "vobs stopped there", server_wide=True)

    def create_folder(self, folder: Folder) -> None:
        """`folder` made (its uid already there is fine). A title Grafana before 11.3 keeps for another
        (a folder there, or a dashboard of the General folder for a root folder) is a `DestinationError`
        whose `remedy` says what helps, since running again cannot."""
        check_uid(folder.uid, "folder uid")  # uids in a JSON body: checked, not URL-encoded
        parent = check_uid(folder.parent_uid, "folder uid") if folder.parent_uid and self.nested_folders else None
        try:
            self._call(f"folder {folder.title!r}", lambda: self.api.folder.create_folder(
                folder.title, uid=folder.uid, parent_uid=parent), dict, forbidden="create folders")
        except DestinationError as exc:
            if exc.status not in (409, 412):  # 409 or 412 by version: it exists, which is what we want —
                raise
            if not self.folder(folder.uid):  # or, before 11.3, its TITLE is taken there (ErrFolderSameNameExists)
                raise DestinationError(f"{exc} — no folder of uid {folder.uid} is there: its title is taken (Grafana "
                                       f"before 11.3 allows one folder of a title in a place): {TITLE_TAKEN}",
                                       exc.status, remedy=TITLE_TAKEN) from None

    def update_folder(self, folder: Folder, live: Folder) -> None:
        """A title by `PUT /api/folders/{uid}` (overwrite: the folder is vobs'), a parent by
        `POST /api/folders/{uid}/move` (nested folders only; "" is the root)."""
        uid = check_uid(folder.uid, "folder uid")
        if folder.title != live.title:
            self._call(f"folder {folder.title!r}", lambda: self.api.folder.update_folder(
                uid, title=folder.title, overwrite=True), dict, forbidden="rename folders")
        if self.nested_folders and folder.parent_uid != live.parent_uid:
            parent = check_uid(folder.parent_uid, "folder uid") if folder.parent_uid else ""
            self._call(f"folder {folder.title!r}", lambda: self.api.folder.move_folder(uid, parent), dict,
                       forbidden="move folders")

    def recover(self) -> None:
        """Nothing to finish: each Grafana write is one request, applied whole or not at all. A folder
        created by an interrupted run exists (and is not created again), a dashboard it saved carries
        our message and content hash (so it is ours, unchanged — not drift)."""

    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int:
        uid = check_uid(model.get("uid"), "dashboard uid")
        body = {"dashboard": {**model, "id": None, "version": version}, "folderUid": folder_uid,
                "message": message, "overwrite": False}
        try:  # encoded once, here: what the client would fail to encode mid-publish (an integer beyond 64 bits) fails alone
            data = orjson.dumps(body)
        except (TypeError, ValueError) as exc:
            raise DestinationError(f"dashboard {uid} cannot be sent to Grafana: {str(exc).lower()} (a number no "
                                   "Grafana stores, such as a gridPos of 1e300: fix it in its module)") from None
        try:
            where = f"folder {folder_uid}" if folder_uid else "the General folder"
            # grafana-client's `update_dashboard` is this POST with `json=`: the client would encode it a second time
            reply = self.request(f"dashboard {uid}", "POST", "/dashboards/db", dict, data=data,
                                 headers={"Content-Type": "application/json"}, forbidden=f"write dashboards in {where}")
        except DestinationError as exc:
            applied = self._applied(uid, model, message, version) if exc.status == 412 else None
            if applied is None:
                raise
            return applied
        saved = reply.get("version")
        return saved if isinstance(saved, int) else expect(saved, int, f"dashboard {uid}", self.description,
                                                           part="version")

    def _applied(self, uid: str, model: dict[str, Any], message: str, version: int | None) -> int | None:
        """After a 412: was it our own save, applied while its reply was lost (and retried)? Ours when
        the live dashboard's newest version carries exactly our message (commit and content hash),
        its content hashes the same, and its version is the one after the version we sent."""
        live = self.get(uid)
        if live is None or live.version != (version or 0) + 1:
            return None
        if live.latest_message == message and content_hash(live.model) == content_hash(model):
            return live.version
        return None

    def add_annotation(self, text: str, tags: list[str], start_ms: int, end_ms: int | None,
                       dashboard_uid: str | None) -> None:
        self._call(f"annotation on {dashboard_uid or 'the organisation'}", lambda: self.api.annotations.add_annotation(
            time_from=start_ms, time_to=end_ms, tags=tags, text=text, dashboard_uid=dashboard_uid), (dict, str),
                   forbidden="add annotations")

    def request(self, what: str, method: str, path: str, shape: type | tuple[type, ...] | None = None,
                retry: bool = True, forbidden: str = "", settled: Callable[[], Any] | None = None,
                **kwargs: Any) -> Any:
        """A request by grafana-client's generic client (`GET`, `POST`, `PUT` of a path under /api), for
        what it has no method for (playlists), through `_call`; `retry=False`: not sent twice blindly;
        `forbidden`, `settled`: as for `_call`."""
        send = getattr(self.api.client, method)
        return self._call(what, lambda: send(path, **kwargs), shape, retry, forbidden, settled)

    # --- errors, retries and the deadline ---------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T], shape: type | tuple[type, ...] | None = None, retry: bool = True,
              forbidden: str = "", settled: Callable[[], T | None] | None = None) -> T:
        """The one way a request is made: within the total deadline, retried when that can help
        (and `retry`), and its answer checked for `shape`. `forbidden`: the write this is (`write
        dashboards in folder x`) — a 403 to it is then server-wide (`failures.explain`), and after an attempt
        sent and never answered (timed out, or cut) its error says Grafana may have applied it (`outcome_unknown`), unlike a read's.
        `settled`: for a write that is not idempotent (a create whose uid the server assigns), asked before each
        attempt after the first — what a failed attempt did after all (what it made, as its answer would have
        said), or None: it is sent again. A write it cannot tell about ends as that attempt's error."""
        attempt, unanswered = 0, False  # unanswered: an attempt went out and no answer came
        while True:
            attempt += 1
            seen: dict[str, Any] = {}

            def one() -> T:
                try:
                    return fn()
                finally:
                    seen["retry_after"] = getattr(self._local, "retry_after", None)

            try:
                answer = within(self.timeout, one, what)
                return expect(answer, shape, what, self.description) if shape else answer
            except DestinationError:
                raise
            except Exception as exc:  # grafana-client and niquests raise several families
                error = explain(what, exc, self, forbidden)
            unanswered = unanswered or error.unanswered
            if not error.retryable or not retry or attempt >= self.max_attempts:
                raise outcome_unknown(error) if forbidden and unanswered else error
            wait = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2)
            asked = retry_after(seen.get("retry_after")) if error.status in (429, 503) else None
            if asked is not None:  # delta-seconds or an HTTP-date; capped below like any wait
                wait = asked
            time.sleep(min(wait, self.max_retry_after, self.timeout))
            if settled is not None:
                try:
                    done = settled()
                except DestinationError:  # not known whether an attempt was applied: the write's own error
                    raise outcome_unknown(error) if forbidden and unanswered else error from None
                if done is not None:
                    return done
