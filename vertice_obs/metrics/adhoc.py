"""Ad hoc filters saved in a dashboard, as the label matchers Grafana adds to its queries. Pure.

An ad hoc filter variable (`type: adhoc`) holds filters a reader set — `{key: env, operator: "=",
value: prod}` — and the dashboard saves them. On load, Grafana's Prometheus datasource adds each
one as a label matcher to every vector selector of every panel query on that datasource
(`enhanceExprWithAdHocFilters` → `addLabelToQuery`), bare selectors included: `up` becomes
`up{env="prod"}`. A saved filter whose value no series has empties every panel it reaches.

- **Which queries:** panel queries whose datasource is the variable's — the same uid or name,
  the same datasource variable (`$ds` and `${ds}` alike), or both the default (none given). A
  reference vobs cannot match for certain (a uid against a variable) is not filtered: a filter
  applied where Grafana does not apply it would be a false "No data".
- **Operators:** `=`, `!=`, `=~`, `!~` with the value as the reader typed it (Grafana escapes it for
  the string only); Grafana 11's multi-value `=|` and `!=|` (the `values` list) as `=~` and `!~`
  over the values regex-escaped and joined by `|`. Any other operator (`<`, `>`, unknown), a
  filter without a value, and a key no label can be called (which would break the query) are left
  out: nothing is said about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from vertice_obs.checks.walk import as_list, variables
from vertice_obs.metrics.interpolate import PROMETHEUS_SPECIAL
from vertice_obs.metrics.series import OPS, LabelMatcher

_MULTI = {"=|": "=~", "!=|": "!~"}
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class AdHocFilters:
    """One ad hoc filter variable: its name, the datasource it filters, the matchers it adds."""

    name: str
    source: str  # `source_ref` of its datasource
    matchers: tuple[LabelMatcher, ...]


def source_ref(ds: Any) -> str:
    """A datasource reference as a comparable key: the uid (or legacy name), `$name` for a
    datasource variable however written, "" for the default (none given, `default`)."""
    if isinstance(ds, dict):
        ds = ds.get("uid") if isinstance(ds.get("uid"), str) else None
    if not isinstance(ds, str) or ds.strip() in ("", "default"):
        return ""
    ds = ds.strip()
    if ds.startswith("${") and ds.endswith("}"):
        return "$" + ds[2:-1].split(":")[0]
    return ds


def adhoc_filters(dashboard: Mapping[str, Any]) -> tuple[AdHocFilters, ...]:
    """The ad hoc filter variables of `dashboard` that hold at least one filter Grafana applies."""
    out = []
    for _, v in variables(dashboard):
        if v.get("type") != "adhoc":
            continue
        matchers = tuple(m for f in as_list(v.get("filters")) if (m := _matcher(f, v["name"])) is not None)
        if matchers:
            out.append(AdHocFilters(v["name"], source_ref(v.get("datasource")), matchers))
    return tuple(out)


def filters_for(filters: tuple[AdHocFilters, ...], source: str) -> tuple[LabelMatcher, ...]:
    """The matchers Grafana adds to a panel query on datasource `source` (a `source_ref`)."""
    return tuple(m for f in filters if f.source == source for m in f.matchers)


def _matcher(f: Any, name: str) -> LabelMatcher | None:
    if not isinstance(f, dict) or not isinstance(f.get("key"), str) or not _LABEL.match(f["key"].strip()):
        return None  # no key, or one no Prometheus label is called: not a query vobs can judge
    op = f.get("operator")
    if op in _MULTI:
        values = [x for x in as_list(f.get("values")) if isinstance(x, str)]
        if not values:
            return None
        pattern = "|".join(PROMETHEUS_SPECIAL.sub(r"\\\g<0>", x) for x in values)
        return LabelMatcher(f["key"].strip(), _MULTI[op], pattern, name)
    value = f.get("value")
    if op not in OPS or not isinstance(value, str) or value == "":
        return None
    return LabelMatcher(f["key"].strip(), op, value, name)
