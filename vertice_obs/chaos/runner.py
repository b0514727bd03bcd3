"""The Chaos Day runner: per step — baseline, inject, hold, revert, recover — then measure.

A run never leaves a fault injected: the revert (`revert`: retried until it succeeds or its
deadline passes) runs in a `finally`, on Ctrl-C, SIGTERM, an error or the run's deadline; what a
step stopped that way measured until the stop is kept, marked `cut_short`. Probes are sampled from Prometheus as range queries over each step
(through `PrometheusSource`: TLS verified, one deadline and a size cap per request) once the
backend serves them up to the step's end (`freshness`), faults are annotated in Grafana on the narratives' dashboards, and
everything lands in a JSON journal that `vobs chaos report` turns into a report later.
"""

from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from vertice_obs.chaos.act import Aborted, NotReached, Refused, act, by_hand
from vertice_obs.chaos.analysis import phases_text
from vertice_obs.chaos.annotations import (
    GrafanaAnnotator as GrafanaAnnotator,  # where the CLI and tests find it
)
from vertice_obs.chaos.annotations import annotation, not_written, where_text
from vertice_obs.chaos.freshness import (
    DATA_TIMEOUT,
    POLL_SECONDS,
    ServingSource,
    probe_metrics,
)
from vertice_obs.chaos.journal_check import CUT_PHASE, SCHEMA_VERSION
from vertice_obs.chaos.progress import Progress
from vertice_obs.chaos.record import (
    Journal,
    expectation_json,
    iso,
    probe_json,
    step_label,
)
from vertice_obs.chaos.revert import REVERT_RETRY, Revert
from vertice_obs.chaos.scenario import Action, Probe, Run, Scenario
from vertice_obs.chaos.scrape import (
    Scrape,
    longest,
    probe_query,
    ranges,
    unjudgeable,
    window_seconds,
    worst_points,
)
from vertice_obs.chaos.stopped import unreverted
from vertice_obs.errors import VobsError
from vertice_obs.guard.http import DEFAULT_TIMEOUT
from vertice_obs.guard.secrets import redact_url
from vertice_obs.guard.urls import parse as parse_url
from vertice_obs.metrics.evidence import SourceUnavailable

__all__ = ["Aborted", "NotReached", "Runner", "Sampler", "GrafanaAnnotator", "planned_seconds"]

PHASES = ("baseline", "fault", "recover")
# A run stopped mid-step keeps what the step measured until the stop; the backend is given at most
# this long (seconds) to serve it — the person who pressed Ctrl-C is waiting.
SALVAGE_TIMEOUT = 10.0
MARKS = ("baseline", "fault", "recover", "end")  # when each phase began, and when the step ended


class Annotator(Protocol):
    """`annotations.GrafanaAnnotator`: returns the dashboards written, raises for those that were not."""

    def annotate(self, text: str, tags: list[str], start: datetime, end: datetime | None) -> Any: ...


class Sampler:
    """Probe series from Prometheus, one range query per probe and step — through the same
    `PrometheusSource` as validation: TLS verified, credentials as basic auth and never shown, one
    total deadline (`timeout`) and a size cap per request; `token`: sent as a bearer (`token_name` set it)."""

    def __init__(self, url: str, window_seconds: float = 60.0, timeout: float = DEFAULT_TIMEOUT,
                 token: str | None = None, timeout_name: str = "--http-timeout", token_name: str = "PROMETHEUS_TOKEN"):
        self.source = ServingSource(url, timeout=timeout, token=token, timeout_name=timeout_name, token_name=token_name)
        self.window_seconds = window_seconds
        self.where = redact_url(url)

    def served_until(self, metrics: list[str]) -> float | None:
        """The newest sample of `metrics` the backend serves now (epoch seconds; None: none)."""
        try:
            return self.source.served_until(metrics)
        except SourceUnavailable as exc:
            raise VobsError(f"asking when the newest samples are: {exc}") from None

    def series(self, probe: Probe, start: datetime, end: datetime) -> list[tuple[float, float]]:
        """[(epoch seconds, value)]; where the query returns several series, the worst value at
        each instant for the probe's threshold (the highest for `<`, the lowest for `>`)."""
        step = max(1, int((end - start).total_seconds() / 200))
        try:
            result = self.source.query_range(probe_query(probe, self.window_seconds), start, end, f"{step}s")
        except SourceUnavailable as exc:
            raise VobsError(f"probe {probe.id}: query failed: {exc}") from None
        try:
            return worst_points(result, probe.threshold.op)
        except ValueError:
            raise VobsError(f"probe {probe.id}: {self.source.description} answered a malformed matrix") from None


