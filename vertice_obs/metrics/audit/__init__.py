"""The metric audit: a validation run's findings turned into what a team does next. Pure.

`model` ranks and groups (findings + the source's names → `Audit`: problems first, actions by
impact, absent metrics by family and likely exporter, present metrics counted); `families` knows
name prefixes and their exporters; `text` writes text, Markdown and the versioned JSON; `page` the
self-contained HTML page. No I/O here: the CLI (`vobs audit`) writes what these return.
"""

from vertice_obs.metrics.audit.model import (
           STATUS_ORDER,
           Audit,
           MetricAudit,
           build_audit,
           status_of,
)
from vertice_obs.metrics.audit.page import audit_html
from vertice_obs.metrics.audit.text import (
           SCHEMA,
           VERSION,
           audit_json,
           audit_text,
           to_dict,
)

__all__ = ["STATUS_ORDER", "Audit", "MetricAudit", "build_audit", "status_of", "audit_html", "audit_json",
           "audit_text", "to_dict", "SCHEMA", "VERSION"]
