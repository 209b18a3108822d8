"""Two rebuilds running side by side never leave a dossier in the state of the older alias graph.

A rebuild reads which numbers form a dossier (the alias graph), then locks and writes it. A
recording committed in between can move a number to another dossier; the rebuild must not write
what it read before that (the flake this file pins: a number left parked although its reference
had arrived and its dossier was migrated)."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from pipeline.sink import DossierSink
from schemas.anef_tables import parked, usager
from tests.integration.conftest import Chain
from tests.integration.test_sink import PERSON, _one, change

ALIAS, REFERENCE = "0000000001", "0000000002"  # the alias sorts first: its lock is taken first


def _waiting_on_advisory_locks(chain: Chain) -> int:
    with chain.anef.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar_one()


def _until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the rebuilds never reached the expected point"
        time.sleep(0.02)


def _in_thread(work) -> tuple[threading.Thread, list]:
    failures: list = []

    def run():
        try:
            work()
        except Exception as failure:  # noqa: BLE001 - reported by the test, not lost in the thread
            failures.append(failure)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures


def test_a_rebuild_that_read_the_alias_graph_before_a_reference_arrived_does_not_park_its_alias_again(chain: Chain):
    sink = DossierSink(chain.anef)
    alias = {**PERSON, "num_etranger": ALIAS, "ind_alias": "O", "num_etranger_ref": REFERENCE}
    sink.apply([change("etranger", 10, alias)])
    assert _one(chain, parked, ALIAS)["reason"] == "ALIAS_SANS_REFERENCE"

    with chain.anef.connect() as holder:
        # Hold the alias's lock: the first rebuild reads the graph (the alias alone) and waits.
        holder.execute(text("SELECT pg_advisory_lock(hashtextextended(:n, 0))"), {"n": ALIAS})
        stale, stale_failures = _in_thread(lambda: sink.rebuild({ALIAS}))
        _until(lambda: _waiting_on_advisory_locks(chain) == 1)
        # The reference arrives and its dossier (now holding the alias) is rebuilt.
        sink.record([change("etranger", 11, {**PERSON, "num_etranger": REFERENCE})])
        fresh, fresh_failures = _in_thread(lambda: sink.rebuild({REFERENCE}))
        _until(lambda: not fresh.is_alive() or _waiting_on_advisory_locks(chain) == 2)
        holder.execute(text("SELECT pg_advisory_unlock(hashtextextended(:n, 0))"), {"n": ALIAS})
        holder.commit()
    for thread in (stale, fresh):
        thread.join(timeout=30)
    assert not stale_failures and not fresh_failures
    assert _one(chain, parked, ALIAS) is None
    assert _one(chain, usager, REFERENCE)["numeros_alias"] == [ALIAS]
