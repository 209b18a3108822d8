"""Debezium as a drop-in: real Kafka Connect running Debezium 3.6.1.Final's PostgreSQL connector
against the same AGDREF, and the same worker building a second ANEF from Debezium's topics. Both
ANEF databases end up identical, row for row."""
from __future__ import annotations

import socket

import orjson
from sqlalchemy import delete, func, insert, select, update

from cli.processes import Background
from common.db import engine
from common.kafka_admin import ensure_topics, read_to_end
from connectors import source, way_back_source
from connectors.debezium_config import way_back_configuration
from infra import connect
from infra.database import ensure_database, init_anef
from schemas import agdref_tables as legacy
from schemas.anef_tables import ANEF_TABLES, parked, titre, usager
from schemas.envelope import topic_name
from schemas.topics import declared, way_back_transaction_topic
from synthetic.seed import seed_population
from tests.integration.anef_native import permit, person
from tests.integration.conftest import Chain, drop_databases, settled, wait_for

PERMIT = dict(num_titre="Z000000001", num_etranger=None, num_demande="", type_titre="CR", mention="",
              date_debut_val="20260101", date_fin_val="20351231", date_remise="00000000", autor_travail="O",
              num_duplicata=0, lieu_delivrance="069", date_maj="20260101120000")

NATIVE = "9900000042"  # a person ANEF created (no AGDREF number looks like it in the seeded population)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _contents(db) -> dict[str, list]:
    """Every ANEF row outside parked dossiers, and the parked dossiers with their reasons. (A parked
    dossier keeps in ANEF the last state it was migrated with, which depends on the order rows
    arrived in: Debezium and our connector snapshot tables in different orders.)"""
    with db.connect() as conn:
        parked_numbers = dict(conn.execute(select(parked.c.numero_etranger, parked.c.reason)).all())
        contents = {t.name: sorted(tuple(tuple(v) if isinstance(v, list) else v for k, v in r.items() if k != "maj_le")
                                   for r in conn.execute(select(t)).mappings()
                                   if r["numero_etranger"] not in parked_numbers) for t in ANEF_TABLES}
    return {**contents, "parked": sorted(parked_numbers.items())}


def _live_permit(chain: Chain, prefix: str) -> dict:
    """The event of the permit inserted live (op c), as a prefix's connector published it."""
    for message in read_to_end(chain.infra.kafka_bootstrap, topic_name(prefix, "titre")):
        if message.value and b'"Z000000001"' in message.value:
            event = orjson.loads(message.value)
            if event["op"] == "c":
                return event
    raise AssertionError(f"no live permit event under {prefix}")


def _same_envelope(ours: dict, theirs: dict) -> None:
    """Field for field the same envelope; values the same but where schemas/envelope.py says why not."""
    assert set(ours) == set(theirs) and set(ours["source"]) == set(theirs["source"]), (ours, theirs)
    for field in ("op", "before", "after"):
        assert ours[field] == theirs[field], field
    differing = {"version", "name", "sequence"}  # the prefixes differ between the two streams
    assert {k: v for k, v in ours["source"].items() if k not in differing} == \
        {k: v for k, v in theirs["source"].items() if k not in differing}
    assert orjson.loads(ours["source"]["sequence"])[1] == orjson.loads(theirs["source"]["sequence"])[1]
    assert ours["transaction"]["id"].split(":")[0] == theirs["transaction"]["id"].split(":")[0]
    for event in (ours, theirs):
        assert event["ts_us"] // 1000 == event["ts_ms"] and event["ts_ns"] // 1000 == event["ts_us"]


def _the_way_backs_capture_publishes_what_debeziums_does(chain: Chain, theirs: str) -> None:
    """ANEF's own permit, published by `connector way-back` and by Debezium configured from
    deploy/debezium/anef-way-back.json's function: the same envelope on the same topic names; the
    migration's own rows (origine = 'AGDREF', written all along by the worker) in neither."""
    wait_for(lambda: source.slot_state(chain.anef, f"{theirs}_back").ready and
             source.slot_state(chain.anef, f"{chain.name}_back").ready, 120, "both way-back captures streaming")
    with chain.anef.begin() as conn:
        conn.execute(insert(usager), [person(NATIVE)])
        conn.execute(insert(titre), [permit("WEB0000001", NATIVE)])

    def events(prefix: str) -> list[dict]:
        return [orjson.loads(m.value) for m in read_to_end(chain.infra.kafka_bootstrap, topic_name(prefix, "titre", "anef"))
                if m.value]

    wait_for(lambda: events(chain.name) and events(theirs), 60, "the ANEF permit from both captures")
    [ours], [dbz] = events(chain.name), events(theirs)
    assert ours["after"]["origine"] == "ANEF"
    _same_envelope(ours, dbz)
    ends = [orjson.loads(m.value) for m in read_to_end(chain.infra.kafka_bootstrap, way_back_transaction_topic(theirs))
            if m.value]
    txid = dbz["transaction"]["id"].split(":")[0]  # Debezium 3.6 gives each message its own LSN after the txid
    [end] = [e for e in ends if e["status"] == "END" and e["id"].split(":")[0] == txid]
    assert end["event_count"] == 2, end  # the person and the permit, in one ANEF transaction


