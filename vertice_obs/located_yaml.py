"""YAML loading that remembers where every value came from, so errors can say `file:line`,
and schema checking of such documents against the JSON Schemas bundled in `vertice_obs/schemas/`.

PyYAML's composed node tree carries marks; we construct plain Python data from it and keep a side
table mapping each value's path (a tuple of keys and indexes) to its 1-based line. Duplicate keys,
which PyYAML silently resolves to the last one, are reported as errors here.

Documents are read by libyaml's scanner and parser (C) under PyYAML's composer (Python, with the
depth guard): libyaml's own composer recurses in C and a deeply nested document kills the process.
What libyaml refuses is read again by PyYAML's Python reader, whose messages say what was found;
what libyaml reads and that reader refused (a tab after a value) is valid YAML and loads.

Hostile input stays bounded: aliases are expanded by our own walk, which counts every value it
builds and refuses a document past `MAX_VALUES` (a "billion laughs" alias bomb fails in
milliseconds, at the alias that crossed the limit) or nested deeper than `MAX_DEPTH`. Bytes that
are not UTF-8, and scalars Python cannot construct (a 10,000-digit integer, a 13th month), are
errors with file and line like any other.

Its JSON counterpart, `jsonpos.strict.parse_json`, reads the JSON files vobs reads; `decode_text`
(UTF-8, or an error at the first bad byte) serves both. Messages quote at most a short, escaped
excerpt of any file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML without libyaml: every document is read in Python
    _CParser = None

from vertice_obs.errors import InputError, closest
from vertice_obs.files import read_regular
from vertice_obs.guard.text import escape

PathKey = tuple[Any, ...]
MAX_VALUES = 100_000  # values in one document once aliases are expanded; ours hold a few hundred
MAX_DEPTH = 64  # nesting of mappings and sequences


@dataclass
class LocatedDocument:
    """Plain data plus the line (and column) of every path in it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    columns: dict[PathKey, int] = field(default_factory=dict)
    # How the file writes each value that is no string (`yes`, `~`, `0x1F`), and each key that is
    # no string: what messages quote, not Python's reading of it (`True`, `None`, `31`).
    sources: dict[PathKey, str] = field(default_factory=dict)
    key_sources: dict[PathKey, str] = field(default_factory=dict)

    def spelled(self, path: PathKey, value: Any, key: bool = False) -> str:
        """`value` (at `path`; with `key`, the key at `path`) as a message quotes it: a string as
        `excerpt` does (`'abc'`), anything else as the file writes it — with what YAML read it as
        when that differs (`yes (YAML reads it as true)`) — else in YAML's words (true, null)."""
        if isinstance(value, str):
            return excerpt(value)
        canonical = yaml_spelling(value)
        source = (self.key_sources if key else self.sources).get(tuple(path))
        if source is None:
            return canonical
        shown = escape(" ".join(source.split()), one_line=True)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        if not shown:
            return f"an empty value (YAML reads it as {canonical})"
        return shown if shown == canonical else f"{shown} (YAML reads it as {canonical})"

    def line(self, path: PathKey) -> int:
        """The line of `path`, or of its closest located ancestor (1 for the document)."""
        return self.at(path)[0]

    def at(self, path: PathKey) -> tuple[int, int | None]:
        """(line, column) of `path`, or of its closest located ancestor ((1, None) for the document)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1), self.columns.get(path)

    def error(self, message: str, path: PathKey = ()) -> InputError:
        return InputError(message, self.file, self.line(path))


class _DepthGuard:
    """A composer (PyYAML's, recursive) that refuses nesting deeper than `MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Constructor(_DepthGuard, yaml.SafeLoader):
    """PyYAML's safe loader, all in Python, with the depth guard."""


if _CParser is not None:
    class _Composer(_DepthGuard, yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor,
                    yaml.resolver.Resolver):
        """libyaml's scanner and parser (C, iterative: no nesting reaches the C stack) under PyYAML's
        composer with the depth guard — the composer is the only recursive step, and it stays ours.
        Ten times faster than the Python scanner: a 1,000-dashboard project's narratives were ~7 %
        of its build."""

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # PyYAML built without libyaml
    _Composer = _Constructor


def load_located(path: Path | str, display: str | None = None) -> LocatedDocument:
    """Load one YAML document from `path`; raise `InputError` with file and line on any problem."""
    shown = display or str(path)
    try:
        raw = read_regular(Path(path), shown)  # a FIFO is refused, not waited on
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", shown) from None
    return parse_located(decode_text(raw, shown), shown)


def decode_text(raw: bytes, file: str, keep_bom: bool = False) -> str:
    """UTF-8 text (a leading byte-order mark dropped, unless `keep_bom`: then `parse_json` notes
    it), or `InputError` at the first bad byte's line."""
    try:
        return raw.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1  # in bytes: the line is not text
        raise InputError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save the file "
                         f"as UTF-8", file, line, column) from None


