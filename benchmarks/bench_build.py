"""Benchmark: `vobs build` vs grafanalib's own `generate-dashboards` on the same 1,000 modules.

Generates N dashboard modules of P panels (`*.dashboard.py`, so grafanalib's tool accepts them)
plus one narrative that tells them all, then times, best of R runs, each in a fresh process:
  - grafanalib: `generate-dashboards <all modules>` (JSON written next to each module)
  - vobs:       `vobs build` (load, render with story panels and links, style checks, atomic writes,
                manifest) into an empty exports/ each run
Target (issue 2): vobs ≤ 1.5 × grafanalib. Usage: python benchmarks/bench_build.py [--dashboards N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULE = '''from vertice_obs import panels as p

_Q = 'sum(rate(bench_events_total{{environment=~"$environment", shard="{i}"}}[$__rate_interval]))'
dashboard = p.dashboard(
    "bench-{i:04d}", "Bench {i}", description="Generated for the build benchmark.",
    environment_metric="bench_level",
    panels=[
        p.timeseries(f"Series {{n}}", [_Q, "bench_level"], description="What to look for.", unit="ops")
        if n % 4 else p.stat(f"Stat {{n}}", "bench_level", description="Current level.", unit="percentunit")
        for n in range({panels})
    ],
)
'''


def generate(root: Path, dashboards: int, panels: int) -> list[Path]:
    (root / "dashboards").mkdir(parents=True)
    (root / "narratives").mkdir()
    paths = []
    for i in range(dashboards):
        path = root / "dashboards" / f"bench_{i:04d}.dashboard.py"
        path.write_text(MODULE.format(i=i, panels=panels))
        paths.append(path)
    chapters = "".join(f"  - dashboard: bench-{i:04d}\n    title: Chapter {i}\n    story: Part {i} of the story.\n"
                       for i in range(dashboards))
    (root / "narratives" / "bench.yaml").write_text(
        f"id: bench\ntitle: Benchmark\nowner: bench\nsummary: Generated.\nchapters:\n{chapters}")
    return paths


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate_dashboards = shutil.which("generate-dashboards")
    vobs = shutil.which("vobs")
    if not generate_dashboards or not vobs:
        sys.exit("needs grafanalib's generate-dashboards and vobs on PATH: pip install -e .")
    with tempfile.TemporaryDirectory(prefix="vobs-bench-") as tmp:
        root = Path(tmp)
        paths = generate(root, args.dashboards, args.panels)
        grafanalib_times, vobs_times = [], []
        for _ in range(args.runs):
            grafanalib_times.append(timed([generate_dashboards, *map(str, paths)], root))
            shutil.rmtree(root / "exports", ignore_errors=True)
            vobs_times.append(timed([vobs, "build", "--no-progress"], root))
        check = subprocess.run([vobs, "build", "--check"], cwd=root, capture_output=True, text=True)
        exported = len(list((root / "exports" / "bench").glob("*.json")))
    g, v = min(grafanalib_times), min(vobs_times)
    print(f"dashboards: {args.dashboards} × {args.panels} panels, best of {args.runs} runs, fresh process each")
    print(f"grafanalib generate-dashboards: {g:6.2f} s")
    print(f"vobs build:                     {v:6.2f} s  ({exported} exports, --check exit {check.returncode})")
    print(f"ratio vobs / grafanalib:        {v / g:6.2f}  (target ≤ 1.50: {'met' if v / g <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
