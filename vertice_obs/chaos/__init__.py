"""Chaos Day: fault scenarios as code, run against a system, measured in Prometheus, reported.

Owns: scenario files (`scenario`), the pre-flight probe check (`preflight`) with the scrape-interval
check of probe windows (`scrape`) and of each probe's steadiness before any fault (`steady`), the runner with its journal, progress and Grafana annotations
(`runner`, `progress`), and the report (`report`: verdicts in `analysis`, text in `render`, plots
in `plots`, degradation curves in `curve`, run-to-run comparison in `compare`).
Data: `Run` → journal (JSON) → report.
May import: the kernel, `vertice_obs.metrics` (probes go through metric validation) and
`vertice_obs.grafana` (annotations). Must not import `cli` or `simulator` (the system under test
is reached over HTTP only).
"""
