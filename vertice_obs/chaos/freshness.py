"""Whether the backend already serves a step's samples, up to the step's end.

Prometheus serves a sample as soon as it is scraped; VictoriaMetrics hides the newest ones from
queries (`-search.latencyOffset`, 30 s by default) and answers a range that reaches into them with
the last value it served — so a step sampled the moment it ended recorded the baseline's value in
its fault phase. Before a step is sampled, the runner asks, until a deadline, when the newest
sample of the probes' metrics is that the backend serves (`max(timestamp(...))` at the server's
now: Prometheus answers its last scrape, VictoriaMetrics the last one before its offset), and
samples once that is at or after the step's end — on Prometheus within one scrape interval.
"""

from __future__ import annotations

from typing import Iterable

from vertice_obs.chaos.scenario import Probe
from vertice_obs.chaos.scrape import probe_query
from vertice_obs.finding import Location
from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.prometheus import PrometheusSource
from vertice_obs.metrics.promql_text import ParseError
from vertice_obs.metrics.promql_wire import promql_string

DATA_TIMEOUT = 120.0  # seconds a step's samples may take to be served (VictoriaMetrics: 30 s by default)
POLL_SECONDS = 0.5


class ServingSource(PrometheusSource):
    """A `PrometheusSource` that can say up to when it serves samples (one instant query)."""

    def served_until(self, metrics: Iterable[str]) -> float | None:
        """The newest sample of any of `metrics` that a query sees now (epoch seconds); None: none."""
        query = served_until_query(metrics)
        data = self._call(lambda: self._api("GET", "/api/v1/query", params={"query": query}))
        try:
            rows = data["result"] if data.get("resultType") == "vector" else None
            return max((float(row["value"][1]) for row in rows), default=None)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            raise self._not_prometheus("/api/v1/query did not answer a vector") from None


def served_until_query(metrics: Iterable[str]) -> str:
    """`max(timestamp(...))` of each name, `or`-joined. One term per name, told apart by a label:
    `timestamp()` drops the name, so the series of two metrics from one target would collide
    ("vector cannot contain metrics with the same labelset") — by their position, as a name in
    `label_replace`'s replacement would have its `$` read as a group. Each name is a `__name__`
    matcher, never written bare: a Prometheus 3 name (`http.server.duration`) is no identifier."""
    return " or ".join(f'label_replace(max(timestamp({{__name__="{promql_string(name)}"}})), "metric", "{n}", "", "")'
                       for n, name in enumerate(sorted(set(metrics))))


def probe_metrics(probes: Iterable[Probe], window: float) -> list[str]:
    """The metric names the probes read (regex selectors left out): what the wait asks about."""
    found: set[str] = set()
    for probe in probes:
        try:
            uses, _ = uses_of(Query(probe_query(probe, window), Location(file="")), {})
        except ParseError:
            continue
        found.update(u.metric for u in uses if not u.is_pattern)
    return sorted(found)

