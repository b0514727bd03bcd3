"""Start-up stays lazy (issue 12): `vobs --help` imports no heavy library, and `vobs build` none
that only other commands need. Each run is a fresh interpreter that reports, on exit, which of the
watched modules it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ["numpy", "deepdiff", "requests", "niquests", "urllib3", "grafana_client", "matplotlib", "grafanalib",
         "jsonschema", "yaml", "promql_parser", "prometheus_client", "re2", "tomllib",
         "importlib.metadata"]  # ~15 ms with the email modules it reads metadata with
# Runs `vobs <args>` as the console script does, then prints which HEAVY modules were imported.
_RUN = ("import atexit, json, sys\n"
        "atexit.register(lambda: print('\\nIMPORTED ' + json.dumps([m for m in HEAVY if m in sys.modules])))\n"
        "sys.argv = ['vobs', *ARGS]\n"
        "from vertice_obs.cli import main\n"
        "main()\n")


def imported(args: list[str], cwd: Path, environ: dict[str, str] | None = None) -> list[str]:
    code = _RUN.replace("HEAVY", repr(HEAVY)).replace("ARGS", repr(args))
    env = {**(os.environ if environ is None else environ), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    line = [x for x in done.stdout.splitlines() if x.startswith("IMPORTED ")]
    assert line, done.stdout + done.stderr
    return json.loads(line[-1][len("IMPORTED "):])


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["validate", "--help"], ["publish", "--help"],
                                  ["--version"]])
def test_help_imports_no_heavy_library(args, tmp_path):
    # From a source checkout, --version reads the checkout's pyproject.toml (vertice_obs._version).
    allowed = {"tomllib"} if args == ["--version"] else set()
    assert set(imported(args, tmp_path)) <= allowed


def test_build_check_imports_only_what_a_build_needs():
    """grafanalib (the dashboards are grafanalib), PyYAML and jsonschema (narratives), tomllib
    (the project's pyproject.toml): nothing for
    Prometheus, Grafana, diffs or charts."""
    assert set(imported(["build", "--check"], REPO)) <= {"grafanalib", "yaml", "jsonschema", "tomllib"}


def test_validate_imports_only_what_reading_queries_needs(tmp_path):
    """The PromQL parser, PyYAML (the lint policy) and niquests (with urllib3) for Prometheus, even
    offline, as the command's module imports them; never grafanalib, Grafana's client, diffs or charts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "VOBS_", "PROMETHEUS_"))}
    got = set(imported(["validate", str(REPO / "tests" / "data" / "public" / "ceph")], tmp_path, env))
    assert "promql_parser" in got  # it did read the queries
    assert not got & {"grafanalib", "grafana_client", "deepdiff", "numpy", "matplotlib", "requests"}


def test_diff_of_unchanged_dashboards_imports_no_deepdiff(tmp_path):
    """deepdiff (and numpy under it) is paid only when a dashboard differs: `vobs diff` where every
    dashboard is unchanged — against a provisioning folder just published — imports neither; one
    changed dashboard imports it (so the check can fail)."""
    import shutil

    for folder in ("dashboards", "narratives"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "VOBS_", "PROMETHEUS_"))}
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "publish"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**env, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert not {"deepdiff", "numpy"} & set(imported(["diff"], tmp_path, env))
    published = next(p for p in (tmp_path / "provisioning").rglob("*.json") if not p.name.startswith("."))
    model = json.loads(published.read_text())
    panel = next(p for p in model["panels"] if p.get("type") != "row")
    panel.setdefault("fieldConfig", {}).setdefault("defaults", {})["unit"] = "edited"  # a key inside a panel
    published.write_text(json.dumps(model))
    assert "deepdiff" in imported(["diff"], tmp_path, env)
