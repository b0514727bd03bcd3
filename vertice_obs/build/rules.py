"""Prometheus alerting rules as code: `rules/*.py` modules expose `groups`; the build renders them
to `exports/rules/<module>.yaml` (Prometheus' rule-file format, deterministic), which
`promtool check rules` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import yaml

from vertice_obs.build.modules import ModuleFailure, import_attribute


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expr: str
    summary: str
    description: str
    severity: str = "warning"  # Alertmanager routes on it: page | warning | info
    for_: str = "1m"
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"alert": self.alert, "expr": self.expr, "for": self.for_,
                "labels": {"severity": self.severity, **self.labels},
                "annotations": {"summary": self.summary, "description": self.description}}


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: Sequence[AlertRule]
    interval: str | None = None

    def to_dict(self) -> dict:
        out: dict = {"name": self.name, "rules": [r.to_dict() for r in self.rules]}
        if self.interval:
            out["interval"] = self.interval
        return out


def render(groups: Sequence[RuleGroup]) -> str:
    return yaml.safe_dump({"groups": [g.to_dict() for g in groups]}, sort_keys=False, allow_unicode=True, width=120)


def load_rule_files(directory: Path, display: Callable[[Path], str] = str
                    ) -> tuple[dict[str, str], list[ModuleFailure]]:
    """`rules/<name>.py` → {"rules/<name>.yaml": text}, and the modules that failed to load."""
    files: dict[str, str] = {}
    failures: list[ModuleFailure] = []
    for path in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        if path.name.startswith("_"):
            continue
        loaded = import_attribute(path, display(path), "groups")
        if isinstance(loaded, ModuleFailure):
            failures.append(loaded)
        elif not all(isinstance(g, RuleGroup) for g in loaded[0]):
            failures.append(ModuleFailure(display(path), None, "`groups` must be a list of RuleGroup"))
        else:
            files[f"rules/{path.stem}.yaml"] = render(loaded[0])
    return files, failures
