"""Idempotent recovery (issue 18): a publish killed between any two of its writes is finished by the
next publish — exit 0, without `--force`, without reporting drift — and ends exactly where an
uninterrupted publish ends; a publish after that writes nothing.

`vobs publish` runs in a subprocess whose writes are counted (the provisioning folder's file
writes and removals, Grafana's folder creates and dashboard saves); after the N-th it ends with
`os._exit` — no cleanup, no `finally`, as a kill would. N runs over every write of the publish,
for a fresh publish and for an update that changes content and moves both dashboards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn
from sample_project import make_project

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"
KILLED = 137

# Runs the CLI with its writes counted; after the N-th ($VOBS_TEST_EXIT_AFTER) the process ends at once.
HOOK = r"""
import os, pathlib, sys
limit, count = int(os.environ["VOBS_TEST_EXIT_AFTER"]), [0]
def counted(fn, inside=None):
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        if inside is None or str(args[0]).startswith(inside):
            count[0] += 1
            if count[0] >= limit:
                os._exit(137)
        return out
    return wrapper
import vertice_obs.grafana.provisioning as prov
import vertice_obs.grafana.destinations as dest
prov.write_atomic = counted(prov.write_atomic)
pathlib.Path.unlink = counted(pathlib.Path.unlink, os.environ["VOBS_TEST_PROVISIONING"])
dest.GrafanaDestination.create_folder = counted(dest.GrafanaDestination.create_folder)
dest.GrafanaDestination.save = counted(dest.GrafanaDestination.save)
from vertice_obs.cli import main
sys.argv = ["vobs", *sys.argv[1:]]
main()
"""


def publish(project: Path, *extra: str, exit_after: int | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_"))}
    env.update(NO_COLOR="1", VOBS_TEST_PROVISIONING=str(project / "provisioning"))
    if "--grafana-url" in extra:  # a token with no Grafana URL is refused, not sent to the folder
        env["GRAFANA_TOKEN"] = TOKEN
    if exit_after is None:
        argv = [sys.executable, "-m", "vertice_obs"]
    else:
        argv = [sys.executable, "-c", HOOK]
        env["VOBS_TEST_EXIT_AFTER"] = str(exit_after)
        # One write at a time, so the kill falls between two writes, never inside a request still in
        # flight (a half-sent body is the server's to reject, and the stand-in flags it).
        extra = ("--concurrency", "1", *extra)
    return subprocess.run([*argv, "-C", str(project), "publish", *extra], capture_output=True, text=True,
                          env=env, timeout=120)


def move_and_edit(project: Path) -> None:
    """A change that updates both dashboards' folder and one's content."""
    narrative = project / "narratives" / "sample.yaml"
    narrative.write_text(narrative.read_text().replace("folder: Samples/Story", "folder: Samples/Moved"))
    module = project / "dashboards" / "a.py"
    module.write_text(module.read_text().replace('"Sample A"', '"Sample A, revised"'))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grafana_state(standin: GrafanaStandIn) -> dict:
    return {"dashboards": {uid: (e["folderUid"], {k: v for k, v in e["model"].items() if k != "id"},
                                 [v["message"] for v in e["versions"]])
                           for uid, e in standin.dashboards.items()},
            "folders": {uid: (f["title"], f["parentUid"]) for uid, f in standin.folders.items()}}


def assert_finished(done: subprocess.CompletedProcess, where: str) -> None:
    assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"
    assert "drift" not in done.stdout + done.stderr and "--force" not in done.stderr, f"{where}\n{done.stdout}"


def assert_writes_nothing(done: subprocess.CompletedProcess, where: str) -> None:
    assert_finished(done, where)
    # the folder a move in code left behind is said (orphaned, with how to delete it), never written
    said = [line for line in done.stdout.splitlines()[:-1] if not line.startswith("orphaned: 1 folder ")]
    assert all(" unchanged " in line + " " or "  orphaned  " in line for line in said), f"{where}\n{done.stdout}"


@pytest.mark.parametrize("scenario", ["fresh", "update"])
def test_an_interrupted_provisioning_publish_is_finished_by_the_next(tmp_path, scenario):
    reference = make_project(tmp_path / "reference")
    if scenario == "update":
        assert publish(reference).returncode == 0
        move_and_edit(reference)
    assert publish(reference).returncode == 0
    expected = files(reference / "provisioning")
    assert json.loads(expected[".vobs-state.json"]).keys() == {"dashboards", "folders"}

    n = 0
    while True:
        n += 1
        project = make_project(tmp_path / f"n{n}")
        if scenario == "update":
            assert publish(project).returncode == 0
            move_and_edit(project)
        killed = publish(project, exit_after=n)
        if killed.returncode == 0:
            break  # N is past the last write: every interruption point was covered
        assert killed.returncode == KILLED, killed.stderr
        where = f"{scenario}, killed after write {n}"
        assert_finished(publish(project), where)
        assert files(project / "provisioning") == expected, where
        before = files(project / "provisioning")
        assert_writes_nothing(publish(project), where)
        assert files(project / "provisioning") == before, where
    assert n > (8 if scenario == "fresh" else 9)  # folders, then intent, file (and move), done per dashboard


@pytest.mark.parametrize("scenario", ["fresh", "update"])
@pytest.mark.parametrize("version", ["10.4.19", "11.4.0"])
def test_an_interrupted_grafana_publish_is_finished_by_the_next(tmp_path, scenario, version):
    def run(name: str, exit_after: int | None) -> tuple[subprocess.CompletedProcess | None, GrafanaStandIn,
                                                        Path]:
        standin = GrafanaStandIn(version=version).start()
        project = make_project(tmp_path / name)
        if scenario == "update":
            assert publish(project, "--grafana-url", standin.url).returncode == 0
            move_and_edit(project)
        return publish(project, "--grafana-url", standin.url, exit_after=exit_after), standin, project

    done, reference, _ = run("reference", None)
    assert done.returncode == 0, done.stderr
    expected = grafana_state(reference)
    reference.stop()
    n = 0
    while True:
        n += 1
        killed, standin, project = run(f"n{n}", n)
        try:
            if killed.returncode == 0:
                break
            assert killed.returncode == KILLED, killed.stderr
            where = f"Grafana {version}, {scenario}, killed after write {n}"
            assert_finished(publish(project, "--grafana-url", standin.url), where)
            assert grafana_state(standin) == expected, where
            writes = len(standin.writes())
            assert_writes_nothing(publish(project, "--grafana-url", standin.url), where)
            assert len(standin.writes()) == writes, where
            standin.assert_no_violations()
        finally:
            standin.stop()
    assert n > (3 if scenario == "fresh" else 2)
