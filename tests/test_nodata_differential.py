"""vobs' No-data verdicts against what Debian's Prometheus answers (h143's differential trial).

`vobs validate` says which panel queries would show No data, and why, from label tables and
histories it asks in a few grouped requests; Prometheus answers the queries themselves. Here both
are asked about the same queries of a known world (`nodata_world`: series current, two hours of
history, a metric and a series gone `GONE_MINUTES` ago), each query as Grafana sends it (its own
interpolation, written from Grafana's code). A "No data" vobs says of a query Prometheus answers is
a false finding, the worst (it fails CI); a query Prometheus answers nothing for because a selector
it needs selects nothing, with nothing said, a missed one.

The tables pin each divergence the trial found, each against Prometheus' own answer:
- a name gone 40 minutes ago under `offset 1h` or `[1h]`: the panel draws, vobs said `disappeared`;
- the same selector twice (`x{…} - x{…} offset 1h`): judged with its farther reach, so an empty
  left side was missed;
- an option of `$metric` naming a metric no series has was not reported when any other dashboard of
  the run named that metric with matchers;
- an allValue was written escaped for the string around it (`"\\d+"`), and a value in backquotes
  with one backslash where Grafana writes two — Prometheus refuses the first, and the second
  matches nothing.
`test_vobs_and_prometheus_agree_on_generated_dashboards` is the differential itself, seeded and bounded.

Not judged by vobs, and so left out of the comparison (README "Series level"): selectors without a
plain name (`{job="x"}`, `{__name__=~"a|b", …}`), both sides of an `or` empty, what a query filters
or joins away (`unless`, vector matching), errors Prometheus raises while evaluating, and label values
with quotes (Grafana escapes those only with its feature toggle prometheusSpecialCharsInLabelValues).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner
from nodata_world import World, answer, dashboards, grafana_text, mentions

from vertice_obs.cli import cli

NO_DATA = {"metric/missing", "metric/disappeared", "metric/recording-rule", "metric/label-missing",
           "metric/no-matching-series", "promql/parse"}
DASHBOARDS = 30  # a seed: 90 panel queries, a few hundred options' (~2 s)
RUNTIME = ("vector cannot contain metrics with the same labelset", "many-to-many", "many-to-one")


@pytest.fixture(scope="module")
def world():
    made = World()
    try:
        yield made.start()
    finally:
        made.stop()


def validate(folder, url: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["validate", str(folder), "--prometheus-url", url, "--format", "json", "-v"],
                                env={"PROMETHEUS_URL": "", "PROMETHEUS_TOKEN": ""})
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


def claims(findings: list[dict], panel: str, uid: str | None = None) -> list[dict]:
    """The findings saying the panel shows No data (or an error): warnings and errors of the No-data
    checks, and the histogram lint where it says the panel is always empty."""
    return [f for f in findings if f["location"].get("panel") == panel and f["severity"] != "info"
            and (uid is None or f["location"].get("dashboard") == uid)
            and (f["check"] in NO_DATA or f["check"] == "promql/histogram-quantile-without-le"
                 and "the panel is always empty" in f["message"])]


def dashboard(folder, uid: str, queries: list[str], variables: list[dict] = ()) -> None:
    (folder / f"{uid}.json").write_text(json.dumps({
        "uid": uid, "title": uid, "templating": {"list": list(variables)},
        "panels": [{"id": i + 1, "type": "timeseries", "title": f"p{i}", "targets": [{"refId": "A", "expr": q}]}
                   for i, q in enumerate(queries)]}))


# (query, what Prometheus answers, the severity of vobs' `metric/disappeared` — None: not said)
GONE_NAME = [
    ("app_gone_total", "empty", "warning"),
    ("app_gone_total offset 1h", "data", "info"),  # the trial: said `disappeared`, a warning
    ("max_over_time(app_gone_total[1h])", "data", "info"),
    ("app_gone_total offset 30m", "empty", "warning"),  # 30m + the 5m lookback do not reach 40m back
    ("app_gone_total @ start()", "data", "info"),  # the panel's range starts an hour ago
    ('app_gone_total{environment="prod"} offset 1h', "data", "info"),
    ('app_gone_total{region="us"} offset 1h', "empty", "warning"),  # its selector never matched
    ('max_over_time(app_gone_total{service="web"}[2h])', "empty", "warning"),
    ("sum(app_gone_total) - sum(app_gone_total offset 1h)", "empty", "warning"),  # the left side is empty
    ("sum(app_gone_total offset 1h) / sum(app_gone_total)", "empty", "warning"),  # whichever place comes first
]


def test_a_gone_name_whose_window_still_reaches_its_samples_is_drawn(world, tmp_path):
    dashboard(tmp_path, "gone", [q for q, _, _ in GONE_NAME])
    findings = validate(tmp_path, world.server.url)
    for i, (query, answered, severity) in enumerate(GONE_NAME):
        assert answer(world.server.url, query) == answered, query
        said = [f["severity"] for f in findings if f["location"].get("panel") == f"p{i}" and f["check"] == "metric/disappeared"]
        assert said == [severity], (query, said)
        assert bool(claims(findings, f"p{i}")) == (answered == "empty"), query


OLD = 'app_requests_total{environment="old"}'
# (query, what Prometheus answers): vobs says No data exactly when it answers nothing
GONE_SERIES = [
    (OLD, "empty"),
    (f"{OLD} offset 1h", "data"),
    (f"sum({OLD}) - sum({OLD} offset 1h)", "empty"),  # the trial: judged with the farther reach, not said
    (f"rate({OLD}[5m]) / rate({OLD}[5m] offset 1h)", "empty"),  # "against an hour ago"
    (f"sum({OLD} offset 1h) - sum({OLD} offset 2h)", "data"),
    (f"max_over_time({OLD}[1h]) and {OLD} offset 1h", "data"),
]


def test_a_selector_written_twice_is_judged_with_its_nearer_reach(world, tmp_path):
    dashboard(tmp_path, "twice", [q for q, _ in GONE_SERIES])
    findings = validate(tmp_path, world.server.url)
    for i, (query, answered) in enumerate(GONE_SERIES):
        assert answer(world.server.url, query) == answered, query
        said = claims(findings, f"p{i}")
        assert bool(said) == (answered == "empty"), (query, said)
        assert all(f["check"] == "metric/no-matching-series" for f in said), said


def test_an_option_naming_a_metric_no_series_has_is_said_whatever_other_dashboards_query(world, tmp_path):
    """The trial: `$m`'s option app_nope_total empties `sum($m)`, but vobs said nothing when any other
    dashboard of the run selected app_nope_total with matchers — the names "the current value names
    too" were the whole run's, not that query's."""
    m = {"type": "custom", "name": "m", "query": "app_up,app_temperature_celsius,app_nope_total",
         "current": {"text": "app_up", "value": "app_up"}}
    env = {"type": "custom", "name": "env", "query": "prod,staging", "current": {"text": "prod", "value": "prod"}}
    dashboard(tmp_path, "bare", ["sum($m)"], [m])
    dashboard(tmp_path, "matched", ['sum($m{service="web"})'], [m])
    dashboard(tmp_path, "other", ['sum(app_nope_total{service="x"})'])
    dashboard(tmp_path, "named", ['sum(app_nope_total{environment="$env"})'], [env])  # the name's, not the option's
    findings = validate(tmp_path, world.server.url)
    options = {(f["location"]["dashboard"], f["details"]["option"]) for f in findings
               if f["check"] == "variable/option-no-data"}
    assert options == {("bare", "app_nope_total"), ("matched", "app_nope_total"),
                       ("matched", "app_temperature_celsius")}
    for query in ("sum(app_nope_total)", 'sum(app_nope_total{service="web"})',
                  'sum(app_temperature_celsius{service="web"})', 'sum(app_nope_total{environment="staging"})'):
        assert answer(world.server.url, query) == "empty", query
    assert [f["check"] for f in claims(findings, "p0", "named")] == ["metric/missing"]


