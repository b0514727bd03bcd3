"""Normalisation: one canonical form of a dashboard for comparing code with Grafana. Pure.

Strips what the server owns (`id`, `version`, `iteration`, the `meta` wrapper) and what Grafana
adds with a default value on a UI save, ignores key order, and keeps every unknown key — a key we
do not know is a difference we must show, not hide. A dashboard pushed and fetched back
normalises to exactly what was pushed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from vertice_obs.guard.text import json_bytes
from vertice_obs.jsonpos import dashboard_in

_SERVER_OWNED = ("id", "version", "iteration")
# Written by Grafana's UI on every save, whatever the panel: not part of what the code says.
_PANEL_UI_OWNED = ("pluginVersion",)
# Grafana's defaults, dropped when present with exactly this value (a UI save writes them).
_DASHBOARD_DEFAULTS: dict[str, Any] = {
    "gnetId": None, "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "", "links": [],
    "graphTooltip": 0, "editable": True, "timepicker": {}, "style": "dark", "hideControls": False,
    "sharedCrosshair": False, "__inputs": [], "__requires": [], "__elements": {}, "rows": [],
}
_PANEL_DEFAULTS: dict[str, Any] = {
    "transparent": False, "links": [], "transformations": [], "hideTimeOverride": False, "options": {},
    "editable": True, "error": False, "targets": [], "interval": None,
    "maxDataPoints": None, "timeFrom": None, "timeShift": None, "description": "",
}
_TARGET_DEFAULTS: dict[str, Any] = {
    "hide": False, "interval": "", "editorMode": None, "range": None, "instant": False, "exemplar": None,
    "metric": "", "target": "", "query": None, "step": None, "intervalFactor": None, "legendFormat": "",
}


def unwrap(document: dict[str, Any]) -> dict[str, Any]:
    """A dashboard model from a bare model, Grafana's `{"dashboard": …, "meta": …}`, a save body or a
    Grafana 12 dashboard resource (`jsonpos.dashboard_in`)."""
    return dashboard_in(document)[0]


def normalize(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical form (a new top-level dict and panel list; values without a null are shared
    with `document`, not copied)."""
    model = unwrap(document)
    clean = _clean if _may_hold_null(model) else _as_is
    out = {k: clean(v) for k, v in model.items() if k not in _SERVER_OWNED and not _is_default(_DASHBOARD_DEFAULTS, k, v)}
    if isinstance(out.get("panels"), list):  # a server's JSON may have any shape: keep what is not a list
        out["panels"] = [_panel(p) for p in out["panels"]]
    return out


def canonical_text(document: dict[str, Any]) -> str:
    """The normalised model as json writes it (sorted, indented): by orjson where its bytes are
    json's (`json_bytes`; publish hashes every dashboard, diff every pair), else by json."""
    text = _canonical(document)
    return text.decode("utf-8") if isinstance(text, bytes) else text


def content_hash(document: dict[str, Any]) -> str:
    """The identity of a dashboard's content: what publish records and drift detection compares —
    the SHA-256 of `canonical_text`'s UTF-8 (hashed from orjson's bytes directly when it wrote them)."""
    text = _canonical(document)
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()[:16]


def _canonical(document: dict[str, Any]) -> bytes | str:
    """`canonical_text` as orjson's UTF-8 bytes, or as json's text where orjson cannot write it (a
    lone surrogate: text that cannot even be encoded, which only the hash refuses)."""
    model = normalize(document)
    fast = json_bytes(model)
    if fast is not None:
        return fast + b"\n"
    return json.dumps(model, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _may_hold_null(model: Any) -> bool:
    """Is there a null anywhere in `model`? No means `_clean` has nothing to drop (a dashboard vobs
    renders has none): one orjson pass, ~20 µs, instead of the ~90 µs walk. Text that merely reads
    `null`, or a value orjson refuses, takes the walk."""
    try:
        return b"null" in orjson.dumps(model)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return True


def _as_is(value: Any) -> Any:
    return value


def _panel(panel: Any) -> Any:
    if not isinstance(panel, dict):
        return panel
    out = {k: v for k, v in panel.items() if k not in _PANEL_UI_OWNED and not _is_default(_PANEL_DEFAULTS, k, v)}
    if isinstance(out.get("targets"), list):
        out["targets"] = [{k: v for k, v in t.items() if not _is_default(_TARGET_DEFAULTS, k, v)}
                          if isinstance(t, dict) else t for t in out["targets"]]
    if isinstance(out.get("panels"), list):
        out["panels"] = [_panel(p) for p in out["panels"]]
    return out


def _is_default(defaults: dict[str, Any], key: str, value: Any) -> bool:
    return value is None or (key in defaults and defaults[key] == value)


def _clean(value: Any) -> Any:
    """Drop nulls everywhere: Grafana treats a null and a missing key alike."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
