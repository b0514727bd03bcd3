"""YAML loading that remembers where every value came from, so errors can say `file:line`,
and schema checking of such documents against the JSON Schemas bundled in `vertice_obs/schemas/`.

PyYAML's composed node tree carries marks; we construct plain Python data from it and keep a side
table mapping each value's path (a tuple of keys and indexes) to its 1-based line. Duplicate keys,
which PyYAML silently resolves to the last one, are reported as errors here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from vertice_obs.errors import InputError

PathKey = tuple[Any, ...]


@dataclass
class LocatedDocument:
    """Plain data plus the line of every path in it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, path: PathKey) -> int:
        """The line of `path`, or of its closest located ancestor (1 for the document)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, message: str, path: PathKey = ()) -> InputError:
        return InputError(message, self.file, self.line(path))


class _Constructor(yaml.SafeLoader):
    pass


def load_located(path: Path | str, display: str | None = None) -> LocatedDocument:
    """Load one YAML document from `path`; raise `InputError` with file and line on any problem."""
    shown = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", shown) from None
    return parse_located(text, shown)


def parse_located(text: str, file: str) -> LocatedDocument:
    try:
        node = yaml.compose(text, Loader=_Constructor)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise InputError(f"invalid YAML: {problem}", file, line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file) from None
    doc = LocatedDocument(file=file, data=None)
    if node is None:
        doc.lines[()] = 1
        return doc
    loader = _Constructor("")
    doc.data = _build(node, (), doc, loader)
    return doc


def _build(node: yaml.Node, path: PathKey, doc: LocatedDocument, loader: yaml.SafeLoader) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError("YAML merge keys (<<) are not supported", doc.file,
                                 key_node.start_mark.line + 1)
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise InputError("mapping keys must be scalars", doc.file, key_node.start_mark.line + 1)
            if key in out:
                raise InputError(f"duplicate key {key!r}", doc.file, key_node.start_mark.line + 1)
            child = path + (key,)
            out[key] = _build(value_node, child, doc, loader)
            # A key's line is where the key is written, which is what a reader looks for.
            doc.lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


# --- schema checking: jsonschema validates; this turns its first error into one actionable line ---


@cache
def _validator(name: str):
    import jsonschema  # only when a document is schema-checked: keeps `vobs --help` light

    schema = json.loads(resources.files("vertice_obs.schemas").joinpath(f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check_schema(doc: LocatedDocument, schema: str) -> None:
    """Raise `InputError` for the first (in document order) schema violation in `doc`."""
    errors = list(_validator(schema).iter_errors(doc.data))
    if not errors:
        return
    # Report the error a reader meets first in the file, the most specific one at that line.
    error = min(errors, key=lambda e: (doc.line(tuple(e.absolute_path)), -len(e.absolute_path)))
    raise _explain(doc, error)


def _explain(doc: LocatedDocument, error) -> InputError:
    path = tuple(error.absolute_path)
    where = _describe(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        known = set(allowed)
        unknown = sorted(k for k in error.instance if k not in known)
        key = unknown[0] if unknown else "?"
        return doc.error(f"unknown key {key!r}{where} (allowed: {', '.join(allowed)})", path + (key,))
    if error.validator == "required":
        return doc.error(f"{error.message.replace(' is a required property', '')} is required{where}", path)
    if error.validator == "enum":
        options = ", ".join(map(str, error.validator_value))
        return doc.error(f"{error.instance!r} is not one of: {options}{where}", path)
    if error.validator in ("minProperties", "maxProperties") and "description" in error.schema:
        return doc.error(f"{error.schema['description']}{where}", path)
    if error.validator == "pattern":
        hint = error.schema.get("description", f"must match {error.validator_value}")
        return doc.error(f"{error.instance!r}{where}: {hint}", path)
    return doc.error(f"{error.message}{where}", path)


def _describe(path: tuple) -> str:
    """`('chapters', 2, 'title')` → " in chapters[2].title"."""
    if not path:
        return ""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f" in {text}"
