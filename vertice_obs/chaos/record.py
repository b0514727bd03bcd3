"""The run's journal as it is written: appended as things happen, saved atomically and redacted;
and the JSON of a run's probes, expectations and step labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from vertice_obs.chaos.scenario import Expectation, Probe, Scenario
from vertice_obs.chaos.scrape import Scrape
from vertice_obs.files import write_atomic, write_new
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import strict_json


@dataclass
class Journal:
    """Everything that happened, appended as it happens and written after every step."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    # A default name (`<run>-<UTC second>.json`): claimed on the first save by an exclusive create,
    # `<name>.1.json`, … when taken — two runs started in the same second keep both journals.
    unique: bool = False
    # Its folder made when missing: the default one's (the project's chaos/journals/) — a --journal
    # FILE's never is, as no `-o FILE`'s (gone since the check: an error naming why).
    new_folders: bool = True

    def event(self, kind: str, **detail: Any) -> None:
        self.data.setdefault("events", []).append({"t": iso(datetime.now(timezone.utc)), "kind": kind, **detail})

    def save(self) -> None:
        """Written redacted (no password or token, the target's or one a server echoed) and strict:
        a NaN or ±Inf sample from Prometheus is written as null, with a note under `notes`."""
        text = strict_json(_scrubbed(self.data), notes_key="notes") + "\n"
        if self.unique:
            self.path, self.unique = write_new(self.path, text), False
        else:
            write_atomic(self.path, text, new_folders=self.new_folders)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def probe_json(p: Probe, scrape: Scrape | None, window: float | None = None) -> dict[str, Any]:
    """`window`: the longest range the probe's query reads (`${window}` filled in; 0: none) — how
    long its values still hold the previous phase."""
    out = {"id": p.id, "title": p.title, "query": p.query, "unit": p.unit,
           "threshold": {"op": p.threshold.op, "value": p.threshold.value}}
    if window is not None:
        out["window_seconds"] = window
    if p.recover_within is not None:
        out["recover_within_seconds"] = p.recover_within.total_seconds()
    if scrape is not None and scrape.seconds:
        out["scrape_interval_seconds"] = scrape.seconds
    if scrape is not None and scrape.buckets:  # a histogram quantile: the report shows it between two of them
        out["buckets"] = list(scrape.buckets)
    return out


def expectation_json(e: Expectation) -> dict[str, Any]:
    said = {"breaks": True} if e.breaks else {"holds": e.holds}
    return {"probe": e.probe, "phase": e.phase, **said, "why": e.why}


def step_label(scenario: Scenario, step: timedelta | None) -> str:
    return _label(step) if step is not None else scenario.fault.kind


def _label(step: timedelta) -> str:
    ms = int(step.total_seconds() * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def iso(t: datetime) -> str:
    """A journal's time: ISO 8601 to the millisecond, with its offset."""
    return t.isoformat(timespec="milliseconds")
