"""Dashboard lints over any dashboard JSON: uids, panel ids, datasources, panels without queries. Pure.

`vobs validate` and `vobs audit` run them (through `vertice_obs.metrics.lints`) on every dashboard
they read — ours or anyone's — next to the metric checks. Each says which grafana/dashboard-linter
rule it corresponds to, if any: the facts carry over, the code does not. The variable lints are in
`checks/variables.py`; the PromQL lints are registered here (id, severity, documentation) and
implemented in `vertice_obs.metrics.lints`, which parses queries.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from vertice_obs.checks import check
from vertice_obs.checks.dashboard_style import dashboard_name
from vertice_obs.checks.datasources import (
    datasource_kind,
    datasource_variables,
    language,
    target_kind,
)
from vertice_obs.checks.walk import (
    as_dict,
    as_list,
    is_builtin_datasource,
    panel_id,
    pointer,
    text,
    variable_name,
    variables,
    walk_panels,
)
from vertice_obs.finding import Location, Severity

# Panel types that show query results and are useless without a query. Unknown (plugin) types are
# not judged: a clock or a news feed needs no query.
DATA_PANELS = frozenset({
    "timeseries", "graph", "stat", "singlestat", "gauge", "bargauge", "table", "table-old", "heatmap",
    "piechart", "barchart", "histogram", "state-timeline", "status-history", "trend", "xychart",
    "candlestick", "geomap", "logs", "nodeGraph", "traces", "flamegraph", "grafana-piechart-panel",
})


def _panel_at(file: str, model: dict, panel: dict, target: str | None = None) -> Location:
    title = panel.get("title") if isinstance(panel.get("title"), str) else ""
    return Location(file=file, dashboard=dashboard_name(model), panel=title, panel_id=panel_id(panel), target=target)


@check("dashboard/duplicate-uid", Severity.ERROR, scope="run")
def duplicate_uid(dashboards: Sequence[tuple[str, dict[str, Any]]]):
    """Two dashboard files of one run have the same uid. Grafana keeps one dashboard per uid: publishing
    or provisioning both silently replaces one with the other. Reported at every file after the first
    (in path order), naming the first. No grafana/dashboard-linter equivalent (it reads one file)."""
    first: dict[str, tuple[str, str]] = {}
    for file, model in sorted(dashboards, key=lambda d: d[0]):
        uid = as_dict(model).get("uid")
        if not isinstance(uid, str) or not uid:
            continue
        title = text(model.get("title"))
        if uid not in first:
            first[uid] = (file, title)
            continue
        other, other_title = first[uid]
        yield (f"uid {uid!r} is also the uid of {other} ({other_title!r}): Grafana keeps one dashboard per uid, "
               "so one silently replaces the other — give each its own uid",
               Location(file=file, dashboard=uid), {"json_path": "/uid", "other_file": other})


@check("panel/duplicate-id", Severity.WARNING, scope="lint")
def duplicate_panel_id(model: dict[str, Any], file: str):
    """Two panels of one dashboard (rows and panels inside rows included) have the same id. Grafana
    renumbers one on load, so `viewPanel=`/`editPanel=` links, alert rules and library references
    that name the id reach the wrong panel, and the saved dashboard differs from the file. No
    grafana/dashboard-linter equivalent."""
    seen: dict[int, dict] = {}
    for path, panel in walk_panels(model):
        pid = panel_id(panel)
        if pid is None:
            continue
        if pid in seen:
            other = seen[pid]
            yield (f"panel id {pid} is also the id of panel {text(other.get('title'))!r}: Grafana renumbers one on "
                   "load, and links to this id reach the wrong panel", _panel_at(file, model, panel),
                   {"json_path": pointer(path + ("id",))})
        else:
            seen[pid] = panel


@check("panel/no-targets", Severity.WARNING, scope="lint")
def no_targets(model: dict[str, Any], file: str):
    """A data panel (time series, graph, stat, gauge, table, …) with no query: it always shows No data.
    Panels that need no query (text, row, news, dashboard lists, alert lists, plugins vobs does not
    know) and library panel stubs whose model the file does not carry (their queries live in the
    library) are exempt.
    grafana/dashboard-linter: `panel-no-targets-rule` (for fewer panel types)."""
    for path, panel in walk_panels(model):
        if text(panel.get("type")) in DATA_PANELS and not panel.get("libraryPanel") and not as_list(panel.get("targets")):
            yield (f"{panel['type']} panel has no query: it always shows No data", _panel_at(file, model, panel),
                   {"json_path": pointer(path)})


@check("datasource/not-variable", Severity.WARNING, scope="lint")
def datasource_not_variable(model: dict[str, Any], file: str):
    """A Prometheus query (of a panel, a query variable or an annotation) runs on a fixed datasource (a uid, a
    name, or none at all, which is the default) instead of a datasource variable such as
    `${datasource}`: readers cannot point the dashboard at another Prometheus, and it breaks on a
    Grafana where that uid does not exist. `${DS_X}` from a shared dashboard's `__inputs` is replaced
    by a fixed uid on import, so it is reported too. Only the Prometheus (and Prometheus-compatible)
    queries are judged: a Loki target of a Mixed panel is not, and the advice names a datasource
    variable of the query's own type — on a dashboard whose `__inputs` declare a datasource input of
    that type (`DS_PROM`), a variable of the input's name and the input dropped from `__inputs` (an
    import input wins over a variable of its name), as `vobs import` does. Grafana's own
    pseudo-datasources (-- Grafana --, -- Dashboard --, Mixed, expressions) are exempt. grafana/dashboard-linter: `panel-datasource-rule` and
    `template-datasource-rule` (which also wants the variable to exist)."""
    inputs = {text(i.get("name")) for i in as_list(model.get("__inputs")) if isinstance(i, dict)}
    declared = {text(i.get("name")): text(i.get("pluginId")).lower() for i in as_list(model.get("__inputs"))
                if isinstance(i, dict) and i.get("type") == "datasource" and text(i.get("name"))}
    chosen = datasource_variables([v for _, v in variables(model)])
    for path, panel in walk_panels(model):
        targets = [(i, t) for i, t in enumerate(as_list(panel.get("targets"))) if isinstance(t, dict)]
        if panel.get("type") == "row" or panel.get("libraryPanel") or not targets:
            continue
        panel_ds = panel.get("datasource")
        kinds = {i: target_kind(t, panel_ds, chosen) for i, t in targets}
        promql = [(i, t) for i, t in targets if language(kinds[i])]
        if not promql:
            continue  # no Prometheus query: another store's datasource is not this lint's business
        used = [(path + ("datasource",), panel_ds)] if panel_ds is not None and \
            language(datasource_kind(panel_ds, chosen)) else []
        used += [(path + ("targets", i, "datasource"), t["datasource"]) for i, t in promql
                 if t.get("datasource") is not None]
        problem = _fixed(used or [(path, None)], inputs)
        if problem:
            at, why, named = problem
            kind = kinds[next((i for i, _ in promql if at == path + ("targets", i, "datasource")), promql[0][0])]
            advice = _advice(kind, chosen, declared, named)
            yield (f"{why}, not a datasource variable: readers cannot switch it — {advice}",
                   _panel_at(file, model, panel), {"json_path": pointer(at)})
    for path, variable in variables(model):
        kind = datasource_kind(variable.get("datasource"), chosen)
        if variable.get("type") != "query" or not language(kind):
            continue
        problem = _fixed([(path + ("datasource",), variable.get("datasource"))], inputs)
        if problem:
            at, why, named = problem
            where = Location(file=file, dashboard=dashboard_name(model), target=f"variable {variable['name']}")
            yield (f"variable ${variable['name']} {why}, not a datasource variable: "
                   f"{_advice(kind, chosen, declared, named)}", where,
                   {"json_path": pointer(at if variable.get("datasource") is not None else path)})
    for i, annotation in enumerate(as_list(as_dict(model.get("annotations")).get("list"))):
        query = as_dict(annotation).get("expr") or as_dict(as_dict(annotation).get("target")).get("expr")
        if not isinstance(query, str) or not query.strip() or annotation.get("builtIn"):
            continue  # Grafana's own annotations (builtIn), or no PromQL: nothing runs on a Prometheus
        kind = datasource_kind(annotation.get("datasource"), chosen)
        path = ("annotations", "list", i)
        problem = _fixed([(path + ("datasource",), annotation.get("datasource"))], inputs) if language(kind) else None
        if problem:
            at, why, named = problem
            name = text(annotation.get("name")) or "?"
            where = Location(file=file, dashboard=dashboard_name(model), target=f"annotation {name}")
            yield (f"annotation {name!r} {why}, not a datasource variable: readers cannot switch it — "
                   f"{_advice(kind, chosen, declared, named)}",
                   where, {"json_path": pointer(at if annotation.get("datasource") is not None else path)})


def _advice(kind: str, chosen: dict[str, str], declared: dict[str, str] | None = None,
            named: str | None = None) -> str:
    """Which variable to use: the dashboard's datasource variable of that type, else one to add —
    named as the datasource input its `__inputs` declare (`declared`: name → plugin id; `named`: the
    input the reference uses), the variable `vobs import` makes of it, so `${DS_X}` resolves."""
    same = [name for name, of in chosen.items() if of == kind and name != named]
    if same:
        return f"use ${{{same[0]}}}"
    if named is not None and chosen.get(named) == kind:  # a variable of the input's own name: the input wins
        other = "datasource" if "datasource" not in chosen else "prometheus"
        return (f"rename the variable ${named} (e.g. to {other}) and use ${{{other}}}: the import input of its "
                f"name wins; or drop {named} from __inputs if the dashboard is provisioned, not imported")
    declared = declared or {}
    own = named if named is not None and declared.get(named) in (kind, "") else next(
        (name for name, of in declared.items() if of == kind), None)
    if own is not None:  # and out of __inputs: an input of the variable's name wins over it (the branch above)
        return (f"add a datasource variable named {own} of type {kind}, use ${{{own}}} and drop {own} from "
                f"__inputs (an import input wins over a variable of its name)"
                + (", as `vobs import` does" if named is not None else ""))
    name = "datasource" if "datasource" not in chosen else kind.split("-")[0].replace("grafana", "prometheus")
    return f"add a datasource variable of type {kind} (e.g. ${{{name}}}) and use it"


def _fixed(used: Iterable[tuple[tuple, Any]], inputs: set[str]) -> tuple[tuple, str, str | None] | None:
    """The first datasource reference in `used` that is not a variable, why, and the import input it
    names (None: none), else None."""
    for at, ds in used:
        if is_builtin_datasource(ds):
            continue
        name = variable_name(ds)
        if name is not None and name not in inputs:
            continue
        if name is not None:
            return at, f"uses ${{{name}}}, an import input that becomes a fixed uid when the dashboard is imported", name
        if ds in (None, "", "default") or isinstance(ds, dict) and not ds.get("uid"):
            return at, "uses the default datasource", None
        shown = as_dict(ds).get("uid") if isinstance(ds, dict) else ds
        return at, f"uses the fixed datasource {str(shown)[:80]!r}", None
    return None


def _register(check_id: str, severity: Severity, doc: str) -> None:
    fn = lambda: ()  # noqa: E731 - the registry needs a callable to carry the docstring
    fn.__doc__ = doc
    check(check_id, severity, scope="query-lint")(fn)


# Implemented in vertice_obs.metrics.lints (they parse PromQL, which the kernel does not).
_register("promql/rate-interval", Severity.WARNING,
          "rate() or irate() over a fixed range (`[5m]`) or over `$__interval` (or an `interval` variable), "
          "or increase() over `$__interval`: use `$__rate_interval`, which Grafana sizes to the scrape "
          "interval and the panel's step — a fixed range hides or smears spikes as the reader zooms, and "
          "`$__interval` shorter than four scrape intervals leaves gaps. `$__range` (a rate over the whole "
          "shown range) and a range from a dashboard variable are deliberate and left alone; so is "
          "increase() over a fixed range (`increase(x[1h])` means \"per hour\"). Panel queries only. "
          "grafana/dashboard-linter: `target-rate-interval-rule` (which does not look at increase()).")
_register("promql/job-matcher", Severity.INFO,
          "A panel query selects a metric without a `job` matcher: on a Prometheus that scrapes several "
          "jobs exposing the same metric, the panel mixes them. Recording-rule outputs (names with `:`) "
          "are exempt. Information: many dashboards are meant for one job. grafana/dashboard-linter: "
          "`target-job-rule` (which wants exactly job=~\"$job\").")
_register("promql/instance-matcher", Severity.INFO,
          "A panel query selects a metric without an `instance` matcher: the panel sums or overlays every "
          "instance, and readers cannot look at one. Recording-rule outputs (names with `:`) are exempt. "
          "Information. grafana/dashboard-linter: `target-instance-rule` (which wants exactly "
          "instance=~\"$instance\").")
_register("promql/histogram-quantile-without-le", Severity.ERROR,
          "histogram_quantile() over an aggregation of a classic histogram's buckets (`_bucket` series) "
          "that drops their `le` label — `by` without le (`sum by (job) (rate(x_bucket[5m]))`), `without` "
          "with it, or no clause at all: histogram_quantile() reads the bucket bounds from `le`, finds "
          "none, and the panel is always empty. Keep le: `sum by (job, le) (…)`. A warning where the query "
          "lets the quantile be empty — an `or` operand (`… or vector(0)`), the right side of `unless`, "
          "absent() — and says the panel draws only the rest of it. Native histograms (no "
          "`_bucket`, no le) are not judged, nor a label_replace() that makes le, nor a `by` label a "
          "variable leaves unknown. VictoriaMetrics' histograms carry `vmrange` instead, which its "
          "histogram_quantile() reads too: keeping vmrange is fine where the query reaches a "
          "VictoriaMetrics (its datasource plugin, or the server checked against), an error against "
          "a Prometheus, and a warning offline on a Prometheus-type datasource (it may be either). "
          "Newer Prometheus versions warn at query time (`bucket label \"le\" is missing or has a malformed "
          "value`), Debian's 2.42 answers nothing; no grafana/dashboard-linter equivalent.")
_register("promql/holt-winters-removed", Severity.WARNING,
          "A panel query calls holt_winters(), Prometheus 2's double exponential smoothing, which Prometheus 3.0 "
          "removed: it renamed the function double_exponential_smoothing(), with the same arguments, and made it "
          "experimental (`--enable-feature=promql-experimental-functions`). Prometheus 2 and VictoriaMetrics "
          "run holt_winters() (Debian's 2.42 and 1.79 here), a Prometheus 3 refuses the query. vobs reads the "
          "call as double_exponential_smoothing() and checks the query like any other. A warning: vobs does not "
          "ask a Prometheus its version. Information where the query reaches a VictoriaMetrics (its datasource "
          "plugin, or the server checked against), which knows holt_winters() only. One finding per query. No "
          "grafana/dashboard-linter equivalent.")
_register("promql/double-exponential-smoothing-unknown", Severity.ERROR,
          "A panel query calls double_exponential_smoothing(), Prometheus 3's (experimental) name for holt_winters(), "
          "where it reaches a VictoriaMetrics (its datasource plugin, or the server checked against): "
          "VictoriaMetrics knows the function by its old name only and refuses the query (`unknown func`), as "
          "Prometheus 2 does — write holt_winters() with the same arguments. Elsewhere nothing is said: a "
          "Prometheus 3 runs it when its experimental functions are on, and vobs does not ask. No "
          "grafana/dashboard-linter equivalent.")
