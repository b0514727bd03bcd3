"""Build: dashboard modules and narratives → the exact files `exports/` should hold.

Owns: loading dashboard modules (`modules`, their stdout captured by `capture`), narratives
(`narrative`), rendering a dashboard as a narrative chapter (`render`), alert rules as code
(`rules`), what a dashboard's shape must be (`shape`: for the build and for `vobs import`), the build pipeline (`plan`: streamed one dashboard at a time, or kept whole) and the
`exports/` directory (`exports`), and which dashboards a git change touched (`changes`, for
`--since`: the only module here that runs git). Data out: `RenderedDashboard` (uid, folder, model, JSON text).
May import: the kernel (`errors`, `finding`, `files`, `located_yaml`, `project`, `checks`,
`panels`) and grafanalib. Must not import `metrics`, `grafana`, `chaos`, `simulator` or `cli`:
every later stage reads what the build renders, never the other way round.
"""
