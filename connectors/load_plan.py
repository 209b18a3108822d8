"""Planning the initial load: AGDREF's owners' numbers cut into consecutive key ranges, handed to
the workers through ``<prefix>.pipeline.initial-load`` (one message per range; the topic's
partitions share them among the workers, on any number of machines).

The cut is fixed when the load is requested (``agdref_anef.initial_load``): a connector that
stops half-way through publishing publishes the same ranges again at its next start, and a range
published twice is written once (``pipeline.range_writer`` claims it). The workers read each range
at a consistent snapshot of their own (``pipeline.range_reader``): the plan needs no snapshot,
only ranges that cover every number. Blocking.
"""
from __future__ import annotations

import uuid

import orjson
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from common.log import get_logger
from schemas.agdref_tables import SCHEMA
from schemas.control_tables import CONTROL_SCHEMA
from schemas.key_range import KeyRange

log = get_logger(__name__)

DEFAULT_PERSONS_PER_RANGE = 2_000


def cut(boundaries: list[str], load_id: str) -> list[KeyRange]:
    """Consecutive ranges from the boundaries (each starts one range): the first from nothing,
    the last to nothing, so every number, even one sorting before all others, is in one."""
    edges: list[str | None] = [None, *boundaries, None]
    count = len(edges) - 1
    return [KeyRange(load_id, i, count, edges[i], edges[i + 1]) for i in range(count)]


def request_once(db: Engine, persons_per_range: int = DEFAULT_PERSONS_PER_RANGE, partitions: int = 1) -> str:
    """Plan a load unless one is planned and not yet published (a connector that stopped before
    publishing it); returns the load's id."""
    from migrations import versions

    versions.upgrade(db, "agdref")  # the control table, before the connector's own preparation
    with db.connect() as conn:
        waiting = conn.execute(text(f"SELECT load_id FROM {CONTROL_SCHEMA}.initial_load WHERE published_at IS NULL"
                                    " ORDER BY requested_at LIMIT 1")).scalar()
    return waiting or request(db, persons_per_range, partitions)


def ranges_for(persons: int, persons_per_range: int, partitions: int) -> int:
    """How many ranges: about ``persons_per_range`` persons each, and a multiple of the
    partitions they are dealt round, so that every partition gets as many (a worker holds whole
    partitions: with 21 ranges on 6 partitions, two workers got 12 and 9, and one loaded the
    last seventh alone)."""
    wanted = max(1, -(-persons // max(1, persons_per_range)))
    return -(-wanted // partitions) * partitions


def request(db: Engine, persons_per_range: int = DEFAULT_PERSONS_PER_RANGE, partitions: int = 1) -> str:
    """Plan a load over AGDREF as it is now; returns its id. The boundaries cut the persons'
    numbers into ``ranges_for`` ranges of equal size (an index-only scan of ``etranger``'s key)."""
    load_id = f"load-{uuid.uuid4().hex[:12]}"
    with db.begin() as conn:
        persons = conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.etranger")).scalar_one()
        count = ranges_for(persons, persons_per_range, partitions)
        firsts = sorted({i * persons // count + 1 for i in range(1, count)} - {1})  # each range's first person
        boundaries = list(conn.execute(text(
            f"SELECT num_etranger FROM (SELECT num_etranger, row_number() OVER (ORDER BY num_etranger) AS n"
            f" FROM {SCHEMA}.etranger) AS numbered WHERE n = ANY(:firsts) ORDER BY num_etranger"),
            {"firsts": firsts}).scalars())
        conn.execute(text(f"INSERT INTO {CONTROL_SCHEMA}.initial_load (load_id, boundaries) VALUES (:l, :b)"),
                     {"l": load_id, "b": orjson.dumps(boundaries).decode()})
    log.info("connector.initial_load_planned", load=load_id, ranges=len(boundaries) + 1)
    return load_id


def publish_unpublished(db: Engine, bootstrap_servers: str, topic: str) -> int:
    """Publish every planned load not yet wholly in Kafka; returns the ranges published. Raises
    kafka-python's errors when Kafka does not acknowledge them (the load stays unpublished)."""
    with db.connect() as conn:
        loads = conn.execute(text(f"SELECT load_id, boundaries FROM {CONTROL_SCHEMA}.initial_load"
                                  " WHERE published_at IS NULL ORDER BY requested_at")).all()
    if not loads:
        return 0
    published = 0
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=5)
    try:
        for load_id, boundaries in loads:
            ranges = cut(list(boundaries), load_id)
            # Dealt round the partitions, not hashed by key: each worker reads a fixed set of
            # partitions, and hashing gave one of two workers 12 ranges of 21 and the other 5
            # (it then sat idle for the last third of the load).
            partitions = sorted(producer.partitions_for(topic))
            sent = [producer.send(topic, key=f"{load_id}:{r.index}".encode(), value=r.to_json(),
                                  partition=partitions[r.index % len(partitions)]) for r in ranges]
            producer.flush()
            for future in sent:  # raises the send's error: the load stays unpublished, published again later
                future.get(timeout=60)
            with db.begin() as conn:
                conn.execute(text(f"UPDATE {CONTROL_SCHEMA}.initial_load SET published_at = now() WHERE load_id = :l"),
                             {"l": load_id})
            published += len(ranges)
            log.info("connector.initial_load_published", load=load_id, ranges=len(ranges))
    finally:
        producer.close()
    return published
