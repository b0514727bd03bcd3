"""Metric-existence checks: one per reason a metric a dashboard queries is (or isn't) in Prometheus.

The classification itself is in `classify.py`; these entries give each outcome its id, default
severity and the explanation `vobs checks` prints.
"""

from __future__ import annotations

from vertice_obs.checks import check
from vertice_obs.finding import Severity

# Which of these checks mean a panel shows No data — read by the audit (its first tier) and by the GitHub
# annotations' order (`ci.github`), which may not import `metrics`: the metric's name itself without series
# (`NAME_ABSENT`), then a selector that selects none of its series.
NAME_ABSENT = frozenset({"metric/missing", "metric/disappeared", "metric/recording-rule"})
NO_DATA = NAME_ABSENT | {"metric/label-missing", "metric/no-matching-series"}


def _register(check_id: str, severity: Severity, doc: str) -> None:
    fn = lambda: ()  # noqa: E731 - the registry needs a callable to carry the docstring
    fn.__doc__ = doc
    check(check_id, severity, scope="metric")(fn)


_register("metric/present", Severity.INFO,
          "The metric (or a name matching the pattern) is in Prometheus now.")
_register("metric/missing", Severity.WARNING,
          "The metric has not been seen in Prometheus in the whole lookback window (default 7 d): "
          "the exporter does not produce it, or the name is wrong. An error when the catalog marks it required. "
          "In a query variable's own query its dropdown lists nothing: this and the other No-data checks of "
          "a variable's query (disappeared, recording-rule, label-missing, no-matching-series) then judge the "
          "panels that use the variable, directly or through a variable chained below it, with the value "
          "Grafana writes for an empty dropdown (`\"\"`, `()`, the allValue — `x=\"\"` selects the series "
          "without the label): they name the panels it leaves with No data, and the audit counts those among "
          "the metric's panels (`via` the variable); they count the panels that still draw and those empty of "
          "their own. Not when the dashboard's time range reaches back to when the dropdown last listed "
          "something: Grafana lists values over that range.")
_register("metric/disappeared", Severity.WARNING,
          "The metric existed within the lookback window but has no series now: the exporter stopped, "
          "or it was renamed. Says when it was last seen. An error when the catalog marks it required. "
          "Information where the query still draws its last samples — its window (a range, an `offset`, a "
          "subquery, `@`) reaches back to them, and its selectors of the metric matched series within it "
          "(`details.drawn`): the panel shows them until the window no longer reaches.")
_register("metric/recording-rule", Severity.WARNING,
          "The metric is the output of a recording rule that has not produced series yet: the rule's "
          "inputs are missing, or it has not been evaluated since it was loaded.")
_register("metric/fallback-only", Severity.INFO,
          "The metric is absent but is only one side of an `or` whose other side is present "
          "(e.g. `old_name or new_name` after a rename): the panel still shows data.")
_register("metric/intentionally-absent", Severity.INFO,
          "The query allows the metric to be absent: `x or vector(0)`, the right side of `unless`, "
          "or the argument of `absent()`/`absent_over_time()`.")
_register("metric/unknown", Severity.WARNING,
          "The metric source could not be asked (Prometheus unreachable or answering errors): existence "
          "is unknown, never reported as missing. `vobs validate` exits 2.")
_register("metric/label-missing", Severity.WARNING,
          "A selector matches on a label that no series of the metric carries (`environment` on a metric "
          "that never had it), so the panel shows No data. Says which labels the metric has. A matcher "
          "that matches the empty string (`x=\"\"`, `x=~\".*\"`, `x!=\"v\"`) also matches series without "
          "the label, as in PromQL, and is not reported. Against Prometheus, also says whether the selector "
          "matched series within the lookback, and when last.")
_register("metric/no-matching-series", Severity.WARNING,
          "A selector's matcher matches no value the metric's series carry (`environment=\"prod\"` where "
          "only dev and staging exist), or each matcher matches some series but no series matches all: "
          "the panel shows No data. Names the values that exist. Judged after variable interpolation "
          "with the variables' current values; a value a variable leaves unknown is not judged. Against "
          "Prometheus, also says when the selector last matched a series within the lookback, or that none "
          "did in the data it holds.")
_register("metric/group-label-missing", Severity.INFO,
          "An aggregation groups `by` a label that no series of the metrics under it carries (`sum by "
          "(region) (x)` where x has no region): every result has it empty, so grouping by it does nothing — "
          "a typo, or a label the exporter does not set. Labels in `by`/`without`/`on`/`ignoring` are not "
          "selector matchers and never empty a panel; this is information. Not judged under functions that "
          "make labels (label_replace, label_join, absent, count_values).")