class Runner:
    def __init__(self, run: Run, target_url: str, sampler: Sampler, journal_path: Path,
                 annotator: Annotator | None = None, time_scale: float = 1.0, deadline: timedelta | None = None,
                 sleep: Callable[[float], None] = time.sleep, log: Callable[[str], None] = lambda _m: None,
                 http_timeout: float = DEFAULT_TIMEOUT, scrape: dict[str, Scrape] | None = None,
                 progress: Callable[[float], Progress] | None = None, data_timeout: float = DATA_TIMEOUT,
                 unique_journal: bool = False, revert_retry: timedelta = REVERT_RETRY):
        self.run, self.target_url, self.sampler = run, target_url.rstrip("/"), sampler
        self.target = parse_url(target_url, "--target-url")  # `${target}/path` URLs are joined onto it
        self.http_timeout, self.data_timeout = http_timeout, data_timeout
        self.revert_retry = revert_retry.total_seconds()
        # Probe windows follow the (scaled) settle time, so a compressed rehearsal judges each phase
        # on its own samples rather than on a window still full of the previous phase.
        self.scrape = scrape or {}
        sampler.window_seconds = window_seconds(run, time_scale, longest(self.scrape))
        # Without `settle`, each phase is judged once `${window}` has left the previous one: judged
        # from its start, a recover phase's first samples are the fault's, and read as its breaches.
        self.settle = run.settle.total_seconds() * time_scale if run.settle else sampler.window_seconds
        self.annotator, self.scale, self.sleep = annotator, time_scale, sleep
        # The wait for the backend's samples polls on the real clock (a backend's delay is not scaled,
        # and a test's instant `sleep` would turn it into a busy loop against the server).
        self.poll_sleep: Callable[[float], None] = time.sleep
        # `progress` makes the Progress from the planned total (default: silent).
        self.progress = (progress or (lambda planned: Progress(planned, lambda _text: None)))(
            planned_seconds(run, time_scale))
        self.log = lambda message: (self.progress.interrupt(), log(message))
        self.deadline = time.monotonic() + deadline.total_seconds() if deadline else None
        self.journal = Journal(journal_path, {
            "schema_version": SCHEMA_VERSION, "run": {"id": run.id, "title": run.title, "owner": run.owner, "summary": run.summary, "file": run.file},
            "target": redact_url(target_url), "time_scale": time_scale, "status": "running", "started": iso(_now()),
            "settle_seconds": self.settle, "settle_from": "file" if run.settle else "window",
            "window_seconds": sampler.window_seconds,
            # What was to run: a report of a run that stopped names what never ran.
            "plan": [{"id": s.id, "steps": [step_label(s, step) for step in s.fault.steps or (None,)]}
                     for s in run.scenarios],
            "scenarios": [], "events": []}, unique=unique_journal, new_folders=unique_journal)
        # Where the run is (scenario, step, phase): written with the event of a run that stops.
        self.position: dict[str, Any] = {}

    def execute(self) -> dict[str, Any]:
        # Ctrl-C and SIGTERM both interrupt the run, so the fault in progress is reverted. SIGINT is
        # set explicitly: a shell starts background jobs (`vobs chaos run … &`, a CI step) with it
        # ignored, and Python then leaves it ignored — `kill -INT` would leave the fault in place.
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.journal.save()  # before any fault: a journal that cannot be written stops the run here
        short = unjudgeable(self.run, self.scale, self.settle)
        if short:
            self.log(f"warning: {short}")
        try:
            for scenario in self.run.scenarios:
                self._scenario(scenario)
            self.journal.data["status"] = "completed"
        except KeyboardInterrupt:
            self.journal.data["status"] = "aborted"
            self.journal.event("aborted", reason="interrupted (Ctrl-C or SIGTERM)", **self.position)
            if unreverted(self.journal.data["events"]) is not None:  # said "reverted" only after a revert was recorded
                raise Aborted("interrupted: a fault was injected and no revert was recorded — it may still be "
                              "in place: revert it by hand; the journal says how far it got") from None
            raise Aborted(f"interrupted: {self._stop_state()}; the journal says how far it got") from None
        except Aborted as exc:
            self.journal.data["status"] = "aborted"
            self.journal.event("aborted", reason=str(exc), **self.position)
            raise
        except VobsError as exc:
            self.journal.data["status"] = "failed"
            self.journal.event("error", message=str(exc), **self.position)
            raise
        finally:
            self.progress.interrupt()
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)
            self.journal.data["ended"] = iso(_now())
            self.journal.save()
        return self.journal.data

    # --- one scenario -----------------------------------------------------------------------------
    def _scenario(self, scenario: Scenario) -> None:
        window = self.sampler.window_seconds
        record = {"id": scenario.id, "title": scenario.title, "kind": scenario.fault.kind,
                  "probes": [probe_json(p, self.scrape.get(f"{scenario.id}/{p.id}"),
                                        max(ranges(probe_query(p, window)), default=0.0)) for p in scenario.probes],
                  "expectations": [expectation_json(e) for e in scenario.expectations], "steps": []}
        self.journal.data["scenarios"].append(record)
        steps = scenario.fault.steps or (None,)
        for index, step in enumerate(steps, 1):
            label = step_label(scenario, step)
            at = f"{scenario.id} {label}" + (f" (step {index}/{len(steps)})" if len(steps) > 1 else "")
            here = {"scenario": scenario.id, "step": label, **({"step_of": [index, len(steps)]} if len(steps) > 1 else {})}
            marks: dict[str, datetime] = {}  # MARKS, as they are reached
            try:
                self._step(scenario, step, label, at, here, marks)
                self.position = {**here, "phase": "sampling"}
                self._keep(scenario, record, step, label, at, marks, self.data_timeout)
            except (KeyboardInterrupt, Aborted):  # stopped: what the step measured until then is kept
                if not record["steps"] or record["steps"][-1]["label"] != label:
                    self._salvage(scenario, record, step, label, at, marks)
                raise

    def _step(self, scenario: Scenario, step: timedelta | None, label: str, at: str, here: dict[str, Any],
              marks: dict[str, datetime]) -> None:
        """Baseline, inject, hold, revert, recover; `marks` says when each began, as it begins."""
        variables = {"target": self.target_url, "step_ms": int(step.total_seconds() * 1000) if step is not None else 0}
        marks["baseline"] = _now()
        self._wait(self.run.baseline, f"{at}: baseline", here)
        marks["fault"], injected_at = _now(), time.monotonic()  # the hold is counted from here, the annotation within it
        self._fits(scenario, at)
        failed: VobsError | None = None  # the inject's own failure, said with the revert's if that fails too
        injected = False
        try:
            self.position = {**here, "phase": "inject"}
            self.log(f"{scenario.id} {label}: inject")
            # Recorded before the request: the fault may be in place as soon as it is sent, and
            # a Ctrl-C while its answer is read must still leave "inject" before "revert".
            # With how to revert it by hand: a run killed from here on (SIGKILL) can revert nothing itself.
            self.journal.event("inject", scenario=scenario.id, step=label,
                               by_hand=by_hand(scenario.fault.revert, variables, self.target))
            self.journal.save()  # a run killed from here on leaves a journal saying a fault was injected
            try:
                self._act(scenario.fault.inject, variables)
            except VobsError as exc:
                failed = exc
                self.journal.event("inject-failed", scenario=scenario.id, step=label, message=str(exc))
                if isinstance(exc, Aborted):  # the run's own limit: said as a stop, exit 130
                    raise
                raise VobsError(_inject_failed(self.run, scenario, label, exc)) from None
            injected = True
            self._annotate(scenario, label, "inject", marks["fault"], None)
            self._wait(scenario.fault.hold, f"{at}: hold", here, since=injected_at)
        finally:
            # Whatever happened — error, Ctrl-C, SIGTERM, deadline — the fault does not stay.
            interrupted = Revert(scenario.id, label, lambda: self._act(scenario.fault.revert, variables, reverting=True),
                                 by_hand(scenario.fault.revert, variables, self.target), self.journal, self.log,
                                 self.revert_retry, written=_written(self.run, scenario.fault.revert)).run(failed)
            marks["recover"], reverted_at = _now(), time.monotonic()
            if injected:  # the fault's region, once reverted — a run that stops here too
                self._annotate(scenario, label, "fault", marks["fault"], marks["recover"])
            if interrupted:  # a Ctrl-C or SIGTERM that waited for the revert
                raise KeyboardInterrupt
        self._wait(self.run.recover, f"{at}: recover", here, since=reverted_at)
        marks["end"] = _now()

    def _keep(self, scenario: Scenario, record: dict[str, Any], step: timedelta | None, label: str, at: str,
              marks: dict[str, datetime], data_timeout: float, stopped: bool = False,
              cut: dict[str, str] | None = None) -> None:
        """Sample the step's probes from its start to its end (`marks`; a step cut short: to the
        stop) once the backend serves them, and record it. `stopped`: the run is stopping."""
        phases = {phase: [iso(marks[start]), iso(marks[end])] for phase, start, end in zip(PHASES, MARKS, MARKS[1:])}
        ends = {phase: marks[end] for phase, end in zip(PHASES, MARKS[1:])}
        served, unmeasured = self._await_samples(scenario, at, label, ends, data_timeout, stopped)
        probes = {p.id: {"series": [(ts, v) for ts, v in self.sampler.series(p, marks["baseline"], marks["end"])
                                    if ts <= served],
                         "query": probe_query(p, self.sampler.window_seconds)} for p in scenario.probes}
        record["steps"].append({"label": label, "phases": phases, "probes": probes,
                                **({"unmeasured": unmeasured} if unmeasured else {}),
                                **({"cut_short": cut} if cut else {}),
                                **({"level_seconds": step.total_seconds()} if step is not None else {})})
        self.journal.save()

    def _salvage(self, scenario: Scenario, record: dict[str, Any], step: timedelta | None, label: str, at: str,
                 marks: dict[str, datetime]) -> None:
        """A step stopped (Ctrl-C, SIGTERM, the deadline) after it began: what it measured until the
        stop is recorded, marked `cut_short` with where (`during`) and when (`at`) — unless it was
        sampling, which only the wait cut short. The phases it did not reach end where it stopped;
        the backend gets `SALVAGE_TIMEOUT` to serve the samples. A second Ctrl-C skips this."""
        during = str(self.position.get("phase", ""))
        if "baseline" not in marks or (during not in CUT_PHASE and "end" not in marks):
            return
        stop, cut = _now(), None
        if during in CUT_PHASE:  # the phase it stopped in ends there; those after it, not reached, too
            k = PHASES.index(CUT_PHASE[during])
            marks = {**{key: marks[key] for key in MARKS[:k + 1]}, **dict.fromkeys(MARKS[k + 1:],
                                                                                  marks.get(MARKS[k + 1], stop))}
            cut = {"during": during, "at": iso(stop)}
        self.log(f"{at}: stopped — keeping what the step measured until then (Ctrl-C again to skip)")
        try:
            self._keep(scenario, record, step, label, at, marks, min(self.data_timeout, SALVAGE_TIMEOUT), True, cut)
        except (KeyboardInterrupt, VobsError) as exc:
            said = str(exc) or "interrupted again"
            self.journal.event("unsampled", scenario=scenario.id, step=label, message=said)
            self.log(f"{at}: what the step measured until the stop was not kept: {said}")

    def _stop_state(self) -> str:
        """What a stop left, in words: stopped before a step's inject (its baseline, or before the
        first step), no fault was injected in it — every earlier one was reverted, or the run had
        stopped there — so none was "reverted"."""
        if self.position.get("phase") in ("inject", "hold", "recover", "sampling"):
            return "the fault in progress was reverted"
        if self.position.get("scenario"):
            return (f"it stopped in the baseline of {self.position['scenario']} {self.position['step']}, before its "
                    "inject: no fault is in place")
        return "it stopped before the first inject: no fault is in place"

    def _fits(self, scenario: Scenario, at: str) -> None:
        """Before an inject: its hold and the recovery after it end before the run's deadline, or
        nothing is injected — a fault cut short by --timeout would measure nothing."""
        needed = (scenario.fault.hold + self.run.recover).total_seconds() * self.scale
        if self.deadline is not None and time.monotonic() + needed > self.deadline:
            left = max(0.0, self.deadline - time.monotonic())
            raise Aborted(f"{at}: its hold and recovery ({needed:g}s) do not fit in what is left of --timeout "
                          f"({left:.3g}s): not injected")

    def _wait(self, duration: timedelta, what: str, here: dict[str, Any], since: float | None = None) -> None:
        """Wait out a phase; `since` (monotonic): when it began — what was done since (a slow Grafana
        annotating the fault) is counted in it, never added to it."""
        self.position = {**here, "phase": what.rsplit(": ", 1)[-1]}
        seconds = duration.total_seconds() * self.scale
        if since is not None:
            seconds = max(0.0, seconds - (time.monotonic() - since))
        if self.deadline is not None and time.monotonic() + seconds > self.deadline:
            raise Aborted(f"the run's deadline passed during {what}; {self._stop_state()}")
        self.progress.phase(what, seconds)
        if self.progress.tty:  # redraw the bar about twice a second
            waited = 0.0
            while waited < seconds:
                chunk = min(0.5, seconds - waited)
                self.sleep(chunk)
                waited += chunk
                self.progress.tick(waited)
        else:
            self.sleep(seconds)
        self.progress.end_phase()

    def _await_samples(self, scenario: Scenario, at: str, label: str, ends: dict[str, datetime],
                       data_timeout: float, stopped: bool = False) -> tuple[float, dict[str, str]]:
        """Wait (polling, until `data_timeout`) until the backend serves the probes' samples up to
        the step's end: a backend that serves its newest samples late answers a range reaching into
        them with stale values (see `freshness`). Returns up to when the step may be sampled, and
        the phases it served no samples to the end of — said in one line, never sampled stale.
        `stopped`: the run is stopping (its deadline no longer counts)."""
        metrics, end = probe_metrics(scenario.probes, self.sampler.window_seconds), ends["recover"].timestamp()
        if not metrics:  # nothing to ask about (a probe on a regex or a constant): sampled as it is
            return float("inf"), {}
        upto = "the stop" if stopped else "the end of the step"
        what = f"{at}: waiting until {self.sampler.where} serves samples up to {upto}"
        started = time.monotonic()
        self.progress.waiting(what, 0.0, data_timeout)
        while True:
            served = self.sampler.served_until(metrics)
            if served is None or served >= end:  # None: no sample of them at all, so nothing to wait for
                return float("inf"), {}  # sampled as it is (no data is then said as no data)
            waited = time.monotonic() - started
            if not stopped and self.deadline is not None and time.monotonic() + POLL_SECONDS > self.deadline:
                raise Aborted(f"the run's deadline passed during {what}; the fault was reverted")
            if waited >= data_timeout:
                break
            self.poll_sleep(min(POLL_SECONDS, data_timeout - waited))
            self.progress.waiting(what, time.monotonic() - started, data_timeout)
        shown = iso(datetime.fromtimestamp(served, timezone.utc))
        why = (f"{self.sampler.where} served samples only up to {shown} (the step ended {iso(ends['recover'])}), "
               f"not later within {data_timeout:g}s: it serves its newest samples later still "
               "(VictoriaMetrics: -search.latencyOffset), or their scrape stopped")
        late = [phase for phase in PHASES if ends[phase].timestamp() > served]
        message = f"{at}: {phases_text(late)} could not be measured: {why}"
        self.journal.event("unmeasured", scenario=scenario.id, step=label, phases=late, message=message)
        self.log(message)
        return served, {phase: why for phase in late}

    def _act(self, action: Action, variables: dict[str, Any], reverting: bool = False) -> None:
        """One inject or revert (`act`): an inject bounded also by what is left of --timeout."""
        left = self.deadline - time.monotonic() if self.deadline is not None and not reverting else None
        act(action, variables, self.target, self.http_timeout, left)

    def _annotate(self, scenario: Scenario, label: str, phase: str, start: datetime, end: datetime | None) -> None:
        """A courtesy (`annotations`): never stops the run nor a revert; each one not written is said."""
        if self.annotator is None:
            return
        text, tags = annotation(self.run.id, scenario.id, scenario.title, label, phase)
        where = {"scenario": scenario.id, "step": label, "phase": phase}
        try:
            written = self.annotator.annotate(text, tags, start, end)
        except Exception as exc:  # whatever it was (a bug too), the run goes on and the fault is still reverted
            written = list(getattr(exc, "written", None) or [])  # the dashboards that did take it
            for failure in not_written(exc):
                event = {**where, **({"dashboard": failure[0]} if len(failure) == 2 else {}), "message": failure[-1]}
                self.journal.event("annotate-failed", **event)
                self.log(f"vobs: warning: could not annotate {where_text(event)}: {failure[-1]}")
        if written is None or written:  # None: an annotator that does not say where it wrote
            self.journal.event("annotate", **where, text=text, tags=tags,
                               **({"dashboards": written} if isinstance(written, list) else {}))


def planned_seconds(run: Run, time_scale: float = 1.0) -> float:
    """How long the run waits in all (baselines, holds, recoveries), scaled: the progress' total."""
    per_step = (run.baseline + run.recover).total_seconds()
    return time_scale * sum(len(s.fault.steps or (None,)) * (per_step + s.fault.hold.total_seconds())
                            for s in run.scenarios)


def _written(run: Run, action: Action) -> str:
    """Where the file writes `action`: `chaos/day.yaml:15`, or "" when unknown."""
    return f"{run.file}:{action.line}" if action.line else ""


def _inject_failed(run: Run, scenario: Scenario, label: str, exc: VobsError) -> str:
    """An inject that failed while its revert succeeded: which fault, where the file writes its
    inject, the target's answer and what it left — the bare answer named none of them."""
    written = _written(run, scenario.fault.inject)
    where = f"{written}: " if written else ""
    left = ("the target refused it, so nothing is injected — check the inject in the file" if isinstance(exc, Refused)
            else "it never reached the target, so nothing is injected" if isinstance(exc, NotReached)
            else "the fault was reverted")
    return f"{where}could not inject {scenario.id} {label}: {exc}; {left}"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _now() -> datetime:
    return datetime.now(timezone.utc)
