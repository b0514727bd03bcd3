"""Benchmark: publish and diff against the stand-in Grafana, and a grafana-client loop at equal concurrency.

The stand-in runs in its own process, as a real Grafana would, with `--latency-ms` (20) added to
every request and spec validation switched off (`--no-validate`: the stand-in's CPU is not what is
measured; the test suite keeps validation on). Each side runs in a fresh worker process that loads
the same pre-built dashboards, then is timed around its publish only (interpreter start-up,
loading and imports are not timed); its peak RSS is that of the whole worker. Both workers set the
garbage collector as the `vobs` CLI does (`cli.app.collect_less`). Rounds alternate the order.

  - vobs: `plan_publish` + `execute`, as `vobs publish` runs them: one search lists what exists,
    folders are listed and created parents first, then with `--concurrency` requests in flight a
    new dashboard is one POST and an existing one one small `versions?limit=1` read (unchanged
    when its newest message is vobs' own with the code's content hash) — or, on Grafana 12
    (`--grafana-version`, the default), one list of every dashboard whole through the resource
    API, 500 a page (unchanged when its listed content and folder are the code's); a changed one
    is read whole and checked for drift, its live JSON backed up, and saved with Grafana's
    version check.
  - peer: the strongest plain grafana-client loop, at the SAME concurrency (a thread pool of
    `--concurrency`, a connection pool as large): create the folders (409 = exists), then per
    dashboard GET it — 404: POST it; found: compare (minus id/version, and its folder) and POST
    with `overwrite` only when different. It leaves out what vobs guarantees: no drift
    detection (it overwrites hand edits), no backup, no plan before the first write (a failure
    half-way leaves a half-applied publish), no retries, no total deadline, no answer-shape
    checks, no normalisation of what a UI save adds. It reads each dashboard alone on every
    Grafana version, as a grafana-client loop does: grafana-client has no method for the
    resource API's list. A peer could GET it by path, as vobs does; that peer is not measured,
    so the unchanged row on Grafana 12 compares designs, not clients. The unchanged run is the
    best case for the list (every model stored as sent, so no content hash is needed).
  - fresh: an empty Grafana. unchanged: the same dashboards again, nothing to write.
  - diff vs an unchanged publish: the whole CLI, `vobs diff` and `vobs publish` (each builds the
    project once; nothing is written), alternating.
  - scaling: a vobs fresh publish at 100, 1,000 and 5,000 dashboards (one run each).
Goals (issue 12): publish ≥ 1.5× faster than the peer; unchanged ≤ 0.5× fresh; diff ≤ 1.0× an
unchanged publish.
Usage: python benchmarks/bench_publish.py [--dashboards N] [--rounds R] [--scaling 100,1000,5000]
       [--grafana-version 12.0.2]  (11.4.0: the legacy API alone, a small read per unchanged dashboard)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from timing import (
    compile_vobs,  # benchmarks/: each benchmark runs as a script from there
)

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"


# --- the worker: one side, one run, in its own process ------------------------------------------

def worker(side: str, url: str, data: Path, concurrency: int, scratch: Path) -> None:
    with open(data, "rb") as f:
        dashboards = pickle.load(f)  # [(uid, narrative, folder, model, source)]
    # Each side's imports are loaded before the clock starts (start-up is issue 12's other goal).
    if side == "vobs":
        import vertice_obs.grafana.publish  # noqa: F401
    else:
        import grafana_client  # noqa: F401

        import vertice_obs.grafana.folders  # noqa: F401
    # Both sides run with the garbage collector as `vobs` sets it (`collect_less`), as the CLI would.
    from vertice_obs.cli.app import collect_less

    collect_less()
    start = time.perf_counter()
    if side == "vobs":
        counts = vobs_publish(url, dashboards, concurrency, scratch)
    else:
        counts = peer_publish(url, dashboards, concurrency)
    seconds = time.perf_counter() - start
    with open("/proc/self/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "counts": counts}))


def vobs_publish(url: str, dashboards: list, concurrency: int, scratch: Path) -> dict:
    from vertice_obs.build.render import RenderedDashboard
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.publish import execute, plan_publish

    rendered = [RenderedDashboard(*d) for d in dashboards]
    target = GrafanaDestination(url, TOKEN, connections=concurrency)
    target.info()
    plan = plan_publish(rendered, target, workers=concurrency)
    results = execute(plan, target, "bench", scratch / "backups", workers=concurrency)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def peer_publish(url: str, dashboards: list, concurrency: int) -> dict:
    from urllib.parse import urlsplit

    from grafana_client import GrafanaApi
    from grafana_client.client import GrafanaClientError

    from vertice_obs.grafana.folders import folder_chain

    parts = urlsplit(url)
    api = GrafanaApi(TOKEN, host=parts.hostname, port=parts.port, protocol=parts.scheme, timeout=10,
                     session_pool_size=concurrency)
    for path in sorted({d[2] for d in dashboards}):
        for folder in folder_chain(path):
            try:
                api.folder.create_folder(folder.title, uid=folder.uid, parent_uid=folder.parent_uid or None)
            except GrafanaClientError as exc:
                if exc.status_code not in (409, 412):
                    raise

    def one(d) -> str:
        uid, _narrative, path, model, _source = d
        folder = folder_chain(path)[-1].uid
        try:
            live = api.dashboard.get_dashboard(uid)
        except GrafanaClientError as exc:
            if exc.status_code != 404:
                raise
            live = None
        if live is not None:
            same = {k: v for k, v in live["dashboard"].items() if k not in ("id", "version")} == \
                {k: v for k, v in model.items() if k not in ("id", "version")}
            if same and live["meta"].get("folderUid") == folder:
                return "unchanged"
        api.dashboard.update_dashboard({"dashboard": {**model, "id": None}, "folderUid": folder,
                                        "overwrite": True, "message": "peer"})
        return "created" if live is None else "updated"

    counts: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for status in pool.map(one, dashboards):
            counts[status] = counts.get(status, 0) + 1
    return counts


# --- the parent: stand-ins, rounds, figures ------------------------------------------------------

@contextlib.contextmanager
def standin(latency_ms: float, version: str):
    """The stand-in in its own process, playing Grafana `version`, without spec validation (benchmark mode)."""
    process = subprocess.Popen([sys.executable, "-m", "grafana_standin", "--latency-ms", str(latency_ms),
                                "--no-validate", "--version", version], cwd=REPO / "tests", stdout=subprocess.PIPE,
                               text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def requests_seen(url: str) -> int:
    import niquests

    stats = niquests.get(f"{url}/_standin/stats", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()
    return stats["requests"]


def run_worker(side: str, url: str, data: Path, concurrency: int, scratch: Path) -> dict:
    before = requests_seen(url)
    out = subprocess.run([sys.executable, __file__, "--worker", side, "--url", url, "--data", str(data),
                          "--concurrency", str(concurrency), "--scratch", str(scratch)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if out.returncode:
        sys.exit(f"{side} worker failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["requests"] = requests_seen(url) - before - 1  # minus the stats request itself
    return result


def run_cli(args: list[str], root: Path, url: str) -> dict:
    """The whole CLI in a child process: wall time and that child's own peak RSS (wait4)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "vertice_obs", "-C", str(root), *args], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        sys.exit(f"vobs {' '.join(args)} exited {code}: {process.stderr.read()[-2000:]}")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024}


