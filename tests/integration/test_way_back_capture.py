"""The way back's capture (issue 18): the rows ANEF created, and only those, reach
<prefix>.anef.<table> in Debezium's envelope, whole transactions, and a killed capture loses none."""
from __future__ import annotations

import threading
from datetime import date

import orjson
from sqlalchemy import delete, insert, update

from common.kafka_admin import read_to_end
from connectors import source, way_back_source
from schemas.anef_tables import titre, usager
from schemas.envelope import ChangeEvent, topic_name
from schemas.topics import way_back_transaction_topic
from tests.integration.anef_native import permit, person
from tests.integration.conftest import Chain, wait_for


def _events(chain: Chain, table: str) -> list[ChangeEvent]:
    return [ChangeEvent.model_validate_json(m.value) for m in
            read_to_end(chain.infra.kafka_bootstrap, topic_name(chain.name, table, "anef")) if m.value is not None]


def _start(chain: Chain):
    capture = chain.process("way-back")
    capture.start("connector", "way-back", env=chain.environment)
    wait_for(lambda: source.slot_state(chain.anef, f"{chain.name}_back").ready, 60, "the way back's slot")
    return capture


def test_only_rows_anef_created_are_captured_in_debeziums_envelope_with_their_transaction(chain: Chain):
    _start(chain)
    assert set(way_back_source.published_filters(chain.anef, f"{chain.name}_back").values()) == {
        "(origine = 'ANEF'::text)"}
    with chain.anef.begin() as conn:  # one ANEF transaction: a migrated person, an online applicant, two permits
        conn.execute(insert(usager), [person("0000000001", "AGDREF"), person("0000000002", "ANEF")])
        conn.execute(insert(titre), [permit("T000000001", "0000000001", "AGDREF"),
                                     permit("T000000002", "0000000001", "ANEF")])
    with chain.anef.begin() as conn:
        conn.execute(update(titre).values(statut="REMIS", date_remise=date(2026, 1, 5)))  # both permits
    with chain.anef.begin() as conn:
        conn.execute(delete(titre).where(titre.c.numero_titre == "T000000002"))
    wait_for(lambda: len(_events(chain, "titre")) == 3, 30, "the ANEF permit's three changes")

    permits = _events(chain, "titre")
    assert [(e.op, (e.after or e.before or {})["numero_titre"]) for e in permits] == [
        ("c", "T000000002"), ("u", "T000000002"), ("d", "T000000002")]
    created = permits[0]
    assert created.source.schema_ == "anef" and created.source.table == "titre"
    assert created.after["date_debut"] == (date(2026, 1, 1) - date(1970, 1, 1)).days  # Debezium's io.debezium.time.Date
    assert created.after["maj_le"] == "2026-06-01T10:00:00.123450Z"                   # ZonedTimestamp, UTC
    assert permits[1].before["statut"] == "DISPONIBLE" and permits[1].after["date_remise"] is not None
    [captured] = _events(chain, "usager")
    assert captured.after["numero_etranger"] == "0000000002" and captured.after["prenoms"] == ["JEAN", "MARIE CLAIRE"]

    ends = [orjson.loads(m.value) for m in read_to_end(chain.infra.kafka_bootstrap,
                                                        way_back_transaction_topic(chain.name))]
    first_end = next(e for e in ends if e["status"] == "END")
    assert first_end["event_count"] == 2 and sorted(c["data_collection"] for c in first_end["data_collections"]) == [
        "anef.titre", "anef.usager"]
    assert not list(read_to_end(chain.infra.kafka_bootstrap, f"{chain.name}.transaction")), \
        "ANEF's transactions never reach the forward worker's transaction topic"


def test_a_capture_killed_while_anef_writes_loses_none_of_its_rows(chain: Chain):
    _start(chain)
    with chain.anef.begin() as conn:
        conn.execute(insert(usager), [person("0000000002", "ANEF")])
    written: list[str] = []

    def anef_writes() -> None:
        for i in range(300):
            key = f"T{i:09d}"
            with chain.anef.begin() as conn:
                conn.execute(insert(titre), [permit(key, "0000000002", "ANEF")])
            written.append(key)

    writer = threading.Thread(target=anef_writes)
    writer.start()
    wait_for(lambda: len(written) >= 100, 30, "ANEF to write a third of its permits")
    chain.kill("way-back")
    writer.join(60)
    _start(chain)
    wait_for(lambda: {e.after["numero_titre"] for e in _events(chain, "titre")} >= set(written), 60,
             "every permit ANEF wrote, after the restart")
    events = _events(chain, "titre")
    by_key: dict[str, set[int]] = {}
    for event in events:
        by_key.setdefault(event.after["numero_titre"], set()).add(event.position)
    assert len(written) == 300 and all(len(positions) == 1 for positions in by_key.values()), \
        "a permit sent twice is the same event again (same position), never a second change"