CODE = {"type": "custom", "name": "code", "query": "200,404", "includeAll": True, "allValue": "\\d+",
        "current": {"text": "All", "value": "$__all"}}
SVC = {"type": "custom", "name": "svc", "query": "api,a.b", "multi": True, "current": {"text": ["a.b"], "value": ["a.b"]}}
PATH = {"type": "custom", "name": "path", "query": "api,back\\slash", "current": {"text": "back\\slash", "value": "back\\slash"}}
# (query, what Prometheus answers for Grafana's text, vobs' check — None: nothing said)
WRITTEN = [
    ('app_requests_total{code=~"$code"}', "error", "promql/parse"),  # allValue as it is: `"\d+"` is refused
    ("app_requests_total{code=~`$code`}", "data", None),
    ("app_up{service=~`$svc`}", "empty", "metric/no-matching-series"),  # `a\\.b`: a backslash, then any character
    ('app_up{service=~"$svc"}', "data", None),
    ("app_up{service=`$path`}", "empty", "metric/no-matching-series"),  # `back\\slash`, two backslashes
    ('app_up{service="$path"}', "data", None),
]


def test_a_value_inside_a_string_is_what_grafana_writes(world, tmp_path):
    from nodata_world import Var

    chosen = {"code": (Var("code", ["200", "404"], include_all=True, all_value="\\d+"), "$__all"),
              "svc": (Var("svc", ["api", "a.b"], multi=True), ["a.b"]),
              "path": (Var("path", ["api", "back\\slash"]), ["back\\slash"])}
    dashboard(tmp_path, "written", [q for q, _, _ in WRITTEN], [CODE, SVC, PATH])
    findings = validate(tmp_path, world.server.url)
    for i, (query, answered, check) in enumerate(WRITTEN):
        got = answer(world.server.url, grafana_text(query, chosen))
        assert (got if isinstance(got, str) else got[0]) == answered, (query, grafana_text(query, chosen), got)
        assert [f["check"] for f in claims(findings, f"p{i}")] == ([check] if check else []), query
    [refused] = claims(findings, "p0")
    assert "Grafana inserts $code's allValue \\d+ as it is" in refused["message"], refused["message"]


