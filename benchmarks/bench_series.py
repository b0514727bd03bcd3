"""Benchmark: series-level validation (issue 10) — the whole `vobs validate` CLI against two peers.

Set-up, all real: a high-cardinality exporter thread serves ~50 metric families (counters
`_total`, gauges, histograms with `_bucket{le}`; environment × service × pod, plus node- and
cluster-level families without those labels), Debian's Prometheus scrapes it until it holds at
least `--series` series. Then `--dashboards` Grafana dashboard JSON files with
`--queries-per-dashboard` queries each are written to a temp folder: every query of a distinct
shape (not only differing in string literals: functions, aggregations, `by` sets, ranges,
constants, binary operators vary), label matchers `=`, `!=`, `=~`, `!~`, and template variables
with current values (`$environment` custom, single / multi-value / All; `$service` query
variable). About 7 % of the queries get one selector that selects nothing: a wrong environment
value, a label the metric does not carry, a counter without `_total`, a value the label never
has, or two matchers that each match but never together.

Three sides do the same label checks — for every vector selector: does the metric exist, does
each matched label exist on it, does each matcher match some value, does the whole selector
match some series — and run alternately, `--rounds` times, each as a child process timed from
spawn to exit, with its peak RSS (`wait4`, spawned by a small timer process whose own ~8 MB is
the floor). The 1-minute load average is printed per run: on a shared machine it explains outliers.
  - vobs: `vobs validate <folder> --prometheus-url URL --format json`, run as a user runs it
    from an empty directory (no project file needed). It reads the queries on both cores (a
    forked child reads part of the dashboards: `metrics/parallel.py`); its peak RSS is that of the
    largest of its processes (the parent: wait4 reports the most any of them held, not the sum).
    "vobs 1 proc" is the same CLI with `VOBS_JOBS=1`, to show what the second core brings. It does more than the peers: lookback
    history of missing names, recording rules, metric types, one finding per variable option
    that empties panels, hints; its JSON output is the full findings list (info included).
  - pint-style (pint's series check, `--peer pint`): reads the same JSON files, interpolates the
    current variable values, parses every query with promql_parser, then per selector
    occurrence (not de-duplicated) `count(<selector>)`, 16 concurrent requests (a
    ThreadPoolExecutor, one requests Session per thread); for each empty one a second request
    `count by (<matched labels>) ({__name__="<metric>"})` and the judgement done locally.
  - dedup (`--peer dedup`): the same, one request per distinct selector.
  The peers leave out what vobs does beyond the four checks above (history, rules, types,
  variable options, hints, `or`/`unless`/`absent` roles — the generated queries use none) and
  write only counts. HTTP requests are counted by Prometheus (its own
  prometheus_http_requests_total over the /api/v1/ handlers, read before and after each run)
  and, for the peers, by the client; vobs' JSON output carries no request count.
Targets (issue 10): ≤ 10 requests, < 3 s whole CLI, < 300 MB peak RSS, faster than both peers.

Usage: python benchmarks/bench_series.py [--dashboards 1000] [--queries-per-dashboard 20]
       [--series 100000] [--rounds 5] [--quick] [--scaling]
Run from the repository root; the child processes get PYTHONPATH=<repo> so this checkout's
vertice_obs is the one timed, byte-compiled first as an installed package is (`timing.compile_vobs`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
from timing import (  # benchmarks/: each benchmark runs as a script from there
    TIMER,
    compile_vobs,
)

REPO = Path(__file__).resolve().parent.parent
ENVS = ("dev", "staging", "prod")
POD_WEIGHT = {"dev": 1, "staging": 1, "prod": 2}  # prod runs twice the pods
SERVICES = ("api-gateway", "checkout", "cart", "catalog", "search", "payments", "ledger", "auth", "users",
            "notifications", "inventory", "shipping", "recommendations", "reviews", "media", "billing")
NOT_DEPLOYED = {"payments": {"dev"}, "ledger": {"dev"}, "recommendations": {"prod"}}
NODES = tuple(f"ip-10-0-{i // 20}-{i % 20 + 10}" for i in range(60))
BUCKETS = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf")
CONCURRENCY = 16


@dataclass(frozen=True)
class Family:
    name: str
    type: str  # counter | gauge | histogram
    scope: str = "pod"  # pod: environment, service, pod · node: node · cluster: environment, namespace, deployment
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()
    services: tuple[str, ...] = SERVICES
    envs: tuple[str, ...] = ENVS


def _f(name, type_, scope="pod", services=SERVICES, envs=ENVS, **extra):
    return Family(name, type_, scope, tuple(extra.items()), services, envs)


METHODS, QUEUES, TARGETS = ("GET", "POST"), ("orders", "events", "emails"), ("db", "cache", "upstream")
FAMILIES = (
    _f("http_requests_total", "counter", method=METHODS, code=("200", "404", "500")),
    _f("http_request_errors_total", "counter", method=METHODS),
    _f("grpc_server_handled_total", "counter", grpc_code=("OK", "Unavailable", "Internal")),
    _f("db_queries_total", "counter", operation=("select", "insert", "update", "delete")),
    _f("cache_hits_total", "counter"),
    _f("cache_misses_total", "counter"),
    _f("queue_messages_published_total", "counter", queue=QUEUES),
    _f("queue_messages_consumed_total", "counter", queue=QUEUES),
    _f("jobs_processed_total", "counter", status=("success", "failed")),
    _f("auth_logins_total", "counter", services=("auth",), result=("success", "failure")),
    _f("payments_processed_total", "counter", services=("payments",), currency=("EUR", "USD", "GBP")),
    _f("events_ingested_total", "counter"),
    _f("network_transmit_bytes_total", "counter"),
    _f("network_receive_bytes_total", "counter"),
    _f("retries_total", "counter", target=TARGETS),
    _f("process_cpu_seconds_total", "counter"),
    _f("kube_pod_restarts_total", "counter", "cluster"),
    _f("process_resident_memory_bytes", "gauge"),
    _f("process_open_fds", "gauge"),
    _f("go_goroutines", "gauge"),
    _f("queue_depth", "gauge", queue=QUEUES),
    _f("db_connections_in_use", "gauge"),
    _f("db_connections_max", "gauge"),
    _f("cache_items", "gauge"),
    _f("build_info", "gauge", version=("1.8.3",)),
    _f("feature_flag_enabled", "gauge", flag=("new_checkout", "dark_mode", "fast_search")),
    _f("circuit_breaker_open", "gauge", target=TARGETS),
    _f("worker_pool_size", "gauge"),
    _f("replication_lag_seconds", "gauge", services=("ledger",), envs=("prod",)),
    _f("heap_inuse_bytes", "gauge"),
    _f("threads_active", "gauge"),
    _f("config_last_reload_timestamp_seconds", "gauge"),
    _f("inflight_requests", "gauge"),
    _f("node_memory_available_bytes", "gauge", "node"),
    _f("node_filesystem_free_bytes", "gauge", "node", mountpoint=("/", "/var", "/data")),
    _f("node_load1", "gauge", "node"),
    _f("node_cpu_temperature_celsius", "gauge", "node", sensor=("cpu0", "cpu1")),
    _f("kube_deployment_replicas", "gauge", "cluster"),
    _f("http_request_duration_seconds", "histogram", method=METHODS),
    _f("db_query_duration_seconds", "histogram", operation=("select", "insert")),
    _f("grpc_server_handling_seconds", "histogram"),
    _f("queue_wait_seconds", "histogram", queue=QUEUES),
    _f("job_duration_seconds", "histogram"),
    _f("cache_latency_seconds", "histogram"),
    _f("payment_latency_seconds", "histogram", services=("payments",)),
    _f("auth_latency_seconds", "histogram", services=("auth",)),
    _f("rpc_client_duration_seconds", "histogram", target=("db", "upstream")),
    _f("render_duration_seconds", "histogram", services=("media",)),
    _f("gc_pause_seconds", "histogram"),
    _f("request_size_bytes", "histogram"),
)
NAMESPACES = {"shop": SERVICES[:6], "platform": SERVICES[6:11], "data": SERVICES[11:]}


def deployed(service: str, family: Family) -> tuple[str, ...]:
    """The environments where `family` has series for `service`."""
    return tuple(e for e in family.envs if e not in NOT_DEPLOYED.get(service, ()))


# --- the exporter ---------------------------------------------------------------------------------

def _label_sets(family: Family, pods: int):
    if family.scope == "node":
        base = [{"node": n} for n in NODES]
    elif family.scope == "cluster":
        base = [{"environment": e, "namespace": ns, "deployment": d} for e in family.envs
                for ns, deps in NAMESPACES.items() for d in deps if e in deployed(d, family)]
    else:
        base = [{"environment": e, "service": s, "pod": f"{s}-{zlib.crc32(f'{s}/{e}'.encode()) % 0xfffff:05x}-{i}"}
                for s in family.services for e in deployed(s, family) for i in range(pods * POD_WEIGHT[e])]
    for name, values in family.extra:
        base = [{**b, name: v} for b in base for v in values]
    return base


def exposition(pods: int) -> tuple[bytes, int]:
    """The /metrics text (Prometheus text format 0.0.4) and how many series it holds."""
    rng = random.Random(7)
    lines, count = [], 0
    for family in FAMILIES:
        lines += [f"# HELP {family.name} {family.name.replace('_', ' ')}.", f"# TYPE {family.name} {family.type}"]
        for labels in _label_sets(family, pods):
            text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            if family.type != "histogram":
                lines.append(f"{family.name}{{{text}}} {rng.randint(1, 10**6)}")
                count += 1
                continue
            total = rng.randint(100, 10**5)
            for i, le in enumerate(BUCKETS):
                lines.append(f'{family.name}_bucket{{{text},le="{le}"}} {total * (i + 1) // len(BUCKETS)}')
            lines += [f"{family.name}_sum{{{text}}} {total * 0.1:.3f}", f"{family.name}_count{{{text}}} {total}"]
            count += len(BUCKETS) + 2
    return ("\n".join(lines) + "\n").encode(), count


def pods_for(series: int) -> int:
    """The fewest pods per (service, environment) that make at least `series` exposed series."""
    per_pod = exposition(1)[1] - exposition(0)[1]
    return max(1, -(-(series - exposition(0)[1]) // per_pod))


# --- the dashboards -------------------------------------------------------------------------------

class QueryMaker:
    """Realistic queries of distinct shapes for one dashboard (its service and $environment values)."""

    BROKEN = ("wrong-environment", "label-not-carried", "counter-without-total", "value-never-seen", "combination")

    def __init__(self, rng: random.Random, service: str, envs: tuple[str, ...]):
        self.rng, self.service, self.envs = rng, service, envs

    def matchers(self, family: Family, broken: str | None) -> tuple[list[str], str | None]:
        """Matchers that select something (or, when `broken`, one way of selecting nothing)."""
        rng, out = self.rng, []
        if family.scope == "node":
            out.append(rng.choice([f'node=~"ip-10-0-{rng.randint(0, 2)}-.*"', f'node!="{rng.choice(NODES)}"',
                                   'node=~"ip-10-.+"']))
        else:
            service = self.service if self.service in family.services else rng.choice(family.services)
            valid = deployed(service, family)
            if family.scope == "cluster":
                ns = next(n for n, deps in NAMESPACES.items() if service in deps)
                out.append(rng.choice([f'namespace="{ns}"', f'deployment="{service}"', f'namespace!="{ns}x"']))
            elif service == self.service and rng.random() < 0.6:
                out.append(rng.choice(['service="$service"', 'service=~"$service"', 'pod=~"$service-.*"']))
            else:
                out.append(rng.choice([f'service="{service}"', f'service=~"{service}|none"',
                                       f'pod=~"{service}-.+"']))
            if set(self.envs) & set(valid) and rng.random() < 0.7:
                out.append('environment=~"$environment"')
            else:
                env = rng.choice(valid)
                others = [e for e in ENVS if e != env]
                out.append(rng.choice([f'environment="{env}"', f'environment=~"{env}|qa"',
                                       f'environment!~"{"|".join(others)}"', f'environment!="{others[0]}"']))
        for name, values in rng.sample(family.extra, min(len(family.extra), rng.choice((0, 1, 1, 2)))):
            v = rng.choice(values)
            choices = [f'{name}="{v}"', f'{name}=~"{v}|{v}x"', f'{name}!~"{v}x.*"']
            if len(values) > 1:
                choices += [f'{name}!="{v}"', f'{name}=~"{"|".join(values[:2])}"']
            out.append(rng.choice(choices))
        if broken == "wrong-environment" and family.scope != "node":
            bad = "production" if rng.random() < 0.5 else next((e for e in ENVS if e not in family.envs), "qa")
            out = [m for m in out if not m.startswith("environment")] + [f'environment="{bad}"']
        elif broken == "label-not-carried":
            label = "environment" if family.scope == "node" else rng.choice(["region", "cluster", "tenant"])
            out.append(f'{label}="{rng.choice(("prod", "eu-west-1", "acme"))}"')
        elif broken == "value-never-seen":
            out.append(rng.choice(['code="502"', 'queue="billing"', 'method="PATCH"', 'service="legacy-api"'])
                       if family.scope == "pod" else 'node="ip-10-9-9-9"')
        elif broken == "combination" and family.scope == "pod" and family.services == SERVICES:
            out = [m for m in out if not m.startswith(("service", "pod", "environment"))]
            out += ['service="payments"', 'environment="dev"']  # payments runs in staging and prod only
        elif broken is not None and broken != "counter-without-total":
            return out, None
        rng.shuffle(out)
        return out, broken

    def query(self, broken: str | None) -> tuple[str, str | None]:
        rng = self.rng
        families = [f for f in FAMILIES if broken != "counter-without-total" or f.type == "counter"]
        family = rng.choice(families)
        matchers, broken = self.matchers(family, broken)
        name = family.name.removesuffix("_total") if broken == "counter-without-total" else family.name
        sel = f"{name}{{{', '.join(matchers)}}}"
        rng_range = rng.choice(("1m", "2m", "5m", "10m", "15m", "30m", "1h", "$__rate_interval", "$__range"))
        carried = [n for n, _ in family.extra] + {"pod": ["service", "pod", "environment"], "node": ["node"],
                                                   "cluster": ["namespace", "deployment", "environment"]}[family.scope]
        by = rng.choice([[]] + [[c] for c in carried] + [rng.sample(carried, min(2, len(carried)))])
        if family.type == "counter":
            inner = f"{rng.choice(('rate', 'irate', 'increase'))}({sel}[{rng_range}])"
        elif family.type == "gauge":
            fn = rng.choice(("", "avg_over_time", "max_over_time", "min_over_time", "deriv", "delta",
                             "last_over_time", "changes", "predict_linear"))
            inner = (sel if not fn else f"predict_linear({sel}[{rng_range}], {rng.choice((600, 3600, 86400))})"
                     if fn == "predict_linear" else f"{fn}({sel}[{rng_range}])")
        else:
            base = f"{name}_bucket{{{', '.join(matchers)}}}"
            q = rng.choice(("0.5", "0.9", "0.95", "0.99", "0.999"))
            inner = rng.choice((
                f"histogram_quantile({q}, sum by (le{''.join(', ' + b for b in by)}) (rate({base}[{rng_range}])))",
                f"histogram_quantile({q}, rate({base}[{rng_range}]))",
                f"rate({name}_sum{{{', '.join(matchers)}}}[{rng_range}]) / rate({name}_count{{{', '.join(matchers)}}}"
                f"[{rng_range}])"))
            by = []
        agg = rng.choice(("", "sum", "avg", "max", "min", "count", "stddev", "topk", "bottomk", "quantile"))
        grouping = f" by ({', '.join(by)})" if by and rng.random() < 0.8 else f" without ({by[0]})" if by else ""
        if agg in ("topk", "bottomk"):
            expr = f"{agg}({rng.choice((3, 5, 10, 20))}, {inner})"
        elif agg == "quantile":
            expr = f"quantile{grouping}({rng.choice(('0.5', '0.9', '0.99'))}, {inner})"
        elif agg:
            expr = f"{agg}{grouping} ({inner})"
        else:
            expr = inner
        tail = rng.choice(("", "", f" > {rng.randint(0, 500)}", f" < {rng.randint(1, 99)}", " * 100",
                           " / 1024 / 1024", f" >= {rng.choice(('0.5', '0.75', '1'))}", "abs", "clamp_min", "round"))
        if tail == "abs":
            expr = f"abs({expr})"
        elif tail == "clamp_min":
            expr = f"clamp_min({expr}, {rng.randint(0, 9)})"
        elif tail == "round":
            expr = f"round({expr}, {rng.choice(('0.1', '0.01', '1'))})"
        else:
            expr += tail
        return expr, broken


def shape(expr: str) -> str:
    """A query with its string literals blanked: two queries of one shape differ only inside strings."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def dashboards(count: int, per: int, broken_share: float, seed: int = 1) -> tuple[list[dict], int]:
    """`count` dashboard models of `per` queries, every query of a distinct shape; and how many
    queries were given a selector that selects nothing."""
    rng, shapes, models, broken_total = random.Random(seed), set(), [], 0
    for d in range(count):
        service = SERVICES[d % len(SERVICES)]
        valid = deployed(service, FAMILIES[0])
        pick = rng.random()
        if pick < 0.15:
            current = {"text": "All", "value": ["$__all"]}
            envs = ENVS
        elif pick < 0.35:
            envs = tuple(rng.sample(valid, min(2, len(valid))))
            current = {"text": " + ".join(envs), "value": list(envs)}
        else:
            envs = (rng.choice(valid),)
            current = {"text": envs[0], "value": envs[0]}
        maker, panels, pid = QueryMaker(rng, service, envs), [], 0
        while sum(len(p["targets"]) for p in panels) < per:
            targets = []
            for ref in "AB"[: min(rng.choice((1, 1, 1, 2)), per - sum(len(p["targets"]) for p in panels))]:
                while True:
                    expr, broken = maker.query(rng.choice(QueryMaker.BROKEN) if rng.random() < broken_share else None)
                    if shape(expr) not in shapes:
                        shapes.add(shape(expr))
                        broken_total += broken is not None
                        break
                targets.append({"refId": ref, "expr": expr, "datasource": {"type": "prometheus", "uid": "prom"}})
            pid += 1
            panels.append({"id": pid, "type": "timeseries", "title": f"Panel {pid}", "targets": targets,
                           "datasource": {"type": "prometheus", "uid": "prom"},
                           "gridPos": {"x": (pid % 2) * 12, "y": pid * 8, "w": 12, "h": 8}})
        models.append({
            "uid": f"svc-{d:04d}", "title": f"{service} overview {d}", "tags": ["bench"], "schemaVersion": 39,
            "panels": panels,
            "templating": {"list": [
                {"type": "custom", "name": "environment", "multi": True, "includeAll": True,
                 "query": "dev,staging,prod", "current": current,
                 "options": [{"text": e, "value": e, "selected": e in envs} for e in ENVS]},
                {"type": "query", "name": "service", "datasource": {"type": "prometheus", "uid": "prom"},
                 "query": 'label_values(process_open_fds{environment=~"$environment"}, service)',
                 "current": {"text": service, "value": service}, "options": [], "refresh": 1}]}})
    return models, broken_total


