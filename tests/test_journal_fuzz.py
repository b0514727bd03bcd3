"""Property: `chaos report`'s journal check is complete. Whatever one hand-edit or hostile change
does to a journal — any field replaced by any JSON value, removed, or a list emptied — either
`check_journal` names the field (`MalformedJournal`), or the report's analysis, Markdown and HTML
are made from it without any other exception. (`write_report` would otherwise blame vobs' own
defects on the journal, or fail past the check with an internal error.) Plots are left out: they
take ~1 s each; `tests/hostile/test_chaos_hostile.py` draws the journals that once broke them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vertice_obs.chaos.journal_check import MalformedJournal, check_journal
from vertice_obs.chaos.render import render_html, render_markdown
from vertice_obs.chaos.report import analyse

JOURNAL = json.loads((Path(__file__).parent / "data" / "chaos-journal-unversioned.json").read_text())


def _version_3(journal: dict) -> dict:
    """The same journal with what schema version 3 added: `settle_from`, each probe's
    `window_seconds`, a step the run's stop cut short, and revert events with their attempts."""
    newer = copy.deepcopy(journal) | {"schema_version": 3, "settle_from": "window", "status": "aborted"}
    for probe in newer["scenarios"][0]["probes"]:
        probe["window_seconds"] = 2.0
    step = newer["scenarios"][0]["steps"][-1]
    step["cut_short"] = {"during": "recover", "at": step["phases"]["recover"][1]}
    newer["events"] += [{"t": step["phases"]["recover"][1], "kind": "revert-failed", "scenario": "streaming-latency",
                         "step": "5s", "attempt": 1, "message": "HTTP 500", "gave_up": True,
                         "by_hand": "curl -fsS -X DELETE http://t/fault/latency"}]
    return newer


JOURNAL_3 = _version_3(JOURNAL)


def _paths(node, at=()):
    """Every path to a value in the journal (sample lists are long: their first two samples only)."""
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:2]):
            yield from _paths(value, (*at, i))


PATHS = [p for p in _paths(JOURNAL) if p]
PATHS_3 = [p for p in _paths(JOURNAL_3) if p]
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70)
                    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
                    | st.sampled_from(["", "2026-11-26T10:04:50+00:00", "2026-11-26T10:04:50", "0001-01-01T00:00:00Z",
                                       "9999-12-31T23:59:59+14:00", "x", "..", "a/b", "<", ">=", "fault"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)
EDIT = st.tuples(st.sampled_from(PATHS), st.sampled_from(["set", "delete", "empty"]), JSON)
EDIT_3 = st.tuples(st.sampled_from(PATHS_3), st.sampled_from(["set", "delete", "empty"]), JSON)


def _edited(edits, original: dict = JOURNAL) -> dict:
    journal = copy.deepcopy(original)
    for path, how, value in edits:
        node = journal
        try:
            for key in path[:-1]:
                node = node[key]
            last = path[-1]
            if how == "delete":
                del node[last]
            elif how == "empty" and isinstance(node[last], (list, dict)):
                node[last] = type(node[last])()
            else:
                node[last] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit took this path away
    return journal


class _AnyPlot(dict):
    """The plots `write_report` would draw: some PNG bytes for whatever the page asks."""

    def __missing__(self, key):
        return b"\x89PNG"


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDIT, min_size=1, max_size=3))
def test_a_journal_the_check_passes_is_one_the_report_can_read(edits):
    _reads_or_is_refused(_edited(edits))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDIT_3, min_size=1, max_size=3))
@example([(("scenarios", 0, "steps", 1, "cut_short", "during"), "set", [])])  # found: a list is no dict key
def test_a_version_3_journal_the_check_passes_is_one_the_report_can_read(edits):
    _reads_or_is_refused(_edited(edits, JOURNAL_3))


def _reads_or_is_refused(journal: dict) -> None:
    try:
        check_journal(journal)
    except MalformedJournal as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    report = analyse(journal)  # anything raised here is a field the check let through
    assert render_markdown(report)
    assert render_html(report, _AnyPlot())


def test_the_unedited_journal_reads():
    """The property's other side is not empty: the journal as written passes and renders."""
    check_journal(JOURNAL)
    assert "streaming-latency" in render_markdown(analyse(JOURNAL)).replace("\\-", "-")
    assert "data:image/png;base64" in render_html(analyse(JOURNAL), _AnyPlot())
    check_journal(JOURNAL_3)
    markdown = render_markdown(analyse(JOURNAL_3)).replace("\\", "")
    assert "| 5s (cut short) |" in markdown and "revert it by hand: curl -fsS -X DELETE" in markdown


# --- the journal as a file: any bytes are a journal or one located error; `chaos compare` of two ----------
_RAW = st.one_of(st.binary(max_size=60), JSON.map(lambda v: json.dumps(v).encode()),
                 st.sampled_from([b"[" * 100_000, b"\xef\xbb\xbf{}", b'{"run": {}, "scenarios": NaN}', b"\xff",
                                  b'{"run": {}, "scenarios": []}', b'{"run": 1, "scenarios": {"a": "\\ud800"}}']))


@settings(max_examples=200, deadline=2000, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=_RAW)
@example(raw=b"[" * 100_000)  # too deep for JSON, then asked whether it is a Chaos Day file: PyYAML recursed
@example(raw=b"id: day\nscenarios: []\n")  # a Chaos Day file given for its journal: said so
def test_any_file_read_back_as_a_journal_is_one_or_one_located_error(tmp_path_factory, raw):
    from vertice_obs.chaos.report import read_journal
    from vertice_obs.errors import InputError

    path = tmp_path_factory.mktemp("j") / "journal.json"
    path.write_bytes(raw)
    try:
        journal = read_journal(path, "journal.json")
    except InputError as exc:
        assert str(exc).startswith("journal.json") and "\n" not in str(exc)
    else:
        assert isinstance(journal, dict) and "run" in journal and "scenarios" in journal
        _reads_or_is_refused(journal)


@settings(max_examples=100, deadline=5000, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT_3, min_size=1, max_size=2), first=st.booleans())
def test_chaos_compare_of_any_edited_journal_compares_or_is_one_located_error(tmp_path_factory, edits, first):
    from vertice_obs.chaos.compare import compare_files
    from vertice_obs.errors import InputError

    folder = tmp_path_factory.mktemp("c")
    newer = copy.deepcopy(JOURNAL_3) | {"started": "2026-11-27T10:00:00+00:00"}
    old, new = folder / "old.json", folder / "new.json"
    old.write_text(json.dumps(_edited(edits, JOURNAL_3) if first else JOURNAL_3))
    new.write_text(json.dumps(newer if first else _edited(edits, newer)))
    try:
        compare_files(old, new, folder / "out")
    except InputError as exc:
        assert "\n" not in str(exc)
