"""Reverting a fault: retried until it succeeds or its deadline passes, never abandoned half-way.

A target that answers one revert with a 500 ("db locked"), or a revert command that times out, is
often fine a second later: one attempt left the fault live. A failed revert is retried with
backoff (1 s, 2 s, 4 s, … at most `MAX_PAUSE` apart) until `--revert-retry` (default 1 minute)
has passed; each attempt's failure is a `revert-failed` event in the journal (`attempt`, and
`retry_in` or, for the last, `gave_up` with the command line to run by hand), saved at once. When
none succeeds, `RevertFailed` says so (exit 3): the fault may still be in place, and how to revert
it by hand. An inject that never reached its target (`NotReached`) or that it refused (`Refused`:
an HTTP 4xx such as a wrong token's 403) gets one attempt: nothing is injected. A revert the target
refuses is not retried: a retry cannot change a 403. Ctrl-C and SIGTERM wait until the revert and its retries are done, and are said so.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from vertice_obs.chaos.act import NotReached, Refused
from vertice_obs.chaos.record import Journal
from vertice_obs.errors import EXIT_PARTIAL, VobsError

REVERT_RETRY = timedelta(minutes=1)  # how long a failed revert is retried (`--revert-retry`)
MAX_PAUSE = 10.0  # seconds between two attempts, at most


class RevertFailed(VobsError):
    """No attempt at a revert succeeded: the fault may still be in place (exit 3, as a write that
    failed part-way)."""

    exit_code = EXIT_PARTIAL


@dataclass
class Revert:
    """One fault's revert: `attempt` does it once (raising on failure); `by_hand` is its command line."""

    scenario: str
    step: str
    attempt: Callable[[], None]
    by_hand: str
    journal: Journal
    log: Callable[[str], None]
    retry_for: float = REVERT_RETRY.total_seconds()
    sleep: Callable[[float], None] = time.sleep  # between attempts: real time, whatever the time scale
    written: str = ""  # where the file writes the revert (`chaos/day.yaml:15`): a refused one is corrected there

    def run(self, inject_failed: VobsError | None = None) -> bool:
        """Revert, retrying; True when a Ctrl-C or SIGTERM came meanwhile (the caller stops after
        what it must do once the fault is reverted). Raises `RevertFailed` when no attempt succeeded."""
        deferred: list[int] = []

        def defer(signum, frame):
            deferred.append(signum)
            self.log(f"{self.scenario} {self.step}: still reverting — vobs stops once the revert has finished")

        previous = {sig: signal.signal(sig, defer) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._retried(inject_failed)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return bool(deferred)

    def _retried(self, inject_failed: VobsError | None) -> None:
        started, where = time.monotonic(), {"scenario": self.scenario, "step": self.step}
        attempt = 0
        while True:
            attempt += 1
            try:
                self.attempt()
            except Exception as exc:  # the one failure a person must hear about at once
                if isinstance(inject_failed, (NotReached, Refused)):  # never reached, or refused: nothing injected
                    self._failed(where, attempt, exc, nothing_injected=True)
                    raise VobsError(f"could not inject {self.scenario} {self.step}: {inject_failed}; it never "
                                    "reached the target, so nothing is injected (the revert could not reach it "
                                    f"either: {exc})" if isinstance(inject_failed, NotReached) else
                                    f"could not revert {self.scenario} {self.step}: {exc} (the inject was refused "
                                    f"too: {inject_failed}; nothing is injected)") from None
                pause = min(MAX_PAUSE, 2.0 ** (attempt - 1))
                if isinstance(exc, Refused) or time.monotonic() - started + pause > self.retry_for:
                    self._failed(where, attempt, exc, gave_up=True, by_hand=self.by_hand)
                    before = f" (the inject had failed: {inject_failed})" if inject_failed is not None else ""
                    tried = (f"{attempt} attempts over {time.monotonic() - started:.0f}s" if attempt > 1
                             else "1 attempt") + (f"; --revert-retry {self.retry_for:g}s" if not isinstance(exc, Refused)
                                                  else "; refused: a retry cannot change that")
                    fix = (f" (the target refuses the revert as {self.written} writes it: correct it there)"
                           if isinstance(exc, Refused) and self.written else "")
                    raise RevertFailed(f"could not revert {self.scenario} {self.step} ({tried}): {exc}{before} — "
                                       f"the fault may still be in place{fix}: revert it by hand: {self.by_hand}") from None
                self._failed(where, attempt, exc, retry_in=pause)
                self.log(f"{self.scenario} {self.step}: revert attempt {attempt} failed: {exc} — retrying in "
                         f"{pause:g}s")
                self.sleep(pause)
                continue
            self.journal.event("revert", **where, attempt=attempt)
            self.journal.save()
            self.log(f"{self.scenario} {self.step}: reverted" + (f" (attempt {attempt})" if attempt > 1 else ""))
            return

    def _failed(self, where: dict[str, str], attempt: int, exc: BaseException, **detail) -> None:
        self.journal.event("revert-failed", **where, attempt=attempt, message=str(exc), **detail)
        self.journal.save()  # each attempt, at once: a run killed while retrying leaves them said
