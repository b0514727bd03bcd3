"""`collect_parallel`: the same answer as `collect`, in the same order, on several processes — and
nothing lost when a child fails, dies or the parent is interrupted.

The corpus is dashboards nobody here wrote (tests/data/public: Ceph's and swagger-stats') and the
repository's own exports, each read from its file (so findings carry lines and columns).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertice_obs.errors import InputError
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.metrics import parallel
from vertice_obs.metrics.analysis import clear_caches
from vertice_obs.metrics.classify import MetricUse
from vertice_obs.metrics.inventory import Query
from vertice_obs.metrics.lints import lint_dashboard, under
from vertice_obs.metrics.parallel import collect_parallel, jobs_wanted, parts_of
from vertice_obs.metrics.series import (
    Grouping,
    GroupingUse,
    LabelMatcher,
    Selector,
    SelectorUse,
)
from vertice_obs.metrics.validation import (
    Collected,
    DashboardFile,
    collect,
    load_dashboard_files,
)

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"


def with_options(i: int) -> DashboardFile:
    """A dashboard whose queries use a custom variable's options (judged once per option)."""
    model = {"uid": f"opt-{i}", "title": f"Options {i}", "templating": {"list": [
        {"name": "env", "type": "custom", "query": "dev,staging,prod", "current": {"text": "dev", "value": "dev"},
         "options": [{"text": v, "value": v} for v in ("dev", "staging", "prod")]}]},
        "panels": [{"id": 1, "type": "timeseries", "title": "p", "targets": [
            {"refId": "A", "expr": f'sum(rate(http_requests_total{{env="$env", code=~"5.."}}[5m])) by (route{i})'}]}]}
    text = json.dumps(model, indent=2)
    return DashboardFile(f"options-{i}.json", model, text)


PUBLIC_AND_EXPORTS = load_dashboard_files([PUBLIC, REPO / "exports"], lambda p: str(p.relative_to(REPO)))


@pytest.fixture(scope="module")
def corpus():
    dashboards = PUBLIC_AND_EXPORTS
    assert len(dashboards) >= 20
    # 40+ and options in every part: enough for three parts of at least 10
    return [d for i, d in enumerate(dashboards * 2) for d in (d, with_options(i))]


def lints(dashboard, queries, known):
    return lint_dashboard(dashboard, queries, under("exports"), set(), known)


def answer(collected: Collected) -> tuple:
    """Everything a validation reads of it, the variables' option selectors made."""
    return (collected.uses, collected.findings, collected.queries, collected.dashboards, collected.selectors,
            collected.groupings, collected.option_selectors(), collected.variable_paths, collected.fills)


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("judged", [False, True])
def test_the_answer_is_serial_collects_in_the_same_order(corpus, jobs, judged, monkeypatch):
    forked = []
    start = parallel._Child.start
    monkeypatch.setattr(parallel._Child, "start", classmethod(lambda cls, *a: forked.append(1) or start(*a)))
    serial = collect(corpus, per_dashboard=lints)
    clear_caches()  # the children start cold, as in a run (serial collect left its shapes cached)
    split = collect_parallel(corpus, jobs, min_part=10, judged=judged, per_dashboard=lints)
    assert len(forked) == jobs - 1  # it did fork: not the serial fallback
    assert bool(split.ready) is judged  # judged: the children made their parts' options
    assert any(f.location.line for f in split.findings) and split.pending  # the corpus exercises both
    assert split.fills  # and the panels its query variables fill (Ceph's)
    assert answer(split) == answer(serial)


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_each_child_answers_its_part():
    dashboards = load_dashboard_files([PUBLIC / "ceph"], str)
    children: list = []
    parallel._Child.start(dashboards, {"per_dashboard": lints}, False, False, children)
    [child] = children
    try:
        got = child.answer(None)
    finally:
        child.stop()
    assert got is not None and answer(got) == answer(collect(dashboards, per_dashboard=lints))


