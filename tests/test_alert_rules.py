"""Alert rules as code: rendered into exports/rules/ and accepted by the real promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from vertice_obs.build.rules import AlertRule, RuleGroup, render
from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parent.parent


def promtool_check(path: Path) -> subprocess.CompletedProcess:
    promtool = shutil.which("promtool")
    assert promtool, "Debian's promtool is missing: scripts/test installs it"
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)


def test_committed_rules_pass_promtool():
    files = sorted((REPO / "exports" / "rules").glob("*.yaml"))
    assert [f.name for f in files] == ["cockpit.yaml"]
    result = promtool_check(files[0])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_promtool_rejects_a_broken_rule(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(render([RuleGroup("g", [AlertRule("Broken", "rate(x[5m]", "s", "d")])]))
    result = promtool_check(bad)
    assert result.returncode != 0 and "Broken" in result.stdout + result.stderr


def test_a_broken_rules_module_is_located(tmp_path):
    shutil.copytree(REPO / "dashboards", tmp_path / "dashboards")
    shutil.copytree(REPO / "narratives", tmp_path / "narratives")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.py").write_text("from vertice_obs.build.rules import RuleGroup\n\ngroups = [1]\n")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2
    assert ("vobs: error: rules/bad.py: `groups` must be a list of RuleGroup (1 module failed to load; it has no "
            "previous export to keep)") in result.stderr.splitlines()  # a new module: no rules file written yet
