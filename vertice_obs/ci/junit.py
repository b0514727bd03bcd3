"""JUnit XML, the test report GitLab (`artifacts:reports:junit`) and Jenkins (`junit`) show.

The shape is the one Jenkins' xunit plugin checks (`junit-10.xsd`, jenkinsci/xunit-plugin):
`<testsuites>` → one `<testsuite>` per dashboard file (findings without a file: a suite named
`vobs`) → one `<testcase>` per query (or dashboard, panel, variable) and check. Error and warning
findings are `<failure>`s (what a reviewer should look at; the exit code is `--fail-on`'s), with
the check as type, the first message as the attribute and every message with its place in the
text; info findings
(a present metric, a skipped query) are passing testcases with their messages in `<system-out>`,
so that a report shows what was checked. A dashboard with no finding at all is one passing
testcase, `no findings`. A run that checked nothing at all (`--since REF` selecting no dashboard)
is one suite `vobs` holding one *skipped* testcase, `no dashboard checked`: `<testsuites
tests="0"/>` holds no result, which Jenkins' junit step fails the build for ("None of the test
reports contained any result") unless `allowEmptyResults: true` — and nothing checked is no pass.

Built with `xml.etree` (never by string concatenation): `<`, `&`, `]]>` and quotes are escaped
by the serializer. What XML 1.0 cannot hold at all — C0 controls but tab and newline, lone
surrogates, U+FFFE/U+FFFF — is made visible (`guard.text.escape`) or replaced (U+FFFD) first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Iterable, Sequence

from vertice_obs.finding import Finding, Severity
from vertice_obs.guard.text import escape
from vertice_obs.output import finding_order

NO_FILE = "vobs"
NOTHING = "no dashboard checked"  # the one testcase of a run that checked nothing: skipped
NOTHING_WHY = "no dashboard was selected: nothing to check"
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


def xml_text(text: object) -> str:
    """`text` that XML 1.0 can hold and that drives no terminal."""
    return _NOT_XML.sub("\ufffd", escape(text))


def _case_key(f: Finding) -> tuple:
    loc = f.location
    return (loc.dashboard or "", loc.panel_id or 0, loc.panel or "", loc.target or "", f.check)


def _case_name(f: Finding) -> str:
    where = replace(f.location, file=None, line=None, column=None)
    return f.check if where == replace(where, dashboard=None, panel=None, panel_id=None, target=None) \
        else f"{f.check}: {where}"


def findings_junit(findings: Sequence[Finding], files: Iterable[str] = (), name: str = "vobs validate") -> str:
    """The JUnit XML document for `findings`; `files` are the dashboard files read (as findings
    show them), so that a file without findings still appears as a passing suite."""
    by_file: dict[str, dict[tuple, list[Finding]]] = {file: {} for file in files}
    for f in sorted(findings, key=finding_order):
        by_file.setdefault(f.location.file or NO_FILE, {}).setdefault(_case_key(f), []).append(f)
    root = ET.Element("testsuites", name=xml_text(name))
    if not by_file:
        return _nothing_checked(root)
    totals = [0, 0]
    for file in sorted(by_file, key=lambda k: (k == NO_FILE, k)):
        suite = ET.SubElement(root, "testsuite", name=xml_text(file))
        cases = by_file[file] or {(): []}
        failed = 0
        for group in cases.values():
            failed += _testcase(suite, file, group)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        totals[0] += len(cases)
        totals[1] += failed
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")
    return _document(root)


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _nothing_checked(root: ET.Element) -> str:
    """The document of a run that checked nothing: one suite, one skipped testcase saying so."""
    suite = ET.SubElement(root, "testsuite", name=NO_FILE, tests="1", failures="0", errors="0", skipped="1")
    case = ET.SubElement(suite, "testcase", name=NOTHING, classname=NO_FILE)
    ET.SubElement(case, "skipped", message=NOTHING_WHY)
    for key, value in (("tests", "1"), ("failures", "0"), ("errors", "0")):
        root.set(key, value)
    return _document(root)


def _testcase(suite: ET.Element, file: str, group: list[Finding]) -> int:
    """One testcase for one query and check (its findings); 1 when it failed."""
    if not group:
        ET.SubElement(suite, "testcase", name="no findings", classname=xml_text(file))
        return 0
    first = group[0]
    # classname is the suite's file for every case, passing or not: CI servers group by it (Jenkins
    # would split one file's cases in two); the dashboard is in the case's name
    case = ET.SubElement(suite, "testcase", name=xml_text(_case_name(first)), classname=xml_text(file))
    lines = "\n".join(xml_text(f"{f.location}: {f.severity}: {f.message}") for f in group)
    bad = [f for f in group if f.severity >= Severity.WARNING]
    if bad:
        failure = ET.SubElement(case, "failure", type=xml_text(first.check), message=xml_text(bad[0].message))
        failure.text = lines
        return 1
    ET.SubElement(case, "system-out").text = lines
    return 0
