"""Rendering findings for people (text) and machines (JSON). Pure: returns strings.

Findings carry titles, queries and server messages: text output escapes their control characters
(one finding, one line), JSON output escapes the ones `json.dumps` leaves raw (C1, bidi)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence
from urllib.parse import quote

from vertice_obs.finding import Finding
from vertice_obs.guard.text import escape, strict_json, strict_json_stream

FORMATS = ("text", "json")

# `--format json` is a contract (README "Machine output"): every command prints ONE object, whatever
# its flags, carrying the same envelope — `command` and `schema_version`, among keys sorted — held by the JSON
# Schema `vertice_obs/schemas/output/<command, spaces as dashes>.schema.json`. An added key keeps the
# version; a key removed, renamed or changed in meaning raises it (the old shape goes in CHANGELOG).
OUTPUT_VERSIONS = {"audit": 1, "build": 1, "chaos check": 1, "checks": 1, "diff": 1, "import": 1, "list": 1,
                   "publish": 1, "validate": 1}


def envelope(command: str, **body: Any) -> dict[str, Any]:
    """`body` with the envelope every `--format json` object carries."""
    return {"command": command, "schema_version": OUTPUT_VERSIONS[command], **body}


def machine_json(command: str, **body: Any) -> str:
    """A command's `--format json` text: its envelope and `body`, keys sorted, strict JSON (a value
    written differently to stay strict is said in `notes`)."""
    return strict_json(envelope(command, **body), notes_key="notes")


def findings_text(findings: Sequence[Finding]) -> str:
    lines = [escape(f, one_line=True) for f in sorted(findings, key=finding_order)]
    if findings:
        counts = Counter(str(f.severity) for f in findings)
        lines.append(", ".join(f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in sorted(counts.items())))
    return "\n".join(lines)


def findings_json(findings: Sequence[Finding], **extra: Any) -> str:
    payload = {**extra, "findings": [f.to_dict() for f in sorted(findings, key=finding_order)]}
    return strict_json(payload, notes_key="notes")


def write_findings_json(write: Callable[[str], None], findings: Sequence[Finding], **extra: Any) -> None:
    """`findings_json`, the same text, written in pieces (one finding's dict at a time), buffered
    into writes of about 1 MB."""
    buffer: list[str] = []
    size = 0

    def piece(text: str) -> None:
        nonlocal size
        buffer.append(text)
        size += len(text)
        if size >= 1 << 20:
            write("".join(buffer))
            buffer.clear()
            size = 0

    strict_json_stream(extra, "findings", (f.to_dict() for f in sorted(findings, key=finding_order)), piece)
    write("".join(buffer))


def finding_order(f: Finding):
    """The one order of findings in every report: by file, then line and column as numbers
    (`x.json:16` before `x.json:128`), then place in the dashboard, severity, check, message."""
    loc = f.location
    return (loc.file or "", loc.line or 0, loc.column or 0, loc.dashboard or "", loc.panel_id or 0, loc.target or "",
            -f.severity, f.check, f.message)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_ABOUT_THE_RUN = {"input/skipped"}  # findings about what was read, not about code: notifications


SRCROOT = "%SRCROOT%"


def artifact_location(file: str, absolute: Path | None, root: Path | None) -> dict[str, str]:
    """SARIF `artifactLocation` of a finding's file: relative to `root` (with `uriBaseId` %SRCROOT%)
    when the file is under it, else an absolute `file:` URI; the path as given when not known."""
    if absolute is not None and root is not None and absolute.is_relative_to(root):
        return {"uri": quote(PurePosixPath(*absolute.relative_to(root).parts).as_posix()), "uriBaseId": SRCROOT}
    if absolute is not None and absolute.is_absolute():
        return {"uri": absolute.as_uri()}
    return {"uri": quote(Path(file).as_posix())}


def findings_sarif(findings: Sequence[Finding], tool_version: str, root: Path | None = None,
                   where: Callable[[str], Path | None] | None = None, failed: str | None = None) -> str:
    """SARIF 2.1.0, for code-scanning UIs: one rule per check id (linked to its heading of
    docs/checks.md: `helpUri`), one result per finding in a file.

    `root` (absolute: the repository's top level) is %SRCROOT%, and `where` gives the absolute
    path of a finding's file as shown: each result's URI is then relative to the repository, as
    code-scanning services expect. Regions carry line and column (Unicode code points); a finding
    about a whole file is at its line 1 (GitHub requires a line). A finding in no file (a metric
    source that could not check something), or about a path that is no dashboard file
    (`input/skipped`: a FIFO, a folder), is not a result — GitHub refuses a whole upload holding a
    result without a location — but a tool execution notification of the run's invocation, where
    SARIF puts what the tool has to say about its own run. `failed` (why the run could not check
    what it was asked, e.g. Prometheus unreachable) makes the invocation unsuccessful, with that
    reason as an error notification: an empty run that says it succeeded would close every alert."""
    from vertice_obs.checks import CHECKS  # the registry documents the rules
    from vertice_obs.checks.reference import help_uri

    used = sorted({f.check for f in findings})
    rules = [{"id": cid, "shortDescription": {"text": cid},
              "fullDescription": {"text": CHECKS[cid].doc if cid in CHECKS else cid},
              "defaultConfiguration": {"level": _SARIF_LEVEL[str(CHECKS[cid].severity)] if cid in CHECKS else "warning"},
              **({"helpUri": uri} if (uri := help_uri(cid)) else {})}
             for cid in used]
    results, notes = [], []
    for f in sorted(findings, key=finding_order):
        loc = f.location
        if not loc.file or f.check in _ABOUT_THE_RUN:
            notes.append({"level": _SARIF_LEVEL[str(f.severity)], "descriptor": {"id": f.check},
                          "message": {"text": f"{loc.file}: {f.message}" if loc.file else f.message}})
            continue
        location: dict[str, Any] = {}
        # GitHub requires a line: a finding about a whole file (one that does not parse) is at its first
        region = {"startLine": loc.line, **({"startColumn": loc.column} if loc.column else {})} if loc.line \
            else {"startLine": 1}
        location["physicalLocation"] = {"artifactLocation": artifact_location(loc.file, where(loc.file) if where
                                                                             else None, root), "region": region}
        # dashboard/panel/target, each part's own `\` and `/` escaped: a title `Messages/sec` is one part
        logical = "/".join(str(p).replace("\\", "\\\\").replace("/", "\\/") for p in (loc.dashboard, loc.panel, loc.target)
                           if p not in (None, ""))
        if logical:
            location["logicalLocations"] = [{"fullyQualifiedName": logical}]
        result: dict[str, Any] = {"ruleId": f.check, "level": _SARIF_LEVEL[str(f.severity)],
                                  "message": {"text": f.message}}
        if location:
            result["locations"] = [location]
        results.append(result)
    run: dict[str, Any] = {"tool": {"driver": {"name": "vobs", "version": tool_version, "rules": rules}}}
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/",
                                               "description": {"text": "The repository's top level, else the folder vobs ran in."}}}
    run["columnKind"] = "unicodeCodePoints"
    if failed is not None:  # a run that could not check what it was asked: never an empty, "successful" run
        notes.insert(0, {"level": "error", "message": {"text": failed}})
    if notes:
        run["invocations"] = [{"executionSuccessful": failed is None, "toolExecutionNotifications": notes}]
    run["results"] = results
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return strict_json(log)
