"""User-facing errors and the exit codes CI relies on.

`InputError` is raised for bad input (a malformed narrative, an unknown dashboard uid, a bad config):
the CLI prints it as one line — `file:line: message` — and exits with `EXIT_INPUT`.
`redact` is the one way a URL reaches a message.

Owns: exit codes, the error types, redaction. Imports nothing from vertice_obs.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # the check ran and found something: stale exports, missing metrics, a diff
EXIT_INPUT = 2  # bad input, bad usage, or a dependency that could not be reached
EXIT_PARTIAL = 3  # a write operation failed part-way (publish)


class VobsError(Exception):
    """Base class for errors the CLI reports as one line."""

    exit_code = EXIT_INPUT


class InputError(VobsError):
    """Bad user input, located at `file:line` when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


def redact(url: str) -> str:
    """A URL fit for messages (see `vertice_obs.guard.secrets.redact_url`)."""
    from vertice_obs.guard.secrets import redact_url

    return redact_url(url)
