"""A refusal (an HTTP 4xx such as a wrong token's 403) is not retried: the revert retries (trial 18
M6) waited a minute on a 403 — and when the inject itself was refused, nothing was injected, yet the
run said the fault may still be in place (exit 3). Pure: `Revert` with attempts that raise."""

from __future__ import annotations

import pytest

from vertice_obs.chaos.act import Refused
from vertice_obs.chaos.record import Journal
from vertice_obs.chaos.revert import Revert, RevertFailed
from vertice_obs.errors import VobsError


def revert(tmp_path, outcomes, said):
    """A revert whose attempts raise each of `outcomes` in turn (None: it succeeds)."""
    left = list(outcomes)

    def attempt():
        outcome = left.pop(0)
        if outcome is not None:
            raise outcome

    journal = Journal(tmp_path / "j.json", {"events": []})
    return Revert("lat", "100ms", attempt, "curl -X DELETE …", journal, said.append, retry_for=60.0,
                  sleep=lambda _s: None), journal


def test_a_refused_revert_is_not_retried_and_says_why(tmp_path):
    said: list[str] = []
    r, journal = revert(tmp_path, [Refused("DELETE /fault: HTTP 403 Forbidden")], said)
    with pytest.raises(RevertFailed, match=r"\(1 attempt; refused: a retry cannot change that\): DELETE /fault: "
                                           r"HTTP 403 Forbidden — the fault may still be in place: revert it by hand"):
        r.run()
    [failed] = [e for e in journal.data["events"] if e["kind"] == "revert-failed"]
    assert failed["gave_up"] and failed["attempt"] == 1


def test_a_revert_that_fails_otherwise_is_still_retried(tmp_path):
    said: list[str] = []
    r, journal = revert(tmp_path, [VobsError("DELETE /fault: HTTP 500 db locked"), None], said)
    assert r.run() is False
    assert [e["kind"] for e in journal.data["events"]] == ["revert-failed", "revert"]


def test_when_the_inject_was_refused_nothing_is_injected_and_the_run_does_not_say_otherwise(tmp_path):
    said: list[str] = []
    r, journal = revert(tmp_path, [Refused("DELETE /fault: HTTP 403 Forbidden")], said)
    with pytest.raises(VobsError) as raised:
        r.run(Refused("POST /fault: HTTP 403 Forbidden"))
    assert not isinstance(raised.value, RevertFailed)  # exit 2: nothing is in place, nothing to undo by hand
    assert "nothing is injected" in str(raised.value) and "may still be in place" not in str(raised.value)
    [failed] = [e for e in journal.data["events"] if e["kind"] == "revert-failed"]
    assert failed["nothing_injected"] is True
