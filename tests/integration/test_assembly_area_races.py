"""Two recordings of the same legacy row racing never leave the older state kept.

``mirror.record`` reads the kept state of its rows (``SELECT … FOR UPDATE``) before it writes
them. A row not kept yet cannot be locked: another transaction may insert it meanwhile, and the
write then meets that row on its key. The flake this file pins (the initial load's kill test, 1
run in ~60): a range's snapshot rows, recorded for a deferred dossier, overwrote the deletes of
that person that a live recording had committed in between (the purge's transaction was not
complete yet, so its recording did not wait for the load gate); the person stayed in ANEF."""
from __future__ import annotations

import time

from sqlalchemy import select, text

from pipeline import mirror
from pipeline.actions import RowChange
from schemas.anef_tables import legacy_row
from tests.integration.conftest import Chain
from tests.integration.test_concurrent_rebuilds import _in_thread, _until

PERSON = "0000000042"
OLDER, NEWER = 100 << 64, 200 << 64


def _waiting_on_a_transaction(chain: Chain) -> int:
    with chain.anef.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted")
                            ).scalar_one()


def _person(position: int, deleted: bool) -> RowChange:
    return RowChange("etranger", PERSON, PERSON, position, int(time.time() * 1000),
                     None if deleted else {"num_etranger": PERSON, "nom": "DUPONT"}, snapshot=not deleted)


def test_an_older_state_written_while_a_newer_one_commits_does_not_overwrite_it(chain: Chain):
    newer = chain.anef.connect()
    transaction = newer.begin()
    mirror.record(newer, [_person(NEWER, deleted=True)])  # inserted, not committed yet

    def older():  # its read finds nothing kept, then its write waits for the newer one
        with chain.anef.begin() as conn:
            mirror.record(conn, [_person(OLDER, deleted=False)])

    thread, failures = _in_thread(older)
    _until(lambda: _waiting_on_a_transaction(chain) == 1)
    transaction.commit()
    newer.close()
    thread.join(30)
    assert not failures, failures
    with chain.anef.connect() as conn:
        kept = conn.execute(select(legacy_row.c.position, legacy_row.c.deleted)
                            .where(legacy_row.c.source_key == PERSON)).one()
    assert (int(kept.position), kept.deleted) == (NEWER, True)
