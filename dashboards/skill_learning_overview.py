"""Skill learning — overview: is MAXIMUS getting better at its skills?"""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR
EXECUTIONS = f"maximus_skill_executions_total{{{ENV}}}"

dashboard = p.dashboard(
    "maximus-skill-learning-overview",
    "MAXIMUS · Skill learning — overview",
    description="Executions, success and reward per skill: the learning curve of MAXIMUS' skills.",
    environment_metric="maximus_skill_success_rate",
    tags=["maximus", "skills"],
    panels=[
        p.stat("Executions / s", f"sum(rate({EXECUTIONS}[$__rate_interval]))", unit="ops",
               description="Skill executions per second across all skills and modes."),
        p.stat("Success ratio",
               f'sum(rate(maximus_skill_executions_total{{{ENV}, status="success"}}[$__rate_interval])) / '
               f"sum(rate({EXECUTIONS}[$__rate_interval]))",
               unit="percentunit", thresholds=[(None, "red"), (0.7, "orange"), (0.9, "green")],
               description="Share of executions that succeeded. It should trend up as skills are learned."),
        p.stat("Median reward",
               f"histogram_quantile(0.5, sum by (le) (rate(maximus_skill_reward_bucket{{{ENV}}}[$__rate_interval])))",
               unit="none", thresholds=[(None, "red"), (0, "orange"), (0.5, "green")],
               description="Median reward per execution (−1…1). Positive and rising is learning. (The reward "
                           "histogram has negative buckets, so it exposes no _sum: no mean.)"),
        p.stat("Dopamine spikes / execution",
               f"sum(rate(maximus_dopamine_spike_events_total{{{ENV}}}[$__rate_interval])) / "
               f"sum(rate({EXECUTIONS}[$__rate_interval]))",
               unit="percentunit", description="Surprise per execution; it falls as predictions improve."),
        p.timeseries("Success rate by skill",
                     [p.prom(f"avg by (skill_name) (maximus_skill_success_rate{{{ENV}}})", "{{skill_name}}")],
                     unit="percentunit", min=0, max=1, width=24,
                     description="The learning curves. Each skill should rise and flatten; a curve that falls "
                                 "after flattening is forgetting."),
        p.timeseries("Executions by mode",
                     [p.prom(f"sum by (mode) (rate({EXECUTIONS}[$__rate_interval]))", "{{mode}}")],
                     unit="ops", stack=True,
                     description="Model-free vs model-based vs hybrid executions. Mature skills shift to "
                                 "model-free (habit); novel ones stay model-based."),
        p.timeseries("Failures by skill",
                     [p.prom(f'sum by (skill_name) (rate(maximus_skill_executions_total{{{ENV}, status="failure"}}'
                             f"[$__rate_interval]))", "{{skill_name}}")],
                     unit="ops", description="Failed executions per second by skill: which skill needs attention."),
        p.heatmap("Reward distribution",
                  f"sum by (le) (rate(maximus_skill_reward_bucket{{{ENV}}}[$__rate_interval]))",
                  unit="none", width=24,
                  description="Reward per execution over time. Mass moving from below 0 to above 0.5 is the "
                              "learning curve, seen as a distribution."),
    ],
)
