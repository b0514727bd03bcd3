"""Grafana's variable formats (`${v:fmt}`): several values joined, and a dropdown that lists nothing. Pure.

A dropdown that lists nothing gets, in Grafana 11 and 12 (scenes' `MultiValueVariable`,
grafana/scenes `packages/scenes/src/variables/variants/MultiValueVariable.ts`,
`getStateUpdateGivenNewOptions`, since scenes#595, 2024-02): the value `''` (single value), `[]`
(multi-value), or All (Include All) — which `getValue` turns into its allValue (`CustomAllValue`), else
into the options' values: `[]` again, shown as the text "All". Each format then writes (grafana/scenes
`packages/scenes/src/variables/interpolation/formatRegistry.ts`; `sceneInterpolator.ts` `formatValue`,
which takes an unknown format for `glob`):

| format                                      | `''` (single)        | `[]` (multi) | All, no allValue |
|---------------------------------------------|----------------------|--------------|------------------|
| none (Prometheus' `interpolateQueryExpr`)   | (empty)              | `()`         | `()`             |
| regex                                       | (empty)              | `()`         | `()`             |
| lucene                                      | (empty)              | `__empty__`  | `__empty__`      |
| json                                        | (empty)              | `[]`         | `[]`             |
| percentencode, uriencode                    | (empty)              | `%7B%7D`     | `%7B%7D`         |
| singlequote / doublequote / sqlstring       | `''` / `""` / `''`   | (empty)      | (empty)          |
| text                                        | (empty)              | (empty)      | `All`            |
| queryparam                                  | `var-v=`             | (empty)      | `var-v=$__all`   |
| date                                        | `NaN`                | `NaN`        | `NaN`            |
| customqueryparam (`:name:prefix`)           | `name=prefix` (`v=`) | (empty)      | (empty)          |
| pipe, csv, raw, glob, distributed, html, join, any other | (empty) | (empty)      | (empty)          |

No format, the Prometheus datasource's own (grafana/grafana
`packages/grafana-prometheus/src/datasource.ts`, `interpolateQueryExpr`; before 11 in
`public/app/plugins/datasource/prometheus/datasource.ts`): a variable neither multi-value nor Include
All as it is (`prometheusRegularEscape`), else each value regex-escaped, one alone, several — or none —
as `(a|b)`. An allValue (`CustomAllValue.formatter`) is written as it is for every format but `text`
("All"), `percentencode` (percent-encoded) and `queryparam` (`var-v=$__all`).

Grafana 9 and 10 (and 11's dashboards before scenes) gave a query that lists nothing, without Include
All, the one option None, value `''` (grafana/grafana `public/app/features/variables/query/reducer.ts`,
`updateVariableOptions`; `NONE_VARIABLE_VALUE`): multi-value `['']`, written `""` with no format (not
`()`), `[""]` by `json`, `("")` by `lucene`, "None" by `text`. In a regex matcher `""` and `()` match
the same (the empty value); in an equality matcher `x="()"` matches nothing. vobs writes what scenes writes.
"""

from __future__ import annotations

import json
from urllib.parse import quote

ALL_TEXT = "All"  # ALL_VARIABLE_TEXT
ALL_VALUE = "$__all"  # ALL_VARIABLE_VALUE, as a URL holds it (toUrlParams leaves `$` alone)
_JOINED = {"csv": ",", "raw": ",", "join": ",", "text": " + ", "pipe": "|"}  # raw: a JS array's String()
_QUOTING = {"singlequote": "'", "doublequote": '"'}
# an empty list, by format id (any other format, and an unknown one — Grafana's glob — writes "")
_EMPTY_LIST = {"regex": "()", "lucene": "__empty__", "json": "[]", "percentencode": "%7B%7D",
               "uriencode": "%7B%7D", "date": "NaN"}
# the single value '' — written "" but by these
_EMPTY_STRING = {"singlequote": "''", "doublequote": '""', "sqlstring": "''", "date": "NaN"}


def formatted(fmt: str | None, values: tuple[str, ...]) -> str:
    """`${v:fmt}` as Grafana's format registry writes it (`regex` aside): one value as it is (but
    quoted by the quoting formats), several joined as each format joins them. An unknown format
    (or none) joins with `|`."""
    if fmt == "sqlstring":  # a quote paired, a double quote escaped
        return ",".join("'" + x.replace("'", "''").replace('"', '\\"') + "'" for x in values)
    if fmt in _QUOTING:
        mark = _QUOTING[fmt]
        return ",".join(mark + x.replace(mark, "\\" + mark) + mark for x in values)
    if len(values) == 1:
        return values[0]
    if fmt == "glob":
        return "{" + ",".join(values) + "}"
    if fmt == "json":
        return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    return _JOINED.get(fmt or "", "|").join(values)


def written_empty(fmt: str | None, name: str, several: bool, chosen_all: bool) -> str:
    """What Grafana writes for `${name:fmt}` when its dropdown lists nothing (the table above):
    `several` — multi-value or Include All, whose value is then a list, `[]` — and `chosen_all` —
    Include All without an allValue (All over no options) — else the single value `''`."""
    kind = (fmt or "").split(":", 1)[0]  # `date:iso`, `join:;`: the format's id, then its arguments
    if kind == "queryparam":  # `toUrlParams({var-v: value})`: a key per value, so none for `[]`
        return f"var-{name}={ALL_VALUE}" if chosen_all else ("" if several else f"var-{name}=")
    if kind == "text":
        return ALL_TEXT if chosen_all else ""
    if kind == "customqueryparam" and not several:  # `${v:customqueryparam:name:prefix}`: name=prefix
        args = [*(fmt or "").split(":")[1:], "", ""]
        return f"{quote(args[0] or name, safe='')}={quote(args[1], safe='')}"
    if not several:
        return _EMPTY_STRING.get(kind, "")
    return "()" if fmt is None else _EMPTY_LIST.get(kind, "")


def written_all_value(fmt: str | None, name: str, all_value: str) -> str:
    """What Grafana writes for `${name:fmt}` when All stands for its custom allValue (scenes'
    `CustomAllValue.formatter`): the allValue as it is, but for `text`, `percentencode` and `queryparam`."""
    kind = (fmt or "").split(":", 1)[0]
    if kind == "text":
        return ALL_TEXT
    if kind == "percentencode":
        return quote(all_value, safe="")  # encodeURIComponentStrict: `!'()*` encoded too
    if kind == "queryparam":
        return f"var-{name}={ALL_VALUE}"
    return all_value
