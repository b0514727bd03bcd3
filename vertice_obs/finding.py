"""`Finding`: every problem vertice-obs reports, with a precise location and an actionable message.

Findings are plain, immutable data so that the pure core can return them and the CLI edge can
render them as text, JSON or SARIF without the core knowing about any of those formats.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from typing import Any, Sequence, TypeVar

C = TypeVar("C", bound=type)


def pickled_by_fields(cls: C) -> C:
    """Pickle instances of a dataclass as its class and its field values, in order. A slotted
    dataclass otherwise pickles through a `__getstate__` call per object: 100,000 findings crossing
    from a worker process (`metrics.parallel`) took twice as long to write and read that way.
    Every field must be an `__init__` argument (a test holds the round trip per class)."""
    values = operator.attrgetter(*(f.name for f in fields(cls)))
    if len(fields(cls)) == 1:
        def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
            return cls, (values(self),)
    else:
        def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
            return cls, values(self)
    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls


class Severity(enum.IntEnum):
    """Ordered so that `--fail-on warning` means "warning or worse"."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


def panel_title(title: object) -> str | None:
    """A panel's title as messages quote it (`'Latency'`); None for a panel with none to show (no
    title, "" or blanks: Grafana draws no header), which messages used to print as `''`."""
    return repr(title) if title is not None and (not isinstance(title, str) or title.strip()) else None


def panels_named(panels: Sequence[tuple[object, object]], others: Sequence[str] = (), shown: int = 3
                 ) -> tuple[str, str]:
    """The one way a message counts and names the panels something touches: (`3 panels and 1 other
    query`, `'A', panel #4, variable x and 1 more`) — (title, id) pairs, each as `panel_title`
    quotes it, else by its id, else `untitled panel`, then `others` (annotations, variables: named
    by the caller) in the same list, counted apart; at most `shown` named, the rest counted."""
    names = [panel_title(title) or panel_label(None, pid) for title, pid in panels] + list(others)
    counts = ([f"{len(panels)} panel{'s' if len(panels) != 1 else ''}"] if panels else []) + (
        [f"{len(others)} other quer{'ies' if len(others) != 1 else 'y'}"] if others else [])
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    return " and ".join(counts), listed


def panel_label(title: object, panel_id: object = None) -> str:
    """The one way a message names a panel: `panel 'Latency'`, `panel 'Latency' (#3)`; one without a
    title by its id, `panel #3`, else `untitled panel`. `panel_id`: its `id`, when the message has it."""
    name = panel_title(title)
    if name is None:
        return f"panel #{panel_id}" if panel_id is not None else "untitled panel"
    return f"panel {name} (#{panel_id})" if panel_id is not None else f"panel {name}"


@pickled_by_fields
@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where a finding points: file → dashboard → panel → target, each part optional.

    `target` is a query's refId, or `variable <name>`, or `annotation <name>`. `line` and `column`
    (both from 1; columns in Unicode code points) are where the part is written in `file`: a
    query's text, a panel's, variable's or annotation's object.
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    dashboard: str | None = None
    panel: str | None = None
    panel_id: int | None = None
    target: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            where = f"{self.file}:{self.line}" if self.line else self.file
            parts.append(f"{where}:{self.column}" if self.line and self.column else where)
        if self.dashboard:
            parts.append(f"dashboard {self.dashboard}")
        if self.panel is not None or self.panel_id is not None:
            parts.append(panel_label(self.panel, self.panel_id))
        if self.target:  # "variable x" and "annotation y" stand outside panels; a panel's refId may hold a space
            outside = self.panel is None and self.panel_id is None and " " in self.target
            parts.append(self.target if outside else f"target {self.target}")
        return " → ".join(parts) if parts else "<unknown location>"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k in _LOCATION_FIELDS if (v := getattr(self, k)) is not None}

    def at(self, line: int | None, column: int | None) -> Location:
        """The same place at `line`:`column` — `dataclasses.replace` without its per-call field
        inspection (it was ~2 % of a validation, called for every located query and finding)."""
        return Location(self.file, line, column, self.dashboard, self.panel, self.panel_id, self.target)


_LOCATION_FIELDS = tuple(f.name for f in fields(Location))  # slots: no __dict__ to read


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or informational note) produced by a check."""

    check: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    metric: str | None = None
    details: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        """`file:line → dashboard → panel: severity: message [check]`; a finding about the run itself
        (a metric source that could not check something) has no place, and says none."""
        where = str(self.location)
        place = "" if where == "<unknown location>" else f"{where}: "
        return f"{place}{self.severity}: {self.message} [{self.check}]"

    def at(self, line: int | None, column: int | None) -> Finding:
        """This finding at `line`:`column` of its file (see `Location.at`)."""
        return Finding(self.check, self.severity, self.message, self.location.at(line, column), self.metric,
                       self.details)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location.to_dict(),
        }
        if self.metric is not None:
            out["metric"] = self.metric
        if self.details:
            out["details"] = dict(self.details)
        return out


def worst(findings: "list[Finding] | tuple[Finding, ...]") -> Severity | None:
    """The highest severity among findings, or None when there are none."""
    return max((f.severity for f in findings), default=None)
