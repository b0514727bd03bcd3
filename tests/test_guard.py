"""The kernel's guarded paths: safe join, redaction, escaping and the HTTP deadline (issue 9)."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
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
    # a machine-made word after "token" (a digit, one of _~+/=, or 20+ characters); prose is not (below)
    ("Grafana said: invalid token 9f8e7d6c5b4a3f2e", "9f8e7d6c5b4a3f2e"),
    ("token sk_live_abcdef", "sk_live_abcdef"),
    ("token ThisIsAVeryLongSecretValue", "ThisIsAVeryLongSecretValue"),
    ("Bearer abcdefgh", "abcdefgh"),
    ("GET /api?" + "x" * 65 + "_token=s3cr3tValue&orgId=1", "s3cr3tValue"),  # a name of any length
])
def test_redact_text_masks_credentials(text, secret):
    out = redact_text(text)
    assert secret not in out and MASK in out


@pytest.mark.parametrize("text, shown", [
    ("x :admin:hunter2@prom:9090", f"x :{MASK}@prom:9090"),  # the run's leading colon stays
    ("-http://admin:hunter2@prom", f"-http://{MASK}@prom"),  # the scheme stays as it is
    ("dsn=user:pw:with:colons@db", f"{MASK}@db"),  # the password may hold colons
    ("user:pw@/path and a:b@ c", "user:pw@/path and a:b@ c"),  # no host after the @: no URL
])
def test_url_credentials_are_the_userinfo_before_a_host(text, shown):
    assert redact_text(text) == shown


@pytest.mark.parametrize("run", [
    "a" * 200_000,  # a token-like run without @ (each character used to start a scan to its end)
    "a:" * 100_000,  # a JSON error without spaces: every colon began a password
    "?" + "token" * 40_000,  # a parameter name that goes on and on
    "&token" * 30_000,
    "-eyJ" * 100_000,  # a JWT's start after every `-`: each scanned the run's rest (400 KB: 200 took 20 s)
], ids=["run", "colons", "long-name", "many-names", "jwt-starts"])
def test_redaction_is_linear_on_long_hostile_text(run):
    """A server's error text is redacted whole before it is cut: 200 KB without a separator took
    minutes (catastrophic backtracking); now well under the deadline, and a credential after it is
    still masked. In a child process: a regex holds the GIL, so no thread could time it out."""
    code = ("import sys; from vertice_obs.guard.secrets import redact_text; "
            "sys.stdout.write(redact_text(sys.stdin.read())[-40:])")
    try:
        said = subprocess.run([sys.executable, "-c", code], input=run + " http://u:hunter2@prom", text=True,
                              capture_output=True, timeout=20, check=True).stdout
    except subprocess.TimeoutExpired:
        pytest.fail("redact_text took over 20 s")
    assert "hunter2" not in said and said.endswith(f"{MASK}@prom")


@pytest.mark.parametrize("prose", [
    "the service account token cannot write dashboards in folder ops",
    "the token expired. Create another",
    "a token-based login failed",
])
def test_prose_after_token_is_left_alone(prose):
    assert redact_text(prose) == prose


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


def test_within_reuses_its_threads_and_a_hung_call_blocks_no_other():
    """Threads are kept for the next call (one per request cost ~5 % of a publish's CPU), but a
    call that never ends keeps its thread: the next call gets another and meets its own deadline."""
    first = within(1.0, threading.get_ident)
    assert within(1.0, threading.get_ident) == first  # the idle thread was reused

    release, holding = threading.Event(), threading.Event()

    def hang():
        holding.set()
        release.wait(30)
        return threading.get_ident()

    with pytest.raises(DeadlineExceeded):
        within(0.2, hang, "hung")
    assert holding.is_set()
    other = within(1.0, threading.get_ident)  # not queued behind the hung call
    assert other != first  # the hung call still holds the first thread
    results = []
    waiter = threading.Thread(target=lambda: results.append(within(5.0, threading.get_ident)))
    release.set()  # the hung call ends; its thread goes back to the idle ones
    waiter.start()
    waiter.join(10)
    assert results and results[0] in {first, other}


def test_meanwhile_runs_while_the_exchange_is_under_way():
    """validate makes the variables' option selectors while Prometheus computes the label tables."""
    started, proceed = threading.Event(), threading.Event()

    def exchange():
        started.set()
        assert proceed.wait(5), "meanwhile ran after the exchange, not during it"
        return "answer"

    def meanwhile():
        assert started.wait(5)
        proceed.set()

    assert within(10.0, exchange, meanwhile=meanwhile) == "answer"
    # work longer than the deadline is no timeout when the exchange itself finished in time
    assert within(0.1, lambda: "quick", meanwhile=lambda: threading.Event().wait(0.3)) == "quick"
    with pytest.raises(DeadlineExceeded):  # the deadline counts from the start, not from meanwhile's end
        within(0.3, lambda: threading.Event().wait(5), meanwhile=lambda: threading.Event().wait(0.2))


def test_within_works_in_a_forked_child():
    """A fork keeps the idle-thread list but not the threads: the child must start its own."""
    assert within(1.0, lambda: 1) == 1  # the parent now has an idle runner
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if within answered
        code = 1
        try:
            code = 0 if within(2.0, lambda: 2) == 2 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_an_idle_thread_holds_no_answer():
    """A kept thread must not keep its last call's answer (a label table's body) alive."""
    import gc
    import weakref

    class Answer:
        pass

    answer = within(1.0, Answer)
    gone = weakref.ref(answer)
    del answer
    gc.collect()
    assert gone() is None


def test_within_reraises_the_calls_own_error_and_keeps_working():
    def boom():
        raise KeyError("from the call")

    with pytest.raises(KeyError, match="from the call"):
        within(1.0, boom)
    assert within(1.0, lambda: 42) == 42


def test_read_body_caps_the_size(drip_server):
    response = requests.get(drip_server, timeout=5, stream=True)
    with pytest.raises(ResponseTooLarge):
        read_body(response, time.monotonic() + 30, max_bytes=10)


# --- extensions for the CLI's edges (issue 9, items 7, 8, 11) ---------------------------------------
def test_register_url_masks_passwords_basic_pairs_and_query_tokens():
    import base64

    from vertice_obs.guard.secrets import register_url

    register_url("ops:pw-no-scheme-1@host:9090")
    register_url("https://u:pw%2Fquoted@h/x?token=tok-in-query-1&org=main")
    pair = base64.b64encode(b"u:pw/quoted").decode()
    text = redact_text(f"echo pw-no-scheme-1 pw/quoted {pair} tok-in-query-1 org main")
    assert "pw-no-scheme-1" not in text and "pw/quoted" not in text and pair not in text
    assert "tok-in-query-1" not in text and text.endswith("org main")  # only secret-named parameters


@pytest.mark.parametrize("name", ["auth_token", "private_token", "jwt", "client_secret", "subscription-key",
                                  "X-Amz-Signature", "X-Goog-Signature", "id_token", "refresh_token", "pwd",
                                  "pass", "session", "k"])
def test_a_configured_urls_credentials_are_secret_whatever_their_parameter_is_called(name):
    """A hostile-input probe printed `?auth_token=…` on stderr and in a chaos journal: only eleven
    parameter names were known. Any credential-like name is, and any value of 8+ characters (`?k=…`);
    a short value of another name (`orgId=1`) stays readable."""
    from vertice_obs.guard.secrets import register_url

    value = f"v4lue-{name}-0"
    register_url(f"https://grafana.example/?{name}={value}&orgId=1&tz=utc")
    said = redact_text(f"POST /api?{name}={value}&orgId=1 failed; argv: curl https://t/?{name}={value}")
    assert value not in said and "orgId=1" in said, said
    if name != "k":  # a server echoing such a parameter, never configured, is masked by its name alone
        echoed = redact_text(f"answered 500: GET /api/health?{name}=S3CR3Tx&orgId=1")
        assert "S3CR3Tx" not in echoed and "orgId=1" in echoed, echoed


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,15}", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9._~-]{8,40}", fullmatch=True))
def test_every_long_query_value_of_a_configured_url_is_redacted(name, value):
    from vertice_obs.guard.secrets import register_url

    register_url(f"http://prometheus.example:9090/?{name}={value}")
    assert value not in redact_text(f"error at http://prometheus.example:9090/api/v1/query?{name}={value}")


