"""`-o FILE` (`vobs audit`; every `-o FILE` through `cli/options.check_output` and `write_output`).
Trial 20: `vobs audit --format html -o /nonexistent/x.html` made `/nonexistent/` (any depth,
anywhere) and exited 0; `-o /proc/x.html` said "no such file or folder" of a folder that exists. A
file named on the command line is written where it is named, as a shell's `>` and Terraform's
`-out` write it: its folder is never created. An `-o DIR` (`chaos report`, `chaos compare`, `pull`)
is made when missing, as `mkdir` makes it — but not the folders above it (they were, any depth)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_project import make_project

from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.guard.paths import check_writable

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def audit(project: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(project), "audit", "--offline", "--format", "html", *args])


def test_an_output_file_whose_folder_does_not_exist_is_one_error_and_no_folder_is_made(tmp_path):
    project = make_project(tmp_path / "p")
    target = tmp_path / "nonexistent" / "a" / "b" / "x.html"
    result = audit(project, "-o", str(target))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"vobs: error: cannot write {target}: the folder {target.parent} does not exist (vobs creates no folder "
        "for a file it is given: make it first)"], result.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_an_output_file_in_a_folder_that_exists_is_written(tmp_path):
    project = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(project), "build"]).exit_code == 0
    (tmp_path / "out").mkdir()
    result = audit(project, "-o", str(tmp_path / "out" / "x.html"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "x.html").read_text().startswith("<!doctype html>")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x.html"]  # the probe left nothing


@pytest.mark.skipif(not ROOT or not os.path.isdir("/proc/self"), reason="as root, on Linux: /proc lets root 'write'")
def test_a_folder_that_takes_no_file_says_why_not_no_such_file(tmp_path):
    """/proc exists and root may write in it, as `os.access` says, yet no file can be created there."""
    project = make_project(tmp_path / "p")
    result = audit(project, "-o", "/proc/x.html")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "vobs: error: cannot write /proc/x.html: no file can be created in /proc (no such file or folder)"]


def test_the_check_creates_nothing_and_leaves_no_probe(tmp_path):
    with pytest.raises(InputError) as raised:
        check_writable(tmp_path / "new" / "x.json", new_folders=False)
    assert "the folder" in str(raised.value) and "does not exist" in str(raised.value)
    check_writable(tmp_path / "x.json", new_folders=False)
    assert list(tmp_path.iterdir()) == []
    check_writable(tmp_path / "new" / "deeper" / "x.json")  # a folder vobs owns (exports, journals): may be made


def test_a_folder_removed_after_the_check_is_not_made_by_the_write(tmp_path):
    from vertice_obs.cli.options import check_output, write_output
    from vertice_obs.errors import WriteFailed

    (tmp_path / "out").mkdir()
    check_output(tmp_path / "out" / "x.md")
    (tmp_path / "out").rmdir()
    with pytest.raises(WriteFailed) as raised:
        write_output(tmp_path / "out" / "x.md", "text")
    assert str(raised.value) == f"{tmp_path / 'out' / 'x.md'}: no such file or folder"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_an_output_file_that_is_a_symlink_or_a_fifo_is_not_written_over(tmp_path, kind):
    """A review of this change: the atomic rename replaced a symlink with a regular file (the file it
    led to left as it was) and a FIFO likewise — and, as root, would have replaced /dev/null. Named
    as what they are, exit 2, nothing replaced."""
    project = make_project(tmp_path / "p")
    real = tmp_path / "real.html"
    real.write_text("kept")
    target = tmp_path / "out.html"
    if kind == "symlink":
        target.symlink_to(real)
    else:
        os.mkfifo(target)
    result = audit(project, "-o", str(target))
    assert result.exit_code == 2, result.output
    said = "a symlink" if kind == "symlink" else "a FIFO"
    assert result.stderr == (f"vobs: error: {target}: is {said}, not a regular file: not written over "
                             "(name a regular file)\n"), result.stderr
    assert target.is_symlink() if kind == "symlink" else not target.is_file()
    assert real.read_text() == "kept"


@pytest.mark.skipif(not ROOT, reason="only root could replace a device")
def test_a_device_is_never_replaced_even_as_root(tmp_path):
    project = make_project(tmp_path / "p")
    before = os.stat("/dev/null")
    result = audit(project, "-o", "/dev/null")
    assert result.exit_code == 2, result.output
    assert "/dev/null: is a character device, not a regular file" in result.stderr
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


JOURNAL = Path(__file__).resolve().parent / "data" / "chaos-journal-unversioned.json"


def _compare_pair(tmp_path: Path) -> tuple[str, str]:
    import json

    data = json.loads(JOURNAL.read_text())
    (tmp_path / "old.json").write_text(json.dumps(data))
    (tmp_path / "new.json").write_text(json.dumps(data | {"started": "2099-01-01T00:00:00+00:00"}))
    return str(tmp_path / "old.json"), str(tmp_path / "new.json")


@pytest.mark.parametrize("command", ["report", "compare"])
def test_an_output_folder_is_made_but_not_the_folders_above_it(tmp_path, command):
    """`-o reprots/day-1` (a typo) made `reprots/`: now one error, exit 2, nothing made; `-o day-1`
    (its parent exists) is made, as before."""
    journals = [str(JOURNAL)] if command == "report" else list(_compare_pair(tmp_path))
    deep = tmp_path / "reprots" / "day-1"
    result = CliRunner().invoke(cli, ["chaos", command, *journals, "-o", str(deep)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"vobs: error: cannot write {deep}: the folder {deep.parent} does not exist (vobs creates only the output "
        "folder it is given, not the folders above it: make it first)"], result.stderr
    assert not (tmp_path / "reprots").exists()
    result = CliRunner().invoke(cli, ["chaos", command, *journals, "-o", str(tmp_path / "day-1")])
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "day-1" / f"{command}.md").is_file()


def test_an_output_folder_that_exists_is_checked_in_itself(tmp_path):
    """The check tries a file in the folder named when it exists (no probe left), in its parent when not."""
    (tmp_path / "out").mkdir()
    check_writable(tmp_path / "out", folder=True, new_folders=False)
    check_writable(tmp_path / "new", folder=True, new_folders=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and list((tmp_path / "out").iterdir()) == []
    with pytest.raises(InputError, match="does not exist"):
        check_writable(tmp_path / "new" / "deeper", folder=True, new_folders=False)


def test_pull_makes_its_output_folder_but_not_the_folders_above_it(tmp_path):
    """Before Grafana is asked (none listens here: the folder is said, not the connection)."""
    from prometheus_harness import free_port

    deep = tmp_path / "reveiw" / "team-a"
    result = CliRunner().invoke(cli, ["pull", "--all", "-o", str(deep), "--grafana-url",
                                      f"http://127.0.0.1:{free_port()}", "--grafana-token", "glsa_x"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"vobs: error: cannot write {deep}: the folder {deep.parent} does not exist (vobs creates only the output "
        "folder it is given, not the folders above it: make it first)"], result.stderr
    assert not (tmp_path / "reveiw").exists()
