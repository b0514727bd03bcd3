"""What a dashboard file holds: the classic dashboard model and where it is — or, for a Grafana
dashboard vobs cannot read, why not.

Grafana writes one dashboard in several shapes: the bare model; its HTTP API's answer
`{"dashboard": …, "meta": …}`; a save body `{"dashboard": …, "folderUid": …, "overwrite": …}`
(how many projects ship their dashboards); and, since Grafana 12, a resource of its Kubernetes-style
API, `{"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard", "metadata": {"name":
uid, …}, "spec": model}` — what the export drawer's "V1 Resource" and `kubectl`-style tools save.
`v0alpha1` and `v1beta1` hold the classic model in `spec` (without its uid, which is
`metadata.name`); `v2alpha1` and `v2beta1` hold schema v2 (`elements`, `layout`), which is not
the classic model (`schema_v2.classic_of` reads it as one, for validate and audit). `dashboard_in` is the one reading of these shapes for validate, audit, import,
diff, pull's normalisation and provisioning; `unreadable` names a Grafana dashboard it cannot
give the classic model of, so that no reader drops one without a word.
"""

from __future__ import annotations

from typing import Any

from vertice_obs.jsonpos.schema_v2 import is_bare_spec

GROUP = "dashboard.grafana.app/"
_DASHBOARD_KEYS = frozenset({"panels", "rows", "title", "uid", "templating"})
_CLASSIC = ("panels", "rows", "templating")  # what makes an object a dashboard to check


def dashboard_in(document: Any) -> tuple[Any, str]:
    """The dashboard model a document holds, and its JSON pointer there: a bare model, Grafana's
    API answer or save body (`/dashboard`), or a v0alpha1/v1beta1 dashboard resource (`/spec`; its
    uid from `metadata.name` when the spec has none, as Grafana gives it). Any other document is
    given back as it is, at the root."""
    if (isinstance(document, dict) and isinstance(document.get("dashboard"), dict)
            and not _DASHBOARD_KEYS.intersection(document)):  # else a dashboard with a key of that name
        return document["dashboard"], "/dashboard"
    version, spec = _resource(document)
    if isinstance(spec, dict) and _classic_version(version) and not _schema_v2(spec):
        meta = document.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not _text(spec.get("uid")) and _text(name):
            spec = {**spec, "uid": name}  # a copy: the document read stays as it was
        return spec, "/spec"
    return document, ""


def unreadable(document: Any) -> tuple[str, str] | None:
    """Why `document`, a Grafana dashboard (or several), has no classic model `dashboard_in` can give,
    and the JSON pointer of the value that says so; None for a document that is no dashboard at all
    (or one `dashboard_in` reads)."""
    if is_bare_spec(document):
        return ("a Grafana schema v2 dashboard's JSON Model (`elements` and `layout`, no resource around it): "
                "validate and audit read it, but import does not yet (it writes the classic model) — export it "
                "from Grafana as classic JSON or as a V1 resource", "/layout")
    version, spec = _resource(document)
    if version is not None:
        api = document["apiVersion"]
        if not isinstance(spec, dict):
            return f"a Grafana dashboard resource ({api}) without a `spec` object: nothing to check", "/spec"
        if _schema_v2(spec) or version.startswith("v2"):
            return (f"a Grafana schema v2 dashboard ({api}: `elements` and `layout`): validate and audit read it, "
                    "but import does not yet (it writes the classic model) — export it from Grafana as classic "
                    "JSON or as a V1 resource", "/apiVersion")
        if not _classic_version(version):
            return f"a Grafana dashboard resource of a version vobs does not know ({api})", "/apiVersion"
        return None
    if isinstance(document, dict) and document.get("kind") == "DashboardList" \
            and _text(document.get("apiVersion")).startswith(GROUP) and isinstance(document.get("items"), list):
        return (f"a list of {_count(len(document['items']))} (DashboardList): vobs reads one dashboard per "
                "file — save each item as a file of its own", "/items")
    if isinstance(document, list) and document and all(_dashboard_like(item) for item in document):
        return (f"a list of {_count(len(document))}: vobs reads one dashboard per file — save each as a "
                "file of its own", "")
    if isinstance(document, dict) and document and all(isinstance(k, str) and k.endswith(".json") for k in document) \
            and all(_dashboard_like(item) for item in document.values()):  # keyed by file name, as mixins write them
        first = next(iter(document))  # a monitoring mixin's `grafanaDashboards` (etcd shipped one, trial 15)
        return (f"a map of {_count(len(document))} by file name (a mixin's grafanaDashboards): vobs reads one "
                "dashboard per file — write each to a file of its own (`jsonnet -m DIR` does)",
                "/" + first.replace("~", "~0").replace("/", "~1"))
    return None


def _resource(document: Any) -> tuple[str | None, Any]:
    """(version, spec) of a Grafana dashboard resource (`kind: Dashboard` of the dashboard API group),
    else (None, None)."""
    if not isinstance(document, dict) or document.get("kind") != "Dashboard":
        return None, None
    api = document.get("apiVersion")
    if not isinstance(api, str) or not api.startswith(GROUP):
        return None, None
    return api[len(GROUP):], document.get("spec")


def _classic_version(version: str | None) -> bool:
    """v0alpha1, v1beta1 (and a later v0/v1): the classic model in `spec`."""
    return version is not None and version.startswith(("v0", "v1"))


def _schema_v2(spec: dict) -> bool:
    return "elements" in spec or "layout" in spec


def _dashboard_like(item: Any) -> bool:
    if _resource(item)[0] is not None:
        return True
    model = dashboard_in(item)[0]
    return isinstance(model, dict) and any(key in model for key in _CLASSIC)


def _count(n: int) -> str:
    return f"{n} dashboard{'s' if n != 1 else ''}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
