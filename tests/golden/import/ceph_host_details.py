'Host Details: imported by `vobs import` from tests/data/public/ceph/host-details.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (9 panels): legacy keys carried over: aliasColors, fill, linewidth, points,
#   seriesOverrides, tooltip, yaxes; legacy keys dropped: bars, dashLength, dashes, fillGradient, legend,
#   lines, nullPointMode, percentage, pointradius, renderer, spaceLength, stack, steppedLine, thresholds,
#   xaxis; carried into fieldConfig.defaults: custom, unit; carried into fieldConfig.defaults.custom:
#   axisLabel, fillOpacity, lineWidth, showPoints; carried into fieldConfig.overrides: 16 rules
#   (seriesOverrides, aliasColors); options set: tooltip
# - singlestat → stat (2 panels): legacy keys carried over: colors, format, valueMaps, valueName; legacy keys
#   dropped: colorBackground, colorValue, gauge, mappingType, mappingTypes, nullPointMode, postfix,
#   postfixFontSize, prefix, prefixFontSize, rangeMaps, sparkline, tableColumn, thresholds, valueFontSize;
#   carried into fieldConfig.defaults: mappings, thresholds, unit; options set: colorMode, graphMode,
#   reduceOptions
# - kept as they are, every setting in the call's `overrides` (no house-style call, and no migration here:
#   Grafana migrates these itself or needs their plugin): table (angular, with `styles`) (1 panel)
# - positions reflowed by the house layout (reading order and sizes kept)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'rtOg0AiWz',
    'Host Details',
    description='',
    tags=['ceph-mixin', 'overview'],
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
            'label': 'Hostname',
            'multi': False,
            'name': 'ceph_hosts',
            'options': [],
            'query': 'label_values(instance)',
            'refresh': 1,
            'regex': '([^.:]*).*',
            'sort': 3,
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
    time={'from': 'now-1h', 'to': 'now'},
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
            '$ceph_hosts System Overview',
            [
                h.panel(
                    'stat',
                    'OSDs',
                    [
                        h.prom(
                            'count(sum by (ceph_daemon) (ceph_osd_metadata{job=~"$job", hostname=\'$ceph_hosts\'}))',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='none',
                    thresholds=[(None, '#299c46')],
                    width=3,
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
                    'timeseries',
                    'CPU Utilization',
                    [
                        h.prom(
                            'sum by (mode) (\n  rate(node_cpu{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?", mode=~"(irq|nice|softirq|steal|system|user|iowait)"}[$__rate_interval]) or\n  rate(node_cpu_seconds_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?", mode=~"(irq|nice|softirq|steal|system|user|iowait)"}[$__rate_interval])\n) / (\n  scalar(\n    sum(rate(node_cpu{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n    rate(node_cpu_seconds_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]))\n  ) * 100\n)\n',
                            '{{mode}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description="Shows the CPU breakdown. When multiple servers are selected, only the first host's cpu data is shown",
                    datasource=DATASOURCE,
                    unit='percent',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'interrupt'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#447EBC'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'steal'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#6D1F62'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'system'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#890F02'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'user'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3F6833'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'wait'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#C15C17'}}],
                        },
                    ],
                    width=6,
                    height=10,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': '% Utilization',
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
                    'RAM Usage',
                    [
                        h.prom(
                            'node_memory_MemFree{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_MemFree_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n',
                            'Free',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'node_memory_MemTotal{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_MemTotal_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n',
                            'total',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            '(\n  node_memory_Cached{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_Cached_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n) + (\n  node_memory_Buffers{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_Buffers_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n) + (\n  node_memory_Slab{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_Slab_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n)\n',
                            'buffers/cache',
                            ref_id='C',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            '(\n  node_memory_MemTotal{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n  node_memory_MemTotal_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n) - (\n  (\n    node_memory_MemFree{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n    node_memory_MemFree_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n  ) + (\n    node_memory_Cached{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n    node_memory_Cached_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n  ) + (\n    node_memory_Buffers{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n    node_memory_Buffers_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n  ) +\n  (\n    node_memory_Slab{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"} or\n    node_memory_Slab_bytes{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}\n  )\n)\n',
                            'used',
                            ref_id='D',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='bytes',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'total'},
                            'properties': [
                                {'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#bf1b00'}},
                                {'id': 'custom.fillOpacity', 'value': 0},
                                {'id': 'custom.lineWidth', 'value': 2},
                                {'id': 'custom.stacking', 'value': {'mode': 'none'}},
                            ],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Available'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#508642'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Free'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#508642'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Total'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#bf1b00'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Used'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#bf1b00'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'used'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#0a50a1'}}],
                        },
                    ],
                    width=6,
                    height=10,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'RAM used',
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
                    'Network Load',
                    [
                        h.prom(
                            'sum by (device) (\n  rate(\n    node_network_receive_bytes{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?",device!="lo"}[$__rate_interval]) or\n    rate(node_network_receive_bytes_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?",device!="lo"}[$__rate_interval]\n  )\n)\n',
                            '{{device}}.rx',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'sum by (device) (\n  rate(node_network_transmit_bytes{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?",device!="lo"}[$__rate_interval]) or\n  rate(node_network_transmit_bytes_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?",device!="lo"}[$__rate_interval])\n)\n',
                            '{{device}}.tx',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description="Show the network load (rx,tx) across all interfaces (excluding loopback 'lo')",
                    datasource=DATASOURCE,
                    unit='decbytes',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*tx/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=6,
                    height=10,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Send (-) / Receive (+)',
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
                    'Network drop rate',
                    [
                        h.prom(
                            'rate(node_network_receive_drop{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n  rate(node_network_receive_drop_total{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval])\n',
                            '{{device}}.rx',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(node_network_transmit_drop{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n  rate(node_network_transmit_drop_total{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval])\n',
                            '{{device}}.tx',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='pps',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*tx/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=3,
                    height=5,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Send (-) / Receive (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'stat',
                    'Raw Capacity',
                    [
                        h.prom(
                            'sum(\n  ceph_osd_stat_bytes{job=~"$job"} and\n    on (ceph_daemon) ceph_disk_occupation{job=~"$job", instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}\n)\n',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description='Each OSD consists of a Journal/WAL partition and a data partition. The RAW Capacity shown is the sum of the data partitions across all OSDs on the selected OSD hosts.',
                    datasource=DATASOURCE,
                    unit='bytes',
                    thresholds=[(None, '#299c46')],
                    width=3,
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
                    'timeseries',
                    'Network error rate',
                    [
                        h.prom(
                            'rate(node_network_receive_errs{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n  rate(node_network_receive_errs_total{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval])\n',
                            '{{device}}.rx',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(node_network_transmit_errs{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n  rate(node_network_transmit_errs_total{instance=~"$ceph_hosts([\\\\\\\\.:].*)?"}[$__rate_interval])\n',
                            '{{device}}.tx',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='pps',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*tx/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=3,
                    height=5,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Send (-) / Receive (+)',
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
            'OSD Disk Performance Statistics',
            [
                h.panel(
                    'timeseries',
                    '$ceph_hosts Disk IOPS',
                    [
                        h.prom(
                            'label_replace(\n  (\n    rate(node_disk_writes_completed{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n    rate(node_disk_writes_completed_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])\n  ), "instance", "$1", "instance", "([^:.]*).*"\n) * on(instance, device) group_left(ceph_daemon) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job"}, "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}}({{ceph_daemon}}) writes',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'label_replace(\n  (\n    rate(node_disk_reads_completed{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n    rate(node_disk_reads_completed_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])\n  ), "instance", "$1", "instance", "([^:.]*).*"\n) * on(instance, device) group_left(ceph_daemon) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{job=~"$job"},"device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}}({{ceph_daemon}}) reads',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description="For any OSD devices on the host, this chart shows the iops per physical device. Each device is shown by it's name and corresponding OSD id value",
                    datasource=DATASOURCE,
                    unit='ops',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*reads/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=11,
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
                    '$ceph_hosts Throughput by Disk',
                    [
                        h.prom(
                            'label_replace(\n  (\n    rate(node_disk_bytes_written{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n    rate(node_disk_written_bytes_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])\n  ), "instance", "$1", "instance", "([^:.]*).*") * on(instance, device)\n  group_left(ceph_daemon) label_replace(\n    label_replace(ceph_disk_occupation_human{job=~"$job"}, "device", "$1", "device", "/dev/(.*)"),\n    "instance", "$1", "instance", "([^:.]*).*"\n  )\n',
                            '{{device}}({{ceph_daemon}}) write',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'label_replace(\n  (\n    rate(node_disk_bytes_read{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) or\n    rate(node_disk_read_bytes_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])\n  ),\n  "instance", "$1", "instance", "([^:.]*).*") * on(instance, device)\n  group_left(ceph_daemon) label_replace(\n    label_replace(ceph_disk_occupation_human{job=~"$job"}, "device", "$1", "device", "/dev/(.*)"),\n    "instance", "$1", "instance", "([^:.]*).*"\n  )\n',
                            '{{device}}({{ceph_daemon}}) read',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description='For OSD hosts, this chart shows the disk bandwidth (read bytes/sec + write bytes/sec) of the physical OSD device. Each device is shown by device name, and corresponding OSD id',
                    datasource=DATASOURCE,
                    unit='Bps',
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*read/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=11,
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
                    '$ceph_hosts Disk Latency',
                    [
                        h.prom(
                            'max by(instance, device) (label_replace(\n  (rate(node_disk_write_time_seconds_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])) /\n    clamp_min(rate(node_disk_writes_completed_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]), 0.001) or\n    (rate(node_disk_read_time_seconds_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval])) /\n      clamp_min(rate(node_disk_reads_completed_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]), 0.001),\n  "instance", "$1", "instance", "([^:.]*).*"\n)) * on(instance, device) group_left(ceph_daemon) label_replace(\n  label_replace(\n    ceph_disk_occupation_human{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"},\n    "device", "$1", "device", "/dev/(.*)"\n  ), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}}({{ceph_daemon}})',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description="For OSD hosts, this chart shows the latency at the physical drive. Each drive is shown by device name, with it's corresponding OSD id",
                    datasource=DATASOURCE,
                    unit='s',
                    width=11,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
                    },
                ),
                h.panel(
                    'timeseries',
                    '$ceph_hosts Disk utilization',
                    [
                        h.prom(
                            'label_replace(\n  (\n    (rate(node_disk_io_time_ms{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) / 10) or\n    rate(node_disk_io_time_seconds_total{instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"}[$__rate_interval]) * 100\n  ), "instance", "$1", "instance", "([^:.]*).*"\n) * on(instance, device) group_left(ceph_daemon) label_replace(\n  label_replace(ceph_disk_occupation_human{job=~"$job", instance=~"($ceph_hosts)([\\\\\\\\.:].*)?"},\n  "device", "$1", "device", "/dev/(.*)"), "instance", "$1", "instance", "([^:.]*).*"\n)\n',
                            '{{device}}({{ceph_daemon}})',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    description='Show disk utilization % (util) of any OSD devices on the host by the physical device name and associated OSD id.',
                    datasource=DATASOURCE,
                    unit='percent',
                    width=11,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': '%Util',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'table',
                    'Top Slow Ops per Host',
                    [
                        h.prom(
                            'topk(10,\n  (sum by (instance)(ceph_daemon_health_metrics{type="SLOW_OPS", ceph_daemon=~"osd.*"}))\n)\n',
                            ref_id='A',
                            overrides={'format': 'table', 'instant': True, 'intervalFactor': 1},
                        ),
                    ],
                    description='This table shows the 10 hosts with the highest number of slow ops',
                    datasource=DATASOURCE,
                    width=4,
                    height=8,
                    overrides={
                        'columns': [],
                        'sort': {'col': 2, 'desc': True},
                        'styles': [
                            {
                                'alias': 'Instance',
                                'colorMode': None,
                                'colors': [
                                    'rgba(245, 54, 54, 0.9)',
                                    'rgba(237, 129, 40, 0.89)',
                                    'rgba(50, 172, 45, 0.97)',
                                ],
                                'dateFormat': 'YYYY-MM-DD HH:mm:ss',
                                'decimals': 2,
                                'mappingType': 1,
                                'pattern': 'instance',
                                'thresholds': [],
                                'type': 'string',
                                'unit': 'short',
                                'valueMaps': [],
                            },
                            {
                                'alias': 'Slow Ops',
                                'colorMode': None,
                                'colors': [
                                    'rgba(245, 54, 54, 0.9)',
                                    'rgba(237, 129, 40, 0.89)',
                                    'rgba(50, 172, 45, 0.97)',
                                ],
                                'dateFormat': 'YYYY-MM-DD HH:mm:ss',
                                'decimals': 2,
                                'mappingType': 1,
                                'pattern': 'Value',
                                'thresholds': [],
                                'type': 'number',
                                'unit': 'none',
                                'valueMaps': [],
                            },
                            {
                                'alias': '',
                                'colorMode': None,
                                'colors': [
                                    'rgba(245, 54, 54, 0.9)',
                                    'rgba(237, 129, 40, 0.89)',
                                    'rgba(50, 172, 45, 0.97)',
                                ],
                                'dateFormat': 'YYYY-MM-DD HH:mm:ss',
                                'decimals': 2,
                                'mappingType': 1,
                                'pattern': '/.*/',
                                'thresholds': [],
                                'type': 'hidden',
                                'unit': 'short',
                                'valueMaps': [],
                            },
                        ],
                        'transform': 'table',
                    },
                ),
            ],
            overrides={'collapse': False, 'showTitle': True, 'titleSize': 'h6'},
        ),
    ],
)
