'OSD device details: imported by `vobs import` from tests/data/public/ceph/osd-device-details.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (7 panels): legacy keys carried over: fill, linewidth, points, seriesOverrides,
#   tooltip, yaxes; legacy keys dropped: aliasColors, bars, dashLength, dashes, fillGradient, legend, lines,
#   nullPointMode, percentage, pointradius, renderer, spaceLength, stack, steppedLine, thresholds, xaxis;
#   carried into fieldConfig.defaults: custom, unit; carried into fieldConfig.defaults.custom: axisLabel,
#   fillOpacity, lineWidth, showPoints; carried into fieldConfig.overrides: 6 rules (seriesOverrides,
#   aliasColors); options set: tooltip; not carried: nullPointMode 'null as zero' (a timeseries has no such
#   mode; Grafana's migration drops it too)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'CrAHE0iZz',
    'OSD device details',
    description='',
    tags=['ceph-mixin'],
    variables=[
        {
            'current': {'text': 'default', 'value': 'default'},
            'hide': 0,
            'label': 'Data Source',
            'name': 'datasource',
            'options': [],
            'query': 'prometheus',
            'refresh': 1,
            'regex': '',
            'type': 'datasource',
        },
        {
            'allValue': '.+',
            'current': {},
            'datasource': '$datasource',
            'hide': 2,
            'includeAll': True,
            'label': 'cluster',
            'multi': True,
            'name': 'cluster',
            'options': [],
            'query': 'label_values(ceph_osd_metadata, cluster)',
            'refresh': 1,
            'regex': '(.*)',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
        {
            'allValue': '.+',
            'current': {},
            'datasource': '$datasource',
            'hide': 0,
            'includeAll': True,
            'label': 'job',
            'multi': True,
            'name': 'job',
            'options': [],
            'query': 'label_values(ceph_osd_metadata{}, job)',
            'refresh': 1,
            'regex': '(.*)',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
        {
            'allValue': None,
            'current': {},
            'datasource': '$datasource',
            'hide': 0,
            'includeAll': False,
            'label': 'OSD',
            'multi': False,
            'name': 'osd',
            'options': [],
            'query': 'label_values(ceph_osd_metadata{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': '(.*)',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
    ],
    annotations=[
        {
            'builtIn': 1,
            'datasource': '-- Grafana --',
            'enable': True,
            'hide': True,
            'iconColor': 'rgba(0, 211, 255, 1)',
            'name': 'Annotations & Alerts',
            'showIn': 0,
            'tags': [],
            'type': 'dashboard',
        },
    ],
    links=[],
    time={'from': 'now-3h', 'to': 'now'},
    refresh='30s',
    timezone='',
    overrides={
        'editable': False,
        'graphTooltip': 0,
        'timepicker': {
            'refresh_intervals': ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d'],
            'time_options': ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'],
        },
    },
    panels=[
        h.row(
            'OSD Performance',
            [
                h.panel(
                    'timeseries',
                    '$osd Latency',
                    [
                        h.prom(
                            'rate(ceph_osd_op_r_latency_sum{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval]) /\n  on (ceph_daemon) rate(ceph_osd_op_r_latency_count{job=~"$job"}[$__rate_interval])\n',
                            'read',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_osd_op_w_latency_sum{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval]) /\n  on (ceph_daemon) rate(ceph_osd_op_w_latency_count{job=~"$job"}[$__rate_interval])\n',
                            'write',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='s',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'read'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    '$osd R/W IOPS',
                    [
                        h.prom(
                            'rate(ceph_osd_op_r{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval])',
                            'Reads',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_osd_op_w{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval])',
                            'Writes',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='short',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'Reads'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    '$osd R/W Bytes',
                    [
                        h.prom(
                            'rate(ceph_osd_op_r_out_bytes{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval])',
                            'Read Bytes',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_osd_op_w_in_bytes{job=~"$job", ceph_daemon=~"$osd"}[$__rate_interval])',
                            'Write Bytes',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='bytes',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'Read Bytes'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
            ],
            overrides={'collapse': False, 'showTitle': True, 'titleSize': 'h6'},
        ),
        h.row(
            'Physical Device Performance',
            [
                h.panel(
                    'timeseries',
                    'Physical Device Latency for $osd',
                    [
                        h.prom(
                            '(\n  label_replace(\n    rate(node_disk_read_time_seconds_total{}[$__rate_interval]) /\n      rate(node_disk_reads_completed_total{}[$__rate_interval]),\n    "instance", "$1", "instance", "([^:.]*).*"\n  ) and on (instance, device) label_replace(\n    label_replace(\n      ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"},\n      "device", "$1", "device", "/dev/(.*)"\n    ), "instance", "$1", "instance", "([^:.]*).*"\n  )\n)\n',
                            '{{instance}}/{{device}} Reads',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            '(\n  label_replace(\n    rate(node_disk_write_time_seconds_total{}[$__rate_interval]) /\n      rate(node_disk_writes_completed_total{}[$__rate_interval]),\n    "instance", "$1", "instance", "([^:.]*).*") and on (instance, device)\n    label_replace(\n      label_replace(\n        ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"}, "device", "$1", "device", "/dev/(.*)"\n      ), "instance", "$1", "instance", "([^:.]*).*"\n    )\n  )\n',
                            '{{instance}}/{{device}} Writes',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='s',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*Reads/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    'Physical Device R/W IOPS for $osd',
                    [
                        h.prom(
                            'label_replace(\n  rate(node_disk_writes_completed_total{}[$__rate_interval]),\n  "instance", "$1", "instance", "([^:.]*).*"\n) and on (instance, device) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"},\n    "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}} on {{instance}} Writes',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'label_replace(\n  rate(node_disk_reads_completed_total{}[$__rate_interval]),\n  "instance", "$1", "instance", "([^:.]*).*"\n) and on (instance, device) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"},\n    "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}} on {{instance}} Reads',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='short',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*Reads/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    'Physical Device R/W Bytes for $osd',
                    [
                        h.prom(
                            'label_replace(\n  rate(node_disk_read_bytes_total{}[$__rate_interval]), "instance", "$1", "instance", "([^:.]*).*"\n) and on (instance, device) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"},\n    "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{instance}} {{device}} Reads',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'label_replace(\n  rate(node_disk_written_bytes_total{}[$__rate_interval]), "instance", "$1", "instance", "([^:.]*).*"\n) and on (instance, device) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"},\n    "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{instance}} {{device}} Writes',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='Bps',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*Reads/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Read (-) / Write (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    'Physical Device Util% for $osd',
                    [
                        h.prom(
                            'label_replace(\n  rate(node_disk_io_time_seconds_total{}[$__rate_interval]),\n  "instance", "$1", "instance", "([^:.]*).*"\n) and on (instance, device) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job", ceph_daemon=~"$osd"}, "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}} on {{instance}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='percentunit',
                    width=6,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
                    },
                ),
            ],
            overrides={'collapse': False, 'showTitle': True, 'titleSize': 'h6'},
        ),
    ],
)
