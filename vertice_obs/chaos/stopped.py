"""A run that did not complete, read from its journal (pure): how it ended, where, why, and what never ran.

The runner writes `status` (`completed`, `aborted`, `failed`; `running` until it ends, so a journal
still `running` is one whose process died), one `aborted` or `error` event with the reason and
where the run was (`scenario`, `step`, `step_of` [i, n], `phase`), and the `plan`: every scenario
and its steps. The journal is saved as each fault is injected and reverted, so one whose last inject
has no revert after it (a process killed mid-fault), or whose last revert attempt failed (the
runner retries a revert: `revert`), says the fault may still be in place — and how to revert it by
hand. A step the stop cut short is recorded with what it measured until then (`cut_short`), and said.
A report or a comparison of such a run says it first — never "no findings" as if
the run had been clean. Journals from before `plan` and the position still say that the run
stopped and why; where, as far as their inject events tell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PHASES = {"baseline": "the baseline", "inject": "the inject", "hold": "the hold (fault injected)",
           "recover": "the recovery", "sampling": "the sampling"}


@dataclass(frozen=True)
class Stop:
    status: str  # "aborted", "failed", "running", or what the journal says
    where: str  # "during the hold (fault injected) of streaming-latency 500ms (step 2/5)", or ""
    why: str  # the aborted event's reason or the error's message, or ""
    not_run: tuple[tuple[str, tuple[str, ...], bool], ...]  # (scenario, its steps not completed, all of them?)
    planned: bool  # the journal lists its plan: `not_run` is complete
    unreverted: str = ""  # "streaming-latency 100ms": injected, and no revert recorded after it (or none succeeded)
    revert_failed: str = ""  # "3 attempts; the last: HTTP 500 …": every revert attempt recorded failed
    by_hand: str = ""  # the revert as a command line to run by hand, when the journal says it
    cut_short: str = ""  # "streaming-latency 2s": the step the stop cut short, measured until then

    @property
    def verb(self) -> str:
        return {"aborted": "was aborted", "failed": "failed",
                "running": "did not complete (its journal still says running: the process died?)"}.get(
            self.status, f"did not complete (status {self.status})")

    @property
    def word(self) -> str:
        """One word for a headline: aborted, failed, incomplete."""
        return self.status if self.status in ("aborted", "failed") else "incomplete"

    @property
    def clause(self) -> str:
        """`was aborted during the hold (fault injected) of streaming-latency 500ms (step 2/5): interrupted …`"""
        return self.verb + (f" {self.where}" if self.where else "") + (f": {self.why}" if self.why else "")

    @property
    def sentence(self) -> str:
        text = f"The run {self.clause}."
        if self.cut_short:
            text += (f" Its step {self.cut_short} was cut short by the stop: what it measured until then is "
                     "reported, marked cut short, and its recovery is not judged.")
        if self.unreverted and self.revert_failed:
            text += (f" Its fault {self.unreverted} may still be in place: no revert succeeded "
                     f"({self.revert_failed}) — check the target and revert it by hand"
                     + (f": {self.by_hand}." if self.by_hand else "."))
        elif self.unreverted:
            text += (f" Its fault {self.unreverted} was injected and no revert was recorded: it may still be in "
                     "place — check the target and revert it by hand" + (f": {self.by_hand}." if self.by_hand else "."))
        return text

    @property
    def not_run_text(self) -> str:
        """`streaming-latency 500ms, 1s; all of kill-switch`, or what is known of it."""
        if not self.planned:
            return "what came after it"
        return "; ".join(f"all of {scenario}" if whole else f"{scenario} {', '.join(steps)}"
                         for scenario, steps, whole in self.not_run) or "nothing"


def unreverted(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last inject event when no revert is recorded after it, or the last revert-failed when no
    attempt after it succeeded (and its inject had reached the target), else None: the fault may
    still be in place. What the runner asks before saying "reverted", and a report of a journal
    that stopped."""
    acts = [e for e in events if e.get("kind") in ("inject", "revert", "revert-failed")]
    if not acts or acts[-1]["kind"] == "revert" or acts[-1].get("nothing_injected") is True:
        return None
    return acts[-1]


