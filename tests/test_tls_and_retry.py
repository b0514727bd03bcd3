"""TLS verified everywhere by default (--ca-cert, a warned --insecure), GRAFANA_TIMEOUT honoured,
and Retry-After read in both of its forms (issue 15).

TLS is tested for real: a private CA and a server certificate made by Debian's `openssl`, and a
TLS terminator (`TLSProxy`: TLS on the outside, bytes passed through to the real server) in front
of the real Prometheus and of the spec-checked Grafana stand-in. Nothing about either server's API
is faked.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from grafana_standin import GrafanaStandIn

from vertice_obs.grafana.destinations import GrafanaDestination
from vertice_obs.guard.http import retry_after

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_standin_token"
NOW = 1_800_000_000  # 2027-01-15


# --- Retry-After ------------------------------------------------------------------------------------

@pytest.mark.parametrize("header,seconds", [
    ("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("9" * 5000, float("inf")),
    (formatdate(NOW + 30, usegmt=True), 30.0),  # an HTTP-date, 30 s after `now`
    ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # already past: no wait
    ("Thu, 01 Jan 1970 00:00:00 -0000", 0.0),
])
def test_retry_after_both_forms(header, seconds):
    assert retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "٣", "Mon, 99 Foo 99999 99:99:99 GMT", "\x00"])
def test_retry_after_neither_form_is_none(header):
    assert retry_after(header, now=NOW) is None  # the caller's own backoff then


def test_an_http_date_retry_after_from_grafana_is_waited_for():
    """The stand-in answers 429 once with `Retry-After: <HTTP-date 2 s ahead>`: the retry waits for
    it (the backoff alone would be ~0.2 s), then succeeds."""
    with GrafanaStandIn() as grafana:
        target = GrafanaDestination(grafana.url, TOKEN, timeout=10)
        grafana.set_faults(script=["429"], retry_after=formatdate(time.time() + 3, usegmt=True))
        start = time.monotonic()
        assert target.search() == []
        waited = time.monotonic() - start
        statuses = [r.status for r in grafana.requests if r.path == "/api/search"]
        assert statuses == [429, 200], statuses
        assert 1.5 <= waited < 6, waited
        grafana.assert_no_violations()


def test_a_retry_after_is_capped_by_the_deadline():
    with GrafanaStandIn() as grafana:
        target = GrafanaDestination(grafana.url, TOKEN, timeout=1)
        grafana.set_faults(script=["429"], retry_after=formatdate(time.time() + 3600, usegmt=True))
        start = time.monotonic()
        assert target.search() == []
        assert time.monotonic() - start < 3


# --- TLS ----------------------------------------------------------------------------------------------

def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A private CA (ca.pem) and a certificate for 127.0.0.1 it signed (server.pem, server.key)."""
    d = tmp_path_factory.mktemp("pki")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=vobs test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                               "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                               "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    return d


