"""Options and helpers shared by the command groups: formats, durations, servers, selection, progress."""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Sequence

import click
from click.core import ParameterSource

from vertice_obs.errors import InputError, WriteFailed, closest, listing, os_reason
from vertice_obs.files import write_atomic
from vertice_obs.guard.durations import parse_duration
from vertice_obs.guard.http import DEFAULT_TIMEOUT, configure_tls
from vertice_obs.guard.paths import check_writable
from vertice_obs.guard.text import escape, folded
from vertice_obs.project import Project, load_project

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for machines (stable keys, sorted).")


class Duration(click.ParamType):
    """`7d`, `1h30m`, `90s` → timedelta: PromQL's grammar (guard.durations, as chaos files)."""

    name = "duration"

    def __init__(self, zero: bool = False):
        self.zero = zero  # `0s` means something here (none at all)

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value).strip(), zero=self.zero)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class FromFlagOrVariable(click.Option):
    """An option its environment variable may also give: a bad value is said as what the user
    wrote — `'--timeout'` for the flag, `environment variable 'GRAFANA_TIMEOUT'` for the variable —
    where click named both, the variable even for a flag typed on the command line."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        given = ctx.get_parameter_source(self.name) if ctx is not None and self.name else None
        if given is ParameterSource.ENVIRONMENT and isinstance(self.envvar, str):
            return f"environment variable {self.envvar!r}"
        return click.Parameter.get_error_hint(self, ctx)  # the flag's names, without the variable


PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
PROMETHEUS = click.option("--prometheus-url", metavar="URL", default=None, envvar="PROMETHEUS_URL", show_envvar=True,
                          cls=FromFlagOrVariable,
                          help="Prometheus to check against (else PROMETHEUS_URL, vobs.yaml; "
                               "else the offline metric catalog). A bearer token goes in PROMETHEUS_TOKEN, "
                               "basic auth in the URL (user:password@); neither is ever printed.")
# `vobs chaos run` measures in Prometheus: no catalog stands in for it (trial 18: the shared help promised one)
PROMETHEUS_REQUIRED = click.option("--prometheus-url", metavar="URL", default=None, envvar="PROMETHEUS_URL",
                                   show_envvar=True, cls=FromFlagOrVariable,
                                   help="Prometheus the run measures its probes in (else PROMETHEUS_URL, vobs.yaml; "
                                        "required: a Chaos Day measures in Prometheus). A bearer token goes in "
                                        "PROMETHEUS_TOKEN, basic auth in the URL (user:password@); neither is ever printed.")
CATALOG = click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       metavar="FILE", help="The metric catalog (default: narratives/metrics.yaml in the project, "
                                            "if any). Without one and without a Prometheus, only the checks that "
                                            "need no metric source run.")
LOOKBACK = click.option("--lookback", type=Duration(), default="7d", show_default=True,
                        help="How far back to look for metrics that are absent now (missing vs disappeared).")


GRAFANA_URL = click.option("--grafana-url", metavar="URL", default=None, envvar="GRAFANA_URL", show_envvar=True,
                           cls=FromFlagOrVariable,
                           help="Grafana to talk to (else GRAFANA_URL, vobs.yaml; else the provisioning folder).")
GRAFANA_TOKEN = click.option("--grafana-token", metavar="TOKEN", default=None, envvar="GRAFANA_TOKEN",
                             show_envvar=True, cls=FromFlagOrVariable,
                             help="Service-account token (Authorization: Bearer); with --env NAME, "
                                  "GRAFANA_TOKEN_<NAME> first. Never printed.")
ORG = click.option("--org-id", type=int, default=None, envvar="GRAFANA_ORG_ID", show_envvar=True, cls=FromFlagOrVariable,
                   help="Grafana organisation (X-Grafana-Org-Id).")


def _remember_env(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta["vobs.env"] = value or None
    ctx.meta["vobs.env_from"] = ("VOBS_ENV" if ctx.get_parameter_source("env") is ParameterSource.ENVIRONMENT
                                 else "--env")  # errors about it say what chose it


def _complete_env(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of --env: the environments the project at -C (else here) declares. A
    configuration that cannot be read completes nothing: completion never prints an error."""
    try:
        names = load_project(ctx.find_root().params.get("root")).environments
    except Exception:  # noqa: BLE001 - whatever is wrong is said when the command runs
        return []
    return [name for name in names if name.startswith(incomplete)]