def test_json_safe_keeps_json_and_escapes_what_dumps_leaves_raw():
    import json

    from vertice_obs.guard.text import json_safe

    value = {"t": "a\x1b[2J\x9b31m\u2028\u202e\x07"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(ch in text for ch in "\x1b\x9b\u2028\u202e\x07")


def test_findings_text_and_json_escape_controls():
    import json

    from vertice_obs.finding import Finding, Location, Severity
    from vertice_obs.output import findings_json, findings_text

    f = Finding("metric/missing", Severity.WARNING, "x\x1b]0;t\x07\x9b", Location(panel="P\x1b[2J\nsecond"))
    text = findings_text([f])
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert len(text.splitlines()) == 2  # the finding on one line, then the count
    assert "\x9b" not in findings_json([f]) and json.loads(findings_json([f]))["findings"][0]["message"] == f.message


@pytest.mark.parametrize("setup, folder, reason", [
    (lambda p: (p / "f").write_text("x"), False, "f is a file, not a folder"),
    (lambda p: (p / "f").write_text("x"), True, "f is a file, not a folder"),
    (lambda p: (p / "out").mkdir(), False, "is a folder, not a file"),
    (lambda p: (p / "out").write_text("x"), True, "is a file, not a folder"),
])
def test_check_writable_names_the_true_cause_and_creates_nothing(tmp_path, setup, folder, reason):
    from vertice_obs.errors import InputError
    from vertice_obs.guard.paths import check_writable

    setup(tmp_path)
    target = tmp_path / "out" if reason.startswith("is a") else tmp_path / "f" / "a" / "out"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InputError) as raised:
        check_writable(target, folder=folder)
    assert reason in str(raised.value) and str(raised.value).startswith(str(target))
    assert sorted(tmp_path.rglob("*")) == before
    check_writable(tmp_path / "new" / "deeper" / "x.json")  # missing folders can be created: fine


