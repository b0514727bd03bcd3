"""Load dashboards-as-code modules from `dashboards/`: each module exposes a `dashboard`.

A module that fails to import, raises, prints, or defines no usable `dashboard` is reported as a
`ModuleFailure` with its file and line; the other modules still load. "Raises" means anything:
`SystemExit` (`sys.exit(0)` too — it must never end a `build --check` with success),
`GeneratorExit`, custom `BaseException`s, and a `KeyboardInterrupt` the module raised itself. Only
a real Ctrl-C (SIGINT while the module runs) stops the run.

Anything a module writes to stdout is captured (`capture.py`) — `print`, `sys.stdout.buffer`, and
`os.write(1, …)` or a child process — because stdout belongs to the CLI's own output (e.g.
`--format json`).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib.util
import io
import math
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from grafanalib import core as grafanalib_core

from vertice_obs.build.capture import StdoutCapture
from vertice_obs.build.shape import module_problem
from vertice_obs.callsite import Place, Table, recording
from vertice_obs.errors import InputError
from vertice_obs.guard.paths import UID_RE
from vertice_obs.guard.text import escape

Placed = dict[int, tuple[Any, Place]]  # id(plain JSON object) → (the object, where the module made its source)


@dataclass(frozen=True)
class Places:
    """Where the module's code made its dashboard and its panels (for findings at `file:line:col`).

    `panels` is in the order `render.numbered` gives the module's panels their ids; each is the
    panel's place (None: not made by a house call) and its queries' places by refId."""

    dashboard: Place | None = None
    panels: tuple[tuple[Place | None, tuple[tuple[str, Place], ...]], ...] = ()


@dataclass(frozen=True)
class DashboardModule:
    """A loaded dashboard: its source file and its plain JSON model (no None values)."""

    file: str
    uid: str
    model: dict[str, Any]
    printed: str = ""
    places: Places = Places()


@dataclass(frozen=True)
class ModuleFailure:
    file: str
    line: int | None
    message: str
    printed: str = ""  # what the module wrote to stdout before it failed: often the clue to why
    uid: str | None = None  # the uid it defines, when it got as far as a dashboard with one

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def discover(directory: Path) -> list[Path]:
    """Dashboard modules in `directory`, in a stable order; `_private.py` helpers (code the modules
    share, imported while they load: `_folder_importable`) are skipped. A
    directory that is not there is an error, not no dashboards: `dashboards_dir: dashbaords` would
    otherwise read as every chapter naming an unknown uid."""
    if not directory.is_dir():
        raise InputError(f"dashboards directory not found: {directory} (the dashboards_dir setting, else "
                         "dashboards/ in the project root: run vobs there, or give -C ROOT)")
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))


def load_dashboards(paths: list[Path], display: Callable[[Path], str] = str,
                    on_loaded: Callable[[str], None] | None = None
                    ) -> tuple[list[DashboardModule], list[ModuleFailure]]:
    """Import each module and convert its `dashboard` to plain JSON. Duplicate uids are failures.

    `on_loaded(file)` is called after each module, for progress bars."""
    loaded: list[DashboardModule] = []
    failures: list[ModuleFailure] = []
    for result in iter_dashboards(paths, display, on_loaded):
        (failures if isinstance(result, ModuleFailure) else loaded).append(result)
    return loaded, failures


def iter_dashboards(paths: list[Path], display: Callable[[Path], str] = str,
                    on_loaded: Callable[[str], None] | None = None,
                    recorded: Mapping[str, str] | None = None) -> Iterator[DashboardModule | ModuleFailure]:
    """`load_dashboards` one module at a time, so a build holds one model, not all of them.
    A uid defined twice is a failure of the newcomer: the later module, unless `recorded` (uid →
    the module the last build rendered it from, as the manifest says) names another module still
    to be loaded — then the module that defines it first is held back until that one is loaded,
    and is the failure if it defines the uid too (a copy whose file sorts first must not replace
    the original's export, nor blame the original)."""
    by_uid: dict[str, str] = {}
    shown_paths = [(path, display(path)) for path in paths]
    remaining = {shown for _, shown in shown_paths}
    held: dict[str, list[tuple[Path, DashboardModule]]] = {}  # the recorded module's file → modules waiting for it

    def duplicate(path: Path, module: DashboardModule, first: str) -> ModuleFailure:
        return ModuleFailure(module.file, _assignment_line(path, "dashboard"),
                             f"dashboard uid {module.uid!r} is already defined in {first}", module.printed)

    with StdoutCapture() as capture:
        for path, shown in shown_paths:
            remaining.discard(shown)
            result = load_one(path, shown, capture)
            if on_loaded:
                on_loaded(shown)
            if isinstance(result, DashboardModule):
                owner = (recorded or {}).get(result.uid)
                if result.uid in by_uid:
                    result = duplicate(path, result, by_uid[result.uid])
                elif owner is not None and owner != shown and owner in remaining:
                    held.setdefault(owner, []).append((path, result))
                    result = None
                else:
                    by_uid[result.uid] = shown
            if result is not None:
                yield result
            for waiting_path, waiting in held.pop(shown, []):
                if waiting.uid in by_uid:  # the recorded module defines it still: the held one is the copy
                    yield duplicate(waiting_path, waiting, by_uid[waiting.uid])
                else:
                    by_uid[waiting.uid] = waiting.file
                    yield waiting


def import_attribute(path: Path, shown: str, attribute: str, convert: Callable[[Any], Any] = lambda v: v,
                     capture: StdoutCapture | None = None) -> tuple[Any, str] | ModuleFailure:
    """Import a user module and return `convert(module.<attribute>)` and what it printed, or why not.
    `capture` is the build's stdout capture (one pipe for all modules); without it, one of its own.

    Converting inside the guard matters: grafanalib objects may raise only when serialised."""
    if capture is None:
        with StdoutCapture() as own:
            return import_attribute(path, shown, attribute, convert, own)
    module_name = f"vobs_{attribute}_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    cwd = os.getcwd()
    try:
        with _real_interrupts() as interrupt, capture.module() as printed, _folder_importable(path.parent):
            outcome = _execute(path, shown, module_name, attribute, convert, interrupt)
    finally:
        sys.modules.pop(module_name, None)
        with contextlib.suppress(OSError):
            os.chdir(cwd)  # a module that changed directory must not move the rest of the build
    if isinstance(outcome, ModuleFailure):  # the capture is complete only once its block has ended
        return dataclasses.replace(outcome, printed=printed.text)
    return outcome[0], printed.text


@contextlib.contextmanager
def _folder_importable(folder: Path) -> Iterator[None]:
    """The module's folder on `sys.path` while it loads, so `from _common import X` finds
    `dashboards/_common.py` (a helper `discover` skips). Appended, not prepended: a dashboard named
    `statistics.py` must not shadow the standard library for vobs or for its neighbours.

    Afterwards `sys.path` is as it was (what the module added to it too), and every module that was
    imported from the folder is dropped from `sys.modules` and the folder's finder from the
    importer cache: the next module, project or run imports its own helpers afresh, never another
    project's `_common` nor a copy a previous module changed."""
    entry = str(folder.absolute())
    saved_path, before = list(sys.path), set(sys.modules)
    sys.path.append(entry)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        sys.path_importer_cache.pop(entry, None)
        for name in [n for n in list(sys.modules) if n not in before]:
            if _comes_from(sys.modules.get(name), entry):
                sys.modules.pop(name, None)


def _comes_from(module: Any, folder: str) -> bool:
    """Whether a module's file (or a package's folders) lies in `folder`."""
    places = [getattr(module, "__file__", None)]
    with contextlib.suppress(Exception):  # a namespace package's __path__; anything odd is not ours
        places += list(getattr(module, "__path__", None) or ())
    return any(isinstance(p, str) and os.path.abspath(p).startswith(folder + os.sep) for p in places)


def _execute(path: Path, shown: str, module_name: str, attribute: str, convert: Callable[[Any], Any],
             interrupt: _Interrupt) -> tuple[Any] | ModuleFailure:
    """Run the module and convert its attribute (in a 1-tuple: any value is a value), or why not."""
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            return ModuleFailure(shown, None, "not a loadable Python module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        value = getattr(module, attribute, None)
        if value is None:
            return ModuleFailure(shown, None, f"defines no module-level `{attribute}`")
        return (convert(value),)
    except SyntaxError as exc:
        return ModuleFailure(shown, exc.lineno if exc.filename == str(path) else _line_in(exc, path),
                             f"SyntaxError: {_text(exc.msg)}{_in_helper(exc, path, shown)}")
    except KeyboardInterrupt as exc:
        if interrupt.real:
            raise  # a real Ctrl-C: stop the run (the CLI says "interrupted", exit 130)
        return ModuleFailure(shown, _line_in(exc, path), "raised KeyboardInterrupt while loading "
                                                         "(not a Ctrl-C): a module must not stop the build")
    except BaseException as exc:  # a user module may raise anything; report it, keep going
        return ModuleFailure(shown, _line_in(exc, path), _describe(exc) + _in_helper(exc, path, shown))


def _in_helper(exc: BaseException, path: Path, shown: str) -> str:
    """` (in dashboards/_common.py:3)` when the error is in a helper module beside `path` (the failure
    is at the module's line that imported or called it), else nothing."""
    folder = str(path.parent.absolute())
    places = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and isinstance(exc.filename, str):
        places.append((exc.filename, exc.lineno))
    inside = [(file, line) for file, line in places if os.path.abspath(file).startswith(folder + os.sep)]
    if not inside or os.path.abspath(inside[-1][0]) == os.path.abspath(path):
        return ""
    file, line = inside[-1]
    where = os.path.relpath(os.path.abspath(file), folder)
    return f" (in {_text(Path(shown).parent / where)}{f':{line}' if line else ''})"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return (f"called sys.exit({_text(repr(exc.code))}) while loading: a module must define its "
                f"object, not end the build")
    message = _text(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _text(value: object, limit: int = 300) -> str:
    """A user value fit for a one-line message: printable, bounded, never raising."""
    try:
        text = str(value) if not isinstance(value, (int, type(None))) else repr(value)
    except BaseException:  # an exception whose __str__ raises is still reported
        text = f"<unprintable {type(value).__name__}>"
    text = escape(text, one_line=True)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class _Interrupt:
    real: bool = False


@contextlib.contextmanager
def _real_interrupts() -> Iterator[_Interrupt]:
    """Tell a real Ctrl-C (SIGINT) from a `KeyboardInterrupt` a module raises itself."""
    state = _Interrupt()
    if threading.current_thread() is not threading.main_thread():
        state.real = True  # signals cannot be watched here: treat every interrupt as real
        yield state
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        state.real = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def load_one(path: Path, shown: str, capture: StdoutCapture | None = None) -> DashboardModule | ModuleFailure:
    non_finite: list[float] = []
    placed: Placed = {}
    with recording(str(path)) as table:  # the path as the module's code objects name their file
        loaded = import_attribute(path, shown, "dashboard",
                                  lambda obj: (to_plain(obj, non_finite, (table, placed) if table.made else None),
                                               type(obj).__name__), capture)
    if isinstance(loaded, ModuleFailure):
        return loaded
    (model, kind), printed = loaded
    refused = _refused(model, kind, bool(non_finite))
    if refused is not None:  # found at its module, not at the narrative, a later stage or the publish
        uid = model.get("uid") if isinstance(model, dict) else None
        return ModuleFailure(shown, _assignment_line(path, "dashboard"), refused, printed,
                             uid if isinstance(uid, str) and uid else None)
    return DashboardModule(file=shown, uid=model["uid"], model=model, printed=printed, places=_places(model, placed))


def _refused(model: Any, kind: str, non_finite: bool) -> str | None:
    """Why a module's plain `dashboard` (made from a `kind`) cannot be rendered, or None."""
    if not isinstance(model, dict):
        hint = ": assign the dashboard itself (rename the function; dashboard = make_dashboard())" \
            if kind == "function" else ""
        return f"`dashboard` must be a grafanalib Dashboard or a dict, not {kind}{hint}"
    uid = model.get("uid")
    if uid is not None and not isinstance(uid, str):
        return f"the dashboard's uid must be text (a str), not {type(uid).__name__} {_text(repr(uid), 80)}"
    if not uid:
        return "the dashboard has no uid: give it one (uid=...), narratives and Grafana find dashboards by uid"
    if not UID_RE.fullmatch(uid):
        return (f"dashboard uid {_text(repr(uid), 80)} is not a Grafana uid (at most 40 of A-Z a-z 0-9 _ -): "
                "Grafana refuses it, and narratives cannot name it")
    shaped = module_problem(model)  # rendered, it would lose panels or crash a later stage
    if shaped is not None:
        return shaped
    bad = _non_finite(model) if non_finite else None  # the walk only to say where
    return None if bad is None else (f"{bad}: NaN and infinity are not JSON numbers (Grafana cannot load them); "
                                     "use a finite number")


def _places(model: dict[str, Any], placed: Placed) -> Places:
    """The module's places in panel order (the side table's identities end with this load)."""
    if not placed:
        return Places()

    def at(obj: Any) -> Place | None:
        hit = placed.get(id(obj))
        return hit[1] if hit is not None and hit[0] is obj else None

    def queries(panel: Any) -> tuple[tuple[str, Place], ...]:
        targets = panel.get("targets") if isinstance(panel, dict) else None
        return tuple((t["refId"], place) for t in targets if isinstance(t, dict) and isinstance(t.get("refId"), str)
                     and (place := at(t)) is not None) if isinstance(targets, list) else ()

    panels = tuple((at(p), queries(p)) for p in module_panels(model))
    return Places(dashboard=at(model), panels=panels)


def module_panels(model: dict[str, Any]) -> Iterator[Any]:
    """The module's panels in the order `render.layout` numbers them: each top-level panel, and
    right after a row the panels it holds (collapsed or not)."""
    panels = model.get("panels")
    for panel in panels if isinstance(panels, list) else ():
        yield panel
        if isinstance(panel, dict) and panel.get("type") == "row":
            children = panel.get("panels") or []
            yield from children if isinstance(children, list) else ()


def _non_finite(model: Any) -> str | None:
    """The path of the first NaN or infinite number in a plain JSON model, or None."""
    stack: list[tuple[str, Any]] = [("dashboard", model)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return f"{at} is {value!r}"
        if isinstance(value, dict):
            stack.extend((f"{at}.{k}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((f"{at}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


_SCALARS = frozenset({str, int, bool})  # exact types: returned as they are, without a call


def to_plain(obj: Any, non_finite: list[float] | None = None, places: tuple[Table, Placed] | None = None) -> Any:
    """grafanalib objects → JSON-ready dicts and lists, dropping None (Grafana's "use the default").
    A NaN or infinity met on the way is appended to `non_finite` (the load check needs no second walk).
    With `places` (the module's call-site table and a map to fill), each plain dict made from a
    recorded object is entered in the map with the object's place.

    The common shapes (exact dicts, lists and scalars) are handled inline: a 20-panel dashboard
    has ~1,800 nodes, and a call per leaf was a quarter of a build."""
    if places is not None and id(obj) in places[0].made and (place := places[0].place_of(obj)) is not None:
        made = places[0].made
        entry = made.pop(id(obj))  # out while its own conversion runs, back for another use of it
        try:
            plain = to_plain(obj, non_finite, places)
        finally:
            made[id(obj)] = entry
        places[1][id(plain)] = (plain, place)
        return plain
    kind = type(obj)
    if kind is dict:
        return {(k if type(k) is str else str(k)): (v if type(v) in _SCALARS else to_plain(v, non_finite, places))
                for k, v in obj.items() if v is not None}
    if kind is list or kind is tuple:
        return [v if type(v) in _SCALARS else to_plain(v, non_finite, places) for v in obj]
    if kind is float:
        if non_finite is not None and obj - obj != 0.0:  # inf - inf and nan - nan are nan
            non_finite.append(obj)
        return obj
    if kind in _SCALARS or obj is None:
        return obj
    to_json = getattr(obj, "to_json_data", None)
    if to_json is not None:
        if isinstance(obj, grafanalib_core.Dashboard):
            # grafanalib prints a warning from to_json_data for rows + panels; keep our stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                obj = to_json()
        else:
            obj = to_json()
        return to_plain(obj, non_finite, places)
    if isinstance(obj, dict):
        return {str(k): to_plain(v, non_finite, places) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v, non_finite, places) for v in obj]
    if isinstance(obj, float) and non_finite is not None and not math.isfinite(obj):  # a float subclass
        non_finite.append(obj)
    return obj


def _assignment_line(path: Path, name: str) -> int | None:
    """The line of the module's top-level `<name> = ...` (or `def <name>`, `class <name>`): where a
    problem with it is fixed."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    lines = [node.lineno for node in tree.body
             if isinstance(node, (ast.Assign, ast.AnnAssign))
             and any(isinstance(t, ast.Name) and t.id == name
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
             or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name]
    return lines[-1] if lines else None


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The deepest traceback line inside the module's own file: where the author should look."""
    target = str(path.resolve())
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == target:
            line = frame.lineno
    return line