def env_option(grafana: bool = True, prometheus: bool = False):
    """--env NAME. Every command that talks to a server takes it; project_of reads it, so no command
    passes it on. The help names the tokens the command reads: `grafana` (diff, publish, pull),
    `prometheus` (validate, audit, chaos check: no Grafana token, and it says so), or both (chaos run)."""
    tokens = ["GRAFANA_TOKEN_<NAME>, else GRAFANA_TOKEN"] if grafana else []
    tokens += ["PROMETHEUS_TOKEN_<NAME>, else PROMETHEUS_TOKEN"] if prometheus else []
    reads = f"its token{'s' if len(tokens) > 1 else ''}: {'; '.join(tokens)}" + (
        "" if grafana else "; this command reads no Grafana token")
    return click.option("--env", metavar="NAME", default=None, envvar="VOBS_ENV", show_envvar=True,
                        cls=FromFlagOrVariable, expose_value=False, callback=_remember_env, is_eager=True,
                        shell_complete=_complete_env,
                        help=f"Use the servers of environment NAME, declared under environments: in vobs.yaml ({reads}).")


ENV = env_option()
PROMETHEUS_ENV = env_option(grafana=False, prometheus=True)
BOTH_ENV = env_option(prometheus=True)  # chaos run: Grafana's annotations, Prometheus' samples
OUTPUT_FILE = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           metavar="FILE", help="Write the report to FILE instead of stdout (its folder must exist).")


def check_output(output: Path | None) -> None:
    """Before any work: an `-o FILE` (and `chaos run --journal FILE`) can be written — its folder
    exists (none is created, as a shell's `>` creates none) and takes a file. The one path every
    `-o FILE` goes through, with `write_output`; an `-o DIR` goes through `check_output_folder`."""
    if output is not None:
        check_writable(output, new_folders=False)


def check_output_folder(output: Path, shown: str | None = None) -> None:
    """Before any work: an `-o DIR` (`chaos report`, `chaos compare`, `pull`) can be written — the
    folder itself is made when missing (as `mkdir` makes it), never the folders above it: a typo in
    them (`-o reprots/day-1`) is one error, not a new tree. The folder vobs makes itself by default
    (beside the journal, `pulled/`) sits in a folder that exists."""
    check_writable(output, folder=True, shown=shown, new_folders=False)


def write_output(output: Path, text: str) -> None:
    """Write an `-o FILE` checked by `check_output`: atomically, its folder not created (gone since
    the check, it is an error naming why), `path: reason` on failure."""
    try:
        write_atomic(output, text, new_folders=False)
    except OSError as exc:
        raise WriteFailed(str(output), os_reason(exc)) from None


NARRATIVE = click.option("--narrative", "narratives", multiple=True, metavar="ID", help="Only this narrative (repeatable).")
UID = click.option("--uid", "uids", multiple=True, metavar="UID", help="Only this dashboard (repeatable).")


class Seconds(Duration):
    """A deadline flag (`--timeout 30s`, `1m30s`, `500ms`) → float seconds: the one duration grammar,
    so a bare `5` is refused (seconds or minutes?) as `--lookback 5` is. Its environment variable,
    if any, also takes a bare number of seconds: GRAFANA_TIMEOUT is grafana-client's, which reads
    it as float seconds, and one value must work for both tools."""

    name = "duration"
    SHORTEST = 0.1  # below this no server can answer: a typo, not a deadline
    LONGEST = 86_400.0  # a request not answered in a day will not be: a typo too (and 300y overflowed a wait)

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        from_env = (ctx is not None and param is not None and param.name is not None
                    and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT)
        try:
            seconds = float(value) if from_env else None
        except ValueError:
            seconds = None
        if seconds is None:
            if _BARE_NUMBER.fullmatch(str(value).strip()) and float(value) != 0:  # `0` is zero, said so
                self.fail(f"{value!r} has no unit: write a duration, e.g. {value}s (30s, 1m30s, 500ms)", param, ctx)
            seconds = super().convert(value, param, ctx).total_seconds()
        if not 0 < seconds < float("inf"):  # also NaN
            self.fail(f"{value!r} is not a deadline: a duration like 30s, 1m30s or 500ms", param, ctx)
        if seconds < self.SHORTEST:
            self.fail(f"{value!r} is too short a deadline: at least 100ms", param, ctx)
        if seconds > self.LONGEST:
            self.fail(f"{value!r} is too long a deadline: at most 1d (24h)", param, ctx)
        return seconds


