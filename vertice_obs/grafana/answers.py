"""What a Grafana answered, checked before it is used; what Grafana it is, detected once. Pure.

A login page, a proxy or another service on Grafana's port answers 200 with HTML, or JSON of
another shape. Each answer is checked for the shape the caller needs (`expect`) and a misfit is
one `DestinationError` naming the server — never an `AttributeError` deep in a caller. Text from
the server is escaped and redacted before it enters a message, and cut to one short line.

`server_info` reads the version and whether nested folders are on from `/api/health` and
`/api/frontend/settings` (see `folders` for what "flat" means).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vertice_obs.errors import VobsError
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import escape

SUPPORTED = "9.5, 10.4, 11.x and 12.x"


class DestinationError(VobsError):
    def __init__(self, message: str, status: int = 0, retryable: bool = False, server_wide: bool = False,
                 remedy: str = "", unanswered: bool = False, unknown: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        # what to do instead, when running again cannot help (a title Grafana keeps for another): the advice
        self.remedy = remedy
        # unreachable, credentials, TLS, not Grafana, a write the token may not make: not one dashboard's
        # fault. Not `retryable` too: no other request would fare better (a publish stops at it).
        self.server_wide = server_wide
        # sent, and no answer came (a timeout, a proxy's 504, the connection cut): a write may have been applied
        self.unanswered = unanswered
        # a write of which that is the last word: whether Grafana applied it is not known (`OUTCOME_UNKNOWN`)
        self.unknown = unknown


NOT_SENT = "not sent: the publish stopped at an error no other write would escape"
# a write sent and never answered (timed out, cut): Grafana may have applied it, or not
OUTCOME_UNKNOWN = "outcome unknown: Grafana may have saved it; run vobs diff"
# what to do about a title Grafana before 11.3 keeps for another (running again cannot help): a dashboard
_RETITLE_FOLDER = "retitle the dashboard or the folder"  # titled like a folder (400 name-match)
_RETITLE_ONE = "retitle one of them"  # a second dashboard of a title in a folder (412 name-exists)
# a root folder titled like a dashboard of the General folder (400, ErrDashboardFolderWithSameNameAsDashboard)
_DASHBOARD_HAS_IT = "Folder name cannot be the same as one of its dashboards"
_RETITLE_ROOT = "retitle that dashboard of the General folder, or rename the narrative's folder"
# a narrative's folder whose title Grafana before 11.3 keeps for another folder there: no run makes it
TITLE_TAKEN = "rename the narrative's folder, or publish into the existing one with `folder_uid:`"


def outcome_unknown(exc: DestinationError) -> DestinationError:
    """`exc`, the last word on a write one of whose attempts was `unanswered`, said as what it is: the write
    may have been applied (`OUTCOME_UNKNOWN`). An answer that refuses it (4xx) is the last word: known."""
    if 400 <= exc.status < 500:
        return exc
    return DestinationError(f"{exc} — {OUTCOME_UNKNOWN}", exc.status, exc.retryable, exc.server_wide, exc.remedy,
                            unanswered=True, unknown=True)


def stops(exc: DestinationError) -> bool:
    """An error every later write would meet too (a token that may not write): the publish stops —
    its dashboards' writes and its playlists' alike."""
    return exc.server_wide and not exc.retryable


def server_text(text: object, limit: int = 160) -> str:
    """Text a server sent, fit for a one-line message: HTML tags dropped, whitespace folded,
    secrets redacted, control characters escaped, cut to `limit` characters."""
    raw = str(text)
    if looks_like_html(raw):
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", raw)
        raw = f"an HTML page{' titled ' + repr(title.group(1).strip()[:60]) if title else ''}"
    raw = " ".join(redact_text(raw).split())
    out = escape(raw, one_line=True)
    return out if len(out) <= limit else out[: limit - 1] + "…"


ORG_MISMATCH = "api-key.organization-mismatch"  # Grafana's messageId for a token sent to another org


def not_a_member(orgs: Any, org: tuple[int | None, str], user: str, where: str) -> DestinationError | None:
    """The error for a basic-auth `user` sent with an org id (`org`: it, and where it was set) it is not a
    member of, as `/api/user/orgs` lists its organisations (`orgs`) — Grafana itself says nothing: it signs
    the user in with no role there (`OrgID -1`, "Org missing"), so searches come back empty and every other
    read or write 403 "Permissions needed". None when it is a member, or `orgs` is not such a list."""
    if not isinstance(orgs, list) or not all(isinstance(o, dict) for o in orgs):
        return None
    if org[0] is None or any(o.get("orgId") == org[0] for o in orgs):
        return None
    names = [f"{server_text(o.get('orgId'), 20)} {server_text(o.get('name', ''), 60)!r}" for o in orgs[:5]]
    its = f"its organisations: {', '.join(names)}{', …' if len(orgs) > 5 else ''}" if orgs else "it is in none"
    return DestinationError(f"{where}: user {server_text(user, 80)!r} is not a member of organisation {org[0]} "
                            f"(org id set by {org[1]}; {its}): check {org[1]}, or use a service-account token of "
                            f"organisation {org[0]}", server_wide=True)


def status_error(what: str, status: int, body: Any, message: str, where: str, *, anonymous: bool, token_hint: str,
                 org: tuple[int | None, str], forbidden: str = "") -> DestinationError:
    """A Grafana's HTTP error answer, in words: `what` was asked of the Grafana `where`; `org`: the
    org id sent (`X-Grafana-Org-Id`) and where it was set; `forbidden`: what a write's 403 means."""
    who = subject(what, where)
    detail = server_text(body.get("message", "") if isinstance(body, dict) else (body or message or ""))
    said = body.get("messageId") if isinstance(body, dict) else None
    if status == 0:
        return DestinationError(f"{where} is unreachable ({detail})", retryable=True, server_wide=True)
    if status == 401 and anonymous:
        return DestinationError(f"{where} asks for credentials (401 {detail}) and none were given: set "
                                f"{token_hint} or --grafana-token", status, server_wide=True)
    if status == 401 and org[0] and said == ORG_MISMATCH:  # the token is fine, in its own organisation
        return DestinationError(f"{where} refused organisation {org[0]} (org id set by {org[1]}) for this token "
                                f"(401 {detail}): a token belongs to one organisation — set the org id to the "
                                f"token's (or leave it out), or use a token made in organisation {org[0]}", status,
                                server_wide=True)
    if status == 401:
        return DestinationError(f"{where} refused the credentials (401 {detail}): check {token_hint}", status,
                                server_wide=True)
    if what == "/api/health" and status == 403 or what.startswith("/") and status == 404:  # a proxy
        return DestinationError(f"{who} answered {status}: {detail} (a proxy in front of Grafana, or "
                                "the wrong URL?)", status, server_wide=True)
    if status == 403 and forbidden:  # a write the token may not make: no other write will fare better
        within = f" of organisation {org[0]}" if org[0] else ""
        return DestinationError(f"{where}: the token may not {forbidden}{within} (403 {detail}): use a token with "
                                "Editor rights there", status, server_wide=True)
    if status == 403:
        return DestinationError(f"{what}: the token lacks permission (403): {detail}", status)
    if status == 404:
        return DestinationError(f"{what}: not found (404): {detail}", status)
    kind = server_text(body.get("status", ""), 40) if isinstance(body, dict) else ""
    if status == 400 and kind == "name-match":  # Grafana before 11.3: no dashboard titled like a folder
        return DestinationError(f"{what}: a folder has its title (400 name-match: {detail}) — Grafana before 11.3 "
                                f"refuses a dashboard titled like any folder: {_RETITLE_FOLDER}", status,
                                remedy=_RETITLE_FOLDER)
    if status == 412 and kind == "name-exists":  # Grafana before 11.3: one title per folder
        return DestinationError(f"{what}: another dashboard in that folder has its title (412 name-exists: "
                                f"{detail}) — Grafana before 11.3 allows one dashboard of a title per folder: "
                                f"{_RETITLE_ONE}", status, remedy=_RETITLE_ONE)
    if status == 400 and _DASHBOARD_HAS_IT in detail:  # Grafana before 11.3, at a folder's create
        return DestinationError(f"{who} answered {status}: {detail}", status, remedy=_RETITLE_ROOT)
    if status == 412:
        return DestinationError(f"{what}: changed in Grafana meanwhile (412 {kind}): "
                                f"run vobs diff, then publish again", status)
    return DestinationError(f"{who} answered {status}: {detail}", status, retryable=status == 429 or status >= 500,
                            unanswered=status == 504)  # a proxy's timeout: what it sent on may have been applied


