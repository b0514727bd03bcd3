"""Chaos Day: fault scenarios as code, run against a system, measured in Prometheus, reported.

Owns: scenario files (`scenario`), the pre-flight probe check (`preflight`), the runner with its
journal and Grafana annotations (`runner`) and the report with plots (`report`).
Data: `Run` → journal (JSON) → report.
May import: the kernel, `vertice_obs.metrics` (probes go through metric validation) and
`vertice_obs.grafana` (annotations). Must not import `cli` or `simulator` (the system under test
is reached over HTTP only).
"""