def test_a_repeated_panel_is_parsed_as_each_copy_is_sent(world, tmp_path):
    """Grafana draws a copy per value of the variable a panel repeats by, never sending its allValue:
    `"\\d+"` is refused, but no copy holds it (the differential: vobs said the panel did not parse)."""
    env = {"type": "custom", "name": "env", "query": "prod,staging", "includeAll": True, "allValue": "\\d+",
           "current": {"text": "All", "value": "$__all"}}
    query = 'app_temperature_celsius{environment!="$env"}'
    (tmp_path / "r.json").write_text(json.dumps({"uid": "r", "title": "r", "templating": {"list": [env]}, "panels": [
        {"id": 1, "type": "timeseries", "title": "p0", "repeat": "env", "targets": [{"refId": "A", "expr": query}]},
        {"id": 2, "type": "timeseries", "title": "p1", "targets": [{"refId": "A", "expr": query}]}]}))
    findings = validate(tmp_path, world.server.url)
    for value in ("prod", "staging"):
        assert answer(world.server.url, query.replace("$env", value)) == "data"
    assert answer(world.server.url, query.replace("$env", "\\d+"))[0] == "error"
    assert claims(findings, "p0") == []
    assert [f["check"] for f in claims(findings, "p1")] == ["promql/parse"]  # not repeated: All is sent


# --- the differential ----------------------------------------------------------------------------------

def _needed_empty(url: str, panel, chosen) -> list:
    """The selectors the query needs (required, with a plain name) that select nothing here."""
    out = []
    for leaf in panel.leaves:
        if leaf.role == "required" and not leaf.selector.startswith("{"):
            if answer(url, grafana_text("count(" + leaf.probe.replace("{S}", leaf.selector) + ")", chosen)) == "empty":
                out.append(leaf.selector)
    return out


def _copies(panel, chosen: dict) -> list[dict]:
    """Each copy Grafana draws of the panel: one per value of the variable it repeats by (All: each option)."""
    if not panel.repeat:
        return [chosen]
    var, values = chosen[panel.repeat]
    return [{**chosen, panel.repeat: (var, [value])} for value in (var.options if values == "$__all" else values)]


