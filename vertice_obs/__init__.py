"""vertice-obs: observability as code for the Vértice platform and its AI core, MAXIMUS.

The version is written once, in pyproject.toml. An installed vertice-obs reads it from its
distribution's metadata (`importlib.metadata`); a source checkout run with PYTHONPATH (no
distribution, or another checkout's) reads the pyproject.toml beside this package, so
`vobs --version` names the code that is running. Computed on first use (module `__getattr__`):
a command that never asks does not read pyproject.toml (tests/test_startup.py).
"""

from __future__ import annotations

from pathlib import Path

DISTRIBUTION = "vertice-obs"


def _version(checkout: Path = Path(__file__).resolve().parent.parent / "pyproject.toml") -> str:
    if checkout.is_file():
        import tomllib

        try:
            project = tomllib.loads(checkout.read_text(encoding="utf-8")).get("project", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            project = {}
        if project.get("name") == DISTRIBUTION and isinstance(project.get("version"), str):
            return project["version"]
    # ~15 ms with the email modules it reads metadata with: imported on first use only
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0+unknown"  # neither installed nor a checkout: say so rather than guess


def __getattr__(name: str) -> str:
    if name == "__version__":
        globals()["__version__"] = version = _version()
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
