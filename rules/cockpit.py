"""Alerts for what Chaos Day watches: the stream's 500 ms budget, the kill switch's 200 ms, coherence."""

from vertice_obs.build.rules import AlertRule, RuleGroup

groups = [
    RuleGroup("maximus-cockpit", [
        AlertRule(
            "CockpitStreamLatencyHigh",
            "histogram_quantile(0.95, sum by (environment, le) (rate(maximus_streaming_latency_seconds_bucket[5m])))"
            " > 0.5",
            summary="Cockpit stream p95 latency above 500 ms in {{ $labels.environment }}",
            description="Operators see stale state ({{ $value | humanizeDuration }} p95). Compress or aggregate the "
                        "stream; see the Cockpit narrative, chapter 1.",
            for_="5m"),
        AlertRule(
            "CockpitClientsDropped",
            "sum by (environment) (maximus_cockpit_connected_clients)"
            " < 0.5 * sum by (environment) (maximus_cockpit_connected_clients offset 15m)",
            summary="Half the cockpit clients left in 15 minutes in {{ $labels.environment }}",
            description="Clients leave a lagging stream; check stream latency and reconnect back-off.",
            for_="5m"),
    ]),
    RuleGroup("maximus-safety", [
        AlertRule(
            "KillSwitchLatencyOverBudget",
            "max by (environment) (maximus_kill_switch_latency_milliseconds) > 200",
            summary="Kill-switch latency over its 200 ms budget in {{ $labels.environment }}",
            description="The safety budget is 200 ms under any load ({{ $value }} ms now). A P0: the check must not "
                        "share a path with the stream.",
            severity="page", for_="1m"),
        AlertRule(
            "EsgtCoherenceLow",
            "avg by (environment) (maximus_esgt_coherence) < 0.6",
            summary="ESGT coherence below 0.6 in {{ $labels.environment }}",
            description="Below 0.6 ignitions fail and MAXIMUS stops becoming aware of what matters.",
            for_="5m"),
    ]),
]
