"""`checks.walk`'s string walks against a plain recursive walk of the same value (fuzzed)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.checks.walk import strings, texts

FAST = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.sampled_from(["a", "b", "templating", "current", "$x", ""])
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=5)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=40)
SKIPS = st.sampled_from([frozenset(), frozenset({"templating"}), frozenset({"a", "current"})])


def _plain(value, path, skip):
    """Every string under `value` with its path, in document order (recursive: small values only)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _plain(item, path + (key,), skip)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _plain(item, path + (index,), skip)


@FAST
@given(VALUES, SKIPS, st.sampled_from([(), ("panels", 0)]))
def test_strings_are_every_string_with_its_path_in_document_order(value, skip, path):
    assert list(strings(value, path, skip)) == list(_plain(value, path, skip))


@FAST
@given(VALUES, SKIPS)
def test_texts_are_the_same_strings_without_paths(value, skip):
    assert Counter(texts(value, skip)) == Counter(s for _, s in _plain(value, (), skip))


def test_a_deep_value_never_recurses():
    deep: list = ["$x"]
    for _ in range(5_000):  # past the recursion limit (paths, one a level, grow with the depth squared)
        deep = [deep, "y"]
    assert len(list(strings(deep))) == len(list(texts(deep))) == 5_001