def stop_of(journal: dict[str, Any]) -> Stop | None:
    """How the run of `journal` stopped; None for a run that completed."""
    status = str(journal.get("status", "?"))
    if status == "completed":
        return None
    events = [e for e in journal.get("events", []) if isinstance(e, dict)]
    ends = [e for e in events if e.get("kind") in ("aborted", "error")]
    why = "; ".join(str(e.get("reason", e.get("message", ""))) for e in ends if e.get("reason", e.get("message")))
    done = {(s["id"], step["label"]) for s in journal.get("scenarios", []) for step in s.get("steps", [])}
    plan = journal.get("plan")
    not_run = []
    for planned in plan if isinstance(plan, list) else ():
        steps = tuple(label for label in planned["steps"] if (planned["id"], label) not in done)
        if steps:
            not_run.append((planned["id"], steps, len(steps) == len(planned["steps"])))
    left = unreverted(events) or {}
    failed = ""
    if left.get("kind") == "revert-failed":
        attempts = sum(1 for e in events if e.get("kind") == "revert-failed"
                       and (e.get("scenario"), e.get("step")) == (left.get("scenario"), left.get("step")))
        failed = f"{attempts} attempt{'s' if attempts != 1 else ''}; the last: {left.get('message', '?')}"
    cut = [(s["id"], step) for s in journal.get("scenarios", []) for step in s.get("steps", [])
           if isinstance(step.get("cut_short"), dict)]
    return Stop(status, _where(ends[-1] if ends else {}, events, done), why, tuple(not_run), isinstance(plan, list),
                f"{left.get('scenario')} {left.get('step')}" if left else "", failed,
                str(left.get("by_hand", "")) if left else "",
                "; ".join(f"{sid} {step['label']}" for sid, step in cut))


def _where(end: dict[str, Any], events: list[dict[str, Any]], done: set[tuple[str, str]]) -> str:
    if isinstance(end.get("scenario"), str) and isinstance(end.get("step"), str):
        at = f"{end['scenario']} {end['step']}"
        step_of = end.get("step_of")
        if isinstance(step_of, list) and len(step_of) == 2:
            at += f" (step {step_of[0]}/{step_of[1]})"
        phase = _PHASES.get(str(end.get("phase")))
        return f"during {phase} of {at}" if phase else f"during {at}"
    injected = [(str(e.get("scenario")), str(e.get("step"))) for e in events if e.get("kind") == "inject"]
    if injected and injected[-1] not in done:
        return f"during {injected[-1][0]} {injected[-1][1]}"
    if done:
        return f"after {len(done)} completed step{'s' if len(done) != 1 else ''}"
    return "before any step completed"


def left_in_place(folder: Path, run_id: str) -> tuple[Path, Stop] | None:
    """The latest journal of run `run_id` in `folder` (the project's `chaos/journals/`, named
    `<run>-<UTC>[.n].json`) and how it stopped, when it says a fault may still be in place: a run
    killed mid-fault (SIGKILL) or whose revert never succeeded. The next run's baselines would
    measure that fault. A journal that does not read is passed over (the run itself is not at stake)."""
    named = re.compile(rf"{re.escape(run_id)}-\d{{8}}T\d{{6}}Z(\.\d+)?\.json")
    try:
        found = sorted((p for p in folder.iterdir() if named.fullmatch(p.name) and p.is_file() and not p.is_symlink()),
                       key=lambda p: p.stat().st_mtime)
    except OSError:
        return None
    for path in reversed(found):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("run"), dict) or data["run"].get("id") != run_id:
            continue
        stop = stop_of(data) if isinstance(data.get("events", []), list) else None
        return (path, stop) if stop is not None and stop.unreverted else None
    return None
