"""An action's `${name}` placeholders and its URL, joined onto the target."""

from __future__ import annotations

from typing import Any

from vertice_obs.guard.urls import ServerURL


def fill(value: Any, variables: dict[str, Any]) -> Any:
    """`${name}` placeholders; a value that is exactly one placeholder keeps its type (numbers)."""
    if isinstance(value, str):
        for name, v in variables.items():
            if value == f"${{{name}}}":
                return v
            value = value.replace(f"${{{name}}}", str(v))
        return value
    if isinstance(value, dict):
        return {k: fill(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, variables) for v in value]
    return value


def action_url(template: str, variables: dict[str, Any], target: ServerURL) -> tuple[str, Any]:
    """An action's URL. `${target}/fault/x` is joined onto the target (its sub-path kept, its query
    string kept and first, its `user:pass@` sent as basic auth) — never glued on as text, which
    would put the path after a `?token=`. Any other URL is filled in as written."""
    if isinstance(template, str) and template.startswith("${target}"):
        return target.join(fill(template[len("${target}"):], variables)), target.auth
    return fill(template, variables), None