_register("variable/value-unknown", Severity.INFO,
          "A variable a query uses has no value saved in the dashboard (no current value, no options, no "
          "allValue), or is a query variable, which Grafana re-runs on load or on time range change — from "
          "Grafana 11.3 whatever its `refresh` says, \"never\" (0) too (its saved value and options are a "
          "snapshot, not what readers get): nothing is known about the matchers it fills, so they are not "
          "judged. Information, never an error: a false \"No data\" would be "
          "worse than saying nothing. One finding per variable and dashboard, at the variable, naming the panels it fills.")
_register("variable/option-no-data", Severity.WARNING,
          "One option of a custom variable (those Grafana parses from its `query`, else as saved in the "
          "dashboard) leaves panels empty: a reader who picks it sees No data. A query variable's saved "
          "options are not judged: Grafana re-runs its query. One finding per option, at the variable's definition, naming "
          "how many panels it empties — and, apart, the annotations and variables whose queries it empties. When "
          "every option that empties something does so for one cause no value mends — a label no series of the "
          "metric carries — one finding names the label and the options (`details.options`), not one per option.")
_register("variable/label-missing", Severity.WARNING,
          "A query variable lists the values of a label (`label_values(kube_pod_info, pod)`) that no series "
          "of the metrics of its query carries: its dropdown stays empty — a typo, or a label the exporter "
          "does not set. Says which labels the metric has. "
          "`label_values(region)` and a query naming no metric (`label_values({job=\"x\"}, region)`) are judged "
          "over every series: a label none carried within the lookback (one request, only for such a dropdown). "
          "Against Prometheus and offline (the catalog's labels); not judged where the query makes labels "
          "(label_replace, label_join, count_values, absent) or names a metric by pattern. Judges the panels "
          "that use the variable, directly or through a chained one, with the value Grafana then writes "
          "(`\"\"`, `()`, the allValue: `x=\"\"` selects the series without the label) and names those it "
          "leaves with No data; the audit ranks it as an action of its metric (status label-missing) with "
          "those panels. A warning when it empties a panel or a reader sees a dropdown with nothing to pick; "
          "information when it empties none and is hidden (`hide: 2`) or Include All (it offers All) — the "
          "mixins' hidden `cluster` on a server without that label.")
_register("variable/not-a-selector", Severity.WARNING,
          "A query variable's `label_values(q, label)` whose q is no plain series selector (`rate(x[5m])`, "
          "`sum by (job) (up)`, `a or b`, `x offset 5m`): Grafana sends q to Prometheus as `match[]`, which takes "
          "a series selector only, so Prometheus refuses it and the dropdown shows an error. Names the metric "
          "to list the labels of instead, or `query_result()` with a regex for a computed list.")
_register("metric/rate-on-gauge", Severity.WARNING,
          "rate(), irate() or increase() over a gauge: they assume a counter (monotonic, with resets), so "
          "the panel shows noise. The type comes from the source's /api/v1/metadata, else the catalog's "
          "`type`, and the message says which. Not for a variable's query, which draws nothing.")
_register("metric/counter-without-rate", Severity.WARNING,
          "A counter shown or aggregated without rate() or increase(): the panel draws an ever-growing "
          "total that resets on restarts. Counting series (count, group), timestamps, resets() and "
          "changes() are fine, and so is a counter less or over another counter (`started - handled`: what "
          "is open; `x_sum / x_count`: an average since start) — a level or a ratio, not a growing total. Type from metadata, else the catalog, else naming (_total) — a guess, so "
          "then information, not a warning. Not for a variable's query, which draws nothing.")
_register("source/degraded", Severity.INFO,
          "The metric source lacks a capability some checks need (a Prometheus-compatible backend that "
          "serves part of the API: no /api/v1/rules, no series history). Only those checks are degraded — "
          "e.g. without rules, recording-rule outputs are judged like other metrics — and this says so once.")
_register("source/incomplete", Severity.WARNING,
          "The metric source's answers carried `warnings`: a Thanos or Cortex query layer that could not reach "
          "a store (a partial response), a VictoriaMetrics cluster missing a storage node (`isPartial`), or a "
          "listing cut short, answers what it could and says so there. A "
          "metric, label or series found missing or empty may then exist where it could not look: the findings "
          "stand, but are no proof until a run without this warning. Said once per run, quoting the first warnings. "
          "A partial answer holds less, never more: when no finding says something is missing or empty, it changed "
          "none, and is said as info (it fails no `--fail-on warning` run).")
