"""Hostile rows for issue 15's configuration: GRAFANA_TIMEOUT (honoured, and refused when it is
not a number of seconds), Retry-After in its HTTP-date form (waited for only up to the deadline,
garbage ignored), and TLS options that point at nothing. Misbehaving fake Grafanas from
test_grafana_hostile; each row held to the harness' four rules."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

from hostile.harness import Case, cases_param, check
from hostile.test_grafana_hostile import (  # noqa: F401
    _RUNNING,
    ENV,
    Answer,
    FakeGrafana,
    _stop_fakes,
    on,
)

LIMITED = {"message": "slow down"}


def pull_env(route, *extra: str):
    """`vobs pull --all` against a fake Grafana, with no --timeout flag: GRAFANA_TIMEOUT decides."""
    def setup(box):
        fake = FakeGrafana(route)
        _RUNNING.append(fake)
        return ["pull", "--all", "-o", str(box.project / "out"), "--grafana-url", fake.url, *extra]
    return setup


def an_hour_ahead(query, headers) -> Answer:
    return Answer(429, LIMITED, headers={"Retry-After": formatdate(time.time() + 3600, usegmt=True)})


CASES = [
    # the advice names what set the deadline, as the option errors do: the variable, or the flag over it
    Case("grafana-timeout-hang", pull_env(on("/api/frontend/settings", Answer(hang=True))), 2,
         message="did not answer within 1.5s (GRAFANA_TIMEOUT)", env={**ENV, "GRAFANA_TIMEOUT": "1.5"}, timeout=30),
    Case("grafana-timeout-flag-hang", pull_env(on("/api/frontend/settings", Answer(hang=True)), "--timeout", "1s"),
         2, message="did not answer within 1s (--timeout)", env={**ENV, "GRAFANA_TIMEOUT": "20"}, timeout=30),
    Case("grafana-timeout-not-a-number", pull_env(on("/api/search", Answer(body=[]))), 2,
         message="Invalid value for environment variable 'GRAFANA_TIMEOUT': 'soon'",  # what the user set
         env={**ENV, "GRAFANA_TIMEOUT": "soon"}),
    Case("grafana-timeout-zero", pull_env(on("/api/search", Answer(body=[]))), 2,
         message="environment variable 'GRAFANA_TIMEOUT': '0' is not a deadline", env={**ENV, "GRAFANA_TIMEOUT": "0"}),
    Case("retry-after-date-an-hour-ahead", pull_env(on("/api/search", an_hour_ahead)), 2,
         message="answered 429", env={**ENV, "GRAFANA_TIMEOUT": "1"}, timeout=30),
    Case("retry-after-garbage", pull_env(on("/api/search", Answer(429, LIMITED, headers={"Retry-After": "soon\x1b[2J"}))),
         2, message="answered 429", env={**ENV, "GRAFANA_TIMEOUT": "2"}, timeout=30),
    Case("ca-cert-missing", pull_env(on("/api/search", Answer(body=[])), "--ca-cert", "no-such-ca.pem"), 2,
         message="'--ca-cert': File 'no-such-ca.pem' does not exist", env=ENV),
    Case("ca-cert-a-folder", pull_env(on("/api/search", Answer(body=[])), "--ca-cert", "."), 2,
         message="'--ca-cert': File '.' is a directory", env=ENV),
]


@cases_param(CASES)
def test_package_configuration(case: Case, tmp_path: Path):
    started = time.monotonic()
    check(case, tmp_path)
    assert time.monotonic() - started < 20  # an hour's Retry-After is capped by the deadline