_BARE_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")


def timeout_option(flag: str = "--timeout", dest: str = "timeout", envvar: str | None = None):
    """The total deadline of each HTTP exchange (connect, headers and the whole body)."""
    also = f" {envvar} may also be a number of seconds, as grafana-client reads it." if envvar else ""
    return click.option(flag, dest, type=Seconds(), default=f"{DEFAULT_TIMEOUT:g}s", show_default=True,
                        metavar="DURATION", envvar=envvar, show_envvar=envvar is not None, cls=FromFlagOrVariable,
                        help="Deadline for each HTTP exchange with a server: connect, headers and the whole body "
                             f"(a duration: 30s, 1m30s, 500ms).{also}")


def timeout_name(ctx: click.Context, dest: str = "timeout") -> str:
    """What set the deadline `dest`, as the user wrote it, for a "did not answer within Ns (…)" that
    advises it: its environment variable when that gave it (GRAFANA_TIMEOUT), else its flag."""
    param = next((p for p in ctx.command.params if p.name == dest), None)
    if param is None:
        return "--timeout"
    if ctx.get_parameter_source(dest) is ParameterSource.ENVIRONMENT and isinstance(param.envvar, str):
        return param.envvar
    return max(param.opts, key=len)


TIMEOUT = timeout_option()
GRAFANA_TIMEOUT = timeout_option(envvar="GRAFANA_TIMEOUT")  # grafana-client's variable, honoured


def _tls(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """--ca-cert / --insecure → `guard.http.configure_tls` for this run (callbacks run for every
    invocation, so one run's choice never outlives it). --insecure says what it gives up, on stderr."""
    chosen = ctx.meta.setdefault("vobs.tls", {})
    chosen[param.name] = value
    if chosen.get("ca_cert") and chosen.get("insecure"):
        raise click.UsageError("--ca-cert and --insecure contradict each other: pick one", ctx)
    if {"ca_cert", "insecure"} <= chosen.keys() and chosen["insecure"]:  # both read: a contradiction is said alone
        click.echo("vobs: warning: --insecure: TLS certificates are not verified; anyone on the path can "
                   "read the credentials sent and change the answers", err=True)
    configure_tls(chosen.get("ca_cert"), bool(chosen.get("insecure")))


def TLS(command):  # noqa: N802  (a decorator, named like the other option constants)
    """TLS is verified by default; `--ca-cert FILE` trusts a private CA, `--insecure` nothing."""
    command = click.option("--insecure", is_flag=True, expose_value=False, callback=_tls,
                           help="Do not verify TLS certificates (warned; prefer --ca-cert).")(command)
    return click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), expose_value=False,
                        callback=_tls, metavar="FILE",
                        help="Verify TLS against this CA bundle (PEM) instead of the system's.")(command)
CONCURRENCY = click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
                           help="Requests in flight at once.")
SINCE = click.option("--since", metavar="REF", default=None,
                     help="Only the dashboards whose module, export or narrative changed since the git REF "
                          "(from the merge base, as a pull request; uncommitted changes too), e.g. origin/main. "
                          "A change to shared code or configuration selects every dashboard.")


def changed_since(project: Project, ref: str, layout, touched: Callable[[Any], Sequence[str]] | None = None
                  ) -> tuple[Any, Any]:
    """`--since REF`: the `Selection` of dashboards the change touched, said on stderr, and the
    `ChangedFiles` (build/changes.py). `touched(changes)`: dashboard files outside the layout the
    command checks too (validate's PATHS), said with them."""
    from vertice_obs.build.changes import GitChanges, select_changed

    changes = GitChanges(project.root).since(ref)
    selection = select_changed(changes.paths, changes.deleted, layout)
    click.echo(selection.describe(ref, len(layout.uids), touched(changes) if touched else ()), err=True)
    return selection, changes


# A flag's parameter when its name is not the setting's
_PARAMETER_OF = {"grafana_org_id": "org_id", "catalog": "catalog_file"}


def on_command_line(ctx: click.Context, parameter: str) -> bool:
    """Whether `parameter` was given as a flag — not read by click from its environment variable,
    not its default."""
    return ctx.get_parameter_source(parameter) is ParameterSource.COMMANDLINE


