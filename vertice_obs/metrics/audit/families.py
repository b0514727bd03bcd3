"""Metric families and the exporters that usually produce them. Pure.

Forty missing `redis_*` metrics are one problem — the Redis exporter is not scraped — not forty.
A family is a name prefix: the longest well-known exporter prefix the name starts with, else its
first word (`foo_`, or `job:` for a recording rule's level). Whether the source holds *any* name
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

_FIRST_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*[_:]")


def family_of(name: str) -> str:
    """The family prefix of a metric name: `redis_connected_clients` → `redis_`."""
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


def advice(prefix: str, live: int | None, offline: bool, status: str = "missing", recorded: bool = False) -> str:
    """What the team should check for absent metrics of one family. `recorded`: every one is shaped
    like a recording rule's output (`level:metric:operations`): its rule, not an exporter, writes it."""
    who = exporter_of(prefix) or f"the exporter of the `{prefix}` metrics"
    if live is None:
        return "the source could not list its names"
    if recorded:
        return _rule_advice(live, offline)
    if offline:
        if live == 0:
            return (f"no metric with this prefix in the catalog (checked offline: ask Prometheus with "
                    f"--prometheus-url to learn whether {who} is scraped)")
        return f"{live} other catalog metrics have this prefix, not these: a typo, or a metric the catalog lacks?"
    if live == 0:
        return f"no series with this prefix; is {who} scraped?"
    why = "stopped, or renamed?" if status == "disappeared" else "renamed, or not exported by this version or configuration?"
    return f"{live} other names with this prefix are present ({who} is scraped): {why}"


def _rule_advice(live: int, offline: bool) -> str:
    """Names a recording rule writes: ask about the rule (loaded? evaluating? its inputs?)."""
    rule = "recording rules (`level:metric:operations`)"
    if offline:
        return (f"the outputs of {rule}: the catalog cannot tell (ask Prometheus with --prometheus-url "
                "whether their rules are loaded)")
    if live == 0:
        return (f"the outputs of {rule}, and no series with this prefix: are their rules loaded and evaluating? "
                "(Prometheus: Status → Rules; VictoriaMetrics: vmalert)")
    return (f"the outputs of {rule}; {live} other names with this prefix are present: is this rule loaded, "
            "renamed, or are its inputs absent?")
