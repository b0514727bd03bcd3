"""Benchmark: start-up — `vobs --help`, and `vobs build --check` against grafanalib (issue 12).

Whole processes, as a user runs them, timed from spawn to exit like hyperfine: the commands run
alternately, `--runs` times each (after one warm-up run each, not counted), and each is reported
as median (min–max):
  - python -c pass: the interpreter with this environment's site-packages (the floor every
    Python command pays; the editable install's path hooks included).
  - vobs --help: the `vobs` console script; it imports the CLI (click and the command modules),
    not the libraries the commands use.
  - vobs build --check: on this repository (its 8 dashboards, 4 narratives, rules): loads every
    module, renders, runs the style checks and compares with exports/, writing nothing.
  - generate-dashboards: grafanalib 0.7's own tool on the same 8 modules (copied as
    `*.dashboard.py` into a temp folder, which it requires); it imports each module and writes its
    JSON beside it. It leaves out narratives (their YAML and schema), the style checks, the rule
    files and the comparison with exports/.
vobs' own modules are byte-compiled first (`compileall`), as pip does when it installs a package
and as grafanalib's are: with PYTHONDONTWRITEBYTECODE set (it is on the CI machine) an editable
checkout would otherwise compile every vobs module from source on every run (~35 ms more for
`build --check`), while grafanalib's come compiled.
Then `python -X importtime -c 'import vertice_obs.cli.app'` (best of 5, per module), and the five
largest import costs by their own time (`self`, without the modules they import), with their
cumulative time.
Targets (issue 12): `vobs --help` ≤ 0.20 s; `vobs build --check` ≤ 2 × generate-dashboards.

Usage: python benchmarks/bench_startup.py [--runs 20]
Run from the repository root: the children get PYTHONPATH=<repo>, so this checkout is timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import (
    compile_vobs,  # benchmarks/: each benchmark runs as a script from there
)

REPO = Path(__file__).resolve().parent.parent


def vobs_command() -> list[str]:
    script = Path(sys.executable).parent / "vobs"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vertice_obs"]


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} exited {done.returncode}: {done.stderr.decode()[-1000:]}")
    return seconds


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def import_costs(env: dict[str, str], tries: int = 5) -> tuple[int, list[tuple[str, int, int]]]:
    """(µs to import vertice_obs.cli.app, [(module, self µs, cumulative µs)]), each the best of
    `tries`; the interpreter's own start-up imports (`site` and before) are left out."""
    best: dict[str, tuple[int, int]] = {}
    total = None
    for _ in range(tries):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import vertice_obs.cli.app"],
                              env=env, capture_output=True, text=True, check=True, cwd=REPO)
        started = False
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            own, cumulative, raw = line[len("import time:"):].split("|")
            name, top_level = raw.strip(), not raw[1:].startswith(" ")
            if not started:
                started = top_level and name == "site"  # what follows is the command's own imports
                continue
            if top_level and name == "vertice_obs.cli.app":
                total = int(cumulative) if total is None else min(total, int(cumulative))
            if name not in best or int(own) < best[name][0]:
                best[name] = (int(own), int(cumulative))
    top = sorted(((name, own, cum) for name, (own, cum) in best.items()), key=lambda r: -r[1])[:5]
    return total or 0, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    compile_vobs(REPO)  # timed as installed: with its bytecode (timing.py)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    generate_dashboards = shutil.which("generate-dashboards") or str(Path(sys.executable).parent / "generate-dashboards")
    with tempfile.TemporaryDirectory(prefix="vobs-startup-") as tmp:
        modules = []
        for path in sorted((REPO / "dashboards").glob("*.py")):
            if not path.name.startswith("_"):
                copy = Path(tmp) / f"{path.stem}.dashboard.py"
                shutil.copyfile(path, copy)
                modules.append(str(copy))
        sides = {
            "python -c pass": ([sys.executable, "-c", "pass"], REPO),
            "vobs --help": ([*vobs_command(), "--help"], REPO),
            "vobs build --check": ([*vobs_command(), "build", "--check"], REPO),
            "generate-dashboards": ([generate_dashboards, *modules], Path(tmp)),
        }
        for command, cwd in sides.values():
            run(command, cwd, env)  # warm-up: file caches
        times: dict[str, list[float]] = {name: [] for name in sides}
        names = list(sides)
        for index in range(args.runs):
            order = names[index % len(names):] + names[:index % len(names)]
            for name in order:
                times[name].append(run(*sides[name], env))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.runs} runs each, alternating, "
          f"{len(modules)} dashboard modules")
    for name, values in times.items():
        print(f"  {name:<22} {spread(values)} s")
    help_s = statistics.median(times["vobs --help"])
    ratio = statistics.median(times["vobs build --check"]) / statistics.median(times["generate-dashboards"])
    print(f"vobs --help: {help_s:.3f} s (target ≤ 0.200: {'met' if help_s <= 0.2 else 'MISSED'})")
    print(f"vobs build --check / generate-dashboards: {ratio:.2f} (target ≤ 2.00: {'met' if ratio <= 2 else 'MISSED'})")
    total, top = import_costs(env)
    print(f"\nimport vertice_obs.cli.app: {total / 1000:.1f} ms (python -X importtime, best of 5); "
          "five largest by own time:")
    for name, own, cumulative in top:
        print(f"  {name:<40} self {own / 1000:5.1f} ms   cumulative {cumulative / 1000:5.1f} ms")


if __name__ == "__main__":
    main()
