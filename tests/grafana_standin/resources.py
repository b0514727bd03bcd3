"""The stand-in's dashboard resource list: `GET /apis/dashboard.grafana.app/v0alpha1/namespaces/{ns}/dashboards`.

Modelled on what Grafana 12 serves from its legacy SQL store (grafana/grafana
`pkg/registry/apis/dashboard/legacy/sql_dashboards.go`, its row reader and list query):
- `metadata.name` is the dashboard uid; `generation` and `resourceVersion` the legacy version;
  `metadata.uid` a hash of its own, not the dashboard's uid;
- annotations `grafana.app/folder` (the folder uid, absent at the root), `grafana.app/createdBy`
  and `updatedBy` (`user:<login>`), `grafana.app/updatedTimestamp`; no `grafana.app/message`: the
  list query selects `'' as message` (only history reads carry it);
- the legacy id as the `grafana.app/deprecatedInternalID` label;
- `spec` the stored model as saved (v0alpha1 converts nothing) without `id`, `version` and `uid`
  ("Ignore any saved values for id/version/uid");
- newest id first; without `limit` 50 a page, and a page ends at the dashboard that brings its
  models to 2 MiB; the continue token is `org:<org>/start:<last id>/folder:/<page bytes> B` (with a
  space and slashes: a client must encode it), the next page holding the ids below it.
Before 12 (11.4 and older) the group is not served: a 404. Sources, and what they leave unsure,
are in SOURCE.md.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

GROUP_FROM = (12, 0)
DEFAULT_LIMIT = 50
MAX_PAGE_BYTES = 2 * 1024 * 1024  # a page ends at the dashboard that brings it to 2 MiB
ID_LABEL = "grafana.app/deprecatedInternalID"


def resource_list(s: Any, namespace: str, one: dict[str, str]) -> tuple[int, Any]:
    if s.major_minor < GROUP_FROM:
        return 404, _status(404, "NotFound", "the server could not find the requested resource")
    if namespace != ("default" if s.org_id == 1 else f"org-{s.org_id}"):
        return 403, _status(403, "Forbidden", "org mismatch")
    token = re.fullmatch(r"org:\d+/start:(\d+)/folder:[^/]*/.+", one["continue"]) if one.get("continue") else None
    if one.get("continue") and token is None:
        return 400, _status(400, "BadRequest", "invalid continue token")
    below = int(token.group(1)) if token else None  # the next page: dashboard.id < start
    limit = int(one.get("limit") or 0) or DEFAULT_LIMIT
    entries = sorted((e for e in s.dashboards.values() if below is None or e["id"] < below), key=lambda e: -e["id"])
    items, page_bytes = [], 0
    for entry in entries:
        item = _item(s, namespace, entry)
        page_bytes += len(orjson.dumps(item["spec"]))
        items.append(item)
        if len(items) >= limit or page_bytes >= MAX_PAGE_BYTES:
            break
    more = len(items) < len(entries)
    newest = max((e["model"]["version"] for e in s.dashboards.values()), default=0)
    meta = {"resourceVersion": str(newest)}
    if more:
        meta["continue"] = f"org:{s.org_id}/start:{items[-1]['metadata']['labels'][ID_LABEL]}/folder:/{page_bytes} B"
    return 200, {"kind": "DashboardList", "apiVersion": "dashboard.grafana.app/v0alpha1", "metadata": meta,
                 "items": items}


def _item(s: Any, namespace: str, entry: dict[str, Any]) -> dict[str, Any]:
    model = entry["model"]
    uid = model["uid"]
    annotations = {"grafana.app/createdBy": f"user:{entry['createdBy']}",
                   "grafana.app/updatedBy": f"user:{entry['updatedBy']}",
                   "grafana.app/updatedTimestamp": entry["updated"]}
    if entry["folderUid"]:
        annotations["grafana.app/folder"] = entry["folderUid"]
    if entry.get("provisioning"):  # file provisioning's manager and source (server.GrafanaStandIn.provision)
        annotations.update({"grafana.app/managedBy": "classic-file-provisioning",
                            "grafana.app/managerId": entry["provisioning"]["name"],
                            "grafana.app/sourcePath": entry["provisioning"]["path"]})
    return {"kind": "Dashboard", "apiVersion": "dashboard.grafana.app/v0alpha1",
            "metadata": {"name": uid, "namespace": namespace, "uid": f"standin-{entry['id']:08x}",
                         "resourceVersion": str(model["version"]), "generation": model["version"],
                         "creationTimestamp": entry["created"], "annotations": annotations,
                         "labels": {ID_LABEL: str(entry["id"])}},
            "spec": {k: v for k, v in model.items() if k not in ("id", "version", "uid")},  # serialised at once
            "status": {}}


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "details": {}, "code": code}
