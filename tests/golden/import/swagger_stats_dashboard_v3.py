'swagger-stats dashboard v3: imported by `vobs import` from tests/data/public/swagger-stats dashboard v3.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - __inputs DS_PROMETHEUS → datasource variable (type prometheus): the exported dashboard's ${DS_PROMETHEUS}
#   resolves to a datasource of that type
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, style, gnetId
# - schemaVersion 26 → 39
# - graph → timeseries (6 panels): legacy keys carried over: bars, fill, linewidth, points, stack, tooltip,
#   yaxes; legacy keys dropped: aliasColors, dashLength, dashes, fillGradient, hiddenSeries, legend, lines,
#   nullPointMode, options, percentage, pointradius, renderer, seriesOverrides, spaceLength, steppedLine,
#   thresholds, timeRegions, xaxis, yaxis; carried into fieldConfig.defaults: custom, unit; carried into
#   fieldConfig.defaults.custom: drawStyle, fillOpacity, lineWidth, showPoints, stacking; options set: tooltip
# - singlestat → stat (6 panels): legacy keys carried over: colors, format, gauge, sparkline, thresholds,
#   valueMaps, valueName; legacy keys dropped: colorBackground, colorValue, mappingType, mappingTypes,
#   nullPointMode, postfix, postfixFontSize, prefix, prefixFontSize, rangeMaps, tableColumn, valueFontSize;
#   carried into fieldConfig.defaults: color, mappings, max, min, thresholds, unit; options set: colorMode,
#   graphMode, reduceOptions; not carried: singlestat thresholds beyond its colors; dropped as Grafana's own
#   migration drops them: gauge (its bounds carried as min/max)

from vertice_obs.importer import house as h

DATASOURCE = '${DS_PROMETHEUS}'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 2, 'step': 2}

dashboard = h.dashboard(
    'IcqsUmcGz',
    'swagger-stats dashboard v3',
    description='Swagger-Stats Main Dashboard Revision  3',
    tags=[],
    variables=[{'type': 'datasource', 'name': 'DS_PROMETHEUS', 'query': 'prometheus', 'label': 'Prometheus'}],
    annotations=[
        {
            'builtIn': 1,
            'datasource': '-- Grafana --',
            'enable': True,
            'hide': True,
            'iconColor': 'rgba(0, 211, 255, 1)',
            'name': 'Annotations & Alerts',
            'type': 'dashboard',
        },
    ],
    links=[],
    time={'from': 'now-15m', 'to': 'now'},
    refresh='10s',
    timezone='',
    overrides={
        'editable': True,
        'graphTooltip': 0,
        'timepicker': {
            'refresh_intervals': ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d'],
            'time_options': ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'],
        },
    },
    panels=[
        h.panel(
            'stat',
            'Requests',
            [
                h.prom(
                    'api_all_request_total',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'none',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Apdex Score',
            [
                h.prom(
                    '(\n  sum(rate(api_request_duration_milliseconds_bucket{le="25",code=~"^2..$"}[1m]))\n+\n  sum(rate(api_request_duration_milliseconds_bucket{le="100",code=~"^2..$"}[1m]))\n) / 2 / sum(rate(api_request_duration_milliseconds_count[1m]))',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Errors %',
            [
                h.prom(
                    '( api_all_errors_total / api_all_request_total ) * 100',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            min=0,
            max=100,
            thresholds=[(None, 'rgba(50, 172, 45, 0.97)'), (10, 'rgba(237, 129, 40, 0.89)'), (40, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'none',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Requests in Processing',
            [
                h.prom(
                    'api_all_request_in_processing_total',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'CPU %',
            [
                h.prom(
                    'nodejs_process_cpu_usage_percentage',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            min=0,
            max=100,
            thresholds=[(None, 'rgba(50, 172, 45, 0.97)'), (5, 'rgba(237, 129, 40, 0.89)'), (10, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Heap Used, Mb',
            [
                h.prom(
                    '(nodejs_process_memory_heap_used_bytes)/1048576',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 20},
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Request and Error Rates (per sec)',
            [
                h.prom(
                    'sum (irate(api_request_total[1m]))',
                    'Request Rate',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 4, 'step': 4},
                ),
                h.prom(
                    'sum (irate(api_request_total{code=~"^5..$"}[1m]))',
                    '5XX Errors Rate',
                    ref_id='B',
                    overrides={'format': 'time_series', 'intervalFactor': 4, 'step': 4},
                ),
                h.prom(
                    'sum (irate(api_request_total{code=~"^4..$"}[1m]))',
                    '4XX Errors Rate',
                    ref_id='C',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'sum (irate(api_request_total{code=~"^2..$"}[1m]))',
                    '2XX Success Rate',
                    ref_id='D',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Request rate by Method (per sec)',
            [
                h.prom(
                    'sum by(method) (irate(api_request_total[1m]))',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 10, 'step': 10},
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'drawStyle': 'bars',
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 100,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Apdex Score: target 25ms, tolerated: 100ms',
            [
                h.prom(
                    '(\n  sum(irate(api_request_duration_milliseconds_bucket{le="25",code=~"^2..$"}[1m]))\n+\n  (sum(irate(api_request_duration_milliseconds_bucket{le="100",code=~"^2..$"}[1m]))/2)\n) / sum(irate(api_request_duration_milliseconds_count[1m]))',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Request Duration (%)',
            [
                h.prom(
                    '( sum(irate(api_request_duration_milliseconds_bucket{le="5"}[1m])) /  sum(irate(api_request_duration_milliseconds_count[1m])) ) * 100',
                    'Duration < 5ms (%)',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    '( sum(irate(api_request_duration_milliseconds_bucket{le="10"}[1m])) /  sum(irate(api_request_duration_milliseconds_count[1m])) ) * 100',
                    'Duration < 10ms (%)',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    '( sum(irate(api_request_duration_milliseconds_bucket{le="50"}[1m])) /  sum(irate(api_request_duration_milliseconds_count[1m])) ) * 100',
                    'Duration < 50ms (%)',
                    ref_id='C',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    '( sum(irate(api_request_duration_milliseconds_bucket{le="100"}[1m])) /  sum(irate(api_request_duration_milliseconds_count[1m])) ) * 100',
                    'Duration < 100ms (%)',
                    ref_id='D',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Top 3 API calls (by path)',
            [
                h.prom(
                    'topk(3, sum(irate(api_request_total[1m])) by (path))',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'transparent': True,
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Top 3 API Error Calls ( 5XX, by path)',
            [
                h.prom(
                    'topk(3, sum(irate(api_request_total{code=~"^5..$"}[1m])) by (path))',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=12,
            height=7,
            overrides={
                'transparent': True,
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'drawStyle': 'bars',
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 100,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
    ],
)
