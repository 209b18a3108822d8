"""Dossiers wait for whole legacy transactions and for settled snapshots, against a real PostgreSQL."""
from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import text

from pipeline.actions import TransactionEnd
from pipeline.sink import DossierSink
from schemas.anef_tables import titre, usager
from tests.integration.conftest import Chain
from tests.integration.test_sink import _one, permit, person

TX = "4242:123456"


def test_a_dossier_is_not_rebuilt_until_every_event_of_its_legacy_transaction_is_recorded(chain: Chain):
    sink = DossierSink(chain.anef, transaction_wait_seconds=60)
    sink.apply([person(10)])
    first_half = replace(permit(20), transaction=TX)
    second_half = replace(permit(21, num_titre="T000000002"), transaction=TX)
    result = sink.apply([first_half], [TransactionEnd(TX, 2)])
    assert (result.applied, result.rebuilt) == (1, 0)
    assert _one(chain, titre, "T000000001", "numero_titre") is None
    result = sink.apply([second_half])
    assert result.rebuilt == 1
    assert _one(chain, titre, "T000000001", "numero_titre") is not None
    assert _one(chain, titre, "T000000002", "numero_titre") is not None


def test_the_end_marker_may_arrive_after_the_events(chain: Chain):
    sink = DossierSink(chain.anef, transaction_wait_seconds=60)
    assert sink.apply([replace(person(10), transaction=TX)]).rebuilt == 0  # the marker is not there yet
    assert sink.apply([], [TransactionEnd(TX, 1)]).rebuilt == 1
    assert _one(chain, usager, "0000000001") is not None


def test_a_transaction_whose_marker_never_comes_delays_its_dossiers_but_does_not_block_them(chain: Chain):
    sink = DossierSink(chain.anef, transaction_wait_seconds=1)
    assert sink.apply([replace(person(10), transaction=TX)]).rebuilt == 0
    time.sleep(1.2)
    assert sink.apply([]).rebuilt == 1


def test_a_replayed_event_does_not_count_twice_towards_its_transaction(chain: Chain):
    sink = DossierSink(chain.anef, transaction_wait_seconds=60)
    event = replace(person(10), transaction=TX)
    sink.apply([event])
    sink.apply([event])  # read again after a restart: already kept, not a second event of the transaction
    assert sink.apply([], [TransactionEnd(TX, 2)]).rebuilt == 0


def test_snapshot_reads_let_the_dossier_settle_but_a_live_change_is_rebuilt_at_once(chain: Chain):
    sink = DossierSink(chain.anef, settle_seconds=1)
    assert sink.apply([replace(person(10), snapshot=True)]).rebuilt == 0
    assert sink.apply([replace(permit(11), snapshot=True)]).rebuilt == 0   # still settling: one rebuild later
    time.sleep(1.2)
    assert sink.apply([]).rebuilt == 1
    assert sink.apply([person(12, nom="MARTIN")]).rebuilt == 1
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "MARTIN"


def test_housekeeping_forgets_a_transaction_that_never_completed_and_counts_the_waiting(chain: Chain):
    sink = DossierSink(chain.anef, transaction_wait_seconds=0.5)
    sink.record([replace(person(10), transaction=TX)])
    assert sink.housekeeping() == 1  # one dossier waits; the transaction is young
    time.sleep(1.2)
    sink.housekeeping()
    with chain.anef.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM migration.legacy_transaction")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM migration.transaction_member")).scalar_one() == 0


def test_a_recording_rebuilds_in_its_own_transaction_what_it_made_ready_and_nothing_else(chain: Chain):
    sink = DossierSink(chain.anef, settle_seconds=60, transaction_wait_seconds=60)
    assert sink.record([replace(person(10), snapshot=True)], rebuild_limit=100).rebuilt == 0  # settling
    assert sink.record([replace(permit(20), transaction=TX)], rebuild_limit=100).rebuilt == 0  # no marker yet
    assert _one(chain, usager, "0000000001") is None
    result = sink.record([], [TransactionEnd(TX, 1)], rebuild_limit=100)  # the marker completes it
    assert result.rebuilt == 1 and len(result.waited) == 1 and "0000000001" in result.published
    assert _one(chain, titre, "T000000001", "numero_titre") is not None
    assert sink.housekeeping() == 0  # its mark is gone with the rebuild