def project_of(ctx: click.Context, **overrides: Any) -> Project:
    """The project at `-C` (else the current directory), with flags overriding its configuration.

    Options declare their environment variables (so `--help` shows them), but a value click
    read from the environment is not a flag: load_project layers the variables itself, below an
    environment chosen with `--env`."""
    flags = {key: value for key, value in overrides.items() if on_command_line(ctx, _PARAMETER_OF.get(key, key))}
    return load_project(ctx.find_root().obj.get("root"), flags, env=ctx.meta.get("vobs.env"),
                        env_from=ctx.meta.get("vobs.env_from", "--env"))


def refuse_offline_with_url(ctx: click.Context, offline: bool, prometheus_url: str | None) -> None:
    """`--offline` with `--prometheus-url` is a usage error (exit 2). Only the flag contradicts it:
    PROMETHEUS_URL in the environment, or vobs.yaml's, is what `--offline` ignores."""
    if offline and prometheus_url and on_command_line(ctx, "prometheus_url"):
        raise click.UsageError("--offline and --prometheus-url contradict each other")


def prometheus_auth(project: Project) -> dict[str, str | None]:
    """The Prometheus bearer token and what set it (`PROMETHEUS_TOKEN_<NAME>` with `--env`), as the
    keyword arguments every `PrometheusSource` takes: a refusal names the variable the user set."""
    return {"token": project.prometheus_token, "token_name": project.set_by("prometheus_token")}


def grafana_token_name(project: Project) -> str:
    """What set the Grafana token, as the user wrote it (`Project.set_by`), for a message about it."""
    return project.set_by("grafana_token")


def org_id_name(project: Project) -> str:
    """Where the Grafana org id was set, as the user wrote it, for a message about it: `--org-id`,
    `GRAFANA_ORG_ID`, `vobs.yaml environments.prod`, `grafana_org_id in vobs.yaml` (`Project.set_by`)."""
    return project.set_by("grafana_org_id")


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def show_progress(flag: bool | None) -> bool:
    """--progress/--no-progress, else a bar only when stderr is a terminal."""
    return sys.stderr.isatty() if flag is None else flag


ALLOW_OUTSIDE = click.option("--allow-outside", is_flag=True,
                             help="Let vobs write where the project's settings lead outside it (exports_dir, "
                                  "provisioning_dir, backup_dir). It still deletes and overwrites only files it wrote.")


def shown_folder(project: Project, folder: Path) -> str:
    """A folder a setting names, as configured: relative to the project (`../team-exports`) when
    given so, else absolute."""
    path, root = str(folder), str(project.root)
    shown = project.display(folder)
    return os.path.relpath(path, root) if shown == path and path.startswith(root + os.sep) else shown


def refuse_written_outside(project: Project, key: str, command: str, allow_outside: bool) -> None:
    """The one check before vobs writes into a folder a setting names (`exports_dir`,
    `provisioning_dir`, `backup_dir`): it must be inside the project, symlinks resolved, unless
    `--allow-outside` — a folder shared with other teams, or a configuration from a pull request
    leading to `/etc`, is written only on purpose."""
    from vertice_obs.guard.paths import outside
    from vertice_obs.guard.text import escape
    from vertice_obs.project.paths import said_with

    folder = getattr(project, key)
    target = outside(project.root, folder)
    if allow_outside or target is None:
        return
    origin = "" if key in project.lines else f" (from {project.origins.get(key, 'the default')})"  # else its line
    raise said_with(project, InputError(  # with every read path setting's problem: one run says them all
        f"{key} {escape(shown_folder(project, folder), one_line=True)!r}{origin} is outside the project (it "
        f"resolves to {target}): pass --allow-outside to let vobs {command} write there", *project.lines.get(key, ())))


def no_such(what: str, name: str, known: list[str]) -> InputError:
    """`no such narrative: nope (the project's: a, b, c; did you mean 'cockpit'?)`: a `--narrative`
    or `--uid` the project does not have, with its close name by the one rule (`errors.closest`)."""
    close = closest(name, known) if len(name) <= 80 else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = folded(escape(name, one_line=True), 80)  # a name from the command line: one bounded line
    return InputError(f"no such {what}: {shown} (the project's: {listing(known, shown=8) or 'none'}{hint})")
