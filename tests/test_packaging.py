"""vertice-obs as a package people depend on: typed, licensed, versioned once, changelogged.

Each test reads what a packaging tool or a user would read (pyproject.toml, the package's files,
the running `vobs --version`), so the convention breaks the test, not a release.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import vertice_obs

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_panels_ship_their_types_and_pass_mypy_strict():
    """Dashboard authors import vertice_obs.panels: py.typed ships with it (PEP 561) and the module,
    and a dashboard written with it, type-check under --strict."""
    assert (REPO / "vertice_obs" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["vertice_obs"]
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
         "--follow-imports=silent", "vertice_obs/panels.py", "dashboards/dopamine_overview.py"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_license_is_an_spdx_string_with_its_file():
    assert PROJECT["license"] == "Apache-2.0"  # PEP 639; the {text = …} table is deprecated
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "Apache License" in (REPO / "LICENSE").read_text(encoding="utf-8")[:200]
    # PEP 639: a License :: classifier beside an SPDX expression is an error for the build backend.
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_classifiers_and_project_urls_are_declared():
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}" in PROJECT["classifiers"]
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])


def test_the_version_is_written_once():
    """Only pyproject.toml carries the version; no module writes a literal of it."""
    version = PROJECT["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    literals = [p for p in (REPO / "vertice_obs").rglob("*.py")
                if re.search(r"__version__\s*=\s*['\"]", p.read_text(encoding="utf-8"))]
    assert not literals
    assert vertice_obs.__version__ == version


def test_vobs_version_from_a_source_checkout_names_the_checkouts_version(tmp_path):
    """A checkout run with PYTHONPATH (nothing installed, or another version installed) prints
    the version of the code that runs: its own pyproject.toml."""
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "vertice_obs", checkout / "vertice_obs", ignore=shutil.ignore_patterns("__pycache__"))
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (checkout / "pyproject.toml").write_text(text.replace(f'version = "{PROJECT["version"]}"', 'version = "9.8.7"', 1),
                                             encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(checkout)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "vobs, version 9.8.7"


def test_version_falls_back_to_the_installed_metadata_then_says_unknown(tmp_path, monkeypatch):
    """Installed (no pyproject.toml beside the package): importlib.metadata. Neither installed nor a
    checkout: `0+unknown`, a PEP 440 version that says so, never a guess. (The installed case end
    to end: tests/test_clean_install.py.)"""
    absent = tmp_path / "pyproject.toml"
    monkeypatch.setattr(metadata, "version", lambda name: "4.5.6" if name == "vertice-obs" else "?")
    assert vertice_obs._version(absent) == "4.5.6"

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert vertice_obs._version(absent) == "0+unknown"
    other = tmp_path / "other.toml"
    other.write_text('[project]\nname = "someone-else"\nversion = "1.0.0"\n', encoding="utf-8")
    assert vertice_obs._version(other) == "0+unknown"  # another project's pyproject is not ours


SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
RELEASE = re.compile(rf"## \[(?P<version>{SEMVER})\] - (?P<date>\d{{4}}-\d{{2}}-\d{{2}})")
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_changelog_follows_keep_a_changelog_and_semver():
    """CHANGELOG.md: an Unreleased section first, then releases newest first, each a semantic
    version with an ISO date, changes grouped under Keep a Changelog's six headings only; the
    newest release is at most the version in pyproject.toml."""
    lines = (REPO / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Changelog"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    releases = [RELEASE.fullmatch(h) for h in headings[1:]]
    assert all(releases), [h for h, m in zip(headings[1:], releases) if not m]
    versions = [tuple(int(m.group(i)) for i in (2, 3, 4)) for m in releases]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert versions[0] <= tuple(int(p) for p in PROJECT["version"].split("."))
    assert {line[4:] for line in lines if line.startswith("### ")} <= SECTIONS
    links = {m.group(1) for line in lines if (m := re.match(r"\[([^\]]+)\]: https://", line))}
    assert links == {"Unreleased", *(m.group("version") for m in releases)}, "every heading has its compare link"