_register("promql/parse", Severity.ERROR,
          "The query does not parse as PromQL (after Grafana variables were interpolated): the panel "
          "cannot show data. The parser's message says where. A query that is valid MetricsQL "
          "(VictoriaMetrics' dialect) but reaches no VictoriaMetrics that vobs knows of says so, naming "
          "the construct — offline, checking against the VictoriaMetrics makes it `promql/metricsql`. A query that "
          "would be valid MetricsQL but for a MetricsQL function's count of arguments (`range_quantile(x)`, "
          "`label_set(x, \"a\")`, `rollup_candlestick()`), or a `WITH` template's (`WITH (f(a) = a) f(x, y)`), "
          "is this error on every datasource — VictoriaMetrics "
          "refuses it when it evaluates the call, so the panel shows an error: the message names the call and "
          "where it starts in the query (as interpolated), what it gives and what the function takes (the counts "
          "as VictoriaMetrics checks them; a template's in VictoriaMetrics' own words too); the JSON finding's "
          "details carry `function`, `arguments` and `character`. A hidden query Grafana does not run (no "
          "expression of its panel uses it) is said as info.")
_register("promql/metricsql", Severity.INFO,
          "A query that is valid MetricsQL but not PromQL (`WITH`, `if`/`default`, `topk_last()`, "
          "`rate(x)` without a window, `offset` after an expression, `x or 0`, …) where it reaches a "
          "VictoriaMetrics: its datasource is VictoriaMetrics' plugin (`victoriametrics-metrics-datasource`, "
          "`victoriametrics-datasource`), or the server checked against (--prometheus-url) is one. Valid "
          "there, but vobs reads PromQL only, so none of its checks ran on the query (its metrics' "
          "existence and types, its series and labels, the PromQL lints) — said, not passed over. The "
          "message names the constructs. A query VictoriaMetrics refuses stays a `promql/parse` error, one "
          "that gives a MetricsQL function or a `WITH` template a count of arguments it does not take too; not "
          "checked: the body of `WITH` templates but for those counts.")
_register("inventory/library-panel", Severity.INFO,
          "A library panel stub whose model the file does not carry: its queries live in Grafana's panel "
          "library, so they are not inspected here. A dashboard exported for sharing externally carries "
          "each library panel's model in `__elements`; that model is checked like any panel.")
_register("inventory/datasource-skipped", Severity.INFO,
          "A query for a datasource that is neither Prometheus nor Prometheus-compatible (Loki, SQL, "
          "server-side expressions, -- Dashboard --, -- Grafana --): metric existence is not checked for it. "
          "Amazon's and Azure's managed Prometheus plugins and VictoriaMetrics' are checked as Prometheus.")
_register("inventory/invalid", Severity.ERROR,
          "A part of the dashboard JSON has the wrong type (`panels` an object, a panel a number, `targets` "
          "null, `expr` a number, …). Grafana cannot use it either; its queries are not checked, so this is "
          "an error rather than a silent \"nothing to check\". The finding names the JSON path and its line.")
_register("chaos/window-too-short", Severity.ERROR,
          "A Chaos Day probe's window (`${window}`, the settle time scaled by --time-scale, or a literal "
          "range) is shorter than 2 scrape intervals of the targets its series come from: rate and "
          "increase would return nothing. The run does not start.")
_register("chaos/narrative-unknown", Severity.ERROR,
          "A Chaos Day run names a narrative the project does not have (`narratives:` in the run file, "
          "against the project's narratives folder): its faults would be annotated on no dashboard, "
          "silently. The run does not start; the message offers the close name.")
_register("chaos/phase-unjudged", Severity.WARNING,
          "A Chaos Day run without `settle` judges each phase once the probes' `${window}` (4 scrape "
          "intervals of their targets, scaled) has left the previous one: a baseline, hold or recover "
          "phase not longer than that at the chosen --time-scale is never judged, and its breaches go "
          "unseen. `chaos check` says it (when the scrape intervals could be read), as `chaos run` does "
          "at its start; lengthen the phase, or set `settle`. The run still starts.")
_register("chaos/probe-unsteady", Severity.WARNING,
          "A Chaos Day probe already breaches its threshold, with no fault injected, in at least 5 % of its "
          "samples (and 2) over the last 10 minutes, at the window the run will send: a breach the run "
          "records could be chance. Typical at a small --time-scale, where a counter's `increase` over a "
          "window of seconds is often 0. Checked by `chaos check` and `chaos run` against Prometheus, with "
          "at least 10 samples; the run still starts.")
_register("chaos/scrape-unknown", Severity.WARNING,
          "The scrape interval of a Chaos Day probe's targets could not be read from /api/v1/targets "
          "(no active target carries its series' job and instance): its windows are not checked.")
