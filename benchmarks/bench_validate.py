"""Benchmark: metric validation of 1,000 dashboards / 20,000 queries against a real Prometheus.

Starts the MAXIMUS simulator and Debian's Prometheus scraping it (as the tests do), generates
N dashboards of Q panels whose queries use every catalog metric with per-dashboard labels (so no
two dashboards share a query: caches do not help), then measures:
  - extraction alone (inventory + variable interpolation + PromQL parse), queries/s, cold caches,
    with and without sharing the parse of queries that differ only inside string literals
  - `validate` end to end, wall time, and the HTTP requests Prometheus received (its own
    prometheus_http_requests_total, read before and after) — targets: ≤ 10 requests (issue 10: names,
    rules, last seen, metadata, one grouped label query per matched label set, ≤ 3 label-name lookups), < 3 s
  - the one-request-per-query approach of mimirtool/pint (an instant query per query's metric),
    timed over a sample and extrapolated — target: vobs ≥ 50× faster
Usage: python benchmarks/bench_validate.py [--dashboards N] [--queries-per-dashboard Q]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from timing import (
    compile_vobs,  # benchmarks/: each benchmark runs as a script from there
)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from prometheus_harness import PrometheusServer  # noqa: E402

from vertice_obs.metrics.analysis import clear_caches  # noqa: E402
from vertice_obs.metrics.catalog import load_catalog  # noqa: E402
from vertice_obs.metrics.prometheus import PrometheusSource  # noqa: E402
from vertice_obs.metrics.validation import DashboardFile, collect, validate  # noqa: E402
from vertice_obs.simulator import Simulator  # noqa: E402

SHAPES = [
    'sum by (instance) (rate({m}{{environment=~"$environment", service="svc-{d}"}}[$__rate_interval]))',
    'avg({m}{{environment=~"$environment", service="svc-{d}"}})',
    'histogram_quantile(0.95, sum by (le) (rate({m}_bucket{{environment=~"$environment", service="svc-{d}"}}'
    '[$__rate_interval])))',
    'topk($k, max_over_time({m}{{service="svc-{d}"}}[$__range]))',
]


def dashboards(catalog, count: int, per: int) -> list[DashboardFile]:
    metrics = [m for m in catalog.metrics]
    out = []
    for d in range(count):
        panels = []
        for q in range(per):
            spec = metrics[(d + q) % len(metrics)]
            shape = SHAPES[2] if spec.type == "histogram" else SHAPES[q % 2 if spec.type != "gauge" else 1 + 2 * (q % 2)]
            if spec.type == "histogram":
                expr = shape.format(m=spec.name, d=d)
            else:
                expr = shape.format(m=spec.name, d=d).replace("_bucket", "")
            panels.append({"type": "timeseries", "title": f"P{q}", "id": q + 1, "targets": [{"refId": "A", "expr": expr}]})
        model = {"uid": f"bench-{d}", "title": f"Bench {d}", "panels": panels, "templating": {"list": [
            {"type": "query", "name": "environment", "current": {"value": "dev"}},
            {"type": "custom", "name": "k", "current": {"value": "5"}}]}}
        out.append(DashboardFile(f"bench-{d}.json", model))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--queries-per-dashboard", type=int, default=20)
    parser.add_argument("--baseline-sample", type=int, default=2000,
                        help="queries actually sent one by one for the baseline (then extrapolated)")
    args = parser.parse_args()
    compile_vobs(REPO)  # timed as installed: with its bytecode (timing.py)
    catalog = load_catalog(REPO / "narratives" / "metrics.yaml")
    simulator = Simulator(catalog, seed=1)
    port = simulator.serve(0)
    server = PrometheusServer([f"127.0.0.1:{port}"])
    server.start()
    try:
        server.wait_for("maximus_dopamine_level")
        models = dashboards(catalog, args.dashboards, args.queries_per_dashboard)

        clear_caches()
        start = time.perf_counter()
        collect(models, share_shapes=False).option_selectors()  # options as before they moved into validate
        every_query = time.perf_counter() - start

        clear_caches()
        start = time.perf_counter()
        collected = collect(models)
        collected.option_selectors()  # the variables' options, made during validate since they overlap a request
        extraction = time.perf_counter() - start

        handlers = ("/api/v1/label/:name/values", "/api/v1/rules", "/api/v1/query", "/api/v1/series",
                    "/api/v1/labels", "/api/v1/metadata")
        before = sum(server.http_requests(h) for h in handlers)
        source = PrometheusSource(server.url)
        clear_caches()  # cold: nothing parsed yet
        start = time.perf_counter()
        result = validate(collect(models), source, catalog, timedelta(days=7))
        wall = time.perf_counter() - start
        received = sum(server.http_requests(h) for h in handlers) - before
        # Prometheus counts a request when it is served; its /metrics may lag by a moment.

        sample = [u for u in collected.uses if not u.is_pattern][: args.baseline_sample]
        session = requests.Session()
        start = time.perf_counter()
        for use in sample:
            session.get(f"{server.url}/api/v1/query", params={"query": f"count({use.metric})"}, timeout=10).json()
        per_query = (time.perf_counter() - start) / len(sample)
        baseline = per_query * collected.queries
    finally:
        server.stop()
        simulator.stop()

    statuses: dict[str, int] = {}
    for f in result.findings:
        statuses[f.check] = statuses.get(f.check, 0) + 1
    print(f"dashboards: {collected.dashboards}, queries: {collected.queries}, metric uses: {len(collected.uses)}")
    print(f"extraction alone:        {collected.queries / extraction:9,.0f} queries/s  (target ≥ 20,000; "
          f"queries of one shape share a parse)")
    print(f"  every query parsed:    {collected.queries / every_query:9,.0f} queries/s  (no shape sharing: the "
          f"worst case, all shapes distinct)")
    print(f"validate end to end:     {wall:9.2f} s          (target < 3 s)")
    print(f"HTTP requests:           {source.request_count:9d} sent, {received:.0f} received by Prometheus "
          f"(target ≤ 10)")
    print(f"one request per query:   {baseline:9.2f} s          (measured on {len(sample)} queries, "
          f"{per_query * 1000:.2f} ms each, extrapolated)")
    print(f"speed-up:                {baseline / wall:9.1f} ×        (target ≥ 50)")
    print("findings:                " + ", ".join(f"{n} {c}" for c, n in sorted(statuses.items())))


if __name__ == "__main__":
    main()
