"""The GitHub Actions workflow (issue 13): `examples/github/vertice-obs.yml`, which users copy, and
this repository's own `.github/workflows/vertice-obs.yml` — the same bytes.

It is checked three ways: against GitHub's workflow schema (check-jsonschema's vendored
`vendor.github-workflows`, offline); for the properties a reviewer would look for (least
permissions, one publish at a time, secrets only through `env:`, actions pinned); and by running
it: every `run:` script that calls `vobs` is run with bash as the runner runs it (`bash --noprofile
--norc -eo pipefail`), in a small project, with `${{ vars.* }}`/`${{ secrets.* }}` in its `env:`
replaced by the Grafana stand-in's URL and token and `vobs` on PATH being this work tree's. So the
shell glue (`|| [ $? -eq 1 ]`, `>> "$GITHUB_STEP_SUMMARY"`) is tested with the command, and each
step's output is checked to be what the next step consumes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from grafana_standin import GrafanaStandIn
from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "github" / "vertice-obs.yml"
OURS = REPO / ".github" / "workflows" / "vertice-obs.yml"
TOKEN = "glsa_standin_token"
MARKER = "<!-- vobs diff -->"
EXPRESSION = re.compile(r"\$\{\{\s*(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


# The sample's second dashboard leaves its $environment unused (a warning): the gate runs with
# --fail-on warning, so a pull request of a clean project is the baseline here.
CLEAN_B = DASHBOARD_B.replace('["sample_level"]', """['sample_level{environment=~"$environment"}']""")

def workflow() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def vobs_steps(job: dict) -> list[dict]:
    return [s for s in job["steps"] if re.match(r"\s*vobs\b", s.get("run", ""))]


def check_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_the_example_and_this_repositorys_workflow_are_the_same_file():
    assert OURS.read_bytes() == EXAMPLE.read_bytes()


def test_the_workflow_is_valid_by_githubs_schema(tmp_path):
    for path in (EXAMPLE, OURS):
        result = check_schema(path)
        assert result.returncode == 0, result.stdout + result.stderr
    # and the check does reject a broken workflow (a concurrency setting of the wrong type)
    broken = tmp_path / "broken.yml"
    broken.write_text(EXAMPLE.read_text().replace("cancel-in-progress: false", "cancel-in-progress: [no]"))
    result = check_schema(broken)
    assert result.returncode == 1 and "cancel-in-progress" in result.stdout + result.stderr


def test_least_permissions_one_publish_at_a_time_and_secrets_only_through_env():
    flow = workflow()
    assert flow["permissions"] == {"contents": "read"}
    check, publish = flow["jobs"]["check"], flow["jobs"]["publish"]
    assert check["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}
    assert publish["permissions"] == {"contents": "read"}
    assert publish["concurrency"] == {"group": "vobs-publish", "cancel-in-progress": False}
    assert publish["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert flow[True] == {"pull_request": None, "push": {"branches": ["main"]}}  # `on:` is YAML 1.1's true
    for job in flow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:  # pinned by a major version at least (or a commit)
                assert re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", step["uses"]), step["uses"]
            # a secret never appears in a script (where it could be echoed or injected), only in env
            assert "${{" not in step.get("run", ""), step
            for key, value in step.get("with", {}).items():
                assert "secrets." not in str(value), (step, key)
            for value in step.get("env", {}).values():
                assert EXPRESSION.fullmatch(value), value
    uses = [s.get("uses", "") for s in check["steps"]]
    assert "github/codeql-action/upload-sarif@v3" in uses and "marocchino/sticky-pull-request-comment@v2" in uses


def run_job(job: dict, cwd: Path, variables: dict[str, str], bin_dir: Path, summary: Path,
            base_ref: str = "") -> list[tuple[str, int, str]]:
    """Run the job's `vobs` scripts in order, as the runner would; returns (script, exit code, stderr).
    `base_ref`: GITHUB_BASE_REF, which the runner sets (to the base branch) for pull requests only."""
    ran = []
    for step in vobs_steps(job):
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_WORKSPACE": str(cwd),
               "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true", "CI": "true",
               "GITHUB_BASE_REF": base_ref}
        for name in ("GRAFANA_URL", "GRAFANA_TOKEN", "PROMETHEUS_URL"):
            env.pop(name, None)
        for name, value in step.get("env", {}).items():
            env[name] = EXPRESSION.sub(lambda m: variables.get(f"{m[1]}.{m[2]}", ""), value)  # unset: ""
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                                env=env, capture_output=True, text=True, timeout=300)
        ran.append((step["run"].strip(), result.returncode, result.stdout + result.stderr))
    return ran


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "-c", "commit.gpgsign=false",
                    *args], cwd=root, check=True, capture_output=True)


def as_checked_out(root: Path) -> None:
    """`root` as actions/checkout (fetch-depth: 0) leaves it for a pull request: main is also the
    remote branch origin/main, and HEAD a branch that commits the pull request's change on top."""
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(root, "checkout", "-qb", "pull-request")


