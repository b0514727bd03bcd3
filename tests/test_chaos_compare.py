"""`vobs chaos compare OLD NEW` and the report's comparison with the previous run, on journals
whose numbers are known."""

from __future__ import annotations

import html
import json

from click.testing import CliRunner
from markdown_check import _check_table_lines
from markdown_it import MarkdownIt
from test_chaos_curve import stepped

from vertice_obs.chaos.compare import compare, compare_markdown
from vertice_obs.chaos.report import analyse
from vertice_obs.cli import cli

OLD = stepped({"100ms": [0.2], "1s": [1.5], "5s": [9.75]}) | {"started": "2026-11-01T10:00:00+00:00"}
NEW = stepped({"100ms": [0.21], "1s": [0.3], "5s": [12.0]}) | {"started": "2026-11-08T10:00:00+00:00"}


def test_improved_and_regressed_per_probe_and_step():
    changes = {(c.step, c.probe, c.measure): c for c in compare(analyse(OLD), analyse(NEW))}
    assert changes[("1s", "p95", "worst under fault")].verdict == "improved"  # 1.5 s breached, 0.3 s holds
    assert changes[("5s", "p95", "worst under fault")].verdict == "regressed"  # 9.75 → 12 s, past the budget
    assert changes[("100ms", "p95", "worst under fault")].verdict == "unchanged"  # 0.01 s: under 10 % of 0.5 s


def test_compare_writes_markdown_and_html(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text(json.dumps(NEW))
    result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
                                      "-o", str(tmp_path / "c")])
    assert result.exit_code == 1, result.output  # something regressed: CI can gate on it, as on `vobs diff`
    assert "1 improved, 1 regressed" in result.stdout
    markdown = (tmp_path / "c" / "compare.md").read_text()
    assert "| regressed | lat | 5s | p95 | worst under fault | ≈9.75 | ≈12 |" in markdown  # ≈: a histogram quantile
    assert "<tr class='improved'><td>improved</td><td>lat</td><td>1s</td>" in (tmp_path / "c" / "compare.html").read_text()


def test_the_report_compares_with_the_previous_run_beside_it(tmp_path):
    (tmp_path / "r-1.json").write_text(json.dumps(OLD))
    (tmp_path / "r-2.json").write_text(json.dumps(NEW))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-2.json"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(", compared with r-1.json")
    markdown = html.unescape((tmp_path / "out" / "report.md").read_text())  # as a reader sees it
    assert "## Chaos Day compared: r 2026-11-01T10:00:00+00:00 → r 2026-11-08T10:00:00+00:00" in markdown
    # The older run has no previous one: no comparison.
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-1.json"), "-o", str(tmp_path / "out1")])
    assert "compared" not in result.stdout and "compared" not in (tmp_path / "out1" / "report.md").read_text()


def test_a_bad_journal_is_one_line_naming_it(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text('{"run": {}, "scenarios": [1]}')
    result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"vobs: error: {tmp_path / 'new.json'}: malformed journal: ")
    assert result.stderr.count("\n") == 1


def test_a_step_only_one_run_has_keeps_that_runs_value():
    """"only in OLD" rows showed "— | —" although OLD had a value there (a new-user trial)."""
    shorter = stepped({"100ms": [0.21], "1s": [0.3]}) | {"started": "2026-11-08T10:00:00+00:00"}
    changes = {(c.step, c.probe): c for c in compare(analyse(OLD), analyse(shorter)) if c.measure == "worst under fault"}
    gone = changes[("5s", "p95")]
    assert (gone.verdict, gone.old, gone.new) == ("only in OLD", 9.75, None)
    added = {(c.step, c.probe): c for c in compare(analyse(shorter), analyse(OLD))}[("5s", "p95")]
    assert (added.verdict, added.old, added.new) == ("only in NEW", None, 9.75)


