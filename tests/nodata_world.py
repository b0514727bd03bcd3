"""A known world for judging vobs' No-data verdicts against the real Prometheus (tests/test_nodata_differential.py).

- `World`: an exporter serving fixed series (counters, gauges, a classic histogram, labels
  only some series carry, values with regex metacharacters and a backslash) to Debian's Prometheus,
  with the same series backfilled two hours back — so offsets, ranges and `@` find history — and a
  metric (`app_gone_total`) and one series (`environment="old"`) that stopped `GONE_MINUTES` ago.
- `grafana_text`: what Grafana 11/12 sends for a query with custom variables — its text-level replace,
  the Prometheus datasource's `interpolateQueryExpr` (`prometheusRegularEscape`,
  `prometheusSpecialRegexEscape`, with the feature toggle prometheusSpecialCharsInLabelValues off, its
  default) and scenes' formats for the ones used here. Written from Grafana's code, not from vobs'.
- `dashboards`: a seeded generator of dashboards whose panel queries mix matchers, regexes, variables,
  `or`, `and`, `unless`, absent(), label_replace(), offsets, `@`, subqueries, histogram_quantile(),
  a metric named by a variable and selectors without a name; each query knows its selectors' roles.
- `answer`: what Prometheus says of a query: "data", "empty", or ("error", message).
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field

import requests
from prometheus_harness import ProcessExporter, PrometheusServer

JOB = "maximus"
GONE_MINUTES = 40  # away from every offset and range the generator writes (5m, 30m, 1h; 10m, 1h, 2h)
SERIES: dict[str, list[dict[str, str]]] = {
    "app_requests_total": [
        {"environment": "prod", "service": "api", "code": "200", "region": "eu"},
        {"environment": "prod", "service": "api", "code": "500", "region": "eu"},
        {"environment": "prod", "service": "web", "code": "200"},
        {"environment": "staging", "service": "api", "code": "200"},
        {"environment": "staging", "service": "a.b", "code": "200"},
        {"environment": "dev", "service": "a|b", "code": "404"},
        {"environment": "dev", "code": "200"},
    ],
    "app_temperature_celsius": [{"environment": "prod", "sensor": "s1"}, {"environment": "staging"},
                                {"environment": "dev", "sensor": "x+y"}],
    "app_up": [{"service": s} for s in ("api", "web", "a.b", "(p)", "back\\slash", "a b")],
    "app_latency_seconds_bucket": [{"environment": e, "service": s, "le": le} for le in ("0.1", "1", "+Inf")
                                   for e, s in (("prod", "api"), ("staging", "web"))],
}
GONE = {"app_gone_total": [{"environment": "prod", "service": "api"}],
        "app_requests_total": [{"environment": "old", "service": "api", "code": "200"}]}


def _labels(labels: dict[str, str], extra: dict[str, str] | None = None) -> str:
    inner = ",".join(f'{k}="{json.dumps(v, ensure_ascii=False)[1:-1]}"' for k, v in {**labels, **(extra or {})}.items() if v)
    return "{" + inner + "}" if inner else ""


def _value(metric: str, i: int, t: float) -> float:
    return 100.0 + i + t / 10.0 if metric.endswith(("_total", "_bucket")) else 1.0 + i  # counters rise in the history


class World:
    """A static exporter (its own process) and a Prometheus scraping it every second, with two hours of
    backfilled history ending where the exporter's values are."""

    def __init__(self):
        self.server: PrometheusServer | None = None
        self.now0 = int(time.time())
        self.gone_at = self.now0 - GONE_MINUTES * 60
        # in a process of its own (`ProcessExporter`): a scrape the test's work delayed past its 1 s would
        # mark every series stale, and queries over a short range then answer nothing
        self.exporter = ProcessExporter("".join(f"{metric}{_labels(row)} {_value(metric, i, 7200)}\n"
                                                for metric, rows in SERIES.items() for i, row in enumerate(rows)).encode())
        self.target = self.exporter.target

    def history(self) -> str:
        start, end, extra, out = self.now0 - 7200, self.now0 - 20, {"job": JOB, "instance": self.target}, []
        for metric in {**SERIES, **GONE}:
            rows = [(r, end) for r in SERIES.get(metric, [])] + [(r, self.gone_at) for r in GONE.get(metric, [])]
            out.append(f"# TYPE {metric} unknown")
            for i, (row, stop) in enumerate(rows):
                out.extend(f"{metric}{_labels(row, extra)} {_value(metric, i, t - start)} {t:.3f}"
                           for t in range(start, int(stop) + 1, 15))
        return "\n".join(out) + "\n# EOF\n"

    def start(self) -> "World":
        self.server = PrometheusServer([self.target], job=JOB)
        self.server.backfill(self.history())
        self.server.start()
        # scraped, not only backfilled: a sample in the last 5 s (the history may end half a minute back)
        self.server.wait_for(f"count(last_over_time(app_up[5s])) == {len(SERIES['app_up'])}")
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.exporter.stop()


