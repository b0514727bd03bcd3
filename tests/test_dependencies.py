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