# --- the peers (run as `--peer pint|dedup FOLDER URL` in a child process) --------------------------

GLOBALS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


def _variables(model: dict) -> dict[str, str]:
    """Each variable's current value as text: multi-value → `(a|b)`, All → allValue else `.*`."""
    out = dict(GLOBALS)
    for v in (model.get("templating") or {}).get("list") or []:
        value = (v.get("current") or {}).get("value")
        values = value if isinstance(value, list) else [value]
        if "$__all" in values:
            out[v["name"]] = v.get("allValue") or ".*"
        elif len(values) > 1:
            out[v["name"]] = "(" + "|".join(values) + ")"
        elif values and values[0] is not None:
            out[v["name"]] = str(values[0])
    return out


def _selectors(node, found: list) -> None:
    import promql_parser as pp

    if isinstance(node, pp.VectorSelector):
        matchers = tuple((m.name, {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}[str(m.op).split(".")[-1]],
                          m.value) for m in node.matchers.matchers if m.name != "__name__")
        found.append((node.name, matchers))
    elif isinstance(node, pp.MatrixSelector):
        _selectors(node.vector_selector, found)
    elif isinstance(node, (pp.SubqueryExpr, pp.ParenExpr, pp.UnaryExpr)):
        _selectors(node.expr, found)
    elif isinstance(node, pp.AggregateExpr):
        _selectors(node.expr, found)
        if node.param is not None:
            _selectors(node.param, found)
    elif isinstance(node, pp.Call):
        for arg in node.args:
            _selectors(arg, found)
    elif isinstance(node, pp.BinaryExpr):
        _selectors(node.lhs, found)
        _selectors(node.rhs, found)


