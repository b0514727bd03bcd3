"""A folder of foreign-shaped dashboards for the audit tests: node_exporter- and Redis-style metric
names the test Prometheus does not have, a MAXIMUS metric that is present, the required spike
counter it lacks, a `maximus_` typo, a query that does not parse, a NaN Grafana would refuse, and
hostile titles. Written by hand in the shape Grafana saves (the names are node_exporter's and
redis_exporter's own)."""

from __future__ import annotations

import json
from pathlib import Path

HOSTILE_TITLE = "Redis </table><script>alert(1)</script><img src=x onerror=alert(2)>\x1b[31m"
HOSTILE_PANEL = "Clients <b onclick=alert(3)>& co</b>"


def _panel(pid: int, title: str, *exprs: str) -> dict:
    return {"id": pid, "type": "timeseries", "title": title, "datasource": {"type": "prometheus", "uid": "prom"},
            "targets": [{"refId": chr(ord("A") + i), "expr": e} for i, e in enumerate(exprs)]}


def _dashboard(uid: str, title: str, *panels: dict) -> dict:
    return {"uid": uid, "title": title, "schemaVersion": 39, "panels": list(panels)}


REDIS = _dashboard(
    "redis-overview", HOSTILE_TITLE,
    _panel(1, HOSTILE_PANEL, 'redis_connected_clients{instance=~"$instance"}'),
    _panel(2, "Memory", "redis_memory_used_bytes", "redis_memory_max_bytes"),
    _panel(3, "Commands", "rate(redis_commands_processed_total[5m])"),
    _panel(4, "Up", "redis_up"),
)
REDIS_KEYS = _dashboard(
    "redis-keys", "Redis keys",
    _panel(1, "Keys", "sum(redis_db_keys)"),
    _panel(2, "Clients again", "redis_connected_clients"),
)
NODE = _dashboard(
    "node-full", "Node Exporter Full",
    _panel(1, "CPU", 'sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'),
    _panel(2, "Memory", "node_memory_MemAvailable_bytes"),
    _panel(3, "Disk </td>", "node_filesystem_avail_bytes"),
    *(_panel(10 + core, f"CPU core {core}", f'rate(node_cpu_seconds_total{{cpu="{core}"}}[5m])') for core in range(8)),
)
MIXED = _dashboard(
    "mixed", "Mixed",
    _panel(1, "Dopamine", "avg(maximus_dopamine_level)"),
    _panel(2, "Spikes", "sum(rate(maximus_dopamine_spike_events_total[5m]))"),
    _panel(3, "Typo", "sum(rate(maximus_dopamine_spikes_typo_total[5m]))"),
    _panel(4, "Broken", "sum(rate(maximus_dopamine_level[5m]"),
)


def write_foreign(folder: Path, maximus: bool = True) -> Path:
    """The dashboards above in `folder` (with `maximus`, also the MAXIMUS ones). Returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "redis.json").write_text(json.dumps(REDIS, indent=2))
    keys = json.dumps(REDIS_KEYS, indent=2).replace('"schemaVersion": 39', '"schemaVersion": NaN')
    (folder / "redis-keys.json").write_text(keys)
    (folder / "node.json").write_text(json.dumps(NODE, indent=2))
    if maximus:
        (folder / "mixed.json").write_text(json.dumps(MIXED, indent=2))
    return folder
