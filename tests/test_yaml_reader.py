"""The located YAML reader reads through libyaml (C) under PyYAML's composer with vobs' depth
guard, and falls back to the pure-Python reader for what libyaml refuses (its messages name less).
Held here: both readers build the same nodes on any document both accept (the lines of empty
values aside: libyaml places them where the next token starts); what libyaml refuses gets PyYAML's
message; hostile nesting stops at the guard, not in C."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs import located_yaml
from vertice_obs.errors import InputError
from vertice_obs.located_yaml import MAX_DEPTH, parse_located

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


def shape(node):
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.start_mark.line if node.value else None)
    if isinstance(node, yaml.SequenceNode):
        return ("sequence", node.tag, node.start_mark.line, [shape(n) for n in node.value])
    return ("mapping", node.tag, node.start_mark.line, [(shape(k), shape(v)) for k, v in node.value])


def outcome(loader, text):
    try:
        return shape(yaml.compose(text, Loader=loader))
    except yaml.YAMLError:
        return "refused"


PIECES = st.sampled_from(["a", "b: ", "- ", "\n", "  ", "[", "]", "{", "}", ", ", ": ", "'x'", '"y\\n"', "&a ",
                          "*a", "!!str ", "# c", "|\n  t", ">-\n  u", "? ", "---\n", "...\n", "\t", "%YAML 1.1\n",
                          "1", "true", "~", "é", "\u0085", "@", "`", "%", "<<: ", "\ufeff"])


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PIECES, max_size=14).map("".join))
def test_the_reader_gives_what_the_python_reader_gives_wherever_that_reads_the_document(text):
    """What a user sees: wherever PyYAML's Python reader reads a document, vobs' reader gives the
    same nodes (libyaml may read more: a tab after a value is valid YAML)."""
    python = outcome(located_yaml._Constructor, text)
    if python != "refused":
        assert shape(located_yaml._compose(text)) == python


def test_text_libyaml_cannot_encode_is_a_located_error_not_a_traceback():
    with pytest.raises(InputError, match="character U\\+D800 is not allowed"):
        parse_located("a: \ud800\n", "n.yaml")
    assert parse_located("chapters: [a,\n\ufeffb]\n", "n.yaml").data == {"chapters": ["a", "\ufeffb"]}


def test_a_narratives_file_is_read_through_libyaml(monkeypatch):
    loaders = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda text, Loader: loaders.append(Loader) or real(text, Loader=Loader))
    doc = parse_located("title: Dopamine\ndashboards:\n  - uid: a\n    tags: [x, y]\n", "n.yaml")
    assert [issubclass(loader, yaml._yaml.CParser) for loader in loaders] == [True]  # one read, in C
    assert doc.data == {"title": "Dopamine", "dashboards": [{"uid": "a", "tags": ["x", "y"]}]}
    assert doc.line(("dashboards", 0, "tags")) == 4


def test_what_libyaml_refuses_gets_the_python_readers_message():
    with pytest.raises(InputError) as error:
        parse_located("title: t\ntags: [sample\nowner: x\n", "n.yaml")
    assert str(error.value) == ("n.yaml:3: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow "
                                "sequence started at line 2)")  # libyaml: "did not find expected ',' or ']'"


def test_hostile_nesting_stops_at_the_guard_not_in_c():
    """In a child process: libyaml's own composer (CSafeLoader) recurses in C and kills the process
    on such documents (a segfault, no exception), which must show here as a failure, not a crash."""
    script = (
        "import sys\n"
        "from vertice_obs.errors import InputError\n"
        "from vertice_obs.located_yaml import parse_located\n"
        "for text in ['[' * 200_000 + ']' * 200_000, '- ' * 100_000 + 'x', ''.join(' ' * i + 'k:\\n' for i in range(200))]:\n"
        "    try:\n"
        "        parse_located(text, 'n.yaml')\n"
        "    except InputError as error:\n"
        "        print(str(error))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines() == [f"n.yaml:{line}: invalid YAML: nested more than {MAX_DEPTH} levels deep"
                                       for line in (1, 1, 64)]