def subject(what: str, where: str) -> str:
    """Who answered: `Grafana at URL/api/health` for an endpoint, `dashboard x: Grafana at URL` else."""
    return f"{where}{what}" if what.startswith("/") else f"{what}: {where}"


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body", "<?xml")) or "<html" in head


def expect(value: Any, kind: type | tuple[type, ...], what: str, where: str, keys: tuple[str, ...] = (),
           part: str = "") -> Any:
    """`value` (the whole answer, or its `part`) if it is a `kind` (and, for a dict, has `keys`);
    else a one-line `DestinationError`."""
    ok = isinstance(value, kind) and not (isinstance(value, dict) and any(k not in value for k in keys))
    if ok:
        return value
    if part:
        found = f"JSON of the wrong shape ({part!r} is a {type(value).__name__})"
    elif isinstance(value, str) and looks_like_html(value):
        found = "an HTML page, not Grafana's JSON API (a login page or a proxy in front of Grafana?)"
    elif isinstance(value, str):
        found = f"text, not JSON: {server_text(value, 60)}"
    else:
        need = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        extra = f" with {', '.join(map(repr, keys))}" if keys else ""
        found = f"JSON of the wrong shape (a {type(value).__name__}, expected a {need}{extra})"
    return _raise(f"{subject(what, where)} answered {found}")