class TLSProxy:
    """TLS on 127.0.0.1:<port>, each connection's bytes passed both ways to `upstream` (host, port)."""

    def __init__(self, upstream: tuple[str, int], pki: Path):
        self.upstream = upstream
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(pki / "server.pem", pki / "server.key")
        self.context.set_alpn_protocols(["http/1.1"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            outside = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # a client that does not trust us hangs up during the handshake
            return
        inside = socket.create_connection(self.upstream)
        threading.Thread(target=self._pipe, args=(inside, outside), daemon=True).start()
        self._pipe(outside, inside)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def stop(self) -> None:
        self.listener.close()


def vobs(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_"))}
    full.update(PYTHONPATH=str(REPO), NO_COLOR="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def tls_prometheus(prometheus, pki):
    host, port = prometheus.url.split("//", 1)[1].rstrip("/").split(":")
    proxy = TLSProxy((host, int(port)), pki)
    yield proxy
    proxy.stop()


@pytest.mark.prometheus
def test_prometheus_over_tls_is_verified_by_default(tls_prometheus, pki):
    refused = vobs("validate", "--prometheus-url", tls_prometheus.url, "--timeout", "10s")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert (f"Prometheus at {tls_prometheus.url}: TLS verification failed (certificate verify failed"
            in refused.stderr and "; trust its CA with --ca-cert FILE)" in refused.stderr), refused.stderr
    trusted = vobs("validate", "--prometheus-url", tls_prometheus.url, "--ca-cert", str(pki / "ca.pem"),
                   "--format", "json")
    assert trusted.returncode in (0, 1), trusted.stderr  # it validated: findings or none
    assert trusted.stderr == ""
    insecure = vobs("validate", "--prometheus-url", tls_prometheus.url, "--insecure", "--format", "json")
    assert insecure.returncode == trusted.returncode and insecure.stdout == trusted.stdout
    assert insecure.stderr.splitlines() == ["vobs: warning: --insecure: TLS certificates are not verified; anyone "
                                            "on the path can read the credentials sent and change the answers"]


def test_grafana_over_tls_is_verified_by_default_and_a_urls_verify_false_is_not_obeyed(pki, tmp_path):
    with GrafanaStandIn() as grafana:
        host, port = grafana.url.split("//", 1)[1].rstrip("/").split(":")
        proxy = TLSProxy((host, int(port)), pki)
        try:
            env = {"GRAFANA_TOKEN": TOKEN}
            for url in (proxy.url, proxy.url + "/?verify=false"):  # grafana-client would obey the latter
                refused = vobs("pull", "--all", "-o", str(tmp_path / "a"), "--grafana-url", url, env=env)
                assert refused.returncode == 2, refused.stdout + refused.stderr
                assert "TLS verification failed" in refused.stderr, refused.stderr
                assert len(refused.stderr.splitlines()) == 1, refused.stderr
            trusted = vobs("pull", "--all", "-o", str(tmp_path / "b"), "--grafana-url", proxy.url,
                           "--ca-cert", str(pki / "ca.pem"), env=env)
            assert trusted.returncode == 0, trusted.stdout + trusted.stderr
        finally:
            proxy.stop()
        grafana.assert_no_violations()


@pytest.mark.prometheus
def test_https_to_a_real_prometheus_on_plain_http_says_it_does_not_speak_tls(prometheus):
    """`--prometheus-url https://…` at the real Prometheus' plain-HTTP port (found by a new-user
    trial): OpenSSL's "wrong version number" is no certificate problem — the message said "TLS
    verification failed". It says the server does not speak TLS and which URL to try."""
    plain = prometheus.url.rstrip("/")
    asked = "https://" + plain.split("//", 1)[1]
    refused = vobs("validate", "--prometheus-url", asked, "--timeout", "10s")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"Prometheus at {asked} does not speak TLS (plain HTTP? try {plain})" in refused.stderr, \
        refused.stderr
    assert "verification" not in refused.stderr and "certificate" not in refused.stderr


def test_https_to_plain_http_grafana_and_chaos_target_says_it_does_not_speak_tls(simulator, tmp_path):
    """The same one description (`guard.http.tls_failure`) for Grafana (the stand-in, plain HTTP)
    and for a chaos fault action at the simulator's plain-HTTP port."""
    from vertice_obs.chaos.runner import Runner, Sampler
    from vertice_obs.chaos.scenario import Action, load_run
    from vertice_obs.errors import VobsError

    with GrafanaStandIn() as grafana:
        asked = grafana.url.rstrip("/").replace("http://", "https://")
        refused = vobs("pull", "--all", "-o", str(tmp_path / "a"), "--grafana-url", asked,
                       env={"GRAFANA_TOKEN": TOKEN})
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.splitlines() == [
            f"vobs: error: Grafana at {asked} does not speak TLS (plain HTTP? try {grafana.url.rstrip('/')})"]
    target = f"https://127.0.0.1:{simulator.port}"
    run = load_run(REPO / "chaos" / "chaos-day-1.yaml", "chaos/chaos-day-1.yaml")
    runner = Runner(run, target, Sampler("http://127.0.0.1:9"), tmp_path / "j.json", http_timeout=10)
    inject = Action(http={"method": "POST", "url": "${target}/fault/latency", "json": {"ms": 1}})
    with pytest.raises(VobsError) as refused_action:
        runner._act(inject, {})
    assert str(refused_action.value) == (f"POST {target}/fault/latency does not speak TLS (plain HTTP? "
                                         f"try http://127.0.0.1:{simulator.port}/fault/latency)")


@pytest.mark.parametrize("order", [("--insecure", "--ca-cert", "README.md"), ("--ca-cert", "README.md", "--insecure")])
def test_ca_cert_and_insecure_together_are_a_usage_error(order):
    done = vobs("validate", "--offline", *order)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["vobs: error: --ca-cert and --insecure contradict each other: pick one "
                                        "(see 'vobs validate --help')"]  # alone: no warning of a run never made


def test_every_command_that_talks_to_a_server_takes_the_tls_options():
    from vertice_obs.cli import cli

    for path in (["validate"], ["audit"], ["diff"], ["publish"], ["pull"], ["chaos", "check"], ["chaos", "run"]):
        command = cli
        for name in path:
            command = command.commands[name]
        names = {opt for p in command.params for opt in p.opts}
        assert {"--ca-cert", "--insecure"} <= names, path


def test_the_chaos_runners_fault_actions_verify_tls(simulator, pki, tmp_path):
    """An HTTPS chaos target (the real simulator behind the TLS terminator): refused untrusted,
    injected and reverted with its CA trusted."""
    from vertice_obs.chaos.runner import Runner, Sampler
    from vertice_obs.chaos.scenario import Action, load_run
    from vertice_obs.errors import VobsError
    from vertice_obs.guard.http import configure_tls

    proxy = TLSProxy(("127.0.0.1", simulator.port), pki)
    run = load_run(REPO / "chaos" / "chaos-day-1.yaml", "chaos/chaos-day-1.yaml")
    runner = Runner(run, proxy.url, Sampler("http://127.0.0.1:9"), tmp_path / "j.json", http_timeout=10)
    inject = Action(http={"method": "POST", "url": "${target}/fault/latency", "json": {"ms": 1}})
    revert = Action(http={"method": "DELETE", "url": "${target}/fault/latency"})
    try:
        configure_tls()
        with pytest.raises(VobsError, match="TLS verification failed"):
            runner._act(inject, {})
        configure_tls(str(pki / "ca.pem"))
        runner._act(inject, {})
        runner._act(revert, {})
    finally:
        configure_tls()
        proxy.stop()