def _verdicts(url: str, panel, chosen: dict, said: list[dict]) -> list[str]:
    """What disagrees for one panel under `chosen` (empty: vobs and Prometheus agree)."""
    out = []
    for copy in _copies(panel, chosen):
        text = grafana_text(panel.query, copy)
        got = answer(url, text)
        if isinstance(got, tuple):
            if not any(r in got[1] for r in RUNTIME) and not any(f["check"] == "promql/parse" for f in said):
                out.append(f"Prometheus refuses {text!r} ({got[1]}); vobs says nothing of it")
            continue
        if got == "data" and said and not panel.repeat:
            out.append(f"Prometheus answers {text!r}; vobs says {[f['message'] for f in said]}")
        if got == "empty" and not said and (empty := _needed_empty(url, panel, copy)):
            out.append(f"Prometheus answers nothing for {text!r} ({empty} select nothing); vobs says nothing")
    if panel.repeat and said and all(answer(url, grafana_text(panel.query, c)) == "data" for c in _copies(panel, chosen)):
        out.append(f"every copy of {panel.query!r} draws; vobs says {[f['message'] for f in said]}")
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vobs_and_prometheus_agree_on_generated_dashboards(world, tmp_path, seed):
    url, made = world.server.url, list(dashboards(seed, DASHBOARDS, 3, world.now0 - 2700))
    for uid, model, _, _ in made:
        (tmp_path / f"{uid}.json").write_text(json.dumps(model))
    findings = validate(tmp_path, url)
    wrong, seen = [], Counter()
    for uid, _, panels, variables in made:
        chosen = {name: (v, v.shown()) for name, v in variables.items()}
        for i, panel in enumerate(panels):
            said = claims(findings, f"q{i}", uid)
            wrong += [f"{uid} q{i}: {w}" for w in _verdicts(url, panel, chosen, said)]
            got = answer(url, grafana_text(panel.query, chosen))
            seen.update([got if isinstance(got, str) else "error", "said" if said else "quiet", bool(panel.repeat)])
        for name, v in variables.items():
            wrong += _options(url, uid, name, v, panels, chosen, findings)
    assert not wrong, "\n".join(wrong)
    assert min(seen["data"], seen["empty"], seen["said"], seen["quiet"]) >= 10, seen  # not vacuous
    assert any(f["check"] == "variable/option-no-data" for f in findings), seen


def _options(url: str, uid: str, name: str, var, panels, chosen: dict, findings: list[dict]) -> list[str]:
    """Each option of a variable against the panels using it: a panel named as emptied must answer
    nothing; one emptied by a selector it needs must be named (when the finding names them all)."""
    said = {}
    for f in findings:
        if f["check"] == "variable/option-no-data" and f["location"].get("dashboard") == uid \
                and f["details"].get("variable") == name:
            for option in f["details"].get("options") or [f["details"].get("option")]:
                said[option] = f
    out = []
    for option in var.options:
        if chosen[name][1] == [option]:
            continue  # the current value: judged at the panel
        f, picked = said.get(option), {**chosen, name: (var, [option])}
        named = set(re.findall(r"'(q\d+)'", f["message"])) if f else set()
        for i, panel in enumerate(panels):
            if not mentions(panel.query, name) or panel.repeat \
                    or not isinstance(answer(url, grafana_text(panel.query, chosen)), str):
                continue  # a query refused with the current value: said at the panel, its options not judged
            text = grafana_text(panel.query, picked)
            got = answer(url, text)
            if f"q{i}" in named and got == "data":
                out.append(f"{uid} ${name}={option!r}: Prometheus answers {text!r}; vobs says {f['message']}")
            elif (f"q{i}" not in named and got == "empty" and (f is None or f["details"].get("panels", 0) <= 3)
                  and "app_nope_total" not in text and (empty := _needed_empty(url, panel, picked))
                  and not all("app_missing" in s or "app_gone" in s for s in empty)):
                out.append(f"{uid} ${name}={option!r}: Prometheus answers nothing for {text!r} ({empty}); vobs "
                           "names no such panel")
    return out
