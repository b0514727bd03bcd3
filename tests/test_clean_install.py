"""The declared dependencies suffice: vertice-obs built as a wheel, installed into a fresh
virtualenv that holds nothing else (no system site-packages, no PYTHONPATH, not this checkout),
builds and validates a copy of this repository's dashboards.

pip resolves the dependencies from the package index pip is configured with — the same as a user's
`pip install vertice-obs`. Without an index (no network, no mirror) the test is skipped and says
so; under CI (`CI` set, as GitHub Actions sets it) it fails instead, since a skipped proof is no
proof. The wheel is built with pip's build isolation (setuptools from the index too), as a
release would be. ~30 s with a warm pip cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
pytestmark = pytest.mark.slow


def clean_env() -> dict[str, str]:
    """The caller's environment without anything that would put other code on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(argv: list, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout)


def index_reachable(tmp: Path) -> bool:
    done = run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
                "-d", tmp / "probe", "click"], tmp, timeout=120)
    return done.returncode == 0


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What a wheel is not built from: VCS, caches, earlier builds, tests and benchmarks."""
    skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
    if Path(folder) == REPO:
        skipped |= {n for n in names if n in {".git", "build", "dist", ".venv", ".vobs", "tests", "benchmarks"}
                    or n.endswith(".whl")}
    return skipped


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh virtualenv with the wheel of this checkout and its declared dependencies, nothing else."""
    tmp = tmp_path_factory.mktemp("clean-install")
    if not index_reachable(tmp):
        if os.environ.get("CI"):
            pytest.fail("no package index reachable: the clean-install proof cannot run")
        pytest.skip("no package index reachable (offline): a clean install cannot resolve the dependencies")
    source = tmp / "source"  # a copy, so the build's build/ and *.egg-info never land in the checkout
    shutil.copytree(REPO, source, ignore=_not_sources)
    wheels = tmp / "wheels"
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source], tmp)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("vertice_obs-*.whl")
    assert wheel.name.startswith(f"vertice_obs-{VERSION}-")
    env = tmp / "venv"
    made = run([sys.executable, "-m", "venv", env], tmp)
    assert made.returncode == 0, made.stderr
    installed = run([env / "bin" / "python", "-m", "pip", "install", "-q", wheel], tmp)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env


@pytest.fixture()
def project(tmp_path):
    root = tmp_path / "project"
    for name in ("dashboards", "narratives", "rules"):
        shutil.copytree(REPO / name, root / name)
    return root


def test_the_venv_holds_the_wheel_and_nothing_of_this_checkout(venv, tmp_path):
    code = ("import sys, vertice_obs, importlib.util as u; print(vertice_obs.__file__); "
            "print(sys.flags.no_user_site, [m for m in ('matplotlib', 'requests') if u.find_spec(m)])")
    done = run([venv / "bin" / "python", "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    where, flags = done.stdout.splitlines()
    assert Path(where).is_relative_to(venv) and not Path(where).is_relative_to(REPO)
    assert flags == "1 []"  # neither the chaos extra nor a second HTTP stack came along


def test_vobs_version_is_the_distributions(venv, tmp_path):
    done = run([venv / "bin" / "vobs", "--version"], tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"vobs, version {VERSION}"), done.stderr


def test_build_and_offline_validate_the_repositorys_dashboards(venv, project):
    built = run([venv / "bin" / "vobs", "build"], project)
    assert built.returncode == 0, built.stdout + built.stderr
    exported = sorted(p.relative_to(project / "exports") for p in (project / "exports").rglob("*.json"))
    assert exported == sorted(p.relative_to(REPO / "exports") for p in (REPO / "exports").rglob("*.json"))
    for path in exported:  # the same bytes as this checkout renders
        assert (project / "exports" / path).read_bytes() == (REPO / "exports" / path).read_bytes(), path
    checked = run([venv / "bin" / "vobs", "validate", "--offline"], project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_wheel_ships_every_json_schema(venv, tmp_path):
    """The machine-output schemas (schemas/output/) and the input schemas are package data."""
    code = ("import pathlib, vertice_obs.schemas as s; base = pathlib.Path(s.__file__).parent; "
            "print('\\n'.join(sorted(p.relative_to(base).as_posix() for p in base.rglob('*.json'))))")
    done = run([venv / "bin" / "python", "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    base = REPO / "vertice_obs" / "schemas"
    shipped = sorted(p.relative_to(base).as_posix() for p in base.rglob("*.json"))
    assert "output/publish.schema.json" in shipped and done.stdout.split() == shipped


def test_chaos_report_without_the_extra_names_it(venv, tmp_path):
    journal = tmp_path / "journal.json"
    journal.write_text("{}", encoding="utf-8")
    done = run([venv / "bin" / "vobs", "chaos", "report", journal], tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["vobs: error: vobs chaos report draws its plots with matplotlib, which is "
                                        "not installed: pip install 'vertice-obs[chaos]'"]