def test_small_runs_do_not_fork(corpus, monkeypatch):
    monkeypatch.setattr(parallel._Child, "start", lambda *a: pytest.fail("forked for a small run"))
    assert answer(collect_parallel(corpus, 4, per_dashboard=lints)) == answer(collect(corpus, per_dashboard=lints))


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
@pytest.mark.parametrize("how", ["raises", "killed", "exits"])
@pytest.mark.parametrize("jobs, part", [(2, 1), (3, 1)])  # the last part; the middle one, before a good one
def test_a_child_that_fails_loses_nothing(corpus, how, jobs, part):
    parent = os.getpid()
    seen: list[str] = []
    victim = corpus[parts_of(len(corpus), jobs, 10, parallel.PARENT_SHARE_JUDGED)[part][2]].file

    def failing(dashboard, queries, known):
        if os.getpid() != parent and dashboard.file == victim:
            if how == "raises":
                raise RuntimeError("a bug in a check")
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(0)  # exits "cleanly" without an answer
        return lints(dashboard, queries, known)

    split = collect_parallel(corpus, jobs, seen.append, min_part=10, judged=True, per_dashboard=failing)
    assert split.ready  # the part collected again has its options made, as the child would have
    assert answer(split) == answer(collect(corpus, per_dashboard=lints))
    assert sorted(seen) == sorted(d.file for d in corpus)  # progress: each dashboard once, however it went


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
@pytest.mark.parametrize("what", ["fork", "pipe"])
def test_no_process_to_be_had_loses_nothing(corpus, what, monkeypatch):
    """A process limit (EAGAIN) or no file descriptor left (EMFILE): the parent reads every part."""
    calls = []

    def refused(*args):
        calls.append(what)
        raise OSError(11 if what == "fork" else 24, "Resource temporarily unavailable")

    opened: list[int] = []
    pipe = os.pipe

    def recorded():
        read, write = pipe()
        opened.extend((read, write))
        return read, write

    closed: list[int] = []
    close = os.close

    def recorded_close(fd):
        closed.append(fd)
        close(fd)

    monkeypatch.setattr(parallel.os, "pipe", recorded)
    monkeypatch.setattr(parallel.os, "close", recorded_close)
    monkeypatch.setattr(parallel.os, what, refused)
    seen: list[str] = []
    split = collect_parallel(corpus, 3, seen.append, min_part=10, judged=True, per_dashboard=lints)
    assert calls == [what, what]
    # no pipe left open: each one it opened, it closed (asked of os.close, not of the fd numbers,
    # which another test's thread may reuse once they are free: the full suite once saw that)
    assert set(opened) <= set(closed), (opened, closed)
    assert answer(split) == answer(collect(corpus, per_dashboard=lints))
    assert sorted(seen) == sorted(d.file for d in corpus)


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_progress_counts_every_dashboard_once(corpus):
    seen: list[str] = []
    collect_parallel(corpus, 3, seen.append, min_part=10, per_dashboard=lints)
    assert sorted(seen) == sorted(d.file for d in corpus)


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_an_interrupted_parent_kills_and_reaps_its_children(corpus, monkeypatch):
    pids: list[int] = []
    start = parallel._Child.start

    def spy(cls, *args):
        start(*args)
        pids.append(args[-1][-1].pid)

    monkeypatch.setattr(parallel._Child, "start", classmethod(spy))
    parent = os.getpid()

    def interrupted(dashboard, queries, known):
        if os.getpid() == parent:
            raise KeyboardInterrupt
        return lints(dashboard, queries, known)

    with pytest.raises(KeyboardInterrupt):
        collect_parallel(corpus, 3, min_part=10, per_dashboard=interrupted)
    assert len(pids) == 2
    for pid in pids:  # reaped: no such child any more (a zombie would still be waitable)
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize("written, whole", [
    (b"..!" + (5).to_bytes(8, "big") + b"abc", False),  # shorter than it says
    (b"..!" + (3).to_bytes(8, "big") + b"abcdef", False),  # longer
    (b"..!" + (3).to_bytes(8, "big") + b"abc", True),
    (b"..!" + (3).to_bytes(8, "big")[:5], False),  # its length cut short
])
def test_an_answer_is_whole_only_at_the_length_it_announced(written, whole):
    child = parallel._Child(pid=0, fd=-1, files=["a", "b", "c"])
    seen: list[str] = []
    for i in range(0, len(written), 2):  # as a pipe may cut it
        child._take(written[i:i + 2], seen.append)
    assert seen == ["a", "b"] and child.said == 2
    assert (child._answer is not None and child._filled == len(child._answer)) is whole


@given(st.integers(0, 5000), st.integers(1, 8), st.integers(1, 400), st.sampled_from([parallel.PARENT_SHARE, parallel.PARENT_SHARE_JUDGED]))
def test_parts_cover_every_dashboard_in_order(count, jobs, min_part, share):
    parts = parts_of(count, jobs, min_part, share)
    assert [i for p in parts for i in p] == list(range(count))
    assert len(parts) <= max(1, jobs)
    if len(parts) > 1:
        assert all(len(p) >= min_part for p in parts)
        assert len(parts[0]) >= max(len(p) for p in parts[1:])  # the parent's part is the largest


def test_jobs_from_the_environment():
    cores = len(os.sched_getaffinity(0))
    assert jobs_wanted({"VOBS_JOBS": "1"}) == 1
    assert jobs_wanted({"VOBS_JOBS": "3"}) == min(3, cores)  # never more than the cores
    assert jobs_wanted({"VOBS_JOBS": "1000"}) == cores
    assert 1 <= jobs_wanted({}) <= parallel.MAX_JOBS
    for bad in ("0", "-1", "two", "1.5", "²", "٣"):
        with pytest.raises(InputError, match="VOBS_JOBS"):
            jobs_wanted({"VOBS_JOBS": bad})