def peer_selectors(folder: Path) -> list[tuple[str, tuple]]:
    """Every selector occurrence of every query (panels and variable queries), variables interpolated."""
    import promql_parser as pp

    found: list = []
    for path in sorted(folder.rglob("*.json")):
        model = json.loads(path.read_text())
        values = _variables(model)
        exprs = [t["expr"] for p in model.get("panels") or [] for t in p.get("targets") or [] if t.get("expr")]
        for v in (model.get("templating") or {}).get("list") or []:
            query = v.get("query") if v.get("type") == "query" else None
            if isinstance(query, str) and query.startswith("label_values("):
                exprs.append(query[len("label_values("):query.rindex(",")])
        for expr in exprs:
            text = _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), expr)
            _selectors(pp.parse(text), found)
    return found


def _selector_text(metric: str, matchers: tuple) -> str:
    return metric + "{" + ",".join(f"{n}{op}{json.dumps(v)}" for n, op, v in matchers) + "}"


def _accepts(op: str, pattern: str, value: str) -> bool:
    if op == "=":
        return value == pattern
    if op == "!=":
        return value != pattern
    hit = re.fullmatch(pattern, value) is not None
    return hit if op == "=~" else not hit


def judge(metric: str, matchers: tuple, rows: list[dict]) -> list[str]:
    """Why a selector selects nothing, from the series of its metric grouped by its matched labels."""
    if not rows:
        return ["missing"]
    verdicts = []
    for name, op, pattern in matchers:
        values = {r.get(name, "") for r in rows}
        if not values - {""} and not _accepts(op, pattern, ""):
            verdicts.append("label-missing")
        elif not any(_accepts(op, pattern, v) for v in values):
            verdicts.append("no-matching-series")
    return verdicts or ["no-matching-series"]  # each matcher matches some series, no series all of them


