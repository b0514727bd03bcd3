"""Shell completion, as README's set-up lines use it: `_VOBS_COMPLETE=<shell>_source vobs` prints
a script, and the completion protocol (`…_complete` with COMP_WORDS/COMP_CWORD) offers the
commands, options and choices a user would be shown. Run as subprocesses through the installed
entry point's module, the way the shell runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VOBS = [sys.executable, "-c", "import sys; from vertice_obs.cli import main; sys.argv[0] = 'vobs'; main()"]


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(VOBS, env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _vobs_completion vobs"),
                                           ("zsh", "compdef _vobs_completion vobs"),
                                           ("fish", "complete --no-files --command vobs")])
def test_source_prints_the_script_for_each_shell(shell, marker):
    done = _run({"_VOBS_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout


def _bash_offers(words: str) -> list[str]:
    parts = words.split(" ")
    done = _run({"_VOBS_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]


def test_commands_complete():
    assert _bash_offers("vobs val") == ["validate"]
    assert {"build", "validate", "diff", "publish", "audit", "import", "chaos"} <= set(_bash_offers("vobs "))


def test_options_and_their_choices_complete():
    assert _bash_offers("vobs validate --format ") == ["text", "json", "sarif", "github", "junit"]
    assert "--offline" in _bash_offers("vobs validate --of")


def test_env_completes_the_environments_the_project_declares(tmp_path):
    (tmp_path / "vobs.yaml").write_text(
        "environments:\n  staging: {grafana_url: http://s:3000}\n  prod: {grafana_url: http://p:3000}\n"
        "  perf: {grafana_url: http://q:3000}\n", encoding="utf-8")
    assert _bash_offers(f"vobs -C {tmp_path} diff --env ") == ["perf", "prod", "staging"]
    assert _bash_offers(f"vobs -C {tmp_path} publish --env p") == ["perf", "prod"]
    (tmp_path / "vobs.yaml").write_text("environments: [not, a, mapping]\n", encoding="utf-8")
    assert _bash_offers(f"vobs -C {tmp_path} diff --env ") == []  # a broken file completes nothing, quietly


def test_disable_completes_check_ids():
    offered = _bash_offers("vobs validate --disable metric/")
    assert "metric/missing" in offered and all(o.startswith("metric/") for o in offered)
