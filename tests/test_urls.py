"""`guard.urls` (issue 18): server URLs as users write them, API paths joined (never concatenated),
data segments encoded by one encoder; and the page limit of paginated reads.

End to end — the real Prometheus and the stand-in Grafana behind a sub-path proxy that wants a
`?token=`, IPv6, chaos targets — is in tests/hostile/test_urls_hostile.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.errors import InputError
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.urls import parse, segment


@pytest.mark.parametrize("url,api,joined,shown", [
    ("https://host/grafana", "/api/search", "https://host/grafana/api/search", "https://host/grafana"),
    ("https://host/grafana", "api/search", "https://host/grafana/api/search", "https://host/grafana"),
    ("https://host/grafana/", "/api/search", "https://host/grafana/api/search", "https://host/grafana"),
    ("https://host/prometheus///", "/api/v1/query", "https://host/prometheus/api/v1/query",
     "https://host/prometheus"),
    ("http://host:9090", "/api/v1/query", "http://host:9090/api/v1/query", "http://host:9090"),
    ("http://host:9090/", "/api/v1/query", "http://host:9090/api/v1/query", "http://host:9090"),
    ("https://host/p?token=abc", "/api/v1/query", "https://host/p/api/v1/query?token=abc", "https://host/p"),
    ("https://host/p/?token=abc&org=2", "/fault/x?ms=5", "https://host/p/fault/x?token=abc&org=2&ms=5",
     "https://host/p"),
    ("https://host/p#frag", "/api", "https://host/p/api", "https://host/p"),
    ("http://[::1]:9090", "/api/v1/query", "http://[::1]:9090/api/v1/query", "http://[::1]:9090"),
    ("http://[::1]:9090/prom?token=t", "api/v1/query", "http://[::1]:9090/prom/api/v1/query?token=t",
     "http://[::1]:9090/prom"),
    ("http://[fe80::1%25eth0]:3000", "/api/health", "http://[fe80::1%25eth0]:3000/api/health",
     "http://[fe80::1%25eth0]:3000"),
    ("http://user:p%40ss@host:3000/g?token=zz", "/api/health", "http://host:3000/g/api/health?token=zz",
     "http://host:3000/g"),
    ("HTTPS://Host.Example/G", "/api", "https://host.example/G/api", "https://host.example/G"),
])
def test_urls_as_users_write_them(url, api, joined, shown):
    server = parse(url)
    assert server.join(api) == joined
    assert server.base == shown


def test_userinfo_becomes_basic_auth_and_is_never_shown():
    server = parse("http://ops:p%40ss%3Aw0rd@host:3000/g?token=s3cr3t-tok")
    assert server.auth == ("ops", "p@ss:w0rd")
    assert "p%40ss" not in server.join("/api") and "ops" not in server.join("/api") and "ops" not in server.base
    assert "s3cr3t-tok" not in redact_text(f"failed: {server.join('/api/x')}")  # registered where it entered
    assert "p@ss:w0rd" not in redact_text("echo p@ss:w0rd")
    assert parse("http://host").auth is None


@pytest.mark.parametrize("url,message", [
    ("host:9090", "not an http:// or https:// URL"),
    ("ftp://host/x", "not an http:// or https:// URL"),
    ("http:///grafana", "has no host"),
    ("http://host:99999", "not a valid URL"),
    ("http://[::1/x", "not a valid URL"),
    ("", "not an http:// or https:// URL"),
])
def test_what_is_not_a_server_url_is_one_input_error(url, message):
    with pytest.raises(InputError, match=message):
        parse(url, "the Grafana URL")


@pytest.mark.parametrize("url", ["http://ops:pw-9x@[::1/x?token=tk-9x", "ops:pw-9x@[::1:9090?token=tk-9x"])
def test_urls_too_broken_to_parse_are_still_redacted(url):
    from vertice_obs.guard.secrets import redact_url, register_url

    register_url(url)  # does not raise
    assert "pw-9x" not in redact_url(url) and "tk-9x" not in redact_url(url)
    assert "pw-9x" not in redact_text(f"x {url} y") and "tk-9x" not in redact_text(url)


def test_a_bad_url_error_shows_no_secret():
    with pytest.raises(InputError) as raised:
        parse("ftp://admin:hunter2-pw@host/x?token=qs-secret-1")
    assert "hunter2-pw" not in str(raised.value) and "qs-secret-1" not in str(raised.value)


@pytest.mark.parametrize("value,encoded", [
    ("alpha?x=1", "alpha%3Fx%3D1"), ("a#b", "a%23b"), ("a%2e", "a%252e"), ("a/b", "a%2Fb"), ("a b", "a%20b"),
    ("sample-a_1", "sample-a_1"), ("ドーパミン", "%E3%83%89%E3%83%BC%E3%83%91%E3%83%9F%E3%83%B3"),
])
def test_segments_from_data_are_encoded_whole(value, encoded):
    assert segment(value) == encoded


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_segments_that_a_server_would_resolve_are_refused(value):
    with pytest.raises(InputError):
        segment(value)


@given(st.text(min_size=1).filter(lambda t: t not in (".", "..")))
def test_an_encoded_segment_stays_one_segment(value):
    encoded = segment(value)
    assert not set(encoded) & set("/?#\\ ") and encoded not in (".", "..")
    joined = parse("https://host/g?token=t").join(f"/api/dashboards/uid/{encoded}")
    assert joined.endswith(f"/api/dashboards/uid/{encoded}?token=t")


# --- the page limit ------------------------------------------------------------------------------

def test_a_read_that_pages_forever_stops_at_the_limit(monkeypatch):
    """A server that answers a full page of new items for every page (a search that counts up
    forever) is stopped after MAX_PAGES, with one error naming the server."""
    from hostile.test_grafana_hostile import Answer, FakeGrafana, on

    from vertice_obs.grafana import destinations
    from vertice_obs.grafana.answers import DestinationError

    monkeypatch.setattr(destinations, "SEARCH_PAGE", 3)
    monkeypatch.setattr(destinations, "MAX_PAGES", 5)
    fake = FakeGrafana(on("/api/search", lambda q, h: Answer(body=[
        {"uid": f"p{q['page'][0]}-{i}", "title": "t", "type": "dash-db"} for i in range(3)])))
    try:
        target = destinations.GrafanaDestination(fake.url, "glsa_x_token_0123456789", timeout=5)
        with pytest.raises(DestinationError, match=r"^Grafana at http://127\.0\.0\.1:\d+ still had more search "
                                                   r"after 5 pages of 3: vobs stopped there$"):
            target.search()
        assert sum("/api/search" in r for r in fake.requests) == 5
    finally:
        fake.stop()


@pytest.mark.parametrize("given,shown,why", [
    (" http://x", "' http://x'", "it starts with a space: remove it"),
    ("\thttp://x", "'\\thttp://x'", "it starts with whitespace: remove it"),
    (" https://alice:s3cretpw@x/p?token=glsa_abcdefgh", "' https://x/p'", "it starts with a space: remove it"),
    (" ftp://x ", "' ftp://x '", "add the scheme, e.g. http://host:3000"),
])
def test_a_refused_url_is_shown_as_given_and_says_why(tmp_path, given, shown, why):
    """Trial 22 L8: `--grafana-url ' http://x'` said `'http://x' is not an http:// or https:// URL` —
    the stripped value, refused unstripped. The message shows what was given (escaped, whitespace
    kept, credentials and query dropped by the one redaction) and why; Prometheus URLs alike."""
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    for flag, args, port in (("grafana_url", ["diff", "--grafana-url"], "3000"),
                             ("prometheus_url", ["validate", "--prometheus-url"], "9090")):
        done = CliRunner().invoke(cli, ["-C", str(tmp_path), *args, given])
        assert done.exit_code == 2 and "Traceback" not in done.output, done.output
        line = done.output.strip().splitlines()[-1]
        assert line == (f"vobs: error: {flag} (the command line): {shown} is not an http:// or https:// URL "
                        f"({why.replace('3000', port)})"), line
        assert "s3cretpw" not in done.output and "glsa_abcdefgh" not in done.output
    with pytest.raises(InputError, match=f"^Grafana URL {re.escape(shown.replace('https', 'ftp').replace('http', 'ftp'))} is not"):
        parse(given.replace("https", "ftp").replace("http", "ftp"), "Grafana URL")  # the parser says it so too


_URL_PIECES = st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "//", "user", ":", "@", "p%40ss", "%", "%zz",
                               "host", "[", "]", "::1", "%25eth0", "9090", "99999", "-1", "/", "?", "#", "token=",
                               "&", " ", "\t", "\n", "é", "<", "\\", "..", "\x00", "xn--", "ﬀ", "0x1"])


@settings(max_examples=200, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.lists(_URL_PIECES, max_size=14).map("".join),
                 st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=2)))
def test_any_url_is_a_server_or_one_input_error(url):
    """Whatever is given for `--grafana-url`, `prometheus_url:` or a chaos target: a server URL that
    joins API paths, or one `InputError` line that shows no secret."""
    try:
        server = parse(url, "--prometheus-url")
    except InputError as exc:
        assert "\n" not in str(exc) and ":p%40ss@" not in str(exc)
    else:
        assert server.scheme in ("http", "https") and server.host
        assert server.join("/api/v1/query").startswith(server.base + "/api/v1/query")
        assert "p@ss" not in server.base
