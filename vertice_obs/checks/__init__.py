"""The check registry: every check is one small unit with an id, a severity and a docstring.

Organised as pint organises its checks: a check is a function registered with `@check(...)` into
`CHECKS`; its docstring is what `vobs checks` shows. Dashboard checks receive one rendered dashboard
model and yield `(message, Location)` pairs, or `(message, Location, details)` where details name
the part (`json_path`); the registry turns them into `Finding`s. Scopes: `dashboard` (house style,
run by `vobs build` on our dashboards), `lint` (dashboard lints over any dashboard JSON, run by
`vobs validate`/`vobs audit` through `vertice_obs.metrics.lints`), `run` (lints over all the
dashboards of a run at once), `metric` (ids and docs of checks another stage reports).

Owns: the registry (`CHECKS`), the house-style dashboard checks, and the ids and docs of the
checks other stages report (module loading, metric classification) — and which of them mean a
panel shows No data (`metrics.NO_DATA`), one list for the audit and the CI formats. Part of the shared kernel.
May import: the rest of the kernel (`finding`, `panels`). Must not import any stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from vertice_obs.finding import Finding, Location, Severity

DashboardCheckFn = Callable[[dict[str, Any], str], Iterable[tuple[str, Location]]]


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    fn: Callable[..., Any]
    scope: str

    @property
    def doc(self) -> str:
        return " ".join((self.fn.__doc__ or "").split())


CHECKS: dict[str, Check] = {}


def check(id: str, severity: Severity, scope: str = "dashboard"):
    """Register a check under `id` (ids are unique: registering twice is a programming error)."""

    def register(fn):
        if id in CHECKS:
            raise RuntimeError(f"check {id!r} registered twice")
        CHECKS[id] = Check(id=id, severity=severity, fn=fn, scope=scope)
        return fn

    return register


def run_dashboard_checks(model: dict[str, Any], file: str) -> Iterator[Finding]:
    """Run every registered dashboard check over one rendered dashboard."""
    for registered in CHECKS.values():
        if registered.scope == "dashboard":
            yield from hits(registered, registered.fn(model, file))


def hits(registered: Check, found: Iterable[tuple], severity: Severity | None = None) -> Iterator[Finding]:
    """Findings from a check function's `(message, Location[, details])` tuples."""
    check_id, severity = registered.id, registered.severity if severity is None else severity
    for item in found:  # (message, location) or (message, location, details); no list per item to unpack into
        details = tuple(sorted(item[2].items())) if len(item) > 2 else ()
        yield Finding(check_id, severity, item[0], item[1], None, details)


def finding(check_id: str, message: str, location: Location, **extra: Any) -> Finding:
    """A finding for a check that is not a dashboard check (e.g. a metric classification)."""
    registered = CHECKS[check_id]
    metric = extra.pop("metric", None)
    return Finding(check=check_id, severity=extra.pop("severity", registered.severity), message=message,
                   location=location, metric=metric, details=tuple(sorted(extra.items())))


# Importing the check modules registers them.
from vertice_obs.checks import dashboard_style, lints, metrics, modules, variables  # noqa: E402,F401
