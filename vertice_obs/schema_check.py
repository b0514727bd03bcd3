"""Validate located YAML against a bundled JSON Schema and report the first problem as `file:line`.

jsonschema does the validating; this module only turns its error into one line a human can act on
(for unknown keys: which key, and which keys are allowed there).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import jsonschema

from .errors import InputError
from .located_yaml import LocatedDocument


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath(f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check(doc: LocatedDocument, schema: str) -> None:
    """Raise `InputError` for the first (in document order) schema violation in `doc`."""
    errors = list(_validator(schema).iter_errors(doc.data))
    if not errors:
        return
    # Report the error a reader meets first in the file, the most specific one at that line.
    error = min(errors, key=lambda e: (doc.line(tuple(e.absolute_path)), -len(e.absolute_path)))
    raise _explain(doc, error)


def _explain(doc: LocatedDocument, error: jsonschema.ValidationError) -> InputError:
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
