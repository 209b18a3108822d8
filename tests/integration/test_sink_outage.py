"""ANEF's database unreachable for a minute: the worker backs off and retries, rejects nothing
because of it, and everything lands once it is back."""
from __future__ import annotations

import time

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from connectors import source
from pipeline.rejects import count_parked, dead_letters
from schemas import agdref_tables as legacy
from schemas.anef_tables import usager
from schemas.topics import dead_letter_topic
from synthetic.persons import person_row
from tests.integration.conftest import Chain, wait_for
from tests.integration.tcp_proxy import CuttableProxy

OUTAGE_SECONDS = 60  # what the issue asks the worker to ride out: a full minute


def _migrated(chain: Chain) -> int:
    with chain.anef.connect() as conn:
        return conn.execute(select(func.count()).select_from(usager)).scalar_one()


def test_an_unreachable_anef_database_delays_the_stream_and_rejects_nothing(chain: Chain):
    anef_url = make_url(chain.environment["ANEF_DATABASE_URL"])
    proxy = CuttableProxy(anef_url.port)
    try:
        env = {**chain.environment,
               "ANEF_DATABASE_URL": anef_url.set(port=proxy.port).render_as_string(hide_password=False)}
        chain.process("connector").start("connector", "run", env=env)
        wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
        worker = chain.process("worker")
        worker.start("worker", env=env)
        with chain.agdref.begin() as conn:
            conn.execute(insert(legacy.etranger), [{**person_row(i, seed=7), "num_etranger": f"{i:010d}"}
                                                   for i in range(1, 11)])
        wait_for(lambda: _migrated(chain) == 10, 60, "the first persons")
        proxy.cut()
        with chain.agdref.begin() as conn:
            conn.execute(insert(legacy.etranger), [{**person_row(i, seed=7), "num_etranger": f"{i:010d}"}
                                                   for i in range(11, 31)])
        time.sleep(OUTAGE_SECONDS)  # ANEF unreachable: the worker must wait, not reject
        assert _migrated(chain) == 10
        assert worker.pid is not None, "the worker died instead of waiting"
        assert "pipeline.sink_unavailable" in worker.log_file.read_text()
        proxy.restore()
        wait_for(lambda: _migrated(chain) == 30, 90, "the lag to drain once ANEF is back")
        assert count_parked(chain.anef) == {}
        assert dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name)) == []
    finally:
        proxy.close()
