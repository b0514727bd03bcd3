"""Where dashboards are published: a live Grafana (through grafana-client) or a provisioning folder.

Both sit behind one small interface so that diff, publish and pull never know which it is.
Errors become `DestinationError` with a one-line message naming the dashboard; tokens never appear in
messages. `GrafanaDestination` retries 5xx, connection errors and timeouts with exponential backoff,
and honours `429 Retry-After`.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaException, GrafanaTimeoutError

from vertice_obs.build.render import to_json_text
from vertice_obs.errors import VobsError, redact
from vertice_obs.files import write_atomic
from vertice_obs.grafana.normalize import content_hash, normalize, unwrap

T = TypeVar("T")
MESSAGE_PREFIX = "vobs publish"


class DestinationError(VobsError):
    def __init__(self, message: str, status: int = 0, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class LiveDashboard:
    uid: str
    model: dict[str, Any]
    version: int | None
    folder_uid: str
    recorded_hash: str | None  # the content hash our last publish wrote, from its version message
    latest_is_ours: bool = True  # the newest version was saved by vobs

    @property
    def drifted(self) -> bool:
        """Edited outside vobs since our last publish (or never published by vobs)."""
        return not self.latest_is_ours or self.recorded_hash != content_hash(self.model)


@dataclass(frozen=True)
class Folder:
    uid: str
    title: str
    parent_uid: str = ""


class Destination(Protocol):
    description: str

    def get(self, uid: str, history: bool = True) -> LiveDashboard | None: ...

    def with_history(self, live: LiveDashboard) -> LiveDashboard: ...

    def existing_uids(self) -> set[str]: ...

    def search(self, tags: tuple[str, ...] = (), folder_uids: tuple[str, ...] = (),
               uids: tuple[str, ...] = ()) -> list[dict[str, Any]]: ...

    def folders(self) -> dict[str, Folder]: ...

    def create_folder(self, folder: Folder) -> None: ...

    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int: ...


def publish_message(commit: str, model: dict[str, Any]) -> str:
    return f"{MESSAGE_PREFIX} {commit} sha256:{content_hash(model)}"


def recorded_hash(message: str) -> str | None:
    if message.startswith(MESSAGE_PREFIX) and "sha256:" in message:
        return message.rsplit("sha256:", 1)[1].strip()
    return None


class GrafanaDestination:
    def __init__(self, url: str, token: str | None = None, org_id: int | None = None, timeout: float = 10.0,
                 max_attempts: int = 4, backoff: float = 0.2, max_retry_after: float = 30.0):
        self.url = url.rstrip("/")
        self.description = f"Grafana at {redact(self.url)}"
        credential: Any = token
        if token is None:
            parts = niquests.utils.urlparse(self.url)
            credential = (parts.username, parts.password) if parts.username else None
        self.api = GrafanaApi.from_url(self.url, credential=credential, timeout=timeout)
        if org_id:
            self.api.client.s.headers["X-Grafana-Org-Id"] = str(org_id)
        self.max_attempts, self.backoff, self.max_retry_after = max_attempts, backoff, max_retry_after
        self._local = threading.local()
        self.api.client.s.hooks["response"].append(self._remember_retry_after)
        self.requests = 0
        self._count_lock = threading.Lock()

    def _remember_retry_after(self, response, *args, **kwargs):
        with self._count_lock:
            self.requests += 1
        self._local.retry_after = response.headers.get("Retry-After")
        return response

    # --- the interface ----------------------------------------------------------------------------
    def get(self, uid: str, history: bool = True) -> LiveDashboard | None:
        """The live dashboard; with `history`, also what vobs last published (one more request)."""
        try:
            full = self._call(f"dashboard {uid}", lambda: self.api.dashboard.get_dashboard(uid))
        except DestinationError as exc:
            if exc.status == 404:
                return None
            raise
        meta = full.get("meta", {})
        model = full.get("dashboard", {})
        live = LiveDashboard(uid=uid, model=model, version=model.get("version", meta.get("version")),
                             folder_uid=meta.get("folderUid", "") or "", recorded_hash=None, latest_is_ours=False)
        return self.with_history(live) if history else live

    def with_history(self, live: LiveDashboard) -> LiveDashboard:
        uid = live.uid
        versions = self._call(f"dashboard {uid}", lambda: self.api.dashboard_versions.get_dashboard_versions_by_uid(uid))
        if isinstance(versions, dict):  # Grafana ≥ 11.5: {"continueToken", "versions"}
            versions = versions.get("versions", [])
        recorded = next((h for h in (recorded_hash(v.get("message", "")) for v in versions) if h), None)
        latest_is_ours = bool(versions) and recorded_hash(versions[0].get("message", "")) is not None
        return replace(live, recorded_hash=recorded, latest_is_ours=latest_is_ours)

    def existing_uids(self) -> set[str]:
        """Every dashboard uid in the organisation: one search, so new dashboards need no GET."""
        return {hit["uid"] for hit in self.search()}

    def search(self, tags=(), folder_uids=(), uids=()) -> list[dict[str, Any]]:
        hits, page = [], 1
        while True:
            batch = self._call("search", lambda: self.api.search.search_dashboards(
                type_="dash-db", tag=list(tags) or None, folder_uids=list(folder_uids) or None,
                dashboard_uids=list(uids) or None, limit=5000, page=page))
            hits.extend(batch)
            if len(batch) < 5000:
                return hits
            page += 1

    def folders(self) -> dict[str, Folder]:
        out: dict[str, Folder] = {}
        queue = [""]
        while queue:  # walk nested folders breadth-first
            parent = queue.pop(0)
            listed = self._call("folders", lambda: self.api.folder.get_all_folders(parent_uid=parent or None))
            for f in listed:
                out[f["uid"]] = Folder(f["uid"], f["title"], parent)
                queue.append(f["uid"])
        return out

    def create_folder(self, folder: Folder) -> None:
        try:
            self._call(f"folder {folder.title!r}", lambda: self.api.folder.create_folder(
                folder.title, uid=folder.uid, parent_uid=folder.parent_uid or None))
        except DestinationError as exc:
            if exc.status not in (409, 412):  # 409 or 412 by version: it exists, which is what we want
                raise

    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int:
        body = {"dashboard": {**model, "id": None, "version": version}, "folderUid": folder_uid,
                "message": message, "overwrite": False}
        reply = self._call(f"dashboard {model.get('uid')}", lambda: self.api.dashboard.update_dashboard(body))
        return int(reply.get("version", 0))

    def add_annotation(self, text: str, tags: list[str], start_ms: int, end_ms: int | None,
                       dashboard_uid: str | None) -> None:
        self._call(f"annotation on {dashboard_uid or 'the organisation'}", lambda: self.api.annotations.add_annotation(
            time_from=start_ms, time_to=end_ms, tags=tags, text=text, dashboard_uid=dashboard_uid))

    # --- errors and retries -----------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as exc:  # grafana-client and niquests raise several families
                error = self._explain(what, exc)
            if not error.retryable or attempt >= self.max_attempts:
                raise error
            wait = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2)
            if error.status == 429:
                header = getattr(self._local, "retry_after", None)
                if header and header.isdigit():
                    wait = min(float(header), self.max_retry_after)
            time.sleep(wait)

    def _explain(self, what: str, exc: Exception) -> DestinationError:
        where = self.description
        if isinstance(exc, GrafanaTimeoutError) or isinstance(exc, niquests.exceptions.Timeout):
            return DestinationError(f"{what}: {where} timed out", retryable=True)
        if isinstance(exc, niquests.exceptions.ConnectionError):
            return DestinationError(f"{what}: {where} is unreachable", retryable=True)
        if isinstance(exc, GrafanaException):
            status = exc.status_code or 0
            body = exc.response if isinstance(exc.response, dict) else {}
            detail = body.get("message") or str(exc)
            if status == 0:
                return DestinationError(f"{what}: {where} is unreachable ({detail})", retryable=True)
            if status == 401:
                return DestinationError(f"{what}: {where} refused the credentials (401 {detail}): check GRAFANA_TOKEN",
                                   status)
            if status == 403:
                return DestinationError(f"{what}: the token lacks permission (403): {detail}", status)
            if status == 404:
                return DestinationError(f"{what}: not found (404): {detail}", status)
            if status == 412:
                return DestinationError(f"{what}: changed in Grafana meanwhile (412 {body.get('status', '')}): "
                                   f"run vobs diff, then publish again", status)
            if status == 429 or status >= 500:
                return DestinationError(f"{what}: {where} answered {status}: {detail}", status, retryable=True)
            return DestinationError(f"{what}: {where} answered {status}: {detail}", status)
        if isinstance(exc, niquests.exceptions.RequestException):
            return DestinationError(f"{what}: {where}: {type(exc).__name__}", retryable=True)
        raise exc


class ProvisioningFolder:
    """A Grafana file-provisioning folder: `<dir>/<folder path>/<uid>.json`, the embedded default.

    What vobs last wrote is remembered in `<dir>/.vobs-state.json` (uid → content hash), so a file
    edited by hand is drift exactly as a dashboard edited in Grafana's UI is."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.description = f"provisioning folder {directory}"
        self._state_file = directory / ".vobs-state.json"
        self._lock = threading.Lock()

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return {"dashboards": {}, "folders": {}}

    def _path_of(self, uid: str) -> Path | None:
        found = [p for p in self.dir.rglob(f"{uid}.json") if not p.name.startswith(".")]
        return found[0] if found else None

    def get(self, uid: str, history: bool = True) -> LiveDashboard | None:
        path = self._path_of(uid)
        if path is None:
            return None
        try:
            model = unwrap(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise DestinationError(f"dashboard {uid}: {path} is not valid JSON: {exc}") from None
        entry = self._state()["dashboards"].get(uid, {})
        folder_uid = entry.get("folder", "")
        return LiveDashboard(uid, model, entry.get("version"), folder_uid, entry.get("hash"))

    def with_history(self, live: LiveDashboard) -> LiveDashboard:
        return live  # the state file gave it already

    def existing_uids(self) -> set[str]:
        return {hit["uid"] for hit in self.search()}

    def search(self, tags=(), folder_uids=(), uids=()) -> list[dict[str, Any]]:
        state = self._state()["dashboards"]
        hits = []
        for path in sorted(self.dir.rglob("*.json")):
            if path.name.startswith("."):
                continue
            model = unwrap(json.loads(path.read_text(encoding="utf-8")))
            uid = model.get("uid", path.stem)
            folder = state.get(uid, {}).get("folder", "")
            if set(tags) <= set(model.get("tags", [])) and (not uids or uid in uids) and \
                    (not folder_uids or folder in folder_uids):
                hits.append({"uid": uid, "title": model.get("title", ""), "tags": model.get("tags", []),
                             "folderUid": folder, "type": "dash-db"})
        return hits

    def folders(self) -> dict[str, Folder]:
        return {uid: Folder(uid, f["title"], f.get("parent", "")) for uid, f in self._state()["folders"].items()}

    def create_folder(self, folder: Folder) -> None:
        with self._lock:
            state = self._state()
            state["folders"][folder.uid] = {"title": folder.title, "parent": folder.parent_uid}
            self._save_state(state)

    def save(self, model: dict[str, Any], folder_uid: str, message: str, version: int | None) -> int:
        with self._lock:
            state = self._state()
            folders = state["folders"]
            parts, uid = [], folder_uid
            while uid:
                parts.insert(0, folders[uid]["title"])
                uid = folders[uid].get("parent", "")
            old = self._path_of(model["uid"])
            target = self.dir.joinpath(*parts, f"{model['uid']}.json")
            write_atomic(target, to_json_text(normalize(model)))
            if old is not None and old != target:
                old.unlink()
            entry = state["dashboards"].get(model["uid"], {})
            new_version = int(entry.get("version") or 0) + 1
            state["dashboards"][model["uid"]] = {"folder": folder_uid, "hash": content_hash(model),
                                                 "version": new_version, "message": message}
            self._save_state(state)
            return new_version

    def _save_state(self, state: dict[str, Any]) -> None:
        write_atomic(self._state_file, json.dumps(state, indent=2, sort_keys=True) + "\n")
