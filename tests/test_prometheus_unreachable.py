"""Why a Prometheus could not be reached, said as Grafana's is: one wording (`guard.http.unreachable`)
for both — refused, a name that does not resolve, a connection cut before an answer — redacted.
"Prometheus at … is unreachable" said no more than that, where Grafana's said the cause."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hostile.fake_servers import Fake, closing
from prometheus_harness import free_port
from standin_cli import TOKEN

from vertice_obs.cli import cli
from vertice_obs.metrics.evidence import SourceUnavailable
from vertice_obs.metrics.prometheus import PrometheusSource

SECRET = "s3cr3t-in-query"


def unreachable(url: str) -> str:
    with pytest.raises(SourceUnavailable) as raised:
        PrometheusSource(url, timeout=5).names()
    return str(raised.value)


@pytest.fixture()
def cutting():
    fake = Fake(closing)  # reads the request, then closes the connection without an answer
    yield fake
    fake.stop()


def test_refused_says_so():
    port = free_port()
    said = unreachable(f"http://127.0.0.1:{port}/?token={SECRET}")
    assert said == f"Prometheus at http://127.0.0.1:{port} is unreachable: connection refused at 127.0.0.1:{port}"


def test_a_name_that_does_not_resolve_says_so():
    said = unreachable(f"http://prometheus.no-such-host.invalid:9090/?token={SECRET}")
    assert said == ("Prometheus at http://prometheus.no-such-host.invalid:9090 is unreachable: the host of "
                    "prometheus.no-such-host.invalid:9090 does not resolve (no such name?)")


def test_a_connection_cut_before_an_answer_says_so(cutting):
    said = unreachable(f"{cutting.url}/?token={SECRET}")
    assert said.startswith(f"Prometheus at {cutting.url} is unreachable: the connection was cut before an answer ("), said
    assert SECRET not in said and "\n" not in said


@pytest.mark.parametrize("kind", ["refused", "cut"])
def test_prometheus_and_grafana_say_it_in_the_same_words(kind, cutting):
    """One wording: the same server down is the same cause, whichever of the two vobs asked."""
    from vertice_obs.grafana.destinations import GrafanaDestination
    from vertice_obs.grafana.publish import DestinationError

    url = f"http://127.0.0.1:{free_port()}" if kind == "refused" else cutting.url
    with pytest.raises(DestinationError) as grafana:
        GrafanaDestination(url, TOKEN, timeout=5, max_attempts=1).info()
    prometheus = unreachable(url)
    assert prometheus.removeprefix("Prometheus") == str(grafana.value).removeprefix("Grafana"), (prometheus,
                                                                                                  str(grafana.value))


def test_validate_says_why_once(tmp_path):
    """The command line: one line, the cause in it, the query string's token never shown."""
    port = free_port()
    (tmp_path / "d.json").write_text('{"uid": "d", "title": "D", "panels": [{"type": "stat", "title": "S", '
                                     '"targets": [{"expr": "up"}]}]}')
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "d.json"), "--prometheus-url",
                                      f"http://127.0.0.1:{port}/?token={SECRET}"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"vobs: error: Prometheus at http://127.0.0.1:{port} is unreachable: connection refused "
                             f"at 127.0.0.1:{port}: metric existence is unknown\n")
    assert SECRET not in result.output
