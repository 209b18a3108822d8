"""Writing a prepared key range of the initial load into ANEF, next to what the stream kept."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select, text

from pipeline import conflicts, range_writer
from pipeline.initial_load import prepare
from pipeline.sink import DossierSink
from schemas.anef_tables import titre
from schemas.key_range import KeyRange
from tests.integration.conftest import Chain
from tests.integration.test_sink import PERMIT, PERSON, change, permit, person

RANGE = KeyRange("load-1", 0, 1, None, None)
SNAPSHOT = 100 << 64   # above every position the stream gives below
READ_AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TABLES = ("etranger", "adresse", "demande", "titre", "doc_provisoire", "mesure_eloignement")


def _titres(chain: Chain, numero: str) -> list[str]:
    with chain.anef.connect() as conn:
        return sorted(conn.execute(select(titre.c.numero_titre).where(titre.c.numero_etranger == numero)).scalars())


def test_a_range_writes_new_dossiers_first_and_leaves_one_already_migrated_to_the_rebuild(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(10), permit(11), permit(12, num_titre="T000000002")])  # migrated by the stream
    legacy = {t: [] for t in TABLES} | {
        "etranger": [dict(PERSON), {**PERSON, "num_etranger": "0000000002", "nom": "MARTIN"}],
        "titre": [dict(PERMIT), {**PERMIT, "num_titre": "T000000003", "num_etranger": "0000000002"}]}
    written = range_writer.write(chain.anef, RANGE, prepare(legacy, set(), RANGE, SNAPSHOT, READ_AT), SNAPSHOT, "w")

    # Only the dossier ANEF never had is written from memory; the other goes through the rebuild,
    # which makes it from the merged kept state: its second permit's delete has not come yet.
    assert (written.mapped, written.deferred_rows) == (1, 2)
    assert _titres(chain, "0000000002") == ["T000000003"]
    sink.rebuild_ready()
    assert _titres(chain, "0000000001") == ["T000000001", "T000000002"]
    sink.apply([change("titre", 13, None, key_row={**PERMIT, "num_titre": "T000000002"})])
    assert _titres(chain, "0000000001") == ["T000000001"]

    # A dossier written first is remembered like any other: an edit made in ANEF afterwards is seen.
    with chain.anef.begin() as conn:
        assert conflicts.changed_in_anef(conn, ["0000000001", "0000000002"]) == {}
        conn.execute(text("UPDATE anef.titre SET mention = 'EDITED IN ANEF' WHERE numero_titre = 'T000000003'"))
        assert conflicts.changed_in_anef(conn, ["0000000002"]) == {"0000000002": ["titre:T000000003"]}


def test_a_recording_waits_while_a_range_is_written_so_it_never_races_the_range(chain: Chain):
    sink = DossierSink(chain.anef)
    done = threading.Event()
    with chain.anef.begin() as writing_range:  # holds the load gate alone, as a range being written does
        writing_range.execute(text(range_writer.GATE_ALONE))
        recording = threading.Thread(target=lambda: (sink.record([person(10)]), done.set()))
        recording.start()
        assert not done.wait(1.0)  # the recording waits for the range
    recording.join(10)
    assert done.is_set()