def build(root: Path, dashboards: int, panels: int) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_build import generate

    from vertice_obs.build.plan import plan_build
    from vertice_obs.project import load_project

    generate(root, dashboards, panels)
    rendered = plan_build(load_project(root, environ={})).rendered
    data = root / "rendered.pickle"
    with open(data, "wb") as f:
        pickle.dump([(r.uid, r.narrative, r.folder, r.model, r.source) for r in rendered], f)
    return data


def summary(runs: list[dict], key: str, fmt: str = "{:.2f}") -> str:
    values = [r[key] for r in runs]
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scaling", default="100,1000,5000", help="dashboard counts ('' to skip)")
    parser.add_argument("--grafana-version", default="12.0.2", help="the Grafana the stand-in plays")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.url, args.data, args.concurrency, args.scratch)
    compile_vobs(REPO)  # timed as installed: with its bytecode (timing.py)

    n, c = args.dashboards, args.concurrency
    runs: dict[str, list[dict]] = {k: [] for k in ("vobs fresh", "peer fresh", "vobs unchanged", "peer unchanged",
                                                   "vobs diff", "vobs publish (unchanged)")}
    with tempfile.TemporaryDirectory(prefix="vobs-bench-publish-") as tmp:
        root = Path(tmp)
        data = build(root, n, args.panels)
        for round_ in range(args.rounds):
            for side in (("vobs", "peer") if round_ % 2 == 0 else ("peer", "vobs")):
                with standin(args.latency_ms, args.grafana_version) as url:
                    fresh = run_worker(side, url, data, c, root)
                    again = run_worker(side, url, data, c, root)
                    assert fresh["counts"] == {"created": n}, fresh
                    assert again["counts"] == {"unchanged": n}, again
                    runs[f"{side} fresh"].append(fresh)
                    runs[f"{side} unchanged"].append(again)
        with standin(args.latency_ms, args.grafana_version) as url:
            # published by the CLI, so the narratives' playlists exist too: a diff then has nothing to
            # say (exit 0) and an unchanged publish nothing to write
            run_cli(["publish", "--concurrency", str(c), "--no-progress"], root, url)
            for round_ in range(args.rounds):
                for name in (("diff", "publish") if round_ % 2 == 0 else ("publish", "diff")):
                    key = "vobs diff" if name == "diff" else "vobs publish (unchanged)"
                    runs[key].append(run_cli([name, "--concurrency", str(c), "--no-progress"] if name == "publish"
                                             else [name, "--concurrency", str(c)], root, url))
        scaling = []
        for size in [int(s) for s in args.scaling.split(",") if s]:
            with tempfile.TemporaryDirectory(prefix="vobs-bench-scale-") as sub:
                sub_data = build(Path(sub), size, args.panels)
                with standin(args.latency_ms, args.grafana_version) as url:
                    scaling.append((size, run_worker("vobs", url, sub_data, c, Path(sub))))

    print(f"dashboards: {n} × {args.panels} panels, stand-in playing Grafana {args.grafana_version} in its own "
          "process without spec validation, "
          f"{args.latency_ms:.0f} ms per request, concurrency {c} on both sides, {args.rounds} rounds alternating")
    print(f"{'side':<26}{'seconds, median (min–max)':<28}{'peak RSS MB':<22}requests")
    for key, values in runs.items():
        reqs = f"{values[0]['requests']:,}" if "requests" in values[0] else "—"
        print(f"{key:<26}{summary(values, 'seconds'):<28}{summary(values, 'rss_mb', '{:.0f}'):<22}{reqs}")

    def ratio(a: str, b: str) -> list[float]:
        return [x["seconds"] / y["seconds"] for x, y in zip(runs[a], runs[b])]

    def said(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    speed = [1 / r for r in ratio("vobs fresh", "peer fresh")]
    speed_unchanged = [1 / r for r in ratio("vobs unchanged", "peer unchanged")]
    unchanged = ratio("vobs unchanged", "vobs fresh")
    diff = ratio("vobs diff", "vobs publish (unchanged)")
    print(f"\npeer ÷ vobs, fresh:           {said(speed)} ×  (goal ≥ 1.5: "
          f"{'met' if statistics.median(speed) >= 1.5 else 'MISSED'})")
    print(f"peer ÷ vobs, unchanged:       {said(speed_unchanged)} ×")
    print(f"vobs unchanged ÷ fresh:       {said(unchanged)}    (goal ≤ 0.5: "
          f"{'met' if statistics.median(unchanged) <= 0.5 else 'MISSED'})")
    print(f"vobs diff ÷ unchanged publish:{said(diff)}    (goal ≤ 1.0: "
          f"{'met' if statistics.median(diff) <= 1.0 else 'MISSED'})")
    if scaling:
        print("\nscaling, vobs fresh publish (one run each):")
        for size, result in scaling:
            print(f"  {size:>6,} dashboards  {result['seconds']:7.2f} s  {result['rss_mb']:6.0f} MB peak RSS  "
                  f"{result['requests']:,} requests")


if __name__ == "__main__":
    main()
