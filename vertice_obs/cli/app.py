"""The `vobs` group: global flags, and the one place where errors become one line and an exit code.

Exit codes (for CI): 0 success · 1 the check found something (stale exports, missing metrics,
differences) · 2 bad input, bad usage or an unreachable dependency · 3 a write failed part-way.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

import click

from vertice_obs import __version__
from vertice_obs.errors import EXIT_INPUT, VobsError


class VobsGroup(click.Group):
    """Turns every `VobsError` into one line on stderr and its exit code — never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VobsError as exc:
            click.echo(f"vobs: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("vobs: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug in vobs: one line, the traceback only on request
            if os.environ.get("VOBS_DEBUG"):
                traceback.print_exc()
            click.echo(f"vobs: internal error: {type(exc).__name__}: {exc} (set VOBS_DEBUG=1 for the traceback)",
                       err=True)
            ctx.exit(EXIT_INPUT)


@click.group(cls=VobsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vobs")
@click.option("-C", "--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Project root (holds dashboards/, narratives/, exports/). Default: the current directory.")
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """Observability as code for Vértice and MAXIMUS.

    Dashboards are Python (dashboards/*.py, grafanalib), told as narratives (narratives/*.yaml),
    rendered deterministically into exports/ and checked before they reach Grafana.

    \b
    Typical loop:
      vobs build            render every narrative into exports/
      vobs build --check    CI: fail if exports/ is not what the code renders
      vobs list             narratives → chapters → dashboards → panels

    Configuration: flags, then GRAFANA_URL / GRAFANA_TOKEN / PROMETHEUS_URL, then vobs.yaml or
    [tool.vobs] in pyproject.toml. Exit codes: 0 ok, 1 findings, 2 bad input or unreachable
    server, 3 partial failure of a write.
    """
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


def main() -> None:
    cli(prog_name="vobs")


