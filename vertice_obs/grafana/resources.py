"""Grafana's resource API for dashboards: every dashboard of an organisation, whole, in a few pages.

Beside the legacy HTTP API, Grafana 12 serves its dashboards as Kubernetes-style resources:
`GET /apis/dashboard.grafana.app/v0alpha1/namespaces/<namespace>/dashboards?limit=N` answers a
`DashboardList` (operation `listDashboard` of Grafana's OpenAPI snapshot for that group and
version; its subset is in tests/grafana_standin/): each item's `metadata.name` is the dashboard
uid, `metadata.annotations["grafana.app/folder"]` its folder uid (absent at the root) and `spec`
its model as saved, without `id`, `uid` and `version`; `metadata.continue` names the next page
(Grafana cuts a page near 2 MiB, whatever `limit` asks). v0alpha1, not v1beta1: v1beta1 runs the schema
migrations on a classic dashboard before answering, so its `spec` is not what was saved.
One such list tells publish and diff which dashboards are unchanged — listed exactly as vobs sends
them, in the code's folder — without reading each alone (`survey`).

It is only ever a shortcut, for one decision: a dashboard listed exactly as the code has it, in the
code's folder, is unchanged and not written (the list has no version message: one the same only
after normalising was saved by someone else, and is read alone to know whether vobs adopts it). `None` means "read them one by one, as before": a
Grafana that does not serve the API (before 12: 404), a token it refuses, any answer not shaped as
the spec's `DashboardList`, a page that brings no dashboard not seen before, or a list still going
after its time (`budget`). A dashboard it lists otherwise is read through the legacy API as
before, so what publish writes, backs up and calls drift never depends on this reading.
Pure: the destination makes the requests (`GrafanaDestination.listed`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable

LIST_PATH = "/apis/dashboard.grafana.app/v0alpha1/namespaces/{namespace}/dashboards"
SERVED_FROM = (12, 0)  # 11.4 and older do not serve the group (11.5/11.6 may: not relied on)
FOLDER_ANNOTATION = "grafana.app/folder"
LIST_PAGE = 500  # dashboards per page: whole models, so far fewer than a search page
MAX_LIST_PAGES = 1000
SERVER_OWNED = ("id", "uid", "version")  # kept by the list in metadata, not in spec
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # a Kubernetes namespace: a DNS label


@dataclass(frozen=True)
class Listed:
    """One dashboard as the list shows it: its model as saved, without `id`, `uid` and `version`."""

    uid: str
    spec: dict[str, Any]
    folder_uid: str

    def holds(self, model: dict[str, Any]) -> bool:
        """Is this exactly `model`, but for what the server owns? Grafana keeps a saved model as it
        was sent, so this is the common answer for an untouched dashboard, found at C speed."""
        return self.spec == {k: v for k, v in model.items() if k not in SERVER_OWNED}


def namespace(org_id: int | None, said: str) -> str:
    """The organisation's namespace: what the server says (frontend settings' `namespace`) when it
    is one (a DNS label), else Grafana's own rule for an on-premise server: `default` for org 1,
    `org-<id>` for the others."""
    if _NAMESPACE.fullmatch(said):
        return said
    return "default" if not org_id or org_id == 1 else f"org-{org_id}"


def page(answer: Any) -> tuple[list[Listed], str] | None:
    """One list answer's dashboards and its continue token ("" on the last page); None when the
    answer is not a `DashboardList` this reading can trust whole."""
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        return None
    meta = answer.get("metadata")
    token = meta.get("continue", "") if isinstance(meta, dict) else ""
    if not isinstance(token, str):
        return None
    out = []
    for item in answer["items"]:
        listed = _listed(item)
        if listed is None:
            return None
        out.append(listed)
    return out, token


def listing(get: Callable[[dict[str, Any]], Any], budget: float) -> dict[str, Listed] | None:
    """Every page (`get` sends the query parameters given), followed by its continue token; None
    at the first answer `page` cannot trust, a page with no dashboard not seen before (a server
    that loops, whatever its tokens), or when `budget` seconds are spent before the last page."""
    out: dict[str, Listed] = {}
    token, deadline = "", time.monotonic() + budget
    for _ in range(MAX_LIST_PAGES):
        one = page(get({"limit": LIST_PAGE, **({"continue": token} if token else {})}))
        if one is None:
            return None
        dashboards, token = one
        new = {d.uid: d for d in dashboards if d.uid not in out}
        out.update(new)
        if not token:
            return out
        if not new or time.monotonic() > deadline:
            return None
    return None


def _listed(item: Any) -> Listed | None:
    if not isinstance(item, dict):
        return None
    meta, spec = item.get("metadata"), item.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        return None
    uid = meta.get("name")
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    folder = annotations.get(FOLDER_ANNOTATION, "")
    if not isinstance(uid, str) or not uid or not isinstance(folder, str):
        return None
    return Listed(uid, spec, folder)
