"""Benchmark: `vobs build` against two peers on 1,000 dashboards of 20 panels (issue 12).

Each side loads the same 1,000 dashboard definitions (one Python module per dashboard, 15
time series of two queries and 5 stats each, a data source and an environment variable), turns
them into Grafana JSON (sorted keys, 2-space indent) and writes one file per dashboard:
  - vobs: `vobs build --no-progress` into an empty exports/: imports each `*.dashboard.py`
    module (grafanalib objects through `vertice_obs.panels`) with its stdout captured, converts it
    to plain JSON, renders it into its narrative (a story panel, chapter links, tags, the flow
    layout), runs the dashboard style checks, serialises (orjson, byte-identical to Python's
    json), hashes, stages and atomically puts each file in place, and writes a manifest with every
    file's hash. One dashboard is held at a time.
  - grafanalib: `generate-dashboards <all modules>` (grafanalib 0.7's own tool): imports each
    module, `json.dumps(to_json_data(), cls=DashboardEncoder, sort_keys=True, indent=2)` (the
    pure-Python encoder) and writes `<module>.json` beside it. It leaves out what vobs adds:
    narratives, style checks, atomic writes, hashes, a manifest, stdout capture.
  - foundation-sdk: the same dashboards written with grafana-foundation-sdk's builders
    (`builders.dashboard.Dashboard`, `timeseries.Panel`, `stat.Panel`, `prometheus.Dataquery`,
    the same queries, units, descriptions, sizes and variables), one module each; a driver imports
    each module, calls `.build()` and serialises with the SDK's own
    `json.dumps(..., cls=cog.encoder.JSONEncoder, sort_keys=True, indent=2)`, one file each (plain
    `open().write`). It leaves out the same as grafanalib, and its JSON is the SDK's model
    (Grafana's schema with its defaults), not byte for byte grafanalib's.
    Needs `pip install grafana-foundation-sdk` (the `bench` extra); without it the side is skipped
    and says so.

vobs' own modules are byte-compiled first, as an installed package's are (see bench_startup.py);
the 1,000 dashboard modules are compiled on every run, by every side.
Runs alternate between the sides, `--rounds` times, each a fresh child process timed from spawn
to exit, with its peak RSS (`wait4`'s ru_maxrss, spawned by a small timer process whose own ~8 MB
is the floor, as in bench_series.py). The output dirs are emptied before every run. Reported:
median (min–max) per side and the ratios of the medians. `--scaling` then runs vobs and
grafanalib once at 100, 1,000 and 5,000 dashboards (time and peak RSS).
Targets (issue 12): vobs ≤ 0.8 × each peer; peak RSS ≤ 150 MB at 5,000 dashboards.

Usage: python benchmarks/bench_build.py [--dashboards 1000] [--panels 20] [--rounds 5] [--scaling]
Run from the repository root: the children get PYTHONPATH=<repo>, so this checkout's vertice_obs
is the one timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from timing import (  # benchmarks/: each benchmark runs as a script from there
    TIMER,
    compile_vobs,
)

REPO = Path(__file__).resolve().parent.parent

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

FOUNDATION_MODULE = '''from grafana_foundation_sdk.builders import common, dashboard as d, prometheus, stat, timeseries
from grafana_foundation_sdk.models import common as cm, dashboard as dm

_Q = 'sum(rate(bench_events_total{{environment=~"$environment", shard="{i}"}}[$__rate_interval]))'
_DS = dm.DataSourceRef(type_val="prometheus", uid="${{datasource}}")
_STEPS = [dm.Threshold(color="green")]


def _query(expr, ref):
    return (prometheus.Dataquery().expr(expr).ref_id(ref).datasource(_DS).legend_format("")
            .format("time_series").interval_factor(1))


def _series(n):
    return (timeseries.Panel().title(f"Series {{n}}").description("What to look for.").unit("ops").datasource(_DS)
            .with_target(_query(_Q, "A")).with_target(_query("bench_level", "B")).height(8).span(12)
            .thresholds(d.ThresholdsConfig().mode("absolute").steps(_STEPS))
            .color_scheme(d.FieldColor().mode("palette-classic")).line_width(1).fill_opacity(10)
            .draw_style("line").show_points("auto").point_size(5)
            .legend(common.VizLegendOptions().display_mode("list").placement("bottom").show_legend(True))
            .tooltip(common.VizTooltipOptions().mode("multi").sort("none")))


def _stat(n):
    return (stat.Panel().title(f"Stat {{n}}").description("Current level.").unit("percentunit").datasource(_DS)
            .with_target(_query("bench_level", "A")).height(4).span(6).no_value("none")
            .thresholds(d.ThresholdsConfig().mode("absolute").steps(_STEPS))
            .color_scheme(d.FieldColor().mode("thresholds")).color_mode("value").graph_mode("area")
            .justify_mode("auto").text_mode("auto").orientation("auto")
            .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False).fields("")))


builder = (d.Dashboard("Bench {i}").uid("bench-{i:04d}").description("Generated for the build benchmark.")
           .tags(["vertice-obs", "narrative:bench"]).timezone("utc").refresh("30s").time("now-6h", "now")
           .editable().tooltip(dm.DashboardCursorSync.CROSSHAIR)
           .with_variable(d.DatasourceVariable("datasource").label("Data source").type("prometheus"))
           .with_variable(d.QueryVariable("environment").label("Environment").datasource(_DS)
                          .query("label_values(bench_level, environment)").multi(True).include_all(True)
                          .all_value(".*").refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
                          .sort(dm.VariableSort.ALPHABETICAL_ASC)))
for n in range({panels}):
    builder = builder.with_panel(_series(n) if n % 4 else _stat(n))
dashboard = builder
'''

# The foundation-sdk side's driver: import each module, build, serialise with the SDK's encoder, write.
FOUNDATION_DRIVER = '''import importlib.util, json, sys
from grafana_foundation_sdk.cog.encoder import JSONEncoder

for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("dashboard_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = json.dumps(module.dashboard.build(), cls=JSONEncoder, sort_keys=True, indent=2)
    with open(path[:-3] + ".json", "w", encoding="utf-8") as out:
        out.write(text + "\\n")
'''



@dataclass
class Run:
    seconds: float
    rss_mb: float


def generate(root: Path, dashboards: int, panels: int, foundation: bool = False) -> dict[str, list[Path]]:
    """The vobs/grafanalib project (modules + one narrative telling them all) and, with
    `foundation`, the same dashboards as grafana-foundation-sdk modules in foundation/."""
    (root / "dashboards").mkdir(parents=True)
    (root / "narratives").mkdir()
    out: dict[str, list[Path]] = {"grafanalib": [], "foundation": []}
    for i in range(dashboards):
        path = root / "dashboards" / f"bench_{i:04d}.dashboard.py"
        path.write_text(MODULE.format(i=i, panels=panels))
        out["grafanalib"].append(path)
    chapters = "".join(f"  - dashboard: bench-{i:04d}\n    title: Chapter {i}\n    story: Part {i} of the story.\n"
                       for i in range(dashboards))
    (root / "narratives" / "bench.yaml").write_text(
        f"id: bench\ntitle: Benchmark\nowner: bench\nsummary: Generated.\nchapters:\n{chapters}")
    if foundation:
        (root / "foundation").mkdir()
        (root / "foundation_driver.py").write_text(FOUNDATION_DRIVER)
        for i in range(dashboards):
            path = root / "foundation" / f"bench_{i:04d}.py"
            path.write_text(FOUNDATION_MODULE.format(i=i, panels=panels))
            out["foundation"].append(path)
    return out


def timed(command: list[str], cwd: Path) -> Run:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r", suffix=".timer") as timer:
        subprocess.run([sys.executable, "-I", "-S", "-c", TIMER, timer.name, shutil.which(command[0]) or command[0],
                        *command[1:]], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, check=False)
        seconds, rss_kib, code = timer.read().split()
        err.seek(0)
        stderr = err.read().decode()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(command[:3])} … exited {code}: {stderr.strip()[-2000:]}")
    return Run(float(seconds), int(rss_kib) / 1024)


def vobs_command() -> list[str]:
    """The `vobs` console script next to this Python (as a user runs it), else `python -m vertice_obs`."""
    script = Path(sys.executable).parent / "vobs"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vertice_obs"]


def commands(root: Path, paths: dict[str, list[Path]]) -> dict[str, tuple[list[str], list[Path]]]:
    """Side → (command, what to empty before it runs)."""
    generate_dashboards = shutil.which("generate-dashboards") or str(Path(sys.executable).parent / "generate-dashboards")
    sides = {
        "vobs": ([*vobs_command(), "build", "--no-progress"], [root / "exports"]),
        "grafanalib": ([generate_dashboards, *map(str, paths["grafanalib"])],
                       [p.with_suffix("").with_suffix(".json") for p in paths["grafanalib"]]),
    }
    if paths["foundation"]:
        sides["foundation-sdk"] = ([sys.executable, str(root / "foundation_driver.py"), *map(str, paths["foundation"])],
                                   [p.with_suffix(".json") for p in paths["foundation"]])
    return sides


def clean(targets: list[Path]) -> None:
    for target in targets:
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def foundation_installed() -> bool:
    try:
        import grafana_foundation_sdk  # noqa: F401
    except ImportError:
        return False
    return True


def compare(dashboards: int, panels: int, rounds: int) -> None:
    foundation = foundation_installed()
    with tempfile.TemporaryDirectory(prefix="vobs-bench-") as tmp:
        root = Path(tmp)
        paths = generate(root, dashboards, panels, foundation)
        sides = commands(root, paths)
        runs: dict[str, list[Run]] = {name: [] for name in sides}
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        print(f"dashboards: {dashboards:,} × {panels} panels, {rounds} rounds, sides alternating, fresh process each")
        if not foundation:
            print("foundation-sdk: not installed (pip install grafana-foundation-sdk): side skipped")
        names = list(sides)
        for round_ in range(rounds):
            order = names[round_ % len(names):] + names[:round_ % len(names)]  # who goes first rotates
            for name in order:
                command, targets = sides[name]
                clean(targets)
                run = timed(command, root)
                runs[name].append(run)
                print(f"  round {round_ + 1} {name:<15} {run.seconds:6.2f} s  {run.rss_mb:5.0f} MB  "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
        exported = len(list((root / "exports" / "bench").glob("*.json")))
        check = subprocess.run([*vobs_command(), "build", "--check"], cwd=root, capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    print()
    print(f"{'side':<15} {'seconds, median (min–max)':<27} peak RSS MB, median (min–max)")
    for name, side in runs.items():
        print(f"{name:<15} {spread([r.seconds for r in side]):<27} {spread([r.rss_mb for r in side], '{:.0f}')}")
    print(f"vobs wrote {exported} exports; `vobs build --check` afterwards: exit {check.returncode}")
    t_vobs = statistics.median(r.seconds for r in runs["vobs"])
    for name in names[1:]:
        ratio = t_vobs / statistics.median(r.seconds for r in runs[name])
        print(f"ratio vobs / {name}: {ratio:.2f}  (target ≤ 0.80: {'met' if ratio <= 0.8 else 'MISSED'})")


def scaling(panels: int) -> None:
    print("\nscaling (one run each, build from empty):")
    print(f"{'dashboards':>10}  {'vobs s':>7} {'vobs MB':>8}  {'grafanalib s':>12} {'grafanalib MB':>13}")
    for dashboards in (100, 1000, 5000):
        with tempfile.TemporaryDirectory(prefix="vobs-bench-") as tmp:
            root = Path(tmp)
            sides = commands(root, generate(root, dashboards, panels, foundation=False))
            vobs = timed(sides["vobs"][0], root)
            grafanalib = timed(sides["grafanalib"][0], root)
        print(f"{dashboards:>10,}  {vobs.seconds:7.2f} {vobs.rss_mb:8.0f}  {grafanalib.seconds:12.2f} "
              f"{grafanalib.rss_mb:13.0f}", flush=True)
    print("target: vobs peak RSS ≤ 150 MB at 5,000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scaling", action="store_true", help="also time 100, 1,000 and 5,000 dashboards")
    args = parser.parse_args()
    compile_vobs(REPO)  # timed as installed: with its bytecode (timing.py)
    compare(args.dashboards, args.panels, args.rounds)
    if args.scaling:
        scaling(args.panels)


if __name__ == "__main__":
    main()
