"""The kernel's guarded paths: safe join, redaction, escaping and the HTTP deadline (issue 9)."""

from __future__ import annotations

import http.server
import os
import threading
import time

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from vertice_obs.guard.http import DeadlineExceeded, ResponseTooLarge, read_body, within
from vertice_obs.guard.paths import PathEscape, check_uid, safe_join
from vertice_obs.guard.secrets import MASK, redact_text, redact_url, register
from vertice_obs.guard.text import escape


@pytest.mark.parametrize("parts", [("../x",), ("/abs/x",), ("a/../../b",), ("",), (".",), ("..",), ("a", ".."),
                                   ("a\x00b",), ("C:evil",), ("\\\\server\\x",), ("a//b",)])
def test_safe_join_refuses_names_that_leave_or_are_not_names(tmp_path, parts):
    with pytest.raises(PathEscape):
        safe_join(tmp_path, *parts)


def test_safe_join_refuses_a_symlink_out_of_the_root(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "root" / "link")
    with pytest.raises(PathEscape):
        safe_join(tmp_path / "root", "link", "x.json")
    assert safe_join(tmp_path / "root", "sub", "x.json") == tmp_path / "root" / "sub" / "x.json"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=4))
def test_safe_join_never_leaves_its_root(tmp_path_factory, parts):
    root = tmp_path_factory.mktemp("root")
    try:
        joined = safe_join(root, *parts)
    except PathEscape:
        return
    assert os.path.realpath(joined).startswith(os.path.realpath(root) + os.sep)


@pytest.mark.parametrize("uid", ["../../x", "a/b", "", "x" * 41, "alpha?x=1", "a#b", "a%2e", "ドーパミン", None, 12])
def test_check_uid_refuses_what_grafana_would_not_accept(uid):
    with pytest.raises(Exception) as info:
        check_uid(uid)
    assert "uid" in str(info.value)


def test_check_uid_accepts_grafana_uids():
    assert check_uid("maximus-dopamine_01") == "maximus-dopamine_01"


@pytest.mark.parametrize("text, secret", [
    ("GET http://admin:hunter2@prom:9090/api failed", "hunter2"),
    ("could not reach admin:hunter2@prom:9090", "hunter2"),
    ("server said: Authorization: Bearer glsa_abcdefghijklmnop_12345678", "glsa_abcdefghijklmnop_12345678"),
    ("echo: authorization=Bearer sekrit-token-value", "sekrit-token-value"),
    ("https://proxy/api/v1/query?token=s3cr3tvalue&x=1", "s3cr3tvalue"),
    ("Basic YWRtaW46aHVudGVyMg==", "YWRtaW46aHVudGVyMg=="),
])
def test_redact_text_masks_credentials(text, secret):
    out = redact_text(text)
    assert secret not in out and MASK in out


def test_registered_secrets_are_masked_wherever_they_appear():
    register("correct-horse-battery")
    assert "correct-horse" not in redact_text("the server echoed correct-horse-battery back")
    assert "correct-horse" not in redact_text("url-quoted: correct%2Dhorse-battery".replace("%2D", "-"))


def test_redact_url_with_and_without_scheme():
    assert redact_url("https://u:p@prom.example:9090/x?token=abc#f") == "https://prom.example:9090/x"
    assert redact_url("u:p@prom.example:9090/x") == "prom.example:9090/x"


@pytest.mark.parametrize("raw, shown", [("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"),
                                        ("a\x1b[2Jb", "a\\x1b[2Jb"), ("c\x9bd", "c\\x9bd"),
                                        ("rtl\u202eevil", "rtl\\u202eevil")])
def test_escape_makes_control_characters_visible(raw, shown):
    assert escape(raw) == shown


@settings(max_examples=500)
@given(st.text())
def test_escape_leaves_no_control_character(text):
    out = escape(text, one_line=True)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in out)


class _Drip(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            if self.server.stop.wait(0.5):
                return

    def log_message(self, *args):
        pass


@pytest.fixture
def drip_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.stop = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.stop.set()
    server.shutdown()
    server.server_close()


def test_a_dripping_server_hits_the_total_deadline(drip_server):
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        within(1.0, lambda: requests.get(drip_server, timeout=5).content, "drip")
    assert time.monotonic() - started < 4  # bounded by the deadline, not by the 500 s drip

    response = requests.get(drip_server, timeout=5, stream=True)
    with pytest.raises(DeadlineExceeded):
        read_body(response, time.monotonic() + 1.0)


def test_read_body_caps_the_size(drip_server):
    response = requests.get(drip_server, timeout=5, stream=True)
    with pytest.raises(ResponseTooLarge):
        read_body(response, time.monotonic() + 30, max_bytes=10)
