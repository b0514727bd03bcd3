"""`vobs` run in-process against the Grafana stand-in, as the tests of publish, diff and adoption
run it: `-C` the project, the stand-in's URL and token in the environment (with no stand-in,
both empty: vobs then falls back to the project's provisioning folder)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from grafana_standin import GrafanaStandIn

from vertice_obs.cli import cli

TOKEN = "glsa_standin_token"  # the token the stand-in accepts by default


def vobs(root: Path, grafana: GrafanaStandIn | None, *args: str) -> Result:
    env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN} if grafana else {"GRAFANA_URL": "", "GRAFANA_TOKEN": ""}
    return CliRunner().invoke(cli, ["-C", str(root), *args], env=env)
