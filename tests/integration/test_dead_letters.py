"""A message that is not a change event becomes a dead letter with its origin, never an exception
that Faust would acknowledge and lose; it can be listed, and the stream goes on."""
from __future__ import annotations

import os
import subprocess
import sys

from kafka import KafkaProducer
from sqlalchemy import insert, select

from common.kafka_admin import ensure_topics
from pipeline.rejects import dead_letters
from schemas import agdref_tables as legacy
from schemas.anef_tables import usager
from schemas.envelope import topic_name
from schemas.topics import dead_letter_topic
from synthetic.persons import person_row
from tests.integration.conftest import Chain, wait_for


def test_a_malformed_event_is_dead_lettered_with_its_origin_and_the_stream_goes_on(chain: Chain):
    env = chain.environment
    topic = topic_name(chain.name, "titre")
    ensure_topics(chain.infra.kafka_bootstrap, [topic_name(chain.name, t) for t in legacy.CAPTURED_TABLES], 3)
    producer = KafkaProducer(bootstrap_servers=chain.infra.kafka_bootstrap)
    sent = producer.send(topic, key=b'{"num_titre":"BAD"}', value=b"{not json").get(timeout=10)
    producer.close()
    chain.process("connector").start("connector", "run", env=env)
    chain.process("worker").start("worker", env=env)
    with chain.agdref.begin() as conn:
        conn.execute(insert(legacy.etranger).values(**{**person_row(1, seed=3), "num_etranger": "0000000077"}))

    def person_arrived() -> bool:
        with chain.anef.connect() as conn:
            return conn.execute(select(usager.c.numero_etranger).where(usager.c.numero_etranger == "0000000077")).first() is not None

    wait_for(person_arrived, 60, "the stream to go on after the bad message")
    wait_for(lambda: len(dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name))) == 1, 30,
             "the dead letter")
    [(origin, reason, error, key, value)] = dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name))
    assert (origin.topic, origin.partition, origin.offset) == (topic, sent.partition, sent.offset)
    assert (reason, key, value) == ("EVENEMENT_ILLISIBLE", b'{"num_titre":"BAD"}', b"{not json")
    listed = subprocess.run([sys.executable, "-m", "cli", "rejects", "list", "--kind", "technical"],
                            env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    assert f"{topic}[{sent.partition}]@{sent.offset}  EVENEMENT_ILLISIBLE" in listed and "1 dead letter(s)" in listed


def test_a_spike_of_rejections_stops_the_worker_instead_of_dead_lettering_the_stream(chain: Chain):
    env = {**chain.environment, "MAX_REJECTION_RATE": "0.5", "REJECTION_WINDOW": "50", "REJECTION_MINIMUM": "20"}
    topic = topic_name(chain.name, "etranger")
    ensure_topics(chain.infra.kafka_bootstrap, [topic_name(chain.name, t) for t in legacy.CAPTURED_TABLES], 3)
    producer = KafkaProducer(bootstrap_servers=chain.infra.kafka_bootstrap)
    for i in range(60):  # what a bad deploy of the connector could produce
        producer.send(topic, key=b'{"num_etranger":"%d"}' % i, value=b'{"op": "c"}')
    producer.flush()
    producer.close()
    worker = chain.process("worker")
    worker.start("worker", env=env)
    wait_for(lambda: worker.pid is None, 60, "the worker to stop on its own")
    log = worker.log_file.read_text()
    assert "stopping rather than dead-lettering the stream" in log
    assert len(dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name))) < 60
