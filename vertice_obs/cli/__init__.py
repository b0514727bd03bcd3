"""The `vobs` command line: a thin edge that parses flags, calls the library and prints.

Owns: flags, help texts, output shapes and exit codes. One module per command group:
`build` (build, list, checks), `metrics` (validate, audit, simulate; `metric_run` the run validate
and audit share), `grafana` (publish, and what the Grafana commands share), `diff`;
`grafana_report` what publish and diff print,
`pull`, `importer` (import; `import_places` where it puts what it imports, decided before a write),
`chaos` (chaos check|run|report); `app` is the group and its error handling, `options` the
shared flags. May import every stage; no stage imports it. Heavy libraries (grafanalib,
requests, grafana-client, deepdiff, matplotlib) are imported inside the command that needs them,
so `vobs --help` stays fast.
"""

from vertice_obs.cli import build, chaos, diff, grafana, importer, metrics, pull  # noqa: F401  (registers the commands)
from vertice_obs.cli.app import cli, main

__all__ = ["cli", "main"]
