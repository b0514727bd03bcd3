"""The `vobs` group: global flags, and the one place where errors become one line and an exit code.

Exit codes (for CI): 0 success · 1 the check found something (stale exports, missing metrics,
differences) · 2 bad input, bad usage or an unreachable dependency · 3 a write failed part-way ·
141 the reader of stdout went away (`vobs list | head -1`), quietly.

Every message goes through `say_error`: redacted (`guard.secrets`) and escaped on one line
(`guard.text`). Usage errors, OS errors (`path: reason`), non-UTF-8 input and input too deep or too
large are one such line with exit 2; "internal error" is left for bugs in vobs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import click

import vertice_obs
from vertice_obs.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    Interrupted,
    VobsError,
    os_error_message,
)
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import escape

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a reader that went away


def error_message(message: object) -> str:
    """The one form of every error vobs prints: redacted (no password or token, even one a server
    echoed back) and escaped (no control sequence from a title, a query or a server), on one line."""
    return f"vobs: error: {escape(redact_text(message), one_line=True)}"


def say_error(message: object) -> None:
    click.echo(error_message(message), err=True)


def say(text: object = "", err: bool = False, nl: bool = True) -> None:
    """Print output that carries titles, queries, paths or server text: control characters escaped
    (newlines kept — callers print one line per item)."""
    click.echo(escape(text), err=err, nl=nl)


def _bad_input_message(exc: BaseException) -> str | None:
    """The true cause of an exception that bad input (not a bug) can raise, else None."""
    if isinstance(exc, OSError):
        return os_error_message(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (f"input is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
                if exc.start < len(exc.object) else "input is not UTF-8 text")
    if isinstance(exc, RecursionError):
        return "input is nested too deeply to process"
    if isinstance(exc, MemoryError):
        return "input is too large to process (out of memory)"
    return None


def _quiet_broken_pipe() -> None:
    """The reader went away (`vobs list | head -1`): stop quietly, as a shell tool does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_ctrl_c():
    """SIGTERM (`kill`, a cancelled CI job, a container stopped) stops what runs inside as Ctrl-C
    does — a `KeyboardInterrupt` that its command turns into one line saying how far it got, exit
    130 — where Python's default would end the process at once, silently (143). Only the main
    thread may set a handler: elsewhere (a test's thread) it is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class VobsGroup(click.Group):
    """The one error path: every `VobsError`, usage error and bad-input exception becomes one
    redacted, escaped line on stderr and its exit code — never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else (prog_name or "vobs")
            say_error(f"{exc.format_message().rstrip('.')} (see '{command} --help')")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            say_error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("vobs: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VobsError as exc:
            for each in (exc, *exc.also):
                say_error(each)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt as exc:  # an `Interrupted` says how far it got (publish)
            click.echo(f"vobs: {escape(exc, one_line=True) if isinstance(exc, Interrupted) else 'interrupted'}",
                       err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            cause = _bad_input_message(exc)
            if cause is not None:  # bad input or a hostile environment, not a bug
                if os.environ.get("VOBS_DEBUG"):
                    traceback.print_exc()
                say_error(cause)
                ctx.exit(EXIT_INPUT)
            if os.environ.get("VOBS_DEBUG"):  # a bug in vobs: one line, the traceback only on request
                traceback.print_exc()
            click.echo("vobs: internal error: " + escape(redact_text(f"{type(exc).__name__}: {exc}"), one_line=True)
                       + " (set VOBS_DEBUG=1 for the traceback)", err=True)
            ctx.exit(EXIT_INPUT)


def _show_version(ctx: click.Context, _param: click.Parameter, on: bool) -> None:
    """`--version`, read only when asked (vertice_obs._version: one version source, pyproject.toml)."""
    if on and not ctx.resilient_parsing:
        click.echo(f"vobs, version {vertice_obs.__version__}")
        ctx.exit()


@click.group("vobs", cls=VobsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
@click.option("-C", "--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Project root (holds dashboards/, narratives/, exports/). Default: the current directory.")
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """Observability as code for Vértice and MAXIMUS.

    Dashboards are Python (dashboards/*.py, grafanalib), told as narratives (narratives/*.yaml),
    rendered deterministically into exports/ and checked before they reach Grafana.

    \b
    Examples (the typical loop):
      vobs build            render every narrative into exports/
      vobs build --check    CI: fail if exports/ is not what the code renders
      vobs list             narratives → chapters → dashboards → panels

    Configuration: flags, then the environment chosen with --env NAME (vobs.yaml environments:),
    then GRAFANA_URL / GRAFANA_TOKEN / PROMETHEUS_URL, then vobs.yaml or [tool.vobs] in
    pyproject.toml. Exit codes: 0 ok, 1 findings, 2 bad input or unreachable server, 3 partial
    failure of a write.
    """
    ctx.ensure_object(dict)
    ctx.obj["root"] = root.resolve() if root is not None else None  # resolved once, for every command
    if os.environ.get("NO_COLOR"):  # https://no-color.org: every echo of every command strips its styles
        ctx.color = False


def collect_less() -> None:
    """A run allocates hundreds of thousands of objects that live to its end (queries, selectors,
    findings, a Grafana list's models). At Python's default thresholds the collector walks them,
    and every imported module's objects, ever more often as they pile up: 12% of a 20,000-query
    validate, half the reading of a 1,000-dashboard list. Collections stay on (a cycle is still
    freed), ~14 times less often, and what the imports made is left out of them (`freeze`); the
    peak memory measured the same. `main` calls it; a benchmark timing a stage alone does too."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 1_000)


def main() -> None:
    collect_less()
    cli(prog_name="vobs")