def test_a_bad_jobs_count_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "VOBS_JOBS": "many", "PYTHONPATH": str(REPO)}
    env.pop("PROMETHEUS_URL", None)
    out = subprocess.run([sys.executable, "-m", "vertice_obs", "validate", str(PUBLIC / "ceph")], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["vobs: error: VOBS_JOBS='many': expected a number of processes, 1 or more"]


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_the_cli_says_the_same_on_one_process_and_on_two(tmp_path):
    """Whole CLI runs: 420 dashboards (two parts of at least MIN_PART), JSON byte for byte."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    sources = sorted(PUBLIC.rglob("*.json"))
    count = 420
    assert len(parts_of(count, 2)) == 2  # it does split (offline: not judged)
    for i in range(count):
        model = json.loads(sources[i % len(sources)].read_text())
        model["uid"] = f"copy-{i}"
        (folder / f"{i:03}.json").write_text(json.dumps(model, indent=1))
    outputs = []
    # the third run inherits SIGCHLD ignored (as under some CI runners): children reap themselves
    for jobs, ignored in (("1", False), ("2", False), ("2", True)):
        env = {**os.environ, "VOBS_JOBS": jobs, "PYTHONPATH": str(REPO)}
        env.pop("PROMETHEUS_URL", None)
        out = subprocess.run([sys.executable, "-m", "vertice_obs", "validate", str(folder), "--format", "json"],
                             cwd=tmp_path, env=env, capture_output=True, text=True,
                             preexec_fn=(lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN)) if ignored else None)
        assert out.returncode in (0, 1), out.stderr
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(json.loads(outputs[1])["findings"]) > 1000


@pytest.mark.parametrize("cls", [Finding, Location, MetricUse, Query, LabelMatcher, Selector, SelectorUse, Grouping,
                                 GroupingUse])
def test_what_crosses_back_pickles_by_its_fields(cls):
    assert all(f.init for f in fields(cls))  # pickled_by_fields calls the class with every field
    samples = {
        Location: Location("a.json", 3, 7, "uid", "Panel", 2, "A"),
        Finding: Finding("metric/missing", Severity.ERROR, "m", Location("a.json", 3), "x", (("k", [1]),)),
        MetricUse: MetricUse("up", Location("f"), "up", False, "fallback", ("x",), "why", "rate", True, "variable"),
        Query: Query("up", Location("f"), "variable", "vm"),
        LabelMatcher: LabelMatcher("env", "=~", "p.*"),
        Selector: Selector("up", (LabelMatcher("env", "=", "prod"),)),
        SelectorUse: SelectorUse(Selector("up", ()), Location("f"), "up", ("env", "prod")),
        Grouping: Grouping("env", ("up",)),
        GroupingUse: GroupingUse(Grouping("env", ("up",)), Location("f"), "q"),
    }
    sample = samples[cls]
    assert pickle.loads(pickle.dumps(sample)) == sample
    assert cls.__reduce__ is not object.__reduce__


def test_ctrl_c_while_forking_is_held_until_every_child_is_known():
    """Between a fork and the child's registration an interrupt would leave the child unknown:
    SIGINT is held, then delivered to the handler before it would have been, and that handler is back.
    The test sets its own handler and unblocks SIGINT: in a full run an earlier test or library left
    the process' SIGINT in a state that made `KeyboardInterrupt` never come (twice, not alone)."""
    reached: list[int] = []
    delivered: list[int] = []

    def handler(signum, frame):
        delivered.append(len(reached))

    before = signal.signal(signal.SIGINT, handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        with parallel._interrupt_deferred():
            signal.raise_signal(signal.SIGINT)  # to this thread: pending at once
            for _ in range(1000):  # Python would run the handler at any of these steps
                reached.append(1)
        after = signal.getsignal(signal.SIGINT)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, before)
    assert delivered == [1000], delivered  # once, after the block, not during it
    assert after is handler


_ORPHAN = """
import os, sys, time
from pathlib import Path
from vertice_obs.metrics.parallel import collect_parallel
from vertice_obs.metrics.validation import load_dashboard_files

parent, mark = os.getpid(), Path(sys.argv[1])

def slow(dashboard, queries, known):
    if os.getpid() != parent:
        mark.write_text(str(os.getpid()))
        time.sleep(0.5)  # a long part: the child outlives the parent by far, unless it dies with it
    return []

dashboards = load_dashboard_files([Path(sys.argv[2])], str) * 20
collect_parallel(dashboards, 2, min_part=10, per_dashboard=slow)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")
def test_a_child_dies_with_its_parent(tmp_path):
    """SIGTERM to vobs (a cancelled CI job) leaves no child reading for nobody."""
    import time

    mark = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN, str(mark), str(PUBLIC / "ceph")],
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 60
    while not (mark.exists() and mark.read_text()) and time.monotonic() < deadline:
        assert parent.poll() is None, "the parent ended before its child started"
        time.sleep(0.01)
    child = int(mark.read_text())
    parent.terminate()
    parent.wait(timeout=30)

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        return state != "Z"  # a zombie has ended (whoever adopted it may not reap it at once)

    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(child)
