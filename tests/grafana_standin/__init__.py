"""A stand-in Grafana for tests, validated against Grafana's official OpenAPI spec."""

from .server import Faults, GrafanaStandIn

__all__ = ["Faults", "GrafanaStandIn"]
