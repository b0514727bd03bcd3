"""The `__inputs` of a Grafana.com export, as variables of the imported dashboard. Pure.

A Grafana.com export names its datasource `${DS_X}` and declares DS_X in `__inputs`, which
Grafana's import UI replaces by a chosen datasource. `vobs build` drops `__inputs` and publishes
through the API, which replaces nothing: so each datasource input the dashboard refers to becomes a
datasource variable of its plugin type (unless a variable of that name exists), and `${DS_X}`
resolves. A `constant` input (`${VAR_X}`, a value the importer is asked for, its default in
`value`) becomes a hidden constant variable holding that default, as Grafana's import would
substitute it. An input nothing refers to (a dashboard whose panels moved to its own
`${datasource}` variable, its `__inputs` left behind) makes no variable: it would be a second,
unused datasource picker, which `vobs validate` reports as `variable/unused`.
"""

from __future__ import annotations

import re
from typing import Any

from vertice_obs.checks.walk import references, strings

# What declares the inputs, not what uses them.
_DECLARING = frozenset({"__inputs", "__requires"})


def input_variables(out: dict[str, Any], notes: list[str]) -> None:
    """Add to `out`'s variables one per input it refers to (see the module), and a note for each
    input it makes a variable of or leaves out."""
    inputs = out.get("__inputs") if isinstance(out.get("__inputs"), list) else []
    templating = out.get("templating") if isinstance(out.get("templating"), dict) else {}
    variables = templating.get("list") if isinstance(templating.get("list"), list) else []
    names = {v.get("name") for v in variables if isinstance(v, dict)}
    used = {name for _, text in strings(out, skip=_DECLARING) for name in references(text)} if inputs else set()
    added = []
    for entry in inputs:
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and re.fullmatch(r"\w+", entry["name"])
                and entry["name"] not in names):
            continue
        if entry.get("type") == "datasource" and isinstance(entry.get("pluginId"), str):
            variable = {"type": "datasource", "name": entry["name"], "query": entry["pluginId"]}
            note = (f"__inputs {entry['name']} → datasource variable (type {entry['pluginId']}): the "
                    f"exported dashboard's ${{{entry['name']}}} resolves to a datasource of that type")
        elif entry.get("type") == "constant" and isinstance(entry.get("value"), str):
            variable = {"type": "constant", "name": entry["name"], "query": entry["value"], "hide": 2}
            note = (f"__inputs {entry['name']} → hidden constant variable {entry['value']!r} (the input's "
                    f"default): change it in the module if this Grafana needs another value")
        else:
            continue
        names.add(entry["name"])
        if entry["name"] not in used:
            notes.append(f"__inputs {entry['name']}: no variable made, as nothing in the dashboard refers to "
                         f"${{{entry['name']}}}")
            continue
        if isinstance(entry.get("label"), str) and entry["label"]:
            variable["label"] = entry["label"]
        added.append(variable)
        notes.append(note)
    if added:
        out["templating"] = {**templating, "list": [*added, *variables]}