def test_the_report_says_the_previous_run_was_aborted_and_leaves_out_one_with_nothing_in_common(tmp_path):
    aborted = stepped({"100ms": [0.2]}) | {"started": "2026-11-01T10:00:00+00:00", "status": "aborted",
                                            "events": [{"kind": "aborted", "reason": "interrupted (Ctrl-C or SIGTERM)",
                                                        "scenario": "lat", "step": "1s", "phase": "hold"}]}
    (tmp_path / "r-1.json").write_text(json.dumps(aborted))
    (tmp_path / "r-2.json").write_text(json.dumps(NEW))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-2.json"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    markdown = html.unescape((tmp_path / "out" / "report.md").read_text())
    assert "> **OLD was aborted during the hold (fault injected) of lat 1s: interrupted (Ctrl-C or SIGTERM)." in markdown
    assert "| not run in OLD | lat | 5s | p95 |" in markdown
    # Aborted before its first step: nothing in common, so not the run it is compared with; an
    # earlier one that has something in common is.
    (tmp_path / "r-1.json").write_text(json.dumps(aborted | {"scenarios": [{**aborted["scenarios"][0], "steps": []}]}))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-2.json"), "-o", str(tmp_path / "out2")])
    assert result.exit_code == 0, result.output
    assert "compared" not in result.stdout and "compared" not in (tmp_path / "out2" / "report.md").read_text()
    (tmp_path / "r-0.json").write_text(json.dumps(OLD | {"started": "2026-10-25T10:00:00+00:00"}))
    result = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-2.json"), "-o", str(tmp_path / "out3")])
    assert result.stdout.rstrip().endswith(", compared with r-0.json")


def test_compare_md_escapes_names_from_the_journal(tmp_path):
    """A hostile trial: a step label with `|` and a newline split compare.md's table — a forged row
    a reader could not tell from vobs' own; every cell (and the title) now goes through `md`."""
    hostile = "1s | regressed\n| forged | row"
    for name, data in (("old.json", OLD), ("new.json", NEW)):
        data = json.loads(json.dumps(data))
        data["scenarios"][0]["steps"][1]["label"] = hostile
        data["run"]["id"] = "r\n# forged heading"
        (tmp_path / name).write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
                                      "-o", str(tmp_path / "c")])
    assert result.exit_code == 1, result.output
    markdown = (tmp_path / "c" / "compare.md").read_text()
    _check_table_lines(markdown)  # every row has the header's seven cells
    assert not any(line.startswith(("| forged", "# forged")) for line in markdown.splitlines())
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert rendered.count("<tr>") == 1 + len(compare(analyse(OLD), analyse(NEW)))  # the header, one per change
    assert rendered.count("<h1>") == 1
    assert "1s | regressed\\n| forged | row" in html.unescape(rendered)  # the label, shown as written


def test_compare_html_escapes_the_journals_text_with_the_one_html_escape(tmp_path):
    """compare.html (and the comparison at the end of report.html) escaped with `html.escape`, not
    the project's one escape for HTML (`guard.text.html_text`): a step label's bidi override or
    terminal escape went into the page raw (Chaos Day trial LOW 6)."""
    hostile = "1s \u202e<b>x</b> > \x1b[31m"
    for name, data in (("r-1.json", OLD), ("r-2.json", NEW)):
        data = json.loads(json.dumps(data))
        data["scenarios"][0]["steps"][1]["label"] = hostile
        (tmp_path / name).write_text(json.dumps(data))
    compared = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "r-1.json"), str(tmp_path / "r-2.json"),
                                        "-o", str(tmp_path / "c")])
    assert compared.exit_code == 1, compared.output
    reported = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "r-2.json"), "-o", str(tmp_path / "r")])
    assert reported.exit_code == 0, reported.output
    for page in ((tmp_path / "c" / "compare.html").read_text(), (tmp_path / "r" / "report.html").read_text()):
        assert "\u202e" not in page and "\x1b" not in page and "<b>x" not in page
        assert "1s \\u202e&lt;b&gt;x&lt;/b&gt; &gt; \\x1b[31m" in page


def test_an_abort_reason_with_a_newline_is_one_line_on_the_terminal(tmp_path):
    """A hostile trial: a journal's abort reason with a newline was printed raw — by `chaos report`
    on stderr, by `chaos compare` on stdout — so a journal could forge a line (`vobs: error: …`)."""
    aborted = json.loads(json.dumps(NEW)) | {"status": "aborted", "events": [
        {"kind": "aborted", "reason": "interrupted\nvobs: error: forged\x1b[2J", "scenario": "lat", "step": "5s"}]}
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text(json.dumps(aborted))
    compared = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
                                        "-o", str(tmp_path / "c")])
    assert compared.exit_code == 1, compared.output
    assert compared.stdout.count("\n") == 1 and "interrupted\\nvobs: error: forged\\x1b[2J" in compared.stdout
    reported = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "new.json"), "-o", str(tmp_path / "r")])
    assert reported.exit_code == 0, reported.output
    assert reported.stderr.count("\n") == 1 and "interrupted\\nvobs: error: forged\\x1b[2J" in reported.stderr