def run_peer(kind: str, folder: Path, url: str) -> dict:
    """pint-style (one request per selector occurrence) or dedup (per distinct selector), 16 concurrent."""
    found = peer_selectors(folder)
    todo = found if kind == "pint" else list(dict.fromkeys(found))
    local = threading.local()
    sent = [0]
    lock = threading.Lock()

    def ask(promql: str) -> list:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        with lock:
            sent[0] += 1
        response = session.get(f"{url}/api/v1/query", params={"query": promql}, timeout=120)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def check(selector: tuple) -> list[str]:
        metric, matchers = selector
        if ask(f"count({_selector_text(metric, matchers)})"):
            return []
        labels = sorted({n for n, _, _ in matchers})
        rows = [r["metric"] for r in ask(f'count by ({", ".join(labels)}) ({{__name__={json.dumps(metric)}}})')]
        return judge(metric, matchers, rows)

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        verdicts = list(pool.map(check, todo))
    counts: dict[str, int] = {}
    for per_selector in verdicts:
        for v in per_selector:
            counts[v] = counts.get(v, 0) + 1
    return {"selectors": len(found), "checked": len(todo), "empty": sum(1 for v in verdicts if v),
            "verdicts": counts, "requests": sent[0]}


# --- running the sides ----------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    rss_mb: float
    received: int  # by Prometheus
    output: dict


