"""Where things are and how to reach the servers: the project layout and its configuration.

Precedence, highest first: flags, the environment chosen with `--env NAME` (`environments.NAME`
of `vobs.yaml`), environment variables (`GRAFANA_URL`, `GRAFANA_TOKEN`, `PROMETHEUS_URL`,
`GRAFANA_ORG_ID`), `vobs.yaml`, `[tool.vobs]` in `pyproject.toml`. A chosen environment beats the
variables on purpose (a `GRAFANA_URL` left in a shell for staging must not send `--env prod` there):
its servers and organisation come from its section or a flag only (commands that need one say so).
Secrets (the Grafana token) come only from flags or the environment, never from a file in the
repository; with `--env prod` the token is `GRAFANA_TOKEN_PROD`, else `GRAFANA_TOKEN`.

This module loads the settings and checks their keys, types, URLs and secrets; `paths` checks the
path settings (a path, inside the project, a folder or a catalog that is there). Part of the
shared kernel: imports no stage.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from vertice_obs.errors import InputError, closest
from vertice_obs.guard import urls
from vertice_obs.guard.secrets import register, register_url, url_secret
from vertice_obs.project.paths import (
    PATH_KEYS,
    READ_KEYS,
    catalog_problem,
    defaults_outside,
    folder_problem,
    in_file_order,
    inside,
    must_be_a_path,
    read_problems,
    resolved,
    said_with,
)

ENVIRONMENT = {
    "grafana_url": "GRAFANA_URL",
    "grafana_token": "GRAFANA_TOKEN",
    "grafana_org_id": "GRAFANA_ORG_ID",
    "prometheus_url": "PROMETHEUS_URL",
    "prometheus_token": "PROMETHEUS_TOKEN",
}
_TOKENS = {key: ENVIRONMENT[key] for key in ("grafana_token", "prometheus_token")}  # never in a file
_URL_KEYS = ("grafana_url", "prometheus_url")
_SERVER_KEYS = (*_URL_KEYS, "grafana_org_id")  # which servers: with --env, its section's alone
_FILE_KEYS = {*_SERVER_KEYS, *PATH_KEYS, "environments", "project"}
# `project:` — the project's id, tagged on what it publishes (`vertice-obs:<id>`): a Grafana tag, kept short
_PROJECT_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,49}")
# What an environment may say: which servers it is. Paths stay the project's, whatever the server.
_ENVIRONMENT_KEYS = {"grafana_url": "grafana_url", "grafana_org_id": "grafana_org_id", "org_id": "grafana_org_id",
                     "prometheus_url": "prometheus_url"}
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")


@dataclass(frozen=True)
class Project:
    root: Path
    dashboards_dir: Path
    narratives_dir: Path
    exports_dir: Path
    catalog: Path
    provisioning_dir: Path
    backup_dir: Path
    grafana_url: str | None = None
    grafana_token: str | None = field(default=None, repr=False)
    grafana_org_id: int | None = None
    prometheus_url: str | None = None
    # `Authorization: Bearer` for Prometheus (PROMETHEUS_TOKEN): a proxy, Mimir, Thanos, VictoriaMetrics' vmauth
    prometheus_token: str | None = field(default=None, repr=False)
    origins: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)  # setting → where it came from
    # setting → (file, line, column) where a project file with lines (vobs.yaml) set it: errors about its value point there
    lines: Mapping[str, tuple[str, int, int | None]] = field(default_factory=dict, repr=False, compare=False)
    env: str | None = None  # the environment chosen with --env, if any
    env_from: str = "--env"  # what chose it, as its errors say it: the flag, or VOBS_ENV left in the shell
    project_id: str | None = None  # `project:`, which tells its dashboards from other projects' on one Grafana
    environments: tuple[str, ...] = ()  # every environment the configuration declares

    def require_declared(self, key: str, why: str = "") -> None:
        """With `--env`, a server (`grafana_url`, `prometheus_url`) a command needs must be the
        environment's: none declared is an error (`why` ends it), never another server."""
        if self.env and not getattr(self, key):
            raise InputError(f"{self.env_from} {self.env}: the environment declares no {key}{why}")

    def metric_catalog(self) -> Path | None:
        """The metric catalog, when there is one. The default (`narratives/metrics.yaml`) may be
        absent; a configured one must be a file: a typo in `catalog:` must not switch every metric
        check off and pass."""
        if self.catalog.is_file():
            return self.catalog
        if (problem := catalog_problem(self)) is not None:
            raise said_with(self, problem)  # with every other path setting's problem: one run says them all
        return None

    def folder(self, key: str) -> Path:
        """A folder vobs reads (`dashboards_dir`, `narratives_dir`). One a project file names that is
        not there is an error at that setting (a default's absence is for its reader to explain)."""
        if (problem := folder_problem(self, key)) is not None:
            raise said_with(self, problem)  # with every other path setting's problem: one run says them all
        return getattr(self, key)

    def setting_error(self, key: str, message: str) -> InputError:
        """An error about a setting's value: `vobs.yaml:3: catalog: …` when a file's line is known,
        else `catalog (pyproject.toml [tool.vobs]): …`."""
        at = self.lines.get(key)
        if at is not None:
            return InputError(f"{key}: {message}", *at)
        return InputError(f"{_shown(key, self.origins.get(key, 'the default'))}: {message}")

    def enclosing(self) -> Path | None:
        """The project this root is inside of, when the root is no project itself (no dashboards/,
        no narratives/) and a folder above it is one (both): vobs run from a project's subfolder."""
        if self.dashboards_dir.is_dir() or self.narratives_dir.is_dir():
            return None
        return next((d for d in self.root.resolve().parents if (d / "dashboards").is_dir()
                     and (d / "narratives").is_dir()), None)

    def elsewhere(self) -> str:
        """`enclosing`, said as the end of an error: ' — the project looks to be …' (else '')."""
        return f" — the project looks to be {a}: run vobs there, or give -C {a}" if (a := self.enclosing()) else ""

    def unbuilt(self) -> str:
        """The end of an error about the exports folder missing or empty (no paths named): where the
        project is, when vobs runs in its subfolder; in a project, that `vobs build` writes it."""
        if not self.narratives_dir.is_dir():
            return self.elsewhere() or (" — not a vobs project (no narratives/ here): give the folder or files "
                                        "of Grafana dashboard JSON to check, e.g. `dashboards/`")
        if self._built_nothing():
            return (f" — the last `vobs build` rendered no dashboard into {self.display(self.exports_dir)}/: "
                    f"add a dashboard module to {self.display(self.dashboards_dir)}/ and a chapter naming it")
        return f" — run `vobs build` first: it renders the dashboards into {self.display(self.exports_dir)}/"

    def _built_nothing(self) -> bool:
        """Did the last build write a manifest that lists no dashboard (no chapter names a module)?"""
        import json

        with contextlib.suppress(OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
            manifest = json.loads((self.exports_dir / "manifest.json").read_text(encoding="utf-8"))
            return isinstance(manifest, dict) and manifest.get("dashboards") in ({}, [])
        return False

    def set_by(self, key: str) -> str:
        """What set a setting, as the user wrote it, for a message about it: its flag (`--org-id`), the
        chosen environment's variable (`GRAFANA_TOKEN_PROD`) or the plain one, `vobs.yaml environments.prod`."""
        if (origin := self.origins.get(key, "")) == "the command line":
            return "--org-id" if key == "grafana_org_id" else "--" + key.replace("_", "-")
        if origin in ("", "the environment") or origin.startswith("the environment ("):
            return origin[len("the environment ("):-1] if origin.endswith(")") else ENVIRONMENT[key]
        return origin if " environments." in origin else f"{key} in {origin}"

    def display(self, path: Path) -> str:
        """A path as the user should see it: relative to the project root when inside it. A symlink is
        shown by its own name, where it stands — not by its target (a dangling one has none)."""
        try:
            return str((path.parent.resolve() / path.name).relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def load_project(root: Path | str | None = None, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None, env: str | None = None, env_from: str = "--env") -> Project:
    """Resolve the configuration for the project at `root` (default: the current directory), as
    the environment `env` (a name under `environments:`) when one is chosen."""
    root = Path(root or Path.cwd())
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    origin: dict[str, str] = {}
    declared: dict[str, tuple[str, dict[str, Any]]] = {}  # name → (where, its settings)
    variables = {key: environ[var] for key, var in ENVIRONMENT.items() if environ.get(var)}
    lines: dict[str, tuple[int, int | None]] = {}  # vobs.yaml's key → its line and column
    errors: list[InputError] = []  # every problem of both files, said in one run
    layers = (("pyproject.toml [tool.vobs]", _from_pyproject(root / "pyproject.toml", errors)),
              ("vobs.yaml", _from_vobs_yaml(root / "vobs.yaml", lines, errors)))
    for where, layer in layers:  # what each file says well (its mistakes are in `errors`)
        declared.update({name: (where, section) for name, section in layer.pop("environments", {}).items()})
        settings.update(layer)
        origin.update(dict.fromkeys(layer, where))
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    if errors:  # and every path setting's problem beside them: the files' mistakes take one run
        draft = {**origin, **dict.fromkeys(flags, "the command line")}
        raise InputError.together(in_file_order(errors + read_problems(Project(
            root=root, **resolved(root, {**settings, **flags}), origins=draft, lines=_located(lines, draft)))))
    chosen = _chosen(env, declared, environ, env_from)
    if env:  # a server the chosen environment does not declare is not its server
        variables = {k: v for k, v in variables.items() if k not in _SERVER_KEYS}
        for key in _SERVER_KEYS:
            settings.pop(key, None)
            origin.pop(key, None)
    for where, layer in (("the environment", variables), *chosen, ("the command line", flags)):
        settings.update(layer)
        origin.update(dict.fromkeys(layer, where))
    # Secrets are registered where they enter, so every later message, journal and report is scrubbed.
    register(settings.get("grafana_token"), settings.get("prometheus_token"))
    for key in _URL_KEYS:
        register_url(settings.get(key))
        _check_url(key, settings.get(key), origin.get(key, ""))
    paths = resolved(root, settings)
    org_id = _org_id(settings.get("grafana_org_id"), origin.get("grafana_org_id", ""))
    project = Project(
        root=root,
        **paths,
        grafana_url=settings.get("grafana_url") or None,
        grafana_token=settings.get("grafana_token") or None,
        grafana_org_id=org_id,
        prometheus_url=settings.get("prometheus_url") or None,
        prometheus_token=settings.get("prometheus_token") or None,
        origins=dict(origin),
        lines=_located(lines, origin),
        env=env or None, env_from=env_from,
        environments=tuple(sorted(declared)),
        project_id=settings.get("project") or None,
    )
    if led := defaults_outside(root, settings, paths):  # each default a symlink leads out, and the settings' problems
        raise InputError.together(in_file_order(led + read_problems(project)))
    return project


def _located(lines: Mapping[str, tuple[int, int | None]], origin: Mapping[str, str]) -> dict[str, tuple]:
    """vobs.yaml's place of each setting it decides (a later layer's value is not at its line)."""
    return {key: ("vobs.yaml", *at) for key, at in lines.items() if origin.get(key) == "vobs.yaml"}


def token_variable(env: str, base: str = "GRAFANA_TOKEN") -> str:
    """An environment's token variable: `GRAFANA_TOKEN_EU_WEST` for `eu-west` (or with `base` PROMETHEUS_TOKEN)."""
    return f"{base}_" + env.upper().replace("-", "_")


def _chosen(env: str | None, declared: Mapping[str, tuple[str, dict[str, Any]]],
            environ: Mapping[str, str], env_from: str = "--env") -> tuple[tuple[str, dict[str, Any]], ...]:
    """The layers `--env NAME` adds: its declared servers, then its own token (else GRAFANA_TOKEN
    stays, from the variables layer)."""
    if not env:
        return ()
    if env not in declared:
        if not declared:
            raise InputError(f"{env_from} {env!r}: no environments are declared (add to vobs.yaml: "
                             f"environments: {{{env}: {{grafana_url: https://…, prometheus_url: https://…}}}})")
        raise InputError(f"{env_from} {env!r} is not a declared environment (declared: {', '.join(sorted(declared))})")
    where, section = declared[env]
    token = environ.get(token_variable(env))
    prometheus = environ.get(token_variable(env, "PROMETHEUS_TOKEN"))
    return ((f"{where} environments.{env}", section),
            (f"the environment ({token_variable(env)})", {"grafana_token": token} if token else {}),
            (f"the environment ({token_variable(env, 'PROMETHEUS_TOKEN')})",
             {"prometheus_token": prometheus} if prometheus else {}))


def _environments(value: Any, where: str, at_of, errors: list[InputError],
                  spell: Callable[[tuple, Any], str] | None = None) -> dict[str, dict[str, Any]]:
    """`environments: {staging: {grafana_url, org_id, prometheus_url}, prod: {…}}`, checked whole
    before any is chosen: a typo in prod fails a staging run too, not the night of the release.
    Every problem goes into `errors`; what is well-formed is returned."""
    if not isinstance(value, dict):
        errors.append(InputError("environments must be a mapping of names to server settings "
                                 "(environments: {staging: {grafana_url: …}})", where, *at_of(("environments",))))
        return {}
    out: dict[str, dict[str, Any]] = {}
    tokens: dict[str, str] = {}  # token variable → the environment that reads it
    for name, section in value.items():
        at = at_of(("environments", name))
        if not isinstance(name, str) or not _ENVIRONMENT_NAME.fullmatch(name):
            errors.append(InputError(f"environment name {str(name)!r} must be a letter then letters, digits, _ or - "
                                     "(it names the token variable, GRAFANA_TOKEN_<NAME>)", where, *at))
            continue
        other = tokens.setdefault(token_variable(name), name)
        if other != name:  # eu-west and eu_west, Prod and prod: one variable, one token for two Grafanas
            errors.append(InputError(f"environments {other!r} and {name!r} would both read {token_variable(name)}: "
                                     "rename one", where, *at))
        if not isinstance(section, dict):
            errors.append(InputError(f"environments.{name} must be a mapping (grafana_url, org_id, prometheus_url)",
                                     where, *at))
            continue
        settings: dict[str, Any] = {}
        for key, item in section.items():
            key_at = at_of(("environments", name, key))
            try:
                if key in _TOKENS:
                    raise InputError(f"environments.{name}.{key} must not be stored in a file: "
                                     f"set {token_variable(name, _TOKENS[key])} or {_TOKENS[key]}", where, *key_at)
                if key not in _ENVIRONMENT_KEYS:
                    raise InputError(f"environments.{name}: unknown setting {str(key)!r}"
                                     f"{_did_you_mean(str(key), _ENVIRONMENT_KEYS)} "
                                     f"(allowed: grafana_url, org_id, prometheus_url)", where, *key_at)
                _typed(_ENVIRONMENT_KEYS[key], item, f"environments.{name}.{key}", where, key_at, name,
                       spell(("environments", name, key), item) if spell else None)
            except InputError as exc:
                errors.append(exc)
                continue
            settings[_ENVIRONMENT_KEYS[key]] = item
        out[name] = settings
    return out


def _from_vobs_yaml(path: Path, lines: dict[str, tuple[int, int | None]], errors: list[InputError]) -> dict[str, Any]:
    """vobs.yaml's settings, checked: every problem into `errors`; `lines` gets each top-level key's place."""
    if not path.is_file():
        return {}
    # PyYAML only when there is a vobs.yaml: `vobs --help` must not pay for it.
    from vertice_obs.located_yaml import load_located

    try:
        doc = load_located(path, path.name)
    except InputError as exc:  # not YAML at all: nothing more to read in it
        errors.append(exc)
        return {}
    if doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        errors.append(InputError("vobs.yaml must be a mapping of settings", doc.file, *doc.at(())))
        return {}
    lines.update({key: doc.at((key,)) for key in doc.data if isinstance(key, str)})
    return _checked(doc.data, path.name, lambda key: doc.at(key if isinstance(key, tuple) else (key,)), path.parent,
                    errors, doc.spelled)


def _from_pyproject(path: Path, errors: list[InputError]) -> dict[str, Any]:
    if not path.is_file():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        errors.append(InputError(f"invalid TOML: {exc}", path.name))
        return {}
    except UnicodeDecodeError as exc:
        errors.append(InputError(f"not UTF-8 text (byte offset {exc.start})", path.name))
        return {}
    tool = data.get("tool", {})
    section = tool.get("vobs", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        errors.append(InputError("[tool.vobs] must be a table of settings", path.name))
        return {}
    return _checked(section, f"{path.name} [tool.vobs]", lambda key: (), path.parent, errors)


def _checked(data: Mapping[str, Any], where: str, at_of, root: Path, errors: list[InputError],
             spell: Callable[[tuple, Any], str] | None = None) -> dict[str, Any]:
    """The settings of one file, each checked; every problem goes into `errors` (one run says them all).
    `spell(path, value)`: a value as the file writes it, for messages (`yes`, not Python's True)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        try:
            if key in _TOKENS:
                flag = " or --grafana-token" if key == "grafana_token" else ""
                raise InputError(f"{key} must not be stored in a file: set {_TOKENS[key]}{flag}", where, *at_of(key))
            if key not in _FILE_KEYS:
                raise InputError(f"unknown setting {key!r}{_did_you_mean(str(key), _FILE_KEYS)} "
                                 f"(allowed: {', '.join(sorted(_FILE_KEYS))})", where, *at_of(key))
            if key == "environments":
                value = _environments(value, where, at_of, errors, spell)
            else:
                _typed(key, value, key, where, at_of(key), spelled=spell((key,), value) if spell else None)
            if key in READ_KEYS:
                inside(root, key, value, where, at_of(key))
        except InputError as exc:
            errors.append(exc)
            continue
        out[key] = value
    return out


def _did_you_mean(key: str, known) -> str:
    return f", did you mean {close[0]!r}?" if (close := closest(key, known)) else ""


def _typed(key: str, value: Any, shown: str, where: str, at: tuple, env: str | None = None,
           spelled: str | None = None) -> None:
    """A file's setting of the right type; a path that is a path (not null, not empty: `exports_dir:
    ""` would write into the project root); a server URL (its scheme) and organisation that are
    usable, without a secret in it — each checked on every run, whatever environment is chosen."""
    expected = (int, str) if key == "grafana_org_id" else (str,)
    if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
        # PyYAML: imported only when a setting is wrong
        from vertice_obs.located_yaml import yaml_spelling

        raise InputError(f"{shown} must be {'a number' if key == 'grafana_org_id' else 'a string'}, "
                         f"not {spelled or yaml_spelling(value)}", where, *at)
    must_be_a_path(key, value, shown, where, at)
    if key in _URL_KEYS:
        if secret := url_secret(value):
            raise InputError(f"{shown} carries {secret}: a file in the repository must hold no secret — "
                             f"{_secret_advice(key, env)}", where, *at)
        _check_url(key, value, where, (where, *at), shown)
    if key == "grafana_org_id":
        _org_id(value, where, (where, *at), shown)
    if key == "project" and not _PROJECT_ID.fullmatch(str(value or "")):
        raise InputError(f"project {value!r} must be 1-50 of lowercase letters, digits, _ . - (a letter or digit "
                         "first): it is tagged on the project's dashboards as vertice-obs:<project>", where, *at)


def _secret_advice(key: str, env: str | None) -> str:
    """Where a URL with a credential goes instead of the file: the URL's own variable or flag (vobs
    sends its user:password@ as basic auth and its ?token= on every request). Only Grafana has a
    token of its own besides; with `--env NAME` the variables name no server, only a flag does."""
    flag = "--" + key.replace("_", "-")
    where = f"{flag} (with --env {env}, {ENVIRONMENT[key]} is not read)" if env else f"{ENVIRONMENT[key]} or {flag}"
    advice = f"give the whole URL, credential included, with {where}: vobs sends it and never shows it"
    if key == "grafana_url":
        token = f"{token_variable(env)} or GRAFANA_TOKEN" if env else "GRAFANA_TOKEN"
        advice += f"; a Grafana service-account token goes in {token} instead"
    return advice


def _org_id(value: Any, where: str, at: tuple[str, int | None] | tuple[()] = (), shown: str | None = None) -> int | None:
    try:  # Grafana's org ids: int64 from 1 (trial 16: -1 was sent, and advised as "organisation -1")
        number = None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        number = 0
    if number is None or 1 <= number < 1 << 63:
        return number
    raise InputError(f"{shown or _shown('grafana_org_id', where)} must be a number from 1, not {value!r}", *at)


def _check_url(key: str, value: Any, where: str, at: tuple[str, int | None] | tuple[()] = (),
               shown: str | None = None) -> None:
    """A server URL must be http(s)://…: `user:pass@host:9090` without a scheme would otherwise be
    taken for a scheme `user` — and its password shown in the error."""
    if value in (None, ""):
        return
    shown = shown or _shown(key, where)
    if not isinstance(value, str):
        raise InputError(f"{shown} must be a URL string, not {type(value).__name__}", *at)
    if not value.lower().startswith(("http://", "https://")):
        raise InputError(f"{shown}: {urls.shown(value)} is not an http:// or https:// URL ({urls.why_not(value, key)})", *at)


def _shown(key: str, where: str) -> str:
    """A setting as its user wrote it: `PROMETHEUS_URL (the environment)`, `grafana_url (vobs.yaml)`."""
    return f"{ENVIRONMENT[key]} ({where})" if where == "the environment" else f"{key} ({where})"
