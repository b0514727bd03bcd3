"""`strict_json`'s fast path (orjson) writes what the careful path (Python's json) writes, byte for
byte, notes included; and it is the path exports take (issue 12: the JSON text was a third of a build)."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vertice_obs.guard import text
from vertice_obs.guard.text import strict_json

_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                    st.sampled_from([1e16, -1e-05, 2.5e-07, 1e22, 0.0001, 123456789012345678.0, 5e-324, -0.0,
                                     "\ud800", "a\u2028b", "\x7f", "\u202e", "x\": 1e5,", "\U0001F600", "\uffff",
                                     "null", "1e16", "\x85", "\u2067", "— ◀ é"]))
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=4), st.sampled_from(["\U0001F600", "\ue000", "é", "a\": 1e5,"])),
                    inner, max_size=4)), max_leaves=12)


def _careful(value, **kwargs) -> tuple[str, list[str]]:
    """The path without orjson: what strict_json wrote before the fast path."""
    notes: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "_fast_json", lambda *_: None)
        return strict_json(value, notes=notes, **kwargs), notes


@settings(max_examples=500, deadline=None)
@given(value=_VALUE, sort_keys=st.booleans())
@example(value={"max": float("nan"), "n": None}, sort_keys=True)  # a null beside a NaN
@example(value=[1e16, 1e-05, {"a": -2.5e-07}], sort_keys=True)
@example(value={"big": 2**64, "small": -2**63 - 1}, sort_keys=True)
def test_the_fast_path_writes_what_the_careful_path_writes(value, sort_keys):
    notes: list[str] = []
    fast = strict_json(value, notes=notes, sort_keys=sort_keys)
    assert (fast, notes) == _careful(value, sort_keys=sort_keys)


def test_exports_take_the_fast_path():
    """A rendered dashboard (strings, ints, finite floats, no null) is written by orjson."""
    model = {"title": "Überblick ◀", "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                                                 "fieldConfig": {"defaults": {"max": 0.75, "min": 0}}}],
             "tags": [], "links": [{}]}
    fast = text._fast_json(model, 2, True)
    assert fast is not None
    assert fast == json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("value", [{"x": float("nan"), "y": None}, [float("inf"), None], {"n": 1e16}, [2**64],
                                   {"s": "\ud800"}, {1: "a"}])
def test_what_orjson_would_write_otherwise_takes_the_careful_path(value):
    assert text._fast_json(value, 2, True) is None


@settings(max_examples=500, deadline=None)
@given(value=_VALUE, sort_keys=st.booleans())
@example(value={"max": float("nan"), "n": None}, sort_keys=True)
def test_json_bytes_are_jsons_bytes_or_none(value, sort_keys):
    """What publish hashes and diff compares (`canonical_text`): json's text exactly, never orjson's
    own spelling — a changed byte would make every published dashboard read as drifted."""
    out = text.json_bytes(value, sort_keys)
    if out is not None:
        assert out.decode() == json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False)


def test_the_content_hash_is_the_one_json_gives():
    """Dashboards published before the orjson path keep their hash (no false drift)."""
    import hashlib

    from vertice_obs.grafana.normalize import canonical_text, content_hash, normalize

    model = {"uid": "u", "title": "Überblick", "panels": [{"id": 1, "type": "stat", "title": "x",
                                                          "fieldConfig": {"defaults": {"max": 1e-05}}}]}
    old = json.dumps(normalize(model), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert canonical_text(model) == old
    assert content_hash(model) == hashlib.sha256(old.encode()).hexdigest()[:16]
