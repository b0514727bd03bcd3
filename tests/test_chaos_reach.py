"""What `vobs chaos run` says when its faults cannot reach what they act on (`chaos/reach.py`), read
as a new user reads it: what was unreachable (the target by its flag, another server by the action
that calls it, a command by its program), why in words, what to do next, and that nothing ran — one
line, URLs redacted, the file's text escaped. It said `scenario s's inject: connection refused at
127.0.0.1:1` (which server? what now?), a Python class name for some failures (`the connection
failed (ConnectionError)`), and "is not found" of a script that exists but is not executable.
Against real sockets: a port nothing listens on, one that never answers, a plain-HTTP server."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
from hostile.fake_servers import Fake, answering
from prometheus_harness import free_port

from vertice_obs.chaos.reach import Unreachable, check_reachable
from vertice_obs.chaos.scenario import load_run
from vertice_obs.guard.urls import parse

NOT_STARTED = "; not started, nothing was injected"
HTTP_TARGET = '{http: {method: POST, url: "${target}/fault/kill-switch"}}'


def day(tmp_path: Path, inject: str = HTTP_TARGET, revert: str = HTTP_TARGET.replace("POST", "DELETE")):
    (tmp_path / "day.yaml").write_text(f"""\
id: day
title: Day
owner: team
scenarios:
  - id: kill
    title: Kill switch
    fault:
      kind: kill-switch
      hold: 1m
      inject: {inject}
      revert: {revert}
    probes:
      - {{id: up, title: Up, query: up, unit: ratio, threshold: {{op: ">", value: 0}}}}
""")
    return load_run(tmp_path / "day.yaml", "chaos/day.yaml")


def said(run, target: str = "http://127.0.0.1:9", timeout: float = 5.0) -> str:
    with pytest.raises(Unreachable) as raised:
        check_reachable(run, parse(target, "--target-url"), timeout)
    message = str(raised.value)
    assert "\n" not in message and message.endswith(NOT_STARTED), message
    return message.removesuffix(NOT_STARTED)


def test_an_unreachable_target_names_its_flag_and_what_to_do(tmp_path):
    port = free_port()
    assert said(day(tmp_path), f"http://ops:s3cret-pw@127.0.0.1:{port}/sim?token=t0ken-abc") == (
        f"the target http://127.0.0.1:{port}/sim (--target-url) is unreachable: connection refused at "
        f"127.0.0.1:{port} — start the system under test, or correct --target-url")  # no password, no token


@pytest.fixture
def answering_target():
    server = Fake(answering(200, "{}"))
    yield server
    server.stop()


def test_another_server_is_named_by_the_action_that_calls_it(tmp_path, answering_target):
    port = free_port()
    run = day(tmp_path, revert=f'{{http: {{method: DELETE, url: "http://127.0.0.1:{port}/fault"}}}}')
    assert said(run, answering_target.url) == (
        f"http://127.0.0.1:{port} (called by scenario kill's revert) is unreachable: connection refused at "
        f"127.0.0.1:{port} — start it, or correct that URL in chaos/day.yaml")
    assert answering_target.requests == [("GET", "/")]  # the target was asked, and nothing but a GET


def test_a_target_that_never_answers_says_how_long_it_waited_and_what_to_do(tmp_path):
    with socket.socket() as silent:  # connections complete in the backlog; nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        assert said(day(tmp_path), f"http://127.0.0.1:{port}", timeout=0.5) == (
            f"the target http://127.0.0.1:{port} (--target-url) did not answer within 0.5s (--http-timeout) — check "
            "that it is up, or give it longer with --http-timeout")


def test_a_plain_http_target_asked_over_https_says_which_url_to_try(tmp_path, answering_target):
    port = answering_target.url.rsplit(":", 1)[1]
    assert said(day(tmp_path), f"https://127.0.0.1:{port}") == (
        f"the target https://127.0.0.1:{port} (--target-url) does not speak TLS (plain HTTP? try "
        f"http://127.0.0.1:{port})")


def test_a_program_not_on_path_says_to_install_it_or_give_its_path(tmp_path):
    run = day(tmp_path, inject='{command: [vobs-no-such-program, start]}', revert='{command: [vobs-no-such-program, stop]}')
    assert said(run) == ("scenario kill's inject runs the command 'vobs-no-such-program', which is not found on PATH "
                         "— install it, or give its full path in chaos/day.yaml")


@pytest.mark.parametrize("make, name, why", [
    (None, "./inject.sh", "which does not exist — correct its path in chaos/day.yaml (a relative path is from the "
                          "folder vobs runs in)"),
    ("folder", "{tmp}/inject.sh", "which is a folder, not a program — correct its path in chaos/day.yaml"),
    ("no-x", "{tmp}/inject.sh", "which is not executable — make it so (chmod +x {tmp}/inject.sh)"),
])
def test_a_program_given_by_its_path_says_what_is_wrong_with_it(tmp_path, monkeypatch, make, name, why):
    """A script that exists but lacks its x bit was "not found"; a folder passed the check (a folder
    is "executable") and failed only at the first inject, after the whole baseline."""
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "inject.sh"
    if make == "folder":
        script.mkdir()
    elif make == "no-x":
        script.write_text("#!/bin/sh\n")
        script.chmod(stat.S_IRUSR | stat.S_IWUSR)
    name = name.format(tmp=tmp_path)
    run = day(tmp_path, inject=f'{{command: ["{name}", start]}}', revert='{command: [sh, -c, "true"]}')
    assert said(run) == f"scenario kill's inject runs the command '{name}', " + why.format(tmp=tmp_path)


def test_a_program_name_is_shown_escaped_on_one_line(tmp_path):
    """The file's text: a newline or an escape sequence in it never makes a line or a sequence of its own."""
    run = day(tmp_path, inject='{command: ["/nowhere/x\\ny\\e[2J", start]}', revert='{command: [sh, -c, "true"]}')
    assert said(run).startswith("scenario kill's inject runs the command '/nowhere/x\\ny\\x1b[2J', which does not "
                                "exist")


def test_a_program_that_can_run_is_not_said(tmp_path):
    script = tmp_path / "inject.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    run = day(tmp_path, inject=f'{{command: ["{script}", start]}}', revert='{command: [sh, -c, "true"]}')
    check_reachable(run, parse("http://127.0.0.1:9", "--target-url"), 5.0)  # no ${target}: no GET either
