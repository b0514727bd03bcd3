"""Checks about dashboard modules as a whole, found while building (not over one rendered model)."""

from __future__ import annotations

from vertice_obs.checks import check
from vertice_obs.finding import Severity


@check("module/load", Severity.ERROR, scope="module")
def module_load():
    """A dashboard module failed to import, raised, or defines no usable `dashboard` (with a uid).
    The other dashboards still render; this one keeps its previous export, if it has one."""
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


@check("input/skipped", Severity.WARNING, scope="module")
def input_skipped():
    """A path vobs was to read and did not check. A FIFO, socket or device is skipped, never opened
    for reading (a FIFO would block the run until something writes to it); met in a folder, a
    symlinked folder is not entered and a symlinked file leading out of the folder is not read (named
    on the command line, either is read); a Grafana dashboard vobs cannot read — a list of dashboards in one file, a dashboard
    resource of an unknown version — is skipped at its line, in a folder as well as named (schema
    v2 dashboards are read, as the classic model); JSON that is no dashboard is said only when named
    on the command line."""
    return ()


@check("file/invalid", Severity.ERROR, scope="module")
def file_invalid():
    """A dashboard file that cannot be used: not JSON (at the line and column where parsing
    stopped; nested too deeply to read: at its deepest point), not UTF-8 (at the first bad byte), unreadable (permissions), or JSON Grafana refuses
    outright. Only that file is skipped: every other file is still checked, and the summary counts
    the unreadable files. An error: the dashboards in it are not checked at all."""
    return ()


@check("input/json", Severity.WARNING, scope="module")
def input_json():
    """A JSON file holds what Python reads but strict JSON readers such as Grafana refuse: NaN or
    Infinity, a number no 64-bit float holds, a lone surrogate escape (`\\ud800`), or a leading
    byte-order mark (at 1:1). vobs reads it (a lone surrogate as U+FFFD) and reports the first few
    at their lines."""
    return ()


@check("exports/left-alone", Severity.WARNING, scope="module")
def exports_left_alone():
    """A file in the exports folder that vobs did not write (not in exports/manifest.json), that
    changed since vobs wrote it (its hash differs), a symlink, or a special file. vobs never
    deletes or overwrites it; move it away (or delete it) if vobs should manage that path."""
    return ()


@check("export/non-finite", Severity.WARNING, scope="module")
def export_non_finite():
    """A rendered dashboard holds NaN or Infinity (or an integer no 64-bit float can hold, or a lone
    surrogate). JSON has no such values and Grafana refuses them: the export has null (or U+FFFD)
    there. Fix the dashboard module."""
    return ()


@check("narrative/todo", Severity.WARNING, scope="module")
def narrative_todo():
    """A narrative's owner or summary is still the TODO `vobs import` wrote. Its readers see who to
    ask and what the story is about in Grafana's folder and playlist: name the owning team, and say
    who the narrative is for and what they should learn from it."""
    return ()


@check("narrative/story-todo", Severity.WARNING, scope="module")
def story_todo():
    """A chapter's story is still the TODO `vobs import` wrote. The dashboard renders, but its story
    panel says TODO to every reader: write what they should notice there, and why it matters."""
    return ()
