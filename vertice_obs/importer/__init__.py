"""`vobs import`: existing Grafana dashboards (plain JSON) → readable dashboard modules.

Owns: the house-style migrations of legacy dashboards (`migrate`; what Grafana's own migration of
angular panels carries — series overrides, value maps, a gauge's scale — in `legacy`, how a graph
drew and its axes in `graph`, the `__inputs` of a Grafana.com export in `inputs`, what becomes of a
`-- Dashboard --` query and of a link to a panel of the dashboard itself in `references`), what a
dashboard's shape must be to be imported (`shape`: every panel and row an object, every problem named), the
generation of Python module text from a migrated model (`codegen`), the chapters an import appends
to a narrative and the titles `vobs build` would refuse there (`chapters`), and the small runtime kit the
generated modules call
(`house`: one call per panel, queries as strings, rows as rows, what the kit cannot name in a
small `overrides` dict). The round-trip contract: `vobs build` of a generated module renders, after
the narrative's additions are set aside, a dashboard whose normalised JSON equals
`normalize(migrate(original))`.

A stage, beside grafana and metrics. May import: `vertice_obs.build` and the kernel. Must not
import `grafana` or `metrics` (the CLI fetches dashboards from Grafana and hands them over as plain
data), nor chaos, simulator or cli. Pure: no I/O here; `house` imports nothing of vobs at all.
"""
