"""Load dashboards-as-code modules from `dashboards/`: each module exposes a `dashboard`.

A module that fails to import, raises, prints, or defines no usable `dashboard` is reported as a
`ModuleFailure` with its file and line; the other modules still load. Anything a module writes to
stdout is captured (stdout belongs to the CLI's own output, e.g. `--format json`).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grafanalib import core as grafanalib_core


@dataclass(frozen=True)
class DashboardModule:
    """A loaded dashboard: its source file and its plain JSON model (no None values)."""

    file: str
    uid: str
    model: dict[str, Any]
    printed: str = ""


@dataclass(frozen=True)
class ModuleFailure:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def discover(directory: Path) -> list[Path]:
    """Dashboard modules in `directory`, in a stable order; `_private.py` helpers are skipped."""
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))


def load_dashboards(paths: list[Path], display: Callable[[Path], str] = str,
                    on_loaded: Callable[[str], None] | None = None
                    ) -> tuple[list[DashboardModule], list[ModuleFailure]]:
    """Import each module and convert its `dashboard` to plain JSON. Duplicate uids are failures.

    `on_loaded(file)` is called after each module, for progress bars."""
    loaded: list[DashboardModule] = []
    failures: list[ModuleFailure] = []
    by_uid: dict[str, str] = {}
    for path in paths:
        shown = display(path)
        result = load_one(path, shown)
        if on_loaded:
            on_loaded(shown)
        if isinstance(result, ModuleFailure):
            failures.append(result)
        elif result.uid in by_uid:
            failures.append(ModuleFailure(shown, _assignment_line(path, "dashboard"),
                                          f"dashboard uid {result.uid!r} is already defined in {by_uid[result.uid]}"))
        else:
            by_uid[result.uid] = shown
            loaded.append(result)
    return loaded, failures


def import_attribute(path: Path, shown: str, attribute: str, convert: Callable[[Any], Any] = lambda v: v
                     ) -> tuple[Any, str] | ModuleFailure:
    """Import a user module and return `convert(module.<attribute>)` and what it printed, or why not.

    Converting inside the guard matters: grafanalib objects may raise only when serialised."""
    module_name = f"vobs_{attribute}_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    captured = io.StringIO()
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            return ModuleFailure(shown, None, "not a loadable Python module")
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(captured):
            spec.loader.exec_module(module)
            value = getattr(module, attribute, None)
            if value is None:
                return ModuleFailure(shown, None, f"defines no module-level `{attribute}`")
            converted = convert(value)
    except SyntaxError as exc:
        return ModuleFailure(shown, exc.lineno, f"SyntaxError: {exc.msg}")
    except Exception as exc:  # a user module may raise anything; report it, keep going
        return ModuleFailure(shown, _line_in(exc, path), f"{type(exc).__name__}: {exc}")
    finally:
        sys.modules.pop(module_name, None)
    return converted, captured.getvalue()


def load_one(path: Path, shown: str) -> DashboardModule | ModuleFailure:
    loaded = import_attribute(path, shown, "dashboard", lambda obj: (to_plain(obj), type(obj).__name__))
    if isinstance(loaded, ModuleFailure):
        return loaded
    (model, kind), printed = loaded
    if not isinstance(model, dict):
        return ModuleFailure(shown, _assignment_line(path, "dashboard"), f"`dashboard` must be a grafanalib "
                                                                         f"Dashboard or a dict, not {kind}")
    uid = model.get("uid")
    if not isinstance(uid, str) or not uid:
        return ModuleFailure(shown, _assignment_line(path, "dashboard"), "the dashboard has no uid: give it one "
                                                                         "(uid=...), narratives and Grafana find "
                                                                         "dashboards by uid")
    return DashboardModule(file=shown, uid=uid, model=model, printed=printed)


def to_plain(obj: Any) -> Any:
    """grafanalib objects → JSON-ready dicts and lists, dropping None (Grafana's "use the default")."""
    to_json = getattr(obj, "to_json_data", None)
    if to_json is not None:
        if isinstance(obj, grafanalib_core.Dashboard):
            # grafanalib prints a warning from to_json_data for rows + panels; keep our stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                obj = to_json()
        else:
            obj = to_json()
        return to_plain(obj)
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj


def _assignment_line(path: Path, name: str) -> int | None:
    """The line of the module's top-level `<name> = ...`: where a problem with it is fixed."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    lines = [node.lineno for node in tree.body
             if isinstance(node, (ast.Assign, ast.AnnAssign))
             and any(isinstance(t, ast.Name) and t.id == name
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
    return lines[-1] if lines else None


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The deepest traceback line inside the module's own file: where the author should look."""
    target = str(path.resolve())
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == target:
            line = frame.lineno
    return line

