"""The CLI's edges, held to the harness' four rules (issue 9, items 6–8, 10, 11, 13).

Misbehaving Prometheus servers and chaos targets (HTML, wrong shapes, credentials echoed back,
drips, floods, redirect loops, NaN), secrets in every URL form, escape sequences in titles, queries
and server messages, filesystem failures, usage errors. Each row: exit code, one located line,
nothing written outside, no secret printed or written.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample_project import make_project

from hostile import fake_servers as fs
from hostile.harness import REPO, Case, Sandbox, cases_param, chaos_run_file, check

PASSWORD = "hunter2-pw"
BASIC = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
TARGET_PW = "t4rget-pw"
TARGET_BASIC = base64.b64encode(f"ops:{TARGET_PW}".encode()).decode()
TOKEN = "qs-t0ken-abc"
GRAFANA = "grafana-sa-9f8e7d6c5b"  # not glsa_-shaped: only its registration can mask it
ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m"  # OSC (window title) + BEL, clear screen, C1 CSI

RUN_FILE = chaos_run_file("QUERY", 0.1)


@pytest.fixture(scope="module", autouse=True)
def _servers():
    yield
    fs.stop_all()


GOOD = fs.prometheus_like(["sample_level", "up"])
BEHAVIOURS = {
    "good": GOOD,
    # a chaos run waits until the backend serves each step's end (`chaos/freshness`): this one's newest
    # sample is a day ahead, so a case about something else is not held up for the 2-minute wait
    "serving": fs.prometheus_like(["sample_level", "up"], f"{time.time() + 86400:.3f}"),
    "html200": fs.answering(200, "<!DOCTYPE html>\n<html>login</html>", "text/html"),
    "html500": fs.answering(500, "<html>\n<body>\n<h1>Bad</h1>\n</body>\n</html>\n", "text/html"),
    "shape-dict": fs.answering(200, '{"status":"success","data":{"x":1}}'),
    "shape-list": fs.answering(200, "[1, 2, 3]"),
    "status-error": fs.answering(200, '{"status":"error"}'),
    "empty": fs.answering(200, ""),
    "truncated": fs.answering(200, '{"status":"succ'),
    "latin1": fs.answering(200, b'{"status":"success","data":["\xe9"]}'),
    "nested": fs.nested_json(200_000),
    "nan": fs.answering(200, '{"status":"success","data":[NaN]}'),
    "nan-seen": fs.prometheus_like(["up"], "NaN"),
    "rules-shape": lambda h: fs.reply(h, 200, json.dumps(
        {"status": "success", "data": ["up"] if "label" in h.path else {"groups": "nope"}})),
    "503": fs.answering(503, "upstream\ndown\n", "text/plain"),
    "404": fs.answering(404, "nope", "text/plain"),
    "redirects": fs.redirect_loop,
    "closing": fs.closing,
    "drip-2s": fs.dripping(2.0),
    "drip-fast": fs.dripping(0.3),
    "drip-headers": fs.dripping(0.3, in_headers=True),
    "huge-declared": fs.huge(True),
    "huge-streamed": fs.huge(False),
    "echo-auth": fs.echoing_authorization(),
    "echo-auth-json": fs.echoing_authorization(as_json=True),
    "echo-403": fs.echoing_authorization(403),
    "echo-pw": fs.echoing(f"bad password {PASSWORD}"),
    "echo-path": lambda h: fs.reply(h, 500, f"bad request {h.path}", "text/plain"),
    "echo-grafana": fs.echoing(f"who is {GRAFANA}?"),
    "echo-esc": fs.echoing(f"boom{ESC}"),
}


def prom(name: str, creds: str = "") -> str:
    url = fs.server(name, BEHAVIOURS[name]).url
    return url.replace("http://", f"http://{creds}@") if creds else url


def static(*args: str):
    return lambda box: list(args)


def dashboards(box: Sandbox, title: str = "D", panel: str = "P", query: str = "sample_level") -> str:
    folder = box.project / "dash"
    folder.mkdir(exist_ok=True)
    model = {"uid": "d1", "title": title, "panels": [
        {"id": 1, "title": panel, "type": "timeseries", "targets": [{"refId": "A", "expr": query}]}]}
    (folder / "d.json").write_text(json.dumps(model), encoding="utf-8")
    return "dash"


def metric(command: str, name: str, *extra: str, creds: str = ""):
    """`vobs validate|audit --prometheus-url <fake> --timeout 2s dash`."""
    def setup(box):
        return [command, "--prometheus-url", prom(name, creds), "--timeout", "2s", *extra, dashboards(box)]
    return setup


def run_file(box: Sandbox, query: str = "sample_level") -> str:
    (box.project / "day.yaml").write_text(RUN_FILE.replace("QUERY", query), encoding="utf-8")
    return "day.yaml"


def chaos_check(name: str):
    return lambda box: ["chaos", "check", run_file(box), "--prometheus-url", prom(name), "--timeout", "2s"]


def chaos_run(case_id: str, target_behaviour, *, target_creds: str = "", prometheus=None, journal="j.json",
              before=None):
    """`vobs chaos run` against a fake target named after the case (so a test can ask what it got)."""
    def setup(box):
        if before:
            before(box)
        target = fs.server(f"target-{case_id}", target_behaviour).url
        if target_creds:
            target = target.replace("http://", f"http://{target_creds}@")
        return ["chaos", "run", run_file(box), "--target-url", target,
                "--prometheus-url", prometheus(box) if prometheus else prom("good"),
                "--time-scale", "0.001", "--http-timeout", "3s", "--journal", journal]
    return setup


def a_file(box: Sandbox, name: str = "afile") -> None:
    (box.project / name).write_text("a regular file\n")


def with_file(args, name: str = "afile"):
    def setup(box):
        a_file(box, name)
        return args(box) if callable(args) else list(args)
    return setup


def sample(box: Sandbox, settings: str = "", narrative_title: str = "The sample story") -> None:
    make_project(box.project)
    path = box.project / "narratives" / "sample.yaml"
    path.write_text(path.read_text().replace("title: The sample story", f"title: {narrative_title}"))
    if settings:
        (box.project / "vobs.yaml").write_text(settings)


def build_with(settings: str = "", before=None, args=("build",)):
    def setup(box):
        sample(box, settings)
        if before:
            before(box)
        return list(args)
    return setup


def free_url() -> str:
    from prometheus_harness import free_port

    return f"http://127.0.0.1:{free_port()}"


AT = "Prometheus at http://127.0.0.1:"  # every server failure names the server (its redacted URL)
NOT_PROM = "answered something that is not Prometheus' API"

CASES = [
    # --- Prometheus that is not what it claims (item 10): one line naming the server, exit 2 ------
    Case("prom-html-200", metric("validate", "html200"), 2, AT, "an HTML page"),
    Case("prom-html-500", metric("validate", "html500"), 2, AT, "HTTP 500 (an HTML page)"),
    Case("prom-html-200-audit", metric("audit", "html200"), 2, AT, "an HTML page"),
    Case("prom-html-200-chaos-check", chaos_check("html200"), 2, AT, "an HTML page"),
    Case("prom-data-not-a-list", metric("validate", "shape-dict"), 2, AT,
         f"{NOT_PROM}: the /api/v1/label/__name__/values answer is not a list of strings"),
    Case("prom-top-level-list", metric("validate", "shape-list"), 2, AT, NOT_PROM),
    Case("prom-status-error-200", metric("validate", "status-error"), 2, AT, NOT_PROM),
    Case("prom-empty-body", metric("validate", "empty"), 2, AT, "invalid JSON"),
    Case("prom-truncated-json", metric("validate", "truncated"), 2, AT, "invalid JSON"),
    Case("prom-not-utf8", metric("validate", "latin1"), 2, AT, "invalid JSON"),
    Case("prom-nested-json-bomb", metric("validate", "nested"), 2, AT, NOT_PROM),
    Case("prom-nan-names", metric("validate", "nan"), 2, AT, NOT_PROM),
    Case("prom-nan-last-seen", lambda box: ["validate", "--prometheus-url", prom("nan-seen"),
                                            dashboards(box, query="absent_metric")], 2, AT, NOT_PROM),
    Case("prom-rules-wrong-shape", metric("validate", "rules-shape"), 2, AT, NOT_PROM),
    Case("prom-503-text", metric("validate", "503"), 2, AT, "HTTP 503 (upstream down)"),
    Case("prom-404", metric("validate", "404"), 2, AT, "HTTP 404"),
    Case("prom-redirect-loop", metric("validate", "redirects"), 2, AT, "redirect loop"),
    Case("prom-closes-connection", metric("validate", "closing"), 2, AT,
         "unreachable: the connection was cut before an answer ("),
    Case("prom-unreachable-once", lambda box: ["validate", "--prometheus-url", free_url(), dashboards(box)], 2,
         AT, "is unreachable: connection refused at 127.0.0.1:"),
    Case("prom-unreachable-audit", lambda box: ["audit", "--prometheus-url", free_url(), dashboards(box)], 2,
         AT, "is unreachable"),
    Case("prom-unreachable-chaos-check", lambda box: ["chaos", "check", run_file(box), "--prometheus-url",
                                                      free_url()], 2, AT, "is unreachable"),
    Case("prom-tls-to-plain-http", lambda box: ["validate", "--prometheus-url", prom("good").replace(
        "http://", "https://"), dashboards(box)], 2, "Prometheus at https://127.0.0.1:", "does not speak TLS (plain HTTP? try http://127.0.0.1:"),
    # --- deadlines and size caps (item 6): a drip or a flood ends in one line -------------------------
    Case("prom-drip-body-2s", metric("validate", "drip-2s"), 2, AT, "did not answer within 2s", timeout=25),
    Case("prom-drip-body-fast", metric("validate", "drip-fast"), 2, AT, "did not answer within 2s", timeout=25),
    Case("prom-drip-headers", metric("validate", "drip-headers"), 2, AT, "did not answer within 2s", timeout=25),
    Case("prom-drip-audit", metric("audit", "drip-fast"), 2, AT, "did not answer within 2s", timeout=25),
    Case("prom-drip-chaos-check", chaos_check("drip-fast"), 2, AT, "did not answer within 2s (--timeout)", timeout=25),
    # chaos run's deadline is --http-timeout (its --timeout bounds the whole run): the advice names it
    Case("prom-drip-chaos-run", chaos_run("prom-drip-chaos-run", fs.target(), prometheus=lambda box: prom("drip-fast")),
         2, AT, "did not answer within 3s (--http-timeout)", timeout=40),
    Case("prom-huge-declared", metric("validate", "huge-declared"), 2, AT, "bytes"),
    Case("prom-huge-streamed", metric("validate", "huge-streamed"), 2, AT, "bytes", timeout=60),
    Case("chaos-target-drips", chaos_run("chaos-target-drips", lambda h: fs.dripping(0.3)(h) if h.command == "POST"
                                         else fs.reply(h, 200, "{}")),
         2, "POST http://127.0.0.1:", "no answer within 3s", writes=["project/j.json"], timeout=40),
    # --- secrets (item 7): never printed, never written -------------------------------------------------
    Case("secret-401-echoes-basic", metric("validate", "echo-auth", creds=f"admin:{PASSWORD}"), 2, AT,
         "the credentials were refused", secrets=[PASSWORD, BASIC]),
    Case("secret-401-echoes-json", metric("validate", "echo-auth-json", creds=f"admin:{PASSWORD}"), 2, AT,
         "unauthorized", secrets=[PASSWORD, BASIC]),
    Case("secret-403-echoes", metric("audit", "echo-403", creds=f"admin:{PASSWORD}"), 2, AT, "refused",
         secrets=[PASSWORD, BASIC]),
    Case("secret-server-echoes-password", metric("validate", "echo-pw", creds=f"admin:{PASSWORD}"), 2, AT,
         "bad password", secrets=[PASSWORD]),
    Case("secret-no-scheme-flag", lambda box: ["validate", "--prometheus-url", f"admin:{PASSWORD}@127.0.0.1:9",
                                               dashboards(box)], 2, "prometheus_url", "not an http:// or https:// URL",
         secrets=[PASSWORD]),
    Case("secret-no-scheme-env", lambda box: ["validate", dashboards(box)], 2, "PROMETHEUS_URL",
         "not an http:// or https:// URL", secrets=[PASSWORD], env={"PROMETHEUS_URL": f"admin:{PASSWORD}@prom:9090"}),
    Case("secret-no-scheme-vobs-yaml", lambda box: (box.project / "vobs.yaml").write_text(
        f"prometheus_url: admin:{PASSWORD}@prom:9090\n") and ["validate", dashboards(box)], 2, "vobs.yaml",
         "carries a password (user:password@): a file in the repository must hold no secret", secrets=[PASSWORD]),
    Case("secret-unreachable-with-password", lambda box: ["validate", "--prometheus-url", free_url().replace(
        "http://", f"http://admin:{PASSWORD}@"), dashboards(box)], 2, AT, "unreachable", secrets=[PASSWORD]),
    Case("secret-query-token", lambda box: ["validate", "--prometheus-url", free_url() + f"/?token={TOKEN}",
                                            dashboards(box)], 2, AT, "unreachable", secrets=[TOKEN]),
    Case("secret-query-token-echoed", lambda box: ["validate", "--prometheus-url", prom("echo-path") + f"/?token={TOKEN}",
                                                   dashboards(box)], 2, AT, "HTTP 500", secrets=[TOKEN]),
    Case("secret-grafana-token-echoed", metric("validate", "echo-grafana"), 2, AT, "who is", secrets=[GRAFANA],
         env={"GRAFANA_TOKEN": GRAFANA}),
    Case("secret-chaos-target-echoed", chaos_run("secret-chaos-target-echoed", fs.target(500, echo=True),
                                                 target_creds=f"ops:{TARGET_PW}"),
         2, "POST http://127.0.0.1:", "HTTP 500", writes=["project/j.json"], secrets=[TARGET_PW, TARGET_BASIC]),
    Case("secret-chaos-target-journal", chaos_run("secret-chaos-target-journal", fs.target(),
                                                  target_creds=f"ops:{TARGET_PW}", prometheus=lambda box: prom("serving")),
         0, writes=["project/j.json"], secrets=[TARGET_PW, TARGET_BASIC], error_line=False),
    Case("secret-chaos-target-no-scheme", lambda box: ["chaos", "run", run_file(box), "--target-url",
                                                       f"ops:{TARGET_PW}@127.0.0.1:9", "--prometheus-url", "http://x"],
         2, "--target-url", "not an http", secrets=[TARGET_PW]),
    # --- untrusted text (item 8): no control sequence reaches the terminal raw ------------------------
    Case("escape-server-message", metric("validate", "echo-esc"), 2, AT, "boom\\x1b]0;pwned"),
    Case("escape-panel-title-and-query", lambda box: ["validate", "--prometheus-url", prom("good"),
                                                      dashboards(box, title=f"T{ESC}", panel=f"P{ESC}",
                                                                 query=f"missing_metric{{a=\"{ESC}\"}}")],
         0, error_line=False),
    Case("escape-unparsable-query", lambda box: ["validate", "--prometheus-url", prom("good"),
                                                 dashboards(box, panel=f"P{ESC}", query=f"rate({ESC}")],
         1, error_line=False),
    Case("escape-query-json", lambda box: ["validate", "--format", "json", "--prometheus-url", prom("good"),
                                           dashboards(box, panel=f"P{ESC}", query=f"rate({ESC}")],
         1, error_line=False),
    Case("escape-narrative-title-list", lambda box: sample(box, narrative_title='"Story \\e]0;pwned\\a \\x9b31m"')
         or ["list"], 0, error_line=False),
    Case("escape-narrative-title-list-json", lambda box: sample(box, narrative_title='"Story \\e[2J\\x9b"')
         or ["list", "--format", "json"], 0, error_line=False),
    Case("escape-chaos-probe-query", lambda box: ["chaos", "check", run_file(box, query='"rate(\\e]0;pwned\\a \\x9b"'),
                                                  "--prometheus-url", prom("good")], 1, error_line=False),
    Case("escape-path-in-usage-error", static("validate", f"no{ESC}such"), 2, "(see 'vobs validate --help')",
         "does not exist"),
    # --- filesystem (item 11): `path: reason`, exit 2 nothing written, exit 3 partly ---------------------
    Case("fs-exports-is-a-file", build_with("exports_dir: afile\n", a_file), 2, "afile", "is a file, not a folder"),
    Case("fs-exports-under-a-file", build_with("exports_dir: afile/exports\n", a_file), 2, "afile/exports",
         "is a file, not a folder"),
    Case("fs-narrative-folder-is-a-file", build_with(before=lambda box: ((box.project / "exports").mkdir(),
                                                                        (box.project / "exports/sample").write_text("x"))),
         3, "exports/sample", "did not write", writes=["project/exports/"]),
    Case("fs-audit-output-under-a-file", with_file(lambda box: ["audit", "--prometheus-url", prom("good"),
                                                                "-o", "afile/report.md", dashboards(box)]),
         2, "afile/report.md", "is a file, not a folder"),
    Case("fs-audit-output-is-a-folder", lambda box: ["audit", "--prometheus-url", prom("good"), "-o", "dash",
                                                     dashboards(box)], 2, "'dash'", "is a directory"),
    # an -o FILE's folder is never created (trial 20: `-o /nonexistent/x.html` made /nonexistent, exit 0)
    Case("fs-audit-output-new-folder", lambda box: ["audit", "--prometheus-url", prom("good"), "-o",
                                                    "new/deeper/report.md", dashboards(box)], 2,
         "cannot write new/deeper/report.md", "the folder new/deeper does not exist"),
    Case("fs-audit-output-in-proc", lambda box: ["audit", "--prometheus-url", prom("good"), "-o", "/proc/report.md",
                                                 dashboards(box)], 2, "/proc/report.md", "cannot write"),
    Case("fs-journal-under-a-file", chaos_run("fs-journal-under-a-file", fs.target(), journal="afile/j.json",
                                              before=a_file), 2, "afile/j.json", "is a file, not a folder"),
    Case("fs-journal-is-a-folder", chaos_run("fs-journal-is-a-folder", fs.target(), journal="dash",
                                             before=dashboards), 2, "'dash'", "is a directory"),
    Case("fs-journal-deep-under-a-file", chaos_run("fs-journal-deep-under-a-file", fs.target(),
                                                   journal="afile/a/b/j.json", before=a_file), 2, "afile/a/b/j.json",
         "afile is a file"),
    # a --journal FILE is an -o FILE: its folder never made (it made new/deeper/, any depth)
    Case("fs-journal-new-folder", chaos_run("fs-journal-new-folder", fs.target(), journal="new/deeper/j.json"), 2,
         "cannot write new/deeper/j.json", "the folder new/deeper does not exist"),
    Case("fs-chaos-prometheus-down-no-fault", chaos_run("fs-chaos-prometheus-down-no-fault", fs.target(),
                                                        prometheus=lambda box: free_url()), 2, AT, "unreachable"),
    Case("fs-report-output-under-a-file", with_file(lambda box: (box.project / "j.json").write_text("{}") and [
        "chaos", "report", "j.json", "-o", "afile/report"]), 2, "afile/report", "is a file, not a folder"),
    # an -o DIR is made, not the folders above it (`-o reprots/day-1` made reprots/)
    Case("fs-report-output-new-folders", lambda box: (box.project / "j.json").write_text("{}") and [
        "chaos", "report", "j.json", "-o", "new/report"], 2, "cannot write new/report", "the folder new does not exist"),
    Case("fs-pyproject-not-utf8", lambda box: (box.project / "pyproject.toml").write_bytes(b"[tool.vobs]\n# \xff\n")
         and ["validate", dashboards(box)], 2, "pyproject.toml", "not UTF-8"),
    Case("fs-vobs-yaml-wrong-type", lambda box: (box.project / "vobs.yaml").write_text("exports_dir: [a, b]\n")
         and ["build"], 2, "vobs.yaml:1", "must be a string"),
    Case("fs-vobs-yaml-url-number", lambda box: (box.project / "vobs.yaml").write_text("\nprometheus_url: 9090\n")
         and ["validate", dashboards(box)], 2, "vobs.yaml:2", "must be a string"),
    # --- usage errors (item 13): one line, exit 2, pointing at the help --------------------------------
    Case("usage-bad-format", static("build", "--format", "yaml"), 2, "(see 'vobs build --help')", "Invalid value"),
    Case("usage-bad-timeout", static("validate", "--timeout", "soon"), 2, "(see 'vobs validate --help')", "--timeout"),
    Case("usage-zero-timeout", static("audit", "--timeout", "0"), 2, "(see 'vobs audit --help')", "--timeout"),
    Case("usage-bad-lookback", static("validate", "--lookback", "7x"), 2, "(see 'vobs validate --help')", "duration"),
    Case("usage-missing-target", with_file(["chaos", "run", "afile"]), 2, "(see 'vobs chaos run --help')",
         "--target-url"),
    Case("usage-unknown-command", static("publsh"), 2, "(see 'vobs --help')", "No such command"),
    Case("usage-root-is-a-file", with_file(["-C", "afile", "build"]), 2, "(see 'vobs --help')", "is a file"),
    Case("usage-missing-path", static("validate", "nowhere"), 2, "(see 'vobs validate --help')", "does not exist"),
]


@cases_param(CASES)
def test_edges(case: Case, tmp_path: Path):
    started = time.monotonic()
    check(case, tmp_path)
    assert time.monotonic() - started < case.timeout
    target = fs._SERVERS.get(f"target-{case.id}")
    if case.id.startswith("fs-") and target is not None:  # checked before any fault is injected
        assert target.posts() == [], f"{case.id}: a fault was injected before the failure: {target.requests}"


def test_the_table_is_large_enough():
    assert len(CASES) >= 50 and len({c.id for c in CASES}) == len(CASES)


def test_a_reader_that_goes_away_ends_quietly(tmp_path):
    """`vobs list | head -1` once head has gone: no traceback, exit 141 (as a shell reports SIGPIPE) or 0."""
    make_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_"))}
    env["PYTHONPATH"] = str(REPO)
    for command in (["list"], ["checks"], ["list", "--format", "json"]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line: every write is a broken pipe
        try:
            done = subprocess.run([sys.executable, "-m", "vertice_obs", *command], stdout=write_end,
                                  stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, timeout=60)
        finally:
            os.close(write_end)
        assert done.returncode in (0, 141), done.stderr
        assert done.stderr == "", done.stderr
