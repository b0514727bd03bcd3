"""Metric families and the exporters that usually produce them. Pure.

Forty missing `redis_*` metrics are one problem — the Redis exporter is not scraped — not forty.
A family is a name prefix: a recording rule's level (`job:`, `cluster_job_route:` — names with `:`),
else the longest well-known exporter prefix the name starts with, else its first word (`foo_`). Whether the source holds *any* name
with that prefix tells the two causes apart: nothing at all (the exporter is not scraped) or
others but not these (renamed, another version, a collector switched off).
"""

from __future__ import annotations

import re
from typing import Iterable

# prefix → who exports it. Longest match wins (`nginx_ingress_controller_` before `nginx_`).
EXPORTERS: dict[str, str] = {
    "node_": "node_exporter",
    "windows_": "windows_exporter",
    "redis_": "the Redis exporter",
    "mysql_": "the MySQL exporter (mysqld_exporter)",
    "pg_": "the PostgreSQL exporter (postgres_exporter)",
    "mongodb_": "the MongoDB exporter",
    "elasticsearch_": "the Elasticsearch exporter",
    "rabbitmq_": "RabbitMQ's Prometheus plugin",
    "kafka_": "the Kafka exporter",
    "memcached_": "the Memcached exporter",
    "haproxy_": "the HAProxy exporter (or HAProxy's own Prometheus endpoint)",
    "nginx_": "the NGINX exporter",
    "nginx_ingress_controller_": "the ingress-nginx controller",
    "ceph_": "Ceph's mgr prometheus module",
    "kube_": "kube-state-metrics",
    "kubelet_": "the kubelet",
    "apiserver_": "the Kubernetes API server",
    "etcd_": "etcd",
    "coredns_": "CoreDNS",
    "container_": "cAdvisor (the kubelet's /metrics/cadvisor)",
    "probe_": "the blackbox exporter",
    "prometheus_": "Prometheus itself (a self-scrape job)",
    "alertmanager_": "Alertmanager",
    "grafana_": "Grafana",
    "jvm_": "the JVM instrumentation (JMX exporter, Micrometer or the Java client)",
    "process_": "the service's client library (its process collector)",
    "go_": "a Go service's client library (its runtime collector)",
    "python_": "a Python service's client library (its platform collector)",
    "http_": "the service's HTTP instrumentation",
}

# Series the scraper makes for every target it scrapes (Prometheus, vmagent): no exporter writes them.
SYNTHETIC = ("up", "scrape_")

_FIRST_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*[_:]")


def family_of(name: str) -> str:
    """The family prefix of a metric name: `redis_connected_clients` → `redis_`; a recording rule's
    (`level:metric:operations`, the only names with `:` by Prometheus' conventions: no exporter
    writes one) is its level: `node_namespace_pod_container:…` → `node_namespace_pod_container:`,
    never node_exporter's `node_`."""
    if ":" in name:
        return name[:name.index(":") + 1]
    known = [p for p in EXPORTERS if name.startswith(p)]
    if known:
        return max(known, key=len)
    match = _FIRST_WORD.match(name)
    return match.group(0) if match else name


def exporter_of(prefix: str) -> str | None:
    return EXPORTERS.get(prefix)


def live_with_prefix(prefix: str, names: Iterable[str] | None) -> int | None:
    """How many names the source holds with `prefix` (None: the source could not say)."""
    if names is None:
        return None
    return sum(1 for n in names if n.startswith(prefix))


def advice(prefix: str, live: int | None, offline: bool, status: str = "missing") -> str:
    """What the team should check for absent metrics of one family."""
    who = exporter_of(prefix) or f"the exporter of the `{prefix}` metrics"
    if live is None:
        return "the source could not list its names"
    if prefix.endswith(":"):  # recording rules: no exporter to scrape, rules to load
        return _rule_advice(live, offline, status)
    if prefix in SYNTHETIC:  # the scraper's own series: no exporter to look for
        if offline:
            return (f"`{prefix}` series are made by Prometheus (or vmagent) for every target it scrapes, not by an "
                    "exporter: add the names to the catalog, or check them with --prometheus-url")
        if live == 0:
            return (f"no series with this prefix: Prometheus (or vmagent) makes `{prefix}` series for every target "
                    "it scrapes; does this source hold any scraped data, or is it fed by remote write only?")
        return (f"{_others(live)}: the scraper makes some only when asked "
                "(Prometheus: --enable-feature=extra-scrape-metrics), or a typo?")
    if offline:
        if live == 0:
            return (f"no metric with this prefix in the catalog (checked offline: ask Prometheus with "
                    f"--prometheus-url to learn whether {who} is scraped)")
        return (f"{live} other catalog metric{' has' if live == 1 else 's have'} this prefix, not these: a typo, or a "
                "metric the catalog lacks?")
    if live == 0:
        return f"no series with this prefix; is {who} scraped?"
    why = "stopped, or renamed?" if status == "disappeared" else "renamed, or not exported by this version or configuration?"
    return f"{_others(live)} ({who} is scraped): {why}"


def _others(live: int) -> str:
    """"1 other name with this prefix is present", "12 other names … are present"."""
    return "1 other name with this prefix is present" if live == 1 else f"{live} other names with this prefix are present"


def _rule_advice(live: int, offline: bool, status: str) -> str:
    if offline:
        return ("recording-rule outputs (`level:metric:operations`) not in the catalog: add them, or check them "
                "with --prometheus-url against the Prometheus that evaluates the rules")
    if live == 0:
        return ("recording-rule outputs (`level:metric:operations`), none of this level recorded; are the rules that "
                "record them loaded and evaluating? (Prometheus: Status → Rules; VictoriaMetrics: vmalert)")
    why = "stopped recording" if status == "disappeared" else "not loaded, failing, or renamed"
    others = f"{live} others of this level are" if live != 1 else "1 other of this level is"
    return f"recording-rule outputs: {others} recorded, these not: their rules {why}?"