def test_every_vobs_command_in_the_workflow_runs_against_the_standin(tmp_path):
    flow = workflow()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "vobs"  # this work tree's vobs (PYTHONPATH is inherited), as `pip install .` gives
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vertice_obs "$@"\n')
    shim.chmod(0o755)
    root = make_project(tmp_path / "obs", {"a.py": DASHBOARD_A, "b.py": CLEAN_B})
    built = subprocess.run([str(shim), "build"], cwd=root, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    as_checked_out(root)
    summary = tmp_path / "step-summary.md"

    with GrafanaStandIn(version="12.0.2", token=TOKEN) as grafana:
        variables = {"vars.GRAFANA_URL": grafana.url, "vars.STAGING_GRAFANA_URL": grafana.url,
                     "secrets.GRAFANA_TOKEN": TOKEN, "secrets.STAGING_GRAFANA_TOKEN": TOKEN}

        # a merge to main: build --check, then publish into the job summary
        ran = run_job(flow["jobs"]["publish"], root, variables, bin_dir, summary)
        assert [(script, code) for script, code, _ in ran] == [
            ("vobs build --check", 0), ('vobs publish --format markdown >> "$GITHUB_STEP_SUMMARY"', 0)]
        published = summary.read_text(encoding="utf-8")
        assert published.startswith("<!-- vobs publish -->\n### vobs publish: 2 created") and "sample-a" in published and "created" in published
        assert set(grafana.dashboards) >= {"sample-a", "sample-b"}

        # a pull request that changes a panel (and rebuilds, as its author must for build --check)
        (root / "dashboards" / "a.py").write_text(DASHBOARD_A.replace('"Level", ', '"Level now", '))
        built = subprocess.run([str(shim), "build"], cwd=root, capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stdout + built.stderr
        git(root, "commit", "-qam", "a panel renamed")
        ran = run_job(flow["jobs"]["check"], root, variables, bin_dir, summary, base_ref="main")
        grafana.assert_no_violations()

    assert [(script, code) for script, code, _ in ran] == [
        ("vobs build --check", 0),
        ("vobs validate --format sarif > vobs.sarif || [ $? -eq 1 ]", 0),
        ("vobs validate --format github --fail-on warning", 0),
        ('vobs diff --since "origin/$GITHUB_BASE_REF" --format markdown > vobs-diff.md || [ $? -eq 1 ]', 0),
    ], ran
    sarif = json.loads((root / "vobs.sarif").read_text(encoding="utf-8"))  # what upload-sarif reads
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "vobs"
    annotations = ran[2][2].splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in annotations[:-1]), annotations
    comment = (root / "vobs-diff.md").read_text(encoding="utf-8")  # what the sticky comment posts
    assert comment.startswith(MARKER + "\n") and "1 changed" in comment and "Level now" in comment
    assert "sample-b" not in comment  # --since: the dashboard the pull request did not touch is not in it
    assert "--since origin/main: 1 of 2 dashboards changed (dashboards/a.py" in ran[3][2]
    for _, _, output in ran:
        assert TOKEN not in output
    assert TOKEN not in comment + published + json.dumps(sarif)


def test_the_diff_step_fails_when_staging_is_unreachable_so_no_comment_is_posted(tmp_path):
    """`|| [ $? -eq 1 ]` lets differences (1) through, not an error (2): the sticky-comment step runs
    only after a diff that worked (`steps.diff.outcome == 'success'`)."""
    flow = workflow()
    check = flow["jobs"]["check"]
    diff = next(s for s in vobs_steps(check) if "diff" in s["run"])
    sticky = next(s for s in check["steps"] if "sticky" in s.get("uses", ""))
    assert "steps.diff.outcome == 'success'" in sticky["if"] and diff["id"] == "diff"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "vobs").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vertice_obs "$@"\n')
    (bin_dir / "vobs").chmod(0o755)
    root = make_project(tmp_path / "obs")
    as_checked_out(root)
    (root / "dashboards" / "b.py").write_text((root / "dashboards" / "b.py").read_text().replace("Latency", "Lag"))
    git(root, "commit", "-qam", "a change to diff")
    ran = run_job({"steps": [diff]}, root, {"vars.STAGING_GRAFANA_URL": "http://127.0.0.1:9",
                                             "secrets.STAGING_GRAFANA_TOKEN": TOKEN}, bin_dir, tmp_path / "s.md",
                  base_ref="main")
    assert ran[0][1] != 0, ran  # the step fails (bash's `[ 2 -eq 1 ]` is 1)
    assert "vobs: error:" in ran[0][2] and TOKEN not in ran[0][2]
    assert "127.0.0.1:9" in ran[0][2], ran  # for the unreachable Grafana, not for git
