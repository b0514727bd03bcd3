"""The layout issue's guarantees: stage direction, module sizes, package docs, a light CLI start-up."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vertice_obs"
# import-linter's command, next to this interpreter (installed with the test extra)
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
STAGES = ("build", "metrics", "grafana", "chaos", "simulator", "cli", "checks", "guard", "importer")


def test_import_contracts_hold():
    """import-linter checks the contracts in pyproject.toml: cli → chaos|simulator → grafana|metrics → build,
    and the shared kernel imports no stage."""
    done = subprocess.run([LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_import_contracts_catch_a_violation(tmp_path):
    """The contracts are not vacuous: a metrics module importing grafana breaks them."""
    copy = tmp_path / "vertice_obs"
    subprocess.run(["cp", "-r", str(PACKAGE), str(copy)], check=True)
    offender = copy / "metrics" / "audit" / "model.py"
    offender.write_text(offender.read_text() + "\nfrom vertice_obs.grafana import normalize  # noqa\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    done = subprocess.run([LINT_IMPORTS, "--config", str(tmp_path / "pyproject.toml")], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout and "vertice_obs.metrics.audit.model -> vertice_obs.grafana" in done.stdout


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_450_lines(module: Path):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= 450, f"{module.relative_to(ROOT)} has {lines} lines: split it by idea"


def test_at_most_eight_loose_modules():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= 8, loose


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_owns_and_may_import(stage: str):
    doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert "Owns:" in doc and "May import" in doc and ("Must not" in doc or "no stage imports it" in doc), stage


def test_cli_start_up_imports_no_heavy_library():
    """`vobs --help` must not pay for grafanalib, requests, grafana-client, deepdiff/numpy or matplotlib."""
    heavy = ["grafanalib", "requests", "grafana_client", "deepdiff", "numpy", "matplotlib", "promql_parser",
             "prometheus_client", "prometheus_api_client", "jsonschema", "niquests"]
    code = ("import sys, json, vertice_obs.cli; "
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
    from click.testing import CliRunner

    from vertice_obs.cli import cli
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "publish" in result.output and "chaos" in result.output