def test_a_fault_phase_judged_on_neither_side_is_not_measured_never_unchanged():
    """A trial compared two runs whose 30 s hold was shorter than their 40 s settle: "unchanged |
    — | —", as if both had been measured and agreed."""
    unjudged = {"settle_seconds": 12}  # the 10 s fault phases are not longer: never judged
    old, new = OLD | unjudged, NEW | unjudged
    both = {(c.step, c.probe): c for c in compare(analyse(old), analyse(new)) if c.measure == "worst under fault"}
    assert {c.verdict for c in both.values()} == {"not measured on either side"}
    assert (both[("1s", "p95")].old, both[("1s", "p95")].new) == (None, None)
    one = {(c.step, c.probe): c for c in compare(analyse(OLD), analyse(new)) if c.measure == "worst under fault"}
    assert (one[("1s", "p95")].verdict, one[("1s", "p95")].old) == ("not measured in NEW", 1.5)
    other = {(c.step, c.probe): c for c in compare(analyse(old), analyse(NEW)) if c.measure == "worst under fault"}
    assert other[("5s", "p95")].verdict == "not measured in OLD"
    markdown = compare_markdown(analyse(old), analyse(new), compare(analyse(old), analyse(new)))
    assert "| not measured on either side | lat | 1s | p95 | worst under fault | — | — |" in markdown


def test_the_default_folder_names_both_runs_and_a_run_is_not_compared_with_itself(tmp_path):
    """A trial: the default folder was named after NEW alone (`run2-compared/`), so comparing
    several OLDs with one NEW kept only the last; and a journal compared with itself passed."""
    for name, data in (("run0", OLD | {"started": "2026-10-25T10:00:00+00:00"}), ("run1", OLD), ("run2", NEW)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    for old in ("run0", "run1"):
        result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / f"{old}.json"), str(tmp_path / "run2.json")])
        assert f"wrote {tmp_path / f'{old}-vs-run2-compared'}/compare.md" in result.stdout, result.output
    assert sorted(p.name for p in tmp_path.glob("*-compared")) == ["run0-vs-run2-compared", "run1-vs-run2-compared"]
    (tmp_path / "copy.json").write_text((tmp_path / "run2.json").read_text())
    for other in ("run2", "copy"):  # the file itself, or a copy of it: one run
        result = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / f"{other}.json"), str(tmp_path / "run2.json")])
        assert result.exit_code == 2
        assert result.stderr == (f"vobs: error: {tmp_path / 'run2.json'}: OLD and NEW are the same run (r started "
                                 "2026-11-08T10:00:00+00:00): compare two runs\n")
        assert not (tmp_path / f"{other}-vs-run2-compared").exists()


def test_runs_that_are_not_like_for_like_are_said_so(tmp_path):
    """Trial 18: runs of another settle compared without a word ("regressed recovery 1.99 → 2.99" was the
    settle's), and OLD and NEW swapped read "2 improved". Both are said above the table and on stderr."""
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text(json.dumps(NEW | {"settle_seconds": 4}))
    out = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
                                   "-o", str(tmp_path / "c")])
    assert out.exit_code == 0, out.output  # the exit follows the verdicts: the warning says how far to trust them
    assert out.stderr == ("vobs: warning: not like for like: the runs settled for different times (OLD 0 s, NEW 4 s): "
                          "windows and recovery are measured over other spans, so a change may be the settle's, not "
                          "the system's\n")
    assert "> **Not like for like: the runs settled for different times" in (tmp_path / "c" / "compare.md").read_text()
    swapped = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "new.json"), str(tmp_path / "old.json"),
                                       "-o", str(tmp_path / "s")])
    assert ("vobs: warning: not like for like: NEW (2026-11-01T10:00:00+00:00) started before OLD "
            "(2026-11-08T10:00:00+00:00): improved and regressed read backwards — give the older run first") \
        in swapped.stderr.splitlines()
    (tmp_path / "same.json").write_text(json.dumps(OLD | {"started": "2026-11-08T10:00:00+00:00"}))
    like = CliRunner().invoke(cli, ["chaos", "compare", str(tmp_path / "old.json"), str(tmp_path / "same.json"),
                                    "-o", str(tmp_path / "l")])
    assert like.stderr == "" and "Not like for like" not in (tmp_path / "l" / "compare.md").read_text(), like.output
