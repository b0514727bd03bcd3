"""One function, two names: Prometheus 2's `holt_winters()` is Prometheus 3's `double_exponential_smoothing()`. Pure.

Prometheus 3.0 renamed the function (same arguments; experimental there, behind
`--enable-feature=promql-experimental-functions`) and removed the old name. Prometheus 2 and
VictoriaMetrics know the old name only (Debian's 2.42 and 1.79; MetricsQL's function list to date),
a Prometheus 3 the new one only, promql-parser (0.12) the new one only: `promql_text.parse_promql`
reads each call of the old name as the new one, so either is checked like any query, and the lints
here say what the name written means for where the query runs (`promql/holt-winters-removed`,
`promql/double-exponential-smoothing-unknown`; registered in `checks.lints`). Which names a query's
calls are written with is `promql_text.smoothing_calls`, in the query's `LintFacts`.
"""

from __future__ import annotations

from typing import Sequence

from vertice_obs.checks import finding
from vertice_obs.checks.datasources import (
    METRICSQL,
    Backend,
    language,
    speaks_metricsql,
)
from vertice_obs.finding import Finding, Severity
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.promql_text import HOLT_WINTERS, SMOOTHING


def smoothing_findings(query: Query, written: Sequence[str], backend: Backend | None) -> list[Finding]:
    """What the names of `query`'s double exponential smoothing calls (`written`) say about where it
    runs: `holt_winters` is Prometheus 2's and VictoriaMetrics' name, removed in Prometheus 3.0 — a
    warning, information where the query reaches a VictoriaMetrics (which knows no other name; vobs
    asks no server its version) —; `double_exponential_smoothing` is Prometheus 3's (experimental),
    an error where the query reaches a VictoriaMetrics, which refuses it (every version to date)."""
    out = []
    vm = speaks_metricsql(query.datasource, backend)
    where = ("a VictoriaMetrics datasource" if language(query.datasource) == METRICSQL or backend is None
             else backend.shown)
    flag = "experimental, behind --enable-feature=promql-experimental-functions"
    if HOLT_WINTERS in written and vm:
        out.append(finding("promql/holt-winters-removed", f"holt_winters() runs on {where}, which knows this name only "
                           f"(no {SMOOTHING}()); Prometheus 3.0 removed it: a Prometheus 3 would refuse this query "
                           f"(there: {SMOOTHING}(), {flag})", query.location, severity=Severity.INFO, query=query.expr))
    elif HOLT_WINTERS in written:
        runs = (f"{backend.shown} runs it if it is a Prometheus 2 (vobs does not ask its version)" if backend is not None
                else "Prometheus 2 and VictoriaMetrics run it")
        out.append(finding("promql/holt-winters-removed", f"holt_winters() was removed in Prometheus 3.0: {runs}, a "
                           f"Prometheus 3 refuses the query — on 3.x write {SMOOTHING}() with the same arguments "
                           f"({flag})", query.location, query=query.expr))
    if SMOOTHING in written and vm:
        out.append(finding("promql/double-exponential-smoothing-unknown", f"{SMOOTHING}() is Prometheus 3's name "
                           f"for holt_winters(), which VictoriaMetrics knows by the old name only: {where} refuses the "
                           "query (unknown func) — write holt_winters() with the same arguments", query.location,
                           query=query.expr))
    return out