def api_requests(url: str) -> int:
    """Prometheus' own count of requests to its /api/v1/ handlers."""
    total = 0.0
    for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith('prometheus_http_requests_total{') and 'handler="/api/v1/' in line:
            total += float(line.rsplit(" ", 1)[1])
    return round(total)




def timed(command: list[str], cwd: Path, url: str, ok: tuple[int, ...] = (0,), read_output: bool = True,
          environ: dict[str, str] | None = None) -> Run:
    """Run `command` to completion: wall time from spawn to exit, its peak RSS, requests Prometheus got.
    An exit code outside `ok` stops the benchmark with the command's stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **(environ or {})}
    before = api_requests(url)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".timer") as timer:
        subprocess.run([sys.executable, "-I", "-S", "-c", TIMER, timer.name, shutil.which(command[0]) or command[0],
                        *command[1:]], cwd=cwd, env=env, stdout=out, stderr=err, check=False)
        seconds, rss_kib, code = timer.read().split()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if int(code) not in ok:
        raise SystemExit(f"{' '.join(command[:3])} … exited {code}: {stderr.strip()[-2000:]}")
    received = api_requests(url)
    for _ in range(20):  # Prometheus counts a request after writing its response: let the count settle
        again = api_requests(url)
        if again == received:
            break
        received = again
    return Run(float(seconds), int(rss_kib) / 1024, received - before, json.loads(stdout) if read_output else {})


def vobs_counts(output: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in output["findings"]:
        counts[f["check"]] = counts.get(f["check"], 0) + 1
    return counts


def vobs_command() -> list[str]:
    """The `vobs` console script next to this Python (as a user runs it), else `python -m vertice_obs`."""
    script = Path(sys.executable).parent / "vobs"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vertice_obs"]


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def profile(vobs_args: list[str], cwd: Path, url: str, stats: Path) -> None:
    """One more vobs run under cProfile (slower than the timed ones): the top of its cumulative times."""
    import pstats

    run = timed([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "vertice_obs", *vobs_args], cwd, url,
                ok=(0, 1))
    print(f"\nprofile of one vobs run ({run.seconds:.2f} s under cProfile), saved to {stats}:")
    pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(30)


def scaling(work: Path, cwd: Path, url: str, per: int, broken_share: float) -> None:
    """vobs alone (the peers would take minutes at 5,000) at 100, 1,000 and 5,000 dashboards of the
    same generator, one run each: how time and peak RSS grow with the run (issue 12: linear)."""
    print("\nscaling (vobs alone, one run each):")
    print(f"{'dashboards':>10} {'queries':>8} {'seconds':>8} {'peak RSS MB':>12} {'requests':>9}")
    for count in (100, 1000, 5000):
        folder = work / f"scaling-{count}"
        folder.mkdir()
        models, _ = dashboards(count, per, broken_share)
        for model in models:
            (folder / f"{model['uid']}.json").write_text(json.dumps(model, indent=2))
        run = timed(vobs_command() + ["validate", str(folder), "--prometheus-url", url, "--format", "json"], cwd, url,
                    ok=(0, 1), read_output=False)
        print(f"{count:>10,} {count * per:>8,} {run.seconds:>8.2f} {run.rss_mb:>12.0f} {run.received:>9,}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)


def wait_for_series(url: str, wanted: int, timeout: float) -> tuple[int, int]:
    """Poll until an instant query sees `wanted` series (the head counts series before their first
    scrape is committed, so its count alone comes too early): (queried count, head count)."""
    deadline = time.monotonic() + timeout
    while True:
        result = requests.get(f"{url}/api/v1/query", params={"query": 'count({__name__=~".+"})'},
                              timeout=30).json()["data"]["result"]
        seen = int(float(result[0]["value"][1])) if result else 0
        if seen >= wanted:
            head = requests.get(f"{url}/api/v1/status/tsdb", timeout=30).json()["data"]["headStats"]["numSeries"]
            return seen, head
        if time.monotonic() > deadline:
            raise SystemExit(f"Prometheus shows {seen:,} series, not {wanted:,}, after {timeout:.0f} s")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--queries-per-dashboard", type=int, default=20)
    parser.add_argument("--series", type=int, default=100_000, help="at least this many series in Prometheus")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--broken", type=float, default=0.07, help="share of queries given an empty selector")
    parser.add_argument("--scrape-interval", default="30s")
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 dashboards, 10,000 series, 1 round")
    parser.add_argument("--profile", metavar="FILE", type=Path,
                        help="after the rounds, run vobs once more under cProfile, save the stats to FILE and "
                             "print where the time goes")
    parser.add_argument("--scaling", action="store_true",
                        help="after the rounds, time vobs alone at 100, 1,000 and 5,000 dashboards (issue 12's table)")
    parser.add_argument("--peer", choices=("pint", "dedup"), help=argparse.SUPPRESS)
    parser.add_argument("peer_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        print(json.dumps(run_peer(args.peer, Path(args.peer_args[0]), args.peer_args[1])))
        return
    compile_vobs(REPO)  # timed as installed: with its bytecode (timing.py)
    if args.quick:
        args.dashboards, args.series, args.rounds = 50, 10_000, 1

    sys.path.insert(0, str(REPO / "tests"))
    from prometheus_harness import PrometheusServer, StaticExporter

    body, exposed = exposition(pods_for(args.series))
    exporter = StaticExporter(body)
    server = PrometheusServer([exporter.target], scrape_interval=args.scrape_interval)
    work = Path(tempfile.mkdtemp(prefix="vobs-bench-series-"))
    try:
        server.start()
        series, head = wait_for_series(server.url, exposed, timeout=180)
        models, broken = dashboards(args.dashboards, args.queries_per_dashboard, args.broken)
        folder = work / "dashboards"
        folder.mkdir()
        for model in models:
            (folder / f"{model['uid']}.json").write_text(json.dumps(model, indent=2))
        queries = sum(len(p["targets"]) for m in models for p in m["panels"])
        cwd = work / "run"  # an empty directory: no vobs.yaml, no catalog
        cwd.mkdir()
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        print(f"Prometheus: {series:,} series (count({{__name__=~\".+\"}})), head {head:,}; exporter "
              f"{exposed:,} series in {len(FAMILIES)} families, {len(body) / 1e6:.1f} MB per scrape")
        print(f"dashboards: {len(models):,}, queries: {queries:,} (+{len(models):,} variable queries), "
              f"distinct shapes: {len({shape(t['expr']) for m in models for p in m['panels'] for t in p['targets']}):,},"
              f" queries given an empty selector: {broken:,}")

        sides = {
            "vobs": vobs_command() + ["validate", str(folder), "--prometheus-url", server.url, "--format", "json"],
            "pint-style": [sys.executable, str(Path(__file__).resolve()), "--peer", "pint", str(folder), server.url],
            "dedup": [sys.executable, str(Path(__file__).resolve()), "--peer", "dedup", str(folder), server.url],
        }
        sides["vobs 1 proc"] = sides["vobs"]  # the same CLI kept to one process (VOBS_JOBS=1)
        runs: dict[str, list[Run]] = {name: [] for name in sides}
        for r in range(args.rounds):
            for name, command in sides.items():
                run = timed(command, cwd, server.url, ok=(0, 1) if name.startswith("vobs") else (0,),
                            environ={"VOBS_JOBS": "1"} if name == "vobs 1 proc" else None)
                runs[name].append(run)
                print(f"  round {r + 1} {name:<10} {run.seconds:7.2f} s  {run.rss_mb:6.0f} MB  "
                      f"{run.received:6,} requests at Prometheus  (load {os.getloadavg()[0]:.1f})", flush=True)
        if args.profile:
            profile(sides["vobs"][1:], cwd, server.url, args.profile.resolve())
        if args.scaling:
            scaling(work, cwd, server.url, args.queries_per_dashboard, args.broken)
    finally:
        server.stop()
        exporter.stop()
        shutil.rmtree(work, ignore_errors=True)

    vobs, pint, dedup, single = runs["vobs"], runs["pint-style"], runs["dedup"], runs["vobs 1 proc"]
    found = vobs_counts(vobs[-1].output)
    empty_checks = ("metric/missing", "metric/label-missing", "metric/no-matching-series")
    print()
    print(f"{'side':<11} {'seconds, median (min–max)':<27} {'peak RSS MB':<18} requests (Prometheus / client)")
    for name, side in runs.items():
        client = "not reported" if name.startswith("vobs") else \
            f"{statistics.median(r.output['requests'] for r in side):,.0f}"
        print(f"{name:<11} {spread([r.seconds for r in side]):<27} {spread([r.rss_mb for r in side], '{:.0f}'):<18} "
              f"{statistics.median(r.received for r in side):,.0f} / {client}")
    peer = pint[-1].output
    print(f"\nsame work — selectors: peers {peer['selectors']:,} occurrences ({dedup[-1].output['checked']:,} distinct), "
          f"{peer['empty']:,} select nothing ({', '.join(f'{n} {k}' for k, n in sorted(peer['verdicts'].items()))}); "
          f"vobs: {', '.join(f'{found.get(c, 0):,} {c}' for c in empty_checks)}")
    print("vobs findings: " + ", ".join(f"{n:,} {c}" for c, n in sorted(found.items())))
    t_vobs = statistics.median(r.seconds for r in vobs)
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    requests_seen = max(r.received for r in vobs)
    print(f"\ntargets: ≤ 10 requests: {requests_seen} ({verdict(requests_seen <= 10)}) · whole CLI < 3 s: "
          f"{t_vobs:.2f} s ({verdict(t_vobs < 3)}) · peak RSS < 300 MB: {max(r.rss_mb for r in vobs):.0f} MB "
          f"({verdict(max(r.rss_mb for r in vobs) < 300)})")
    for name, side in (("pint-style", pint), ("dedup", dedup)):
        t = statistics.median(r.seconds for r in side)
        print(f"         faster than {name}: {t / t_vobs:.1f}× ({verdict(t > t_vobs)})")
    print(f"vobs on one process (VOBS_JOBS=1) ÷ vobs: {statistics.median(r.seconds for r in single) / t_vobs:.2f}×")


if __name__ == "__main__":
    main()
