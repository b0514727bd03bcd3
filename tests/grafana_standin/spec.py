"""Grafana's official OpenAPI specs as a request validator for the stand-in.

Every request the stand-in receives is matched to a path and method of the spec, its query
parameters are checked against their declared types and enums, and its JSON body against the
referenced schema (swagger definitions are JSON Schema draft 4 with extra `x-` keys, which
jsonschema ignores). A mismatch is a violation: a request a real Grafana would reject.

Two documents (see SOURCE.md): the legacy HTTP API (swagger 2.0, paths under its `basePath`
`/api`) and the dashboard resource API's list (OpenAPI 3.0, absolute `/apis/…` paths,
parameters declared on the path as well as on the operation, their types under `schema`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema

# In the repository (see SOURCE.md): a fresh clone needs nothing beside it.
SUBSET = Path(__file__).resolve().parent / "openapi-subset.json"
RESOURCES = Path(__file__).resolve().parent / "dashboard-v0alpha1-subset.json"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    parameters: tuple[dict[str, Any], ...]


class Spec:
    def __init__(self, path: Path = SUBSET):
        if not path.is_file():
            raise FileNotFoundError(f"Grafana's OpenAPI spec not found at {path} (see SOURCE.md)")
        self.document = json.loads(path.read_text())
        self.base = self.document.get("basePath", "/api" if "swagger" in self.document else "")
        self.routes: list[tuple[re.Pattern, Operation]] = []
        for template, methods in self.document["paths"].items():
            regex = re.compile("^" + re.sub(r"\{[^}]+\}", r"(?P<\g<0>>[^/]+)", template)
                               .replace("(?P<{", "(?P<").replace("}>", ">") + "$")
            shared = tuple(methods.get("parameters", ()))  # declared once for every method of the path
            for method, op in methods.items():
                if method in _METHODS:
                    self.routes.append((regex, Operation(method.upper(), template, op.get("operationId", ""),
                                                         shared + tuple(op.get("parameters", ())))))

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        return self.document.get("definitions", {})

    def _validator(self, op: Operation) -> jsonschema.Draft4Validator:
        """One compiled validator per operation (compiling against all definitions is the slow part)."""
        cache = self.__dict__.setdefault("_validators", {})
        if op.operation_id not in cache:
            body = next(p for p in op.parameters if p.get("in") == "body")
            cache[op.operation_id] = jsonschema.Draft4Validator({**body["schema"], "definitions": self._definitions})
        return cache[op.operation_id]

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        if not path.startswith(self.base):
            return None
        rest = path[len(self.base):] or "/"
        for regex, op in self.routes:
            m = regex.match(rest)
            if m and op.method == method:
                return op, m.groupdict()
        return None

    def validate(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> list[str]:
        """Violations of the spec by this request ([] when it conforms)."""
        found = self.match(method, path)
        if found is None:
            return [f"{method} {path}: no such operation in Grafana's API spec"]
        op, _ = found
        problems = []
        declared = {p["name"]: p for p in op.parameters if p.get("in") == "query"}
        for name, values in query.items():
            param = declared.get(name)
            if param is None:
                problems.append(f"{op.operation_id}: unknown query parameter {name!r}")
                continue
            problems.extend(f"{op.operation_id}: query parameter {name!r}: {p}" for p in _check_query(param, values))
        bodies = [p for p in op.parameters if p.get("in") == "body"]
        if bodies:
            if body is None:
                if bodies[0].get("required"):
                    problems.append(f"{op.operation_id}: a JSON body is required")
            else:
                validator = self._validator(op)
                problems.extend(f"{op.operation_id}: body{_where(e.absolute_path)}: {e.message}"
                                for e in validator.iter_errors(_without_nulls(body)))
        elif body is not None and method in ("POST", "PUT", "PATCH"):
            problems.append(f"{op.operation_id}: takes no body")
        return problems


def _check_query(param: dict[str, Any], values: list[str]) -> list[str]:
    param = param.get("schema", param)  # OpenAPI 3 declares the type under `schema`
    kind = param.get("type")
    if kind != "array" and len(values) > 1:
        return [f"given {len(values)} times, declared once"]
    items = param.get("items", {}) if kind == "array" else param
    out = []
    for value in values:
        item_type = items.get("type")
        if item_type == "integer" and not re.fullmatch(r"-?\d+", value):
            out.append(f"{value!r} is not an integer")
        elif item_type == "boolean" and value not in ("true", "false"):
            out.append(f"{value!r} is not a boolean")
        if "enum" in items and value not in items["enum"]:
            out.append(f"{value!r} is not one of {items['enum']}")
    return out


def _where(path) -> str:
    return "".join(f"[{p!r}]" for p in path)


def _without_nulls(value: Any) -> Any:
    """Grafana decodes bodies with Go's encoding/json, where `null` leaves a field at its zero
    value: a null is never a type error there, so it is not one here."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
