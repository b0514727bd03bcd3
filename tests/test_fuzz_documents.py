"""Property-based fuzzing of the schema-checked YAML documents people write by hand — the metric
catalog, a narrative, a Chaos Day file and `.vobs-lint.yaml` — beyond the YAML reader itself
(`test_fuzz_parsers.py`): each starts from a valid document of its kind and gets one mutation (a
value replaced by any YAML value, a key dropped or added, a list emptied), as a person's typo
would. Whatever the mutation, the loader returns or raises `InputError` whose every line is
located in the file (`file:line: …`, or `file: …`) — never another exception: a traceback is what
a user must never see.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.build.narrative import load_narrative
from vertice_obs.chaos.scenario import load_run
from vertice_obs.errors import InputError
from vertice_obs.located_yaml import load_located
from vertice_obs.metrics.catalog import load_catalog
from vertice_obs.metrics.lint_config import parse_config

REPO = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=150, deadline=None, database=None,  # writes nothing into the repository
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["", "5m", "-1s", "1e400", "prod", "maximus_dopamine_level", "a{b}", "$x",
                                     "..", "../x", "/etc/passwd", "\x1b[31m", "\u202e", "9" * 40, "yes", "~"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=10)

LINT = """\
exclusions:
  promql/job-matcher:
  promql/rate-interval:
    reason: Top 10s are meant for the shown range.
    entries:
      - dashboard: ceph-cluster
        panel: Top 10 slowest OSDs
      - file: "rgw-*.json"
        target: B
"""


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every place in a document: the root, each mapping value and each list item."""
    out = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*at, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*at, index)))
    return out


def _mutate(doc: Any, data: st.DataObject) -> Any:
    """`doc` with one mutation at a place hypothesis chooses."""
    places = _paths(doc)
    at = data.draw(st.sampled_from(places))
    kind = data.draw(st.sampled_from(["replace", "drop", "add", "empty"]))
    if not at:
        return data.draw(VALUES) if kind == "replace" else doc
    parent = doc
    for step in at[:-1]:
        parent = parent[step]
    last = at[-1]
    if kind == "replace":
        parent[last] = data.draw(VALUES)
    elif kind == "drop":
        del parent[last]
    elif kind == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=12))] = data.draw(VALUES)
    elif kind == "empty":
        parent[last] = type(parent[last])() if isinstance(parent[last], (dict, list, str)) else None
    return doc


def _located(error: InputError, shown: str) -> bool:
    """Each line of the error names the file, or is the continuation a message may carry."""
    lines = str(error).splitlines()
    return bool(lines) and all(line.startswith(shown) or not line.strip() or line.startswith(" ") for line in lines)


def _fuzz(tmp_path: Path, data: st.DataObject, text: str, load: Callable[[Path, str], Any], name: str) -> None:
    doc = _mutate(yaml.safe_load(text), data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        load(path, name)
    except InputError as exc:
        assert _located(exc, name), f"not located in {name}: {exc!r}"
        assert "Traceback" not in str(exc) and not re.search(r"<[a-zA-Z_.]+ object at 0x", str(exc)), str(exc)


@FUZZ
@given(data=st.data())
def test_a_mutated_catalog_loads_or_is_a_located_error(tmp_path, data):
    _fuzz(tmp_path, data, (REPO / "narratives" / "metrics.yaml").read_text(), load_catalog, "metrics.yaml")


@FUZZ
@given(data=st.data())
def test_a_mutated_narrative_loads_or_is_a_located_error(tmp_path, data):
    _fuzz(tmp_path, data, (REPO / "narratives" / "dopamine.yaml").read_text(), load_narrative, "dopamine.yaml")


@FUZZ
@given(data=st.data())
def test_a_mutated_chaos_day_file_loads_or_is_a_located_error(tmp_path, data):
    _fuzz(tmp_path, data, (REPO / "chaos" / "chaos-day-1.yaml").read_text(), load_run, "chaos-day-1.yaml")


@FUZZ
@given(data=st.data())
def test_a_mutated_lint_file_loads_or_is_a_located_error(tmp_path, data):
    _fuzz(tmp_path, data, LINT, lambda path, shown: parse_config(load_located(path, shown), ""), ".vobs-lint.yaml")