def answer(url: str, query: str) -> str | tuple[str, str]:
    """"data", "empty" or ("error", Prometheus' message) of an instant query at now; `@ start()` at the
    start of a panel's range (here an hour ago): at an instant query, start() is now."""
    query = query.replace("start()", str(int(time.time()) - 3600))
    reply = requests.post(f"{url}/api/v1/query", data={"query": query}, timeout=20)
    if reply.status_code in (400, 422):
        return ("error", reply.json().get("error", ""))
    reply.raise_for_status()
    data = reply.json()["data"]
    return "data" if data["resultType"] == "scalar" or data["result"] else "empty"


# --- Grafana's interpolation ----------------------------------------------------------------------------

@dataclass
class Var:
    """A custom variable as saved: its options (its `query`), flags, allValue and current value."""

    name: str
    options: list[str]
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    current: list[str] | str = ""  # "$__all" for All

    def model(self) -> dict:
        text = (["All" if c == "$__all" else c for c in self.current] if isinstance(self.current, list)
                else "All" if self.current == "$__all" else self.current)
        out = {"type": "custom", "name": self.name, "query": ",".join(self.options), "multi": self.multi,
               "includeAll": self.include_all, "current": {"text": text, "value": self.current},
               "options": [{"text": o, "value": o, "selected": False} for o in self.options]}
        return out if self.all_value is None else {**out, "allValue": self.all_value}

    def shown(self) -> list[str] | str:
        """The value Grafana shows: the saved one if its query's options hold it, else the first or All."""
        if self.current in ("$__all", ["$__all"]):
            return "$__all"
        kept = [c for c in ([self.current] if isinstance(self.current, str) else self.current) if c in self.options]
        return kept if kept else "$__all" if self.include_all else [self.options[0]]


def _regular(v: str) -> str:  # prometheusRegularEscape
    return v.replace("\\", "\\\\").replace("'", "\\\\'")


def _special(v: str) -> str:  # prometheusSpecialRegexEscape
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(), v.replace("\\", "\\\\\\\\"))


def _regex_format(v: str) -> str:  # the `regex` format's regexEscape
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m.group(), v)


