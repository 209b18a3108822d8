"""``status`` and the exporter answer within 3 s when Kafka, a database or the worker does not,
and say which source did not answer (a scrape Prometheus gives up at 10 s loses every series)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest

from tests.integration.conftest import Chain


def read(url: str) -> str:
    try:
        return urllib.request.urlopen(url, timeout=10).read().decode()
    except OSError:
        return ""


@contextmanager
def black_hole():
    """A port that accepts connections and never answers: a broker or database that hangs, the
    worst kind of down (a refused connection fails fast)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def hanging(chain: Chain, port: int, *, kafka: bool = False, anef: bool = False) -> dict[str, str]:
    environment = dict(chain.environment)
    if kafka:
        environment["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{port}"
    if anef:
        environment["ANEF_DATABASE_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/anef"
    return environment


@pytest.mark.parametrize("down", ["kafka", "anef", "worker metrics"])
def test_a_look_answers_within_3_s_and_names_the_source_that_hangs(chain: Chain, down: str):
    from common.db import engine
    from common.settings import Settings
    from operations.status import gather

    with black_hole() as port:
        environment = hanging(chain, port, kafka=down == "kafka", anef=down == "anef")
        settings = Settings(**{k.lower(): v for k, v in environment.items() if k.lower() in Settings.model_fields})
        anef = engine(settings.anef_database_url)
        started = time.monotonic()
        look = gather(settings, chain.agdref, anef, f"http://127.0.0.1:{port}/metrics" if down == "worker metrics"
                      else None)
        took = time.monotonic() - started
        anef.dispose()
    assert took < 3.0, f"{took:.1f} s"
    assert len(look.problems) == 1 and look.problems[0].startswith(f"{down}: "), look.problems


def test_status_json_and_an_exporter_scrape_answer_within_3_s_with_kafka_hanging(chain: Chain):
    from tests.integration.conftest import free_port, wait_for

    with black_hole() as port:
        environment = {**os.environ, **hanging(chain, port, kafka=True)}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "cli", "status", "--json", "--metrics-url",
                               f"http://127.0.0.1:{port}/metrics"], env=environment, capture_output=True, text=True,
                              timeout=60)
        took = time.monotonic() - started
        assert done.returncode == 1 and '"kafka: no answer within 2.5 s"' in done.stdout, done.stdout + done.stderr
        assert took < 3.0 + 2.0, f"{took:.1f} s (of which about 1.5 s start a Python process)"
        exporter_port = free_port()
        exporter = subprocess.Popen([sys.executable, "-m", "cli", "exporter", "--port", str(exporter_port)],
                                    env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{exporter_port}/metrics"
            wait_for(lambda: "agdref_anef" in read(url), 60, "the exporter")
            started = time.monotonic()
            page = read(url)
            took = time.monotonic() - started
        finally:
            exporter.kill()
            exporter.wait()
    assert took < 3.0, f"a scrape took {took:.1f} s"
    assert 'agdref_anef_exporter_source_up{source="kafka"} 0.0' in page
    assert 'agdref_anef_exporter_source_up{source="anef"} 1.0' in page