def test_the_worker_builds_the_same_anef_from_debeziums_events_as_from_ours(chain: Chain, tmp_path):
    seed_population(chain.agdref, 300, seed=41, processes=1)
    with chain.agdref.begin() as conn:  # one dossier parked for sure: the comparison covers the parking too
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == select(
            func.min(legacy.etranger.c.num_etranger)).where(legacy.etranger.c.ind_alias == "N").scalar_subquery())
            .values(nationalite="YU"))
    env = chain.environment
    chain.process("connector").start("connector", "run", env=env)
    chain.process("worker").start("worker", env=env)

    theirs = f"dbz{chain.name}"
    anef_url = chain.infra.database_url(f"anef_{theirs}")
    ensure_database(anef_url)
    anef_theirs = engine(anef_url)
    init_anef(anef_theirs)
    ensure_topics(chain.infra.kafka_bootstrap, [topic_name(theirs, t) for t in legacy.CAPTURED_TABLES], 3)
    # The way back's capture too (issue 18): ours, and Debezium's beside it on the same publication.
    way_back_source.prepare(chain.anef, env["WAY_BACK_PUBLICATION"], None)
    chain.process("way-back").start("connector", "way-back", env=env)
    back = way_back_configuration(connect.source_of(env["ANEF_DATABASE_URL"]), prefix=theirs, slot=f"{theirs}_back",
                                  publication=env["WAY_BACK_PUBLICATION"], topics=declared(theirs, 3))
    debezium = connect.start(tmp_path / "connect", name=theirs, agdref_url=env["AGDREF_DATABASE_URL"],
                             bootstrap=chain.infra.kafka_bootstrap, prefix=theirs, slot=theirs, rest_port=_free_port(),
                             more={f"{theirs}-back": back})
    worker = Background("worker-debezium", tmp_path)
    try:
        worker.start("worker", env={**env, "KAFKA_TOPIC_PREFIX": theirs, "ANEF_DATABASE_URL": anef_url,
                                    "WORKER_ID": f"worker-{theirs}"})
        wait_for(lambda: settled(chain.agdref, chain.anef) and settled(chain.agdref, anef_theirs), 240,
                 "both ANEF databases to hold the seeded dossiers")
        # Then changes while both stream: a decision with its permit in one transaction, a purge.
        with chain.agdref.begin() as conn:
            holder = conn.execute(select(legacy.etranger.c.num_etranger).where(legacy.etranger.c.ind_alias == "N")
                                  .order_by(legacy.etranger.c.num_etranger).limit(1)).scalar_one()
            conn.execute(insert(legacy.titre).values(**{**PERMIT, "num_etranger": holder}))
            conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == holder).values(sit_matrim="M"))
        with chain.agdref.begin() as conn:
            purged = conn.execute(select(legacy.etranger.c.num_etranger).where(legacy.etranger.c.ind_alias == "N")
                                  .order_by(legacy.etranger.c.num_etranger.desc()).limit(1)).scalar_one()
            for name in ("titre", "demande", "doc_provisoire", "mesure_eloignement", "adresse", "etranger"):
                table = legacy.metadata.tables[f"agdref.{name}"]
                conn.execute(delete(table).where(table.c.num_etranger == purged))
        wait_for(lambda: settled(chain.agdref, chain.anef) and settled(chain.agdref, anef_theirs), 120,
                 "both ANEF databases to follow the changes")
        _same_envelope(_live_permit(chain, chain.name), _live_permit(chain, theirs))
        ours_rows, theirs_rows = _contents(chain.anef), _contents(anef_theirs)
        assert sum(len(v) for v in ours_rows.values()) > 300 and ours_rows["parked"]
        differences = {t: (sorted(set(ours_rows[t]) - set(theirs_rows[t]))[:2], sorted(set(theirs_rows[t]) - set(ours_rows[t]))[:2])
                       for t in ours_rows if ours_rows[t] != theirs_rows[t]}
        assert not differences, differences
        _the_way_backs_capture_publishes_what_debeziums_does(chain, theirs)
    finally:
        worker.stop()
        debezium.kill()
        debezium.wait(timeout=30)
        source.drop(chain.agdref, theirs, theirs, control_tables=False)
        source.drop(chain.anef, f"{theirs}_back", f"{theirs}_back", control_tables=False)  # its slot (no such publication)
        anef_theirs.dispose()
        drop_databases(chain.infra, f"anef_{theirs}")
