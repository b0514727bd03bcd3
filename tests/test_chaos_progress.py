"""Progress during a run: one line per phase off a terminal, a bar redrawn in place on one; the
remaining time is the planned phases still ahead. A clock and a no-op sleep are passed in, so
nothing here depends on how fast the machine is."""

from __future__ import annotations

from pathlib import Path

import requests

from vertice_obs.chaos.progress import Progress
from vertice_obs.chaos.runner import Runner, Sampler, planned_seconds
from vertice_obs.chaos.scenario import load_run

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "chaos" / "chaos-day-1.yaml"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_run_says_each_phase_with_step_elapsed_and_remaining(simulator, prometheus, tmp_path):
    run = load_run(RUN, "chaos/chaos-day-1.yaml")
    lines, clock = [], Clock()

    def sleep(seconds: float) -> None:  # the run's waits, instantly: only the clock moves
        clock.now += seconds

    runner = Runner(run, simulator.url, Sampler(prometheus.url), tmp_path / "j.json", time_scale=0.05, sleep=sleep,
                    progress=lambda planned: Progress(planned, lines.append, clock=clock))
    runner.execute()
    assert planned_seconds(run, 0.05) == 105  # 5 steps × 6 min + 5 min, at 0.05
    # 6 steps × baseline, hold, recover, and the wait for the backend to serve the step's samples
    # (outside the planned total: no time planned for it, so "left" does not move).
    assert len(lines) == 24
    assert lines[0] == "streaming-latency 100ms (step 1/5): baseline for 0:06 — elapsed 0:00, 1:45 left\n"
    assert lines[1] == "streaming-latency 100ms (step 1/5): hold for 0:06 — elapsed 0:06, 1:39 left\n"
    assert lines[3].startswith(f"streaming-latency 100ms (step 1/5): waiting until {prometheus.url} serves samples "
                               "up to the end of the step (at most 2:00) — elapsed 0:18, 1:27 left\n")
    assert lines[18] == "streaming-latency 5s (step 5/5): recover for 0:06 — elapsed 1:24, 0:21 left\n"
    assert lines[21] == "kill-switch kill-switch: hold for 0:03 — elapsed 1:36, 0:09 left\n"
    assert requests.get(f"{simulator.url}/fault/latency", timeout=5).json()["latency_ms"] == 0


def test_on_a_terminal_it_is_one_bar_redrawn_in_place():
    out, clock = [], Clock()
    progress = Progress(100, out.append, tty=True, clock=clock, width=10)
    progress.phase("s 1s (step 1/2): baseline", 50)
    clock.now += 30
    progress.tick(30)
    assert out[-1] == "\r[###.......] s 1s (step 1/2): baseline 0:30/0:50 — elapsed 0:30, 1:10 left"
    progress.end_phase()
    progress.phase("s 1s (step 1/2): hold", 20)  # a shorter line: spaces cover what the longer one left
    assert out[-1] == "\r[#####.....] s 1s (step 1/2): hold 0:00/0:20 — elapsed 0:30, 0:50 left" + " " * 4
    assert "\x1b" not in "".join(out)  # plain text: no terminal escape codes
    progress.interrupt()  # a log line is coming: end the bar's line first
    assert out[-1] == "\n"
    progress.interrupt()
    assert out.count("\n") == 1  # once
    # A wait of no planned length: the bar stays where the planned phases left it, its limit said.
    progress.end_phase()
    clock.now += 20
    progress.waiting("s 1s (step 1/2): waiting until X serves samples up to the end of the step", 3.4, 120)
    assert out[-1] == ("\r[#######...] s 1s (step 1/2): waiting until X serves samples up to the end of the step "
                       "0:03 (at most 2:00) — elapsed 0:50, 0:30 left")
