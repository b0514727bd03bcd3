"""Metrics: does every panel's query have data in Prometheus, and if not, why?

Owns: the query inventory of any dashboard JSON (`inventory`), Grafana variable interpolation
(`interpolate`, its formats' text — several values, a dropdown listing nothing — in `formats`), PromQL text before the parser — the shape guard, the one parse call, string masking
(`promql_text`) —, query shapes the parser reads in a query's stead (`promql_shape`), PromQL extraction with a real parser (`extract`, naming MetricsQL a query took in `metricsql`, the counts of arguments its functions take in `metricsql_arity`, its WITH templates in `metricsql_with`, its numbers in `metricsql_numbers`; `analysis` shares one
interpolation and one parse per query shape among names, selectors and groupings), the metric catalog
(`catalog`), what a source says and the offline catalog source (`evidence`), the Prometheus
source (`prometheus`, over the HTTP client in `prometheus_http`, its wire format in `promql_wire`), classification of each metric use
(`classify`), series-level judgement (`series`, `selectors`, `regex`) and the run-wide "which
panels show No data" pass (`nodata`), the validation run (`validation`) and the audit report
(`audit/`: ranking and grouping in `model` and `families`, text/Markdown/JSON in `text`, the HTML
page in `page`). Data: dashboard JSON → `Query` → `MetricUse`/`SelectorUse` → `Finding` → `Audit`.
May import: the kernel and `vertice_obs.build` (the export layout: `MANIFEST`). Must not import
`grafana` (metrics never talk to Grafana), `chaos`, `simulator` or `cli`. Loading, extraction
and classification are pure; only `prometheus` (through `prometheus_http`) does I/O.
"""
