"""An inject or revert that is a command: run without a shell, bounded, its failure said in words.

A command is bounded as an HTTP action is — by `--http-timeout` — and an inject also by what is
left of the run's `--timeout` (a revert always gets its full time: it must run even when the
deadline has passed). When the time is up the command is killed, and the error says so:
`command sleep 1000 did not finish within 15s (--http-timeout)`, never Python's repr of it.
A command runs in its own session: a terminal's Ctrl-C goes to vobs' process group, and must not
kill a revert half-way (vobs defers it until the revert has finished).
"""

from __future__ import annotations

import shlex
import subprocess

from vertice_obs.errors import VobsError
from vertice_obs.guard.secrets import redact_text


def run_command(argv: list[str], limit: float, bound: str, error: type[VobsError] = VobsError) -> None:
    """Run `argv` for at most `limit` seconds (`bound`: the flag that set it, for the message); a
    timeout raises `error`, any other failure `VobsError`."""
    shown = redact_text(shlex.join(argv))
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=limit, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise error(f"command {shown} did not finish within {limit:.3g}s ({bound}); it was stopped") from None
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or exc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
        raise VobsError(f"command {shown} exited with status {exc.returncode}"
                        + (f": {redact_text(' '.join(said[-1].split())[:160])}" if said else "")) from None
    except OSError as exc:
        raise VobsError(f"command {shown} could not start: {exc.strerror or type(exc).__name__}") from None
