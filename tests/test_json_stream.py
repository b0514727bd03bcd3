"""Streamed JSON output is `strict_json`'s text, byte for byte (issue 10: memory at 100,000 findings)."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.guard.text import strict_json, strict_json_stream

_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**1030, max_value=2**1030),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
                    st.sampled_from(["\ud800", "a\u2028b", "\x7f", "\u202e", "~/"]))
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=8)
_KEYS = st.sampled_from(["available", "checked", "dashboards", "queries", "schema", "source", "unreadable", "a",
                         "z", "notez", "note"])


def _streamed(head, items, batch: int = 512) -> str:
    out: list[str] = []
    strict_json_stream(head, "findings", iter(items), out.append, batch=batch)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(head=st.dictionaries(_KEYS, _VALUE, max_size=5), items=st.lists(_VALUE, max_size=7),
       batch=st.integers(min_value=1, max_value=4))
@example(head={}, items=[], batch=512)
@example(head={"source": float("nan")}, items=[{"x": float("inf")}], batch=512)  # notes from the head and an item
@example(head={"z": 1}, items=[[]], batch=512)
@example(head={}, items=[{"a": 1}, {"b": float("nan")}, {"c": "\u2028"}, [], {"d": [1, {}]}], batch=2)
def test_the_stream_writes_what_strict_json_writes(head, items, batch):
    """Batches orjson writes whole and batches it cannot (a NaN, a lone surrogate) go item by item."""
    assert _streamed(head, items, batch) == strict_json({**head, "findings": items}, notes_key="notes")


def test_the_validate_json_is_the_same_streamed(tmp_path):
    from vertice_obs.finding import Finding, Location, Severity
    from vertice_obs.output import findings_json, write_findings_json

    findings = [Finding("metric/missing", Severity.WARNING, f"m{i} \u2028 is missing",
                        Location(file=f"d{i % 3}.json", line=i + 1, column=2), metric=f"m{i}",
                        details=(("value", float("nan") if i == 2 else i),)) for i in range(7)]
    chunks: list[str] = []
    write_findings_json(chunks.append, findings, schema="vobs.validate/1", source="s", dashboards=3)
    text = "".join(chunks)
    assert text == findings_json(findings, schema="vobs.validate/1", source="s", dashboards=3)
    (note,) = json.loads(text)["notes"]
    assert note.endswith("/details/value: NaN written as null (JSON has no NaN or Infinity)")
