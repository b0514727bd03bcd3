"""Skill learning — latency: how fast skills execute as they are learned."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR
BUCKETS = f"maximus_skill_execution_latency_seconds_bucket{{{ENV}}}"


def quantile(q: float, by: str = "le") -> str:
    return f"histogram_quantile({q}, sum by ({by}) (rate({BUCKETS}[$__rate_interval])))"


dashboard = p.dashboard(
    "maximus-skill-latency",
    "MAXIMUS · Skill learning — latency",
    description="Execution latency of skills: learned skills get faster as they become habits.",
    environment_metric="maximus_skill_success_rate",
    tags=["maximus", "skills", "latency"],
    panels=[
        p.stat("p95 latency", quantile(0.95), unit="s",
               thresholds=[(None, "green"), (0.5, "orange"), (1, "red")],
               description="Tail execution latency across skills. Above 500 ms users notice."),
        p.stat("p50 latency", quantile(0.5), unit="s", description="Median execution latency across skills."),
        p.stat("Executions (range)", f"sum(increase(maximus_skill_executions_total{{{ENV}}}[$__range]))",
               unit="short", description="Executions in the selected time range, for context."),
        p.stat("Mean latency",
               f"sum(rate(maximus_skill_execution_latency_seconds_sum{{{ENV}}}[$__rate_interval])) / "
               f"sum(rate(maximus_skill_execution_latency_seconds_count{{{ENV}}}[$__rate_interval]))",
               unit="s", description="Mean latency; far above the median means a heavy tail."),
        p.timeseries("Latency p50 / p95 / p99",
                     [p.prom(quantile(0.5), "p50"), p.prom(quantile(0.95), "p95"), p.prom(quantile(0.99), "p99")],
                     unit="s", thresholds=[(None, "green"), (0.5, "red")], width=24,
                     description="Latency quantiles against the 500 ms line. Learning shows as the p95 "
                                 "falling over days; a jump is a regression or a fault."),
        p.timeseries("p95 by skill", [p.prom(quantile(0.95, "le, skill_name"), "{{skill_name}}")], unit="s",
                     description="Which skill is slow. A skill whose p95 does not fall is not being learned."),
        p.heatmap("Latency distribution", f"sum by (le) (rate({BUCKETS}[$__rate_interval]))", unit="s",
                  description="All executions by latency bucket. Two bands mean two populations "
                              "(e.g. cold vs warm skills)."),
        p.table("Slowest skills now", [p.prom(f"topk(5, {quantile(0.95, 'le, skill_name')})", instant=True)],
                unit="s", description="The five skills with the highest p95 right now: where to look first."),
    ],
)
