"""Every third-party module vertice_obs imports is a declared requirement, and every declared
requirement is imported: nothing arrives only as someone else's transitive dependency (issue 15),
and nothing is installed for nothing.

The imports are read from the source (ast: every `import`, also inside functions, as the lazy
imports are), mapped to the distributions that provide them by the installed environment
(`importlib.metadata.packages_distributions()`), and compared with pyproject.toml.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DEV_EXTRAS = {"test", "bench"}  # for this repository's own tests and benchmarks, not for users


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group())


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module → the files of vertice_obs that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "vertice_obs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "vertice_obs":
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def declared() -> dict[str, str]:
    """Distribution → where it is declared (`dependencies` or `extra <name>`), dev extras aside."""
    where = {requirement_name(r): "dependencies" for r in PROJECT["dependencies"]}
    for extra, requirements in PROJECT.get("optional-dependencies", {}).items():
        if extra not in DEV_EXTRAS:
            where.update({requirement_name(r): f"extra {extra}" for r in requirements})
    return where


def test_every_imported_module_is_a_declared_requirement():
    providers = packages_distributions()
    wanted = declared()
    undeclared = {}
    for module, files in third_party_imports().items():
        distributions = {canonical(d) for d in providers.get(module, [])}
        assert distributions, f"{module} (imported by {sorted(files)}) is not installed: which distribution is it?"
        if not distributions & set(wanted):
            undeclared[module] = (sorted(distributions), sorted(files))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_every_declared_requirement_is_imported():
    providers = packages_distributions()
    imported = {canonical(d) for module in third_party_imports() for d in providers.get(module, [])}
    unused = sorted(set(declared()) - imported)
    assert not unused, f"declared in pyproject.toml but never imported by vertice_obs: {unused}"


def test_one_http_stack():
    """niquests only (README "One HTTP stack"): grafana-client needs it, so requests and urllib3
    would be a second client library beside it, fighting over the `urllib3` name with
    urllib3-future."""
    modules = third_party_imports()
    assert "niquests" in modules
    assert not {"requests", "urllib3", "httpx", "aiohttp"} & set(modules), sorted(modules)
    assert not {"requests", "urllib3"} & set(declared())


def test_matplotlib_is_the_chaos_extra_not_a_core_dependency():
    """Three quarters of a full install draws the plots of one command: it is `vertice-obs[chaos]`."""
    core = {requirement_name(r) for r in PROJECT["dependencies"]}
    assert "matplotlib" not in core
    assert "matplotlib" in {requirement_name(r) for r in PROJECT["optional-dependencies"]["chaos"]}
    # the report's plots and curves draw (inside their functions); the CLI only checks it is there, to name the extra
    assert third_party_imports()["matplotlib"] == {"vertice_obs/chaos/plots.py",
                                                   "vertice_obs/cli/chaos.py"}


def test_chaos_report_without_the_extra_is_one_line_naming_it(tmp_path):
    """matplotlib made unimportable (a None entry in sys.modules is what Python treats as "not
    installed"): one error line naming the extra, exit 2, nothing written."""
    import json
    import os
    import subprocess

    from test_chaos_report import SERIES, journal

    path = tmp_path / "journal.json"
    path.write_text(json.dumps(journal(SERIES)), encoding="utf-8")
    code = ("import sys\nsys.modules['matplotlib'] = None\n"
            "sys.argv = ['vobs', 'chaos', 'report', 'journal.json', '-o', 'out']\n"
            "from vertice_obs.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == ["vobs: error: vobs chaos report draws its plots with matplotlib, which is "
                                        "not installed: pip install 'vertice-obs[chaos]'"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.json"]


def test_the_set_up_commands_install_what_the_demos_need():
    """The README's set-up command installs the `chaos` extra (its Chaos Day demo ends in a report);
    scripts/test installs `test`, which includes `chaos` (the Chaos Day tests render one)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    installs = re.findall(r"^pip install -e '\.\[([a-z,]+)\]'", setup, flags=re.M)
    assert installs and "chaos" in installs[0].split(","), setup
    assert "-e '.[test]'" in (REPO / "scripts" / "test").read_text(encoding="utf-8")
    assert "vertice-obs[chaos]" in PROJECT["optional-dependencies"]["test"]