def _raise(message: str) -> Any:
    raise DestinationError(message, server_wide=True)


def items(value: Any, what: str, where: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """A JSON list of objects, each with `keys` whose values are strings or numbers."""
    for item in expect(value, list, what, where):
        if not isinstance(item, dict) or any(k not in item for k in keys):
            need = f"objects with {', '.join(map(repr, keys))}" if keys else "objects"
            _raise(f"{subject(what, where)} answered JSON of the wrong shape (a list of "
                   f"{type(item).__name__ if not isinstance(item, dict) else 'objects without them'}, expected {need})")
        for key in keys:
            if not isinstance(item[key], (str, int)) or isinstance(item[key], bool):
                _raise(f"{subject(what, where)} answered JSON of the wrong shape ({key!r} is a "
                       f"{type(item[key]).__name__})")
    return value


@dataclass(frozen=True)
class ServerInfo:
    version: str
    major_minor: tuple[int, int]
    nested_folders: bool
    namespace: str = ""  # the organisation's in /apis/…, when the frontend settings say it

    def describe(self) -> str:
        return f"Grafana {self.version} ({'nested' if self.nested_folders else 'flat'} folders)"


def server_info(health: Any, settings: Any, where: str) -> ServerInfo:
    """The version (frontend settings' `buildInfo.version`, else health's `version`) and whether
    nested folders are on: the `nestedFolders` toggle when the server lists it, else on from 11."""
    expect(health, dict, "/api/health", where)
    expect(settings, dict, "/api/frontend/settings", where)
    build = settings.get("buildInfo")
    version = build.get("version") if isinstance(build, dict) else None
    version = version if isinstance(version, str) and version else health.get("version")
    match = re.match(r"v?(\d+)\.(\d+)", version) if isinstance(version, str) else None
    if match is None:
        return _raise(f"{where} does not say which Grafana it is (no version in /api/health or "
                      f"/api/frontend/settings): is it Grafana? vobs supports {SUPPORTED}")
    major_minor = (int(match.group(1)), int(match.group(2)))
    if major_minor < (9, 5):
        return _raise(f"{where} is Grafana {server_text(version, 40)}: vobs supports {SUPPORTED}")
    toggles = settings.get("featureToggles")
    toggle = toggles.get("nestedFolders") if isinstance(toggles, dict) else None
    nested = toggle if isinstance(toggle, bool) else major_minor >= (11, 0)
    said = settings.get("namespace")
    return ServerInfo(server_text(version, 40), major_minor, nested, said if isinstance(said, str) else "")