def yaml_spelling(value: Any, limit: int = 40) -> str:
    """`value` as YAML (and JSON) write it, short and escaped, for messages: true, false, null,
    .inf, a number, a string quoted as `excerpt` quotes it, a list or mapping in flow style."""
    if isinstance(value, str):
        return excerpt(value, limit)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, (int, float)):
        return excerpt(value, limit)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return excerpt(value, limit)
    text = escape(text, one_line=True)
    return text if len(text) <= limit else text[:limit] + "…"


def excerpt(value: Any, limit: int = 40) -> str:
    """A short, escaped, one-line quotation of a value read from a file — never a whole file (a
    narrative that is a symlink to a key file must not print the key)."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"<{type(value).__name__} too large to show>"
    text = escape(text, one_line=True)
    return text if len(text) <= limit else text[:limit] + "…"


def _compose(text: str) -> yaml.Node | None:
    """The node graph of `text`: through libyaml when it reads it; a document it refuses is read
    again in Python, whose messages name what was found (libyaml's: "did not find expected ','").
    A byte-order mark past the start is read in Python too: libyaml skips one at any line's start,
    PyYAML reads it as a character (`[a,\n\ufeffb]`), and the two must give the same values."""
    if _Composer is not _Constructor and "\ufeff" not in text:  # libyaml skips a BOM on any line
        try:
            return yaml.compose(text, Loader=_Composer)
        except (yaml.YAMLError, UnicodeError):  # UnicodeError: a lone surrogate, which it cannot encode
            pass
    return yaml.compose(text, Loader=_Constructor)


def parse_located(text: str, file: str) -> LocatedDocument:
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise InputError(f"invalid YAML: {escape(problem, one_line=True)}", file, line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise InputError(f"invalid YAML: character U+{code:04X} is not allowed", file, line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {escape(exc, one_line=True)}", file) from None
    except RecursionError:
        raise InputError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file) from None
    doc = LocatedDocument(file=file, data=None)
    if node is None:
        doc.lines[()] = 1
        return doc
    loader = _Constructor("")
    doc.data = _Builder(doc, loader, text).build(node, (), 0)
    return doc


class _Builder:
    """Plain data from a composed node graph, expanding aliases under a budget (see `MAX_VALUES`)."""

    def __init__(self, doc: LocatedDocument, loader: yaml.SafeLoader, text: str = ""):
        self.doc = doc
        self.loader = loader
        self.text = text  # what marks index: a value's source, for messages (`doc.spelled`)
        self.values = 0
        self.aliased = False  # an alias was expanded: a document that grows past the cap by them is a bomb
        self._built: set[int] = set()  # the collection nodes built: one met again is an alias's

    def error(self, message: str, node: yaml.Node) -> InputError:
        return InputError(message, self.doc.file, node.start_mark.line + 1)

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            why = " (an alias bomb?)" if self.aliased else ""
            raise self.error(f"document expands to more than {MAX_VALUES:,} values{why}: refused", node)
        if depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep", node)
        self.doc.lines[path], self.doc.columns[path] = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.CollectionNode) and not self.aliased:
            self.aliased = id(node) in self._built
            self._built.add(id(node))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.error("YAML merge keys (<<) are not supported", key_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.error("mapping keys must be scalars", key_node)
                key = self.scalar(key_node)
                if not isinstance(key, (str, int, float, bool)):
                    raise self.error("mapping keys must be scalars", key_node)
                child = path + (key,)
                if not isinstance(key, str):
                    self.doc.key_sources[child] = self._source(key_node)
                if key in out:
                    raise self.error(f"duplicate key {self.doc.spelled(child, key, key=True)}", key_node)
                out[key] = self.build(value_node, child, depth + 1)
                # A key's line is where the key is written, which is what a reader looks for.
                self.doc.lines[child], self.doc.columns[child] = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        value = self.scalar(node)
        if not isinstance(value, str):
            self.doc.sources[path] = self._source(node)
        return value

    def _source(self, node: yaml.Node) -> str:
        """The text of `node` in the file (marks count characters, with libyaml as in Python)."""
        return self.text[node.start_mark.index:node.end_mark.index][:200]

    def scalar(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            raise self.error(f"invalid YAML: {escape(exc.problem or exc, one_line=True)}", node) from None
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors fail on input in many ways:
            # int('9' * 10_000), 2024-13-45, an empty `!!int` (IndexError); each is this value's fault
            raise self.error(f"value {escape(str(node.value)[:40], one_line=True)!s} cannot be read: "
                             f"{escape(exc, one_line=True)[:200]}", node) from None


# --- schema checking: jsonschema validates; this turns each of its errors into one actionable line ---


@cache
def _validator(name: str):
    import jsonschema  # only when a document is schema-checked: keeps `vobs --help` light

    schema = json.loads(resources.files("vertice_obs.schemas").joinpath(f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: where (`path` in the data), which keyword failed (`kind`; a check of a
    mapping's keys is "propertyNames"), and the one line that says it."""

    path: PathKey
    kind: str
    error: InputError


def check_schema(doc: LocatedDocument, schema: str) -> None:
    """Raise `InputError` for the schema violations in `doc`, all of them (the others ride along
    in its `also`), in document order: see `schema_problems`."""
    problems = schema_problems(doc, schema)
    if problems:
        raise InputError.together([p.error for p in problems])


def schema_problems(doc: LocatedDocument, schema: str) -> list[SchemaProblem]:
    """Every schema violation in `doc`, each once, in document order (at one line, the deeper
    first): every missing key and every unknown key, so a file with four mistakes takes one run.
    A missing key that an unknown key of the same mapping probably misspells is said once, as
    the unknown key with the key it probably meant."""
    found: list[tuple[SchemaProblem, int, str | None]] = []  # (problem, depth, the key it says is missing)
    meant: set[tuple[PathKey, str]] = set()  # (mapping, key) an unknown key of that mapping probably misspells
    for e in _validator(schema).iter_errors(doc.data):
        path = tuple(e.absolute_path)
        kind = "propertyNames" if "propertyNames" in e.schema_path else str(e.validator)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            allowed = sorted(map(str, e.schema.get("properties", {})))
            for key in [k for k in e.instance if str(k) not in allowed]:
                close = closest(str(key), allowed)
                meant.update((path, c) for c in close)
                hint = f"did you mean {close[0]!r}? " if close else ""
                error = doc.error(f"unknown key {doc.spelled(path + (key,), key, key=True)}{_describe(path)} "
                                  f"({hint}allowed: {', '.join(allowed)})", path + (key,))
                found.append((SchemaProblem(path + (key,), kind, error), len(path) + 1, None))
        else:
            missing = e.message.split(" is a required property")[0].strip("'\"") if kind == "required" else None
            found.append((SchemaProblem(path, kind, _explain(doc, e)), len(path), missing))
    found.sort(key=lambda each: (each[0].error.line or 0, -each[1]))
    said: dict[str, SchemaProblem] = {}
    for problem, _depth, missing in found:
        if (problem.path, missing) not in meant:
            said.setdefault(str(problem.error), problem)
    return list(said.values())[:_MAX_SAID]


_MAX_SAID = 20  # schema errors said at once: a file of the wrong kind altogether would list hundreds


def _explain(doc: LocatedDocument, error) -> InputError:
    path = tuple(error.absolute_path)
    where = _describe(path)
    if error.validator == "required":
        return doc.error(f"{error.message.replace(' is a required property', '')} is required{where}", path)
    value = doc.spelled(path, error.instance)  # as the file writes it: `yes`, not Python's True
    if error.validator == "enum":
        options = ", ".join(map(str, error.validator_value))
        return doc.error(f"{value} is not one of: {options}{where}", path)
    if error.validator in ("minProperties", "maxProperties") and "description" in error.schema:
        return doc.error(f"{error.schema['description']}{where}", path)
    if error.validator == "pattern":
        hint = error.schema.get("description", f"must match {error.validator_value}")
        return doc.error(f"{value}{where}: {hint}", path)
    if not path and error.validator == "type":  # the whole file: name its type, quote none of it
        return doc.error(f"the document is {_json_type(error.instance)}, which is not of type {error.validator_value!r}", path)
    # jsonschema's messages quote the whole value, as Python writes it: quote the file's instead.
    python = _safe_repr(error.instance)
    message = (value + error.message[len(python):] if error.message.startswith(python)
               else error.message.replace(python, value, 1))
    # A value of another type where text of a described form goes (`hold: 90`, a number to YAML): the form too.
    hint = f": {error.schema['description']}" if error.validator == "type" and "pattern" in error.schema and \
        "description" in error.schema else ""
    return doc.error(f"{escape(message, one_line=True)[:300]}{where}{hint}", path)


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except ValueError:
        return "<too large to show>"


def _json_type(value: Any) -> str:
    names = {str: "text", list: "a list", dict: "a mapping", bool: "true or false", type(None): "empty"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _describe(path: tuple) -> str:
    """`('chapters', 2, 'title')` → " in chapters[2].title"."""
    if not path:
        return ""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f" in {text}"
