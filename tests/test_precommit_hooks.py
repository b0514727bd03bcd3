"""The pre-commit hooks (.pre-commit-hooks.yaml, issue 13) through the real `pre-commit` package.

`pre-commit try-repo` runs a hook from a repository exactly as a user's `.pre-commit-config.yaml`
would: it builds the hook's environment (`language: python` — a virtualenv with this repository
pip-installed into it, from a clone of HEAD in a temporary directory) and runs the entry in a
small vobs project that is its own git repository. PYTHONPATH is removed, so the `vobs` that runs
is the one installed in the hook's environment, not this work tree's.

`try-repo` builds the environment in a fresh store on every call (~20 s: pip resolves from the
machine's configured index, a local one here), so it runs once, with both hooks; the failure
and file-filtering cases go through `pre-commit run` with a config, whose store is reused. What is tested is the
committed HEAD: commit a change to the hooks before running this."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sample_project import make_project

REPO = Path(__file__).resolve().parent.parent
DEAD_PROMETHEUS = "http://127.0.0.1:9"  # vobs-validate is offline: it must never ask this


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A clone of this repository at HEAD (the hooks' repository), a built sample project (the
    user's repository, committed, with a .pre-commit-config.yaml using both hooks at that HEAD)
    and a shared PRE_COMMIT_HOME."""
    base = tmp_path_factory.mktemp("precommit")
    hooks = base / "hooks-repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(hooks)], check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, check=True, capture_output=True,
                          text=True).stdout.strip()
    project = make_project(base / "project")
    subprocess.run([sys.executable, "-m", "vertice_obs", "build"], cwd=project, check=True, capture_output=True)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {head}\n  hooks:\n  - id: vobs-build-check\n  - id: vobs-validate\n")
    _git(project, "init", "--quiet")
    _git(project, "add", "-A")
    _git(project, "commit", "--quiet", "-m", "sample")
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONPATH" and not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(base / "home"), PROMETHEUS_URL=DEAD_PROMETHEUS, NO_COLOR="1")
    return hooks, project, env


def pre_commit(project: Path, env: dict[str, str], *args: str):
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_try_repo_runs_both_hooks_from_a_clone(setup):
    """`pre-commit try-repo CLONE --all-files`: every hook of .pre-commit-hooks.yaml, each in its
    own fresh store (so the environment is built here, ~20 s). PROMETHEUS_URL points at nothing:
    vobs-validate must not ask it."""
    hooks, project, env = setup
    done = pre_commit(project, env, "try-repo", str(hooks), "--all-files")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "vobs build --check (exports in step" in out and "vobs validate --offline" in out
    assert out.count("Passed") == 2 and "unreachable" not in out


def _edit(project: Path, rel: str, text: str | None = None, old: str = "", new: str = "") -> str:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else path.read_text().replace(old, new))
    _git(project, "add", "-A")
    return rel


BAD_QUERY = json.dumps({"uid": "bad", "title": "Bad", "panels": [
    {"id": 1, "title": "P", "type": "timeseries", "targets": [{"refId": "A", "expr": "sum(rate(x[5m]) by ("}]}]},
    indent=2)


def test_hooks_through_a_config_fail_and_filter_as_documented(setup, tmp_path):
    """`pre-commit run` with the user's config (its environment built once, then reused)."""
    _hooks, base, env = setup
    project = tmp_path / "project"
    shutil.copytree(base, project, symlinks=True)
    edited = _edit(project, "exports/sample/sample-a.json", old='"Sample A"', new='"Edited by hand"')
    done = pre_commit(project, env, "run", "vobs-build-check", "--files", "notes.md")  # not a dashboard path
    assert done.returncode == 0 and "(no files to check)Skipped" in done.stdout, done.stdout + done.stderr
    done = pre_commit(project, env, "run", "vobs-build-check", "--files", edited)
    assert done.returncode == 1 and "Failed" in done.stdout and edited in done.stdout, done.stdout + done.stderr

    bad = _edit(project, "exports/extra/bad.json", BAD_QUERY)
    done = pre_commit(project, env, "run", "vobs-validate", "--files", edited)  # bad.json exists, not passed
    assert done.returncode == 0 and "Passed" in done.stdout, done.stdout + done.stderr
    done = pre_commit(project, env, "run", "vobs-validate", "--files", edited, bad)
    assert done.returncode == 1 and "Failed" in done.stdout, done.stdout + done.stderr
    assert f"{bad}:" in done.stdout and "promql/parse" in done.stdout
    package = _edit(project, "package.json", "{not json")  # not under exports/: never passed to vobs
    done = pre_commit(project, env, "run", "vobs-validate", "--files", package)
    assert done.returncode == 0 and "(no files to check)Skipped" in done.stdout, done.stdout + done.stderr


def test_a_project_in_a_subfolder_overrides_entry_and_files(setup, tmp_path):
    """A monorepo: the project is obs/. pre-commit appends its arguments after the command, where
    -C is not read, so the README's recipe overrides `entry` (`vobs -C obs …`) and `files`: the
    build check and the catalog are obs/'s, and a misspelt metric is caught, not passed."""
    _hooks, base, env = setup
    repo = tmp_path / "repo"
    shutil.copytree(base, repo / "obs", symlinks=True, ignore=shutil.ignore_patterns(".git", ".pre-commit-config.yaml"))
    config = (base / ".pre-commit-config.yaml").read_text().replace(
        "  - id: vobs-build-check\n", "  - id: vobs-build-check\n    entry: vobs -C obs build --check\n"
        "    files: ^obs/(dashboards|narratives|exports)/\n").replace(
        "  - id: vobs-validate\n", "  - id: vobs-validate\n    entry: vobs -C obs validate --offline\n"
        "    args: [--fail-on, warning]\n    files: ^obs/exports/.*\\.json$\n")
    (repo / ".pre-commit-config.yaml").write_text(config)
    (repo / "obs" / "narratives" / "metrics.yaml").write_text(  # obs/'s catalog: found through -C obs
        # `environment`: the sample's $environment dropdown lists it (variable/label-missing without it)
        "metrics:\n  - {name: sample_level, type: gauge, unit: ratio, help: h, owner: o, labels: [environment]}\n"
        "  - {name: sample_events_total, type: counter, unit: events, help: h, owner: o, labels: [environment]}\n")
    _git(repo, "init", "--quiet")
    _git(repo, "add", "-A")
    export = "obs/exports/sample/sample-a.json"
    done = pre_commit(repo, env, "run", "--files", export)
    assert done.returncode == 0 and done.stdout.count("Passed") == 2, done.stdout + done.stderr
    _edit(repo, export, old="sample_level", new="sample_levle")  # a typo the catalog does not hold
    done = pre_commit(repo, env, "run", "vobs-validate", "--files", export)
    assert done.returncode == 1 and "sample_levle" in done.stdout and "metric/missing" in done.stdout, done.stdout
    done = pre_commit(repo, env, "run", "vobs-build-check", "--files", export)
    assert done.returncode == 1 and export.removeprefix("obs/") in done.stdout, done.stdout + done.stderr
