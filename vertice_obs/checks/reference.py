"""The checks' reference page, `docs/checks.md`, and each check's address in it. Pure.

One heading per check, grouped by family (the id's part before `/`), each with its severity and
its docstring — the registry's own words, so the page cannot say other than `vobs checks`. The
page is written by `vobs checks --format markdown` and kept in the repository; a test holds it
equal to what the registry gives. Code-scanning UIs link each SARIF rule to its heading
(`help_uri`), as pint links each of its checks to its own page.

Owns: the page's text and the heading ids. May import: the registry (this package).
"""

from __future__ import annotations

import re
from itertools import groupby

from vertice_obs.checks import CHECKS, Check

# Where the page is read: the project's home (pyproject's Homepage, a test holds them together).
DOCS_URL = "https://github.com/vertice-platform/vertice-obs/blob/main/docs/checks.md"
_NOT_IN_SLUG = re.compile(r"[^\w\- ]")


def anchor(check_id: str) -> str:
    """The id GitHub gives the check's heading (`### \\`metric/present\\``): its text in lower case,
    every character but letters, digits, `_`, `-` and spaces dropped, spaces made `-` —
    `metric/present` → `metricpresent`. Unique over the registry (a test holds it)."""
    return _NOT_IN_SLUG.sub("", check_id.lower()).replace(" ", "-")


def help_uri(check_id: str) -> str | None:
    """The address of a registered check's heading on the reference page; None for an id the
    registry does not know (a finding from a newer or older vobs)."""
    return f"{DOCS_URL}#{anchor(check_id)}" if check_id in CHECKS else None


def reference_markdown() -> str:
    """`docs/checks.md`: every registered check, by family, then id."""
    ordered = sorted(CHECKS.values(), key=lambda c: c.id)
    lines = ["# vobs checks", "",
             "Every check vobs runs, with its id, severity and what it means. Written by",
             "`vobs checks --format markdown > docs/checks.md` from the check registry; a test keeps it",
             "equal to the registry, and SARIF rules link here (`helpUri`). `vobs validate` and `vobs audit`",
             "skip a check given to `--disable ID`, or listed per dashboard or panel in `.vobs-lint.yaml`",
             "(see the README).", ""]
    families = [(family, list(checks)) for family, checks in groupby(ordered, key=_family)]
    lines.append("Families: " + ", ".join(f"[{family}](#{anchor(family)})" for family, _ in families) + ".")
    for family, checks in families:
        lines += ["", f"## {family}"]
        for registered in checks:
            lines += ["", f"### `{registered.id}`", "", f"Severity: **{registered.severity}**.", "",
                      registered.doc]
    return "\n".join(lines) + "\n"


def _family(registered: Check) -> str:
    return registered.id.split("/", 1)[0]