def _written(var: Var, values: list[str] | str, fmt: str | None) -> str:
    if values == "$__all":
        if var.all_value:  # CustomAllValue: as it is
            return var.all_value
        values = list(var.options)
    if fmt is None:  # interpolateQueryExpr
        if not var.multi and not var.include_all:
            return _regular(values[0])
        escaped = [_special(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    if fmt == "regex":
        escaped = [_regex_format(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return "|".join(values)  # pipe


GLOBALS = {"__rate_interval": "1m", "__interval": "30s"}
_REFERENCE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}")  # Grafana's variable regex


def grafana_text(query: str, chosen: dict[str, tuple[Var, list[str] | str]]) -> str:
    """`query` as Grafana sends it, each variable at `chosen` (the variable, its values or "$__all")."""
    def replace(m: re.Match) -> str:
        name, fmt = m.group(1) or m.group(2) or m.group(4), m.group(3) or m.group(5)
        if name in GLOBALS:
            return GLOBALS[name]
        if name not in chosen:
            return m.group(0)
        return _written(chosen[name][0], chosen[name][1], fmt)
    return _REFERENCE.sub(replace, query)


def mentions(query: str, name: str) -> bool:
    return re.search(r"\$\{?%s\b|\[\[%s\b" % (name, name), query) is not None


# --- the generator --------------------------------------------------------------------------------------

LABELS = {"app_requests_total": ["environment", "service", "code", "region"],
          "app_temperature_celsius": ["environment", "sensor"], "app_up": ["service"],
          "app_latency_seconds_bucket": ["environment", "service", "le"],
          "app_gone_total": ["environment", "service"], "app_missing_total": ["environment"]}
VALUES = {"environment": ["prod", "staging", "dev", "qa", "old"],
          "service": ["api", "web", "a.b", "a|b", "(p)", "nope", "back\\slash", "a b"],
          "code": ["200", "404", "500", "503"], "region": ["eu", "us"], "sensor": ["s1", "x+y"],
          "le": ["0.1", "1", "+Inf"], "nolabel": ["x"]}
REGEXES = ['".*"', '".+"', '""', '"pro.*"', '"prod|qa"', '"a.b"', '"a\\\\.b"', '`a\\.b`', '"a|b"', '"a\\\\|b"',
           '"x\\\\+y"', '"(?i)PROD"', '"\\\\(p\\\\)"', '"(p)"', '"5.."', '"[24]00"', '"|api"', '"web|"']
REFERENCES = {"environment": ['"$env"', '"${env}"', '"${env:regex}"', '`${env:regex}`', '"${env:pipe}"', '"[[env]]"'],
              "service": ['"$svc"', '"${svc:regex}"', '`${svc:regex}`', "'$svc'", '`$svc`', '"${svc:pipe}"'],
              "code": ['"$code"', '"${code:regex}"']}
OPTIONS = {"env": ["prod", "staging", "dev", "qa"], "svc": ["api", "web", "a.b", "a|b", "(p)", "back\\slash", "a b"],
           "code": ["200", "404", "500"], "m": ["app_up", "app_temperature_celsius", "app_nope_total"]}
ALL_VALUES = [None, None, ".*", ".+", "prod|staging", "\\d+"]


@dataclass
class Leaf:
    selector: str  # as written, variables in it
    role: str  # "required", "optional" (absent(), `unless`'s right side, `or vector(0)`) or "fallback" (`or`)
    probe: str  # "{S}" is the selector: an expression that has data exactly when the selector draws here


@dataclass
class Panel:
    query: str
    leaves: list[Leaf] = field(default_factory=list)
    repeat: str | None = None


class _Gen:
    def __init__(self, seed: int, at: int):
        self.r, self.at = random.Random(seed), at

    def _quoted(self, value: str) -> str:
        k = self.r.random()
        if k < 0.15:
            return f"`{value}`"
        return "'" + value.replace("\\", "\\\\") + "'" if k < 0.3 else json.dumps(value)

    def matcher(self, label: str) -> str:
        r = self.r
        op, pick = r.choice(["=", "=", "!=", "=~", "=~", "!~"]), r.random()
        if label in REFERENCES and pick < 0.4:
            return f"{label}{op}{r.choice(REFERENCES[label])}"
        if op in ("=~", "!~") and pick < 0.7:
            return f"{label}{op}{r.choice(REGEXES)}"
        return f"{label}{op}{self._quoted(r.choice(VALUES[label] + ['']))}"

    def selector(self, metric: str | None = None) -> str:
        r = self.r
        metric = metric or r.choices(list(LABELS), weights=[5, 3, 3, 2, 1, 1])[0]
        matchers = [self.matcher(r.choice(LABELS[metric] + ["nolabel", "region"]))
                    for _ in range(r.choice([0, 1, 1, 1, 2, 2, 3]))]
        form = r.random()
        if form < 0.06:
            return "{" + ", ".join([f'__name__="{metric}"', *matchers]) + "}"
        if form < 0.09 and matchers:
            return "{" + ", ".join(matchers) + "}"
        if form < 0.12:
            return "{" + ", ".join([f'__name__=~"{metric}|app_up"', *matchers]) + "}"
        return metric + ("{" + ", ".join(matchers) + "}" if matchers else "")

    def unit(self, role: str = "required") -> Panel:
        """An expression over one selector (two for `twice`), and how to probe each."""
        r, s = self.r, self.selector()
        window = r.choice(["1m", "5m", "$__rate_interval", "$__interval", "10m"])
        forms = [
            (s, "{S}"), (f"rate({s}[{window}])", f"last_over_time({{S}}[{window}])"),
            (f"sum by (environment) (rate({s}[{window}]))", f"last_over_time({{S}}[{window}])"),
            (f"{s} offset 30m", "{S} offset 30m"), (f"{s} offset 1h", "{S} offset 1h"),
            (f"{s} @ end()", "{S}"), (f"{s} @ start()", "{S} @ start()"), (f"{s} @ {self.at}", f"{{S}} @ {self.at}"),
            (f"max_over_time({s}[10m:1m])", "max_over_time({S}[10m:1m])"),
            (f"max_over_time({s}[1h])", "max_over_time({S}[1h])"), (f"max_over_time({s}[2h])", "max_over_time({S}[2h])"),
            (f'label_replace({s}, "dst", "$1", "service", "(.*)")', "{S}"), (f"avg without (instance) ({s})", "{S}"),
            (f"topk(3, {s})", "{S}"), (f"count({s})", "{S}"), (f"{s} > bool 0", "{S}"), (f"-{s}", "{S}"),
            (f'count_values("v", {s})', "{S}"), (f"changes({s}[10m])", "last_over_time({S}[10m])"),
            (f"sum(max_over_time({s}[5m:30s] offset 10m))", "max_over_time({S}[5m:30s] offset 10m)"),
        ]
        k = r.randrange(len(forms) + 3)
        if k < len(forms):
            return Panel(forms[k][0], [Leaf(s, role, forms[k][1])])
        if k == len(forms):
            b = self.selector("app_latency_seconds_bucket")
            by = r.choice(["by (le)", "by (le, service)", "by (service)"])
            return Panel(f"histogram_quantile(0.9, sum {by} (rate({b}[5m])))", [Leaf(b, role, "last_over_time({S}[5m])")])
        if k == len(forms) + 1:
            ms = [self.matcher(r.choice(["service", "environment"])) for _ in range(r.choice([0, 1]))]
            sel = "$m" + ("{" + ", ".join(ms) + "}" if ms else "")
            return Panel(f"sum({sel})", [Leaf(sel, role, "{S}")])
        offset = r.choice(["5m", "1h"])
        return Panel(f"sum({s}) - sum({s} offset {offset})", [Leaf(s, role, "{S}"), Leaf(s, role, f"{{S}} offset {offset}")])

    def query(self) -> Panel:
        r, k = self.r, self.r.randrange(10)
        if k < 4:
            return self.unit()
        if k == 4:
            a = self.unit("optional")
            return Panel(f"absent({a.leaves[0].selector})", [Leaf(a.leaves[0].selector, "optional", "{S}")])
        if k == 5:
            a = self.unit("optional")
            return Panel(f"sum({a.query}) or vector(0)", a.leaves)
        a, b = self.unit(), self.unit()
        op = {6: "or", 7: "and", 8: "unless", 9: r.choice(["+", "/"])}[k]
        for leaf in a.leaves + b.leaves if op == "or" else b.leaves if op == "unless" else []:
            leaf.role = "fallback" if op == "or" else "optional"
        return Panel(f"sum({a.query}) {op} sum({b.query})", a.leaves + b.leaves)


def _variables(r: random.Random) -> dict[str, Var]:
    out = {}
    for name, options in OPTIONS.items():
        if name == "m":
            out[name] = Var(name, list(options), current=r.choice(options))
            continue
        multi, include_all = r.random() < 0.4, r.random() < 0.4
        all_value = r.choice(ALL_VALUES) if include_all else None
        if include_all and r.random() < 0.3:
            current: list[str] | str = ["$__all"] if multi else "$__all"
        elif multi:
            current = r.sample(options, r.choice([1, 1, 2, 3]))
        else:
            current = r.choice(options + (["stale"] if r.random() < 0.1 else []))
        out[name] = Var(name, list(options), multi, include_all, all_value, current)
    return out


def dashboards(seed: int, count: int, panels: int, at: int):
    """(uid, dashboard JSON, its panels, its variables) × count, the same for the same arguments."""
    r = random.Random(seed)
    for d in range(count):
        gen, variables = _Gen(seed * 100_003 + d, at), _variables(r)
        made = [gen.query() for _ in range(panels)]
        repeat = r.random() < 0.3 and (variables["env"].multi or variables["env"].include_all)
        uid = f"d{seed}x{d}"
        model = {"uid": uid, "title": uid, "schemaVersion": 39,
                 "templating": {"list": [v.model() for v in variables.values()]}, "panels": []}
        for i, panel in enumerate(made):
            panel.repeat = "env" if repeat and mentions(panel.query, "env") else None
            model["panels"].append({"id": i + 1, "type": "timeseries", "title": f"q{i}",
                                    "gridPos": {"x": 0, "y": i * 8, "w": 12, "h": 8},
                                    "targets": [{"refId": "A", "expr": panel.query}],
                                    **({"repeat": "env"} if panel.repeat else {})})
        yield uid, model, made, variables
