"""Checks about dashboard modules as a whole, found while building (not over one rendered model)."""

from __future__ import annotations

from vertice_obs.checks import check
from vertice_obs.finding import Severity


@check("module/load", Severity.ERROR, scope="module")
def module_load():
    """A dashboard module failed to import, raised, or defines no usable `dashboard` (with a uid).
    The other dashboards still render; this one keeps its previous export."""
    return ()


@check("module/stdout", Severity.WARNING, scope="module")
def module_stdout():
    """A dashboard module printed to stdout while loading. Rendering must be silent: output would
    corrupt machine-readable output such as `--format json`. Use a comment or logging instead."""
    return ()


@check("dashboard/no-narrative", Severity.WARNING, scope="module")
def no_narrative():
    """A dashboard is in no narrative, so it has no folder and is not rendered. Add it as a chapter
    of a narrative, or delete the module."""
    return ()