def test_write_failed_exit_code_says_whether_anything_was_written():
    from vertice_obs.errors import EXIT_INPUT, EXIT_PARTIAL, WriteFailed

    none = WriteFailed("exports", "permission denied", [], ["exports/a.json"])
    assert none.exit_code == EXIT_INPUT and str(none) == "exports: permission denied; nothing was written (1 file(s) not written)"
    part = WriteFailed("exports/b.json", "no space left on device", ["exports/a.json"], ["exports/b.json", "exports/c.json"])
    assert part.exit_code == EXIT_PARTIAL
    assert str(part) == ("exports/b.json: no space left on device; wrote exports/a.json, "
                         "did not write exports/b.json, exports/c.json")


def test_os_error_messages_name_the_path_and_the_cause():
    import errno

    from vertice_obs.errors import os_error_message

    assert os_error_message(PermissionError(errno.EACCES, "Permission denied", "/x/y")) == "/x/y: permission denied"
    assert os_error_message(OSError(errno.ENOSPC, "No space left on device", "/x")) == "/x: no space left on device"
    assert os_error_message(OSError(errno.EROFS, "Read-only file system", "/x")) == "/x: read-only file system"
    assert os_error_message(NotADirectoryError(errno.ENOTDIR, "Not a directory", "/f/x")) == (
        "/f/x: a part of the path is a file, not a folder")


def test_findings_text_counts_say_info_as_the_totals_do():
    """"3 info", as the totals line and the README say it — never "3 infos"."""
    from vertice_obs.finding import Finding, Location, Severity
    from vertice_obs.output import findings_text

    found = [Finding("c/x", s, "m", Location(file="d.json")) for s in
             (Severity.INFO, Severity.INFO, Severity.INFO, Severity.WARNING, Severity.WARNING, Severity.ERROR)]
    assert findings_text(found).splitlines()[-1] == "1 error, 3 info, 2 warnings"
