"""A rebuild claims the entries it picked without blocking the recordings that touch them again.

The record step is serial (one per worker): while it waited for the entries a rebuild held (row
locks, until the rebuild committed), nothing else was recorded, and freshness grew with the
rebuild's length (docs/performance.md, stop 30). Claims are advisory locks now; a recording that
touches a claimed entry commits at once, and the entry survives the rebuild to be rebuilt again."""
from __future__ import annotations

from sqlalchemy import text

from pipeline import pending
from pipeline.sink import DossierSink
from schemas.anef_tables import usager
from tests.integration.conftest import Chain
from tests.integration.test_concurrent_rebuilds import _in_thread
from tests.integration.test_sink import _one, person


def _pick(conn, limit: int) -> list[pending.Waiting]:
    return pending.pick(conn, limit, wait_seconds=60, settle_seconds=0, max_wait_seconds=60)


def test_a_recording_touching_an_entry_a_rebuild_holds_commits_at_once_and_the_entry_is_rebuilt_again(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.record([person(10)])
    with chain.anef.connect() as rebuild:
        held = rebuild.begin()
        picked = _pick(rebuild, 10)
        assert [w.numero for w in picked] == ["0000000001"]
        thread, failures = _in_thread(lambda: sink.record([person(20, nom="NDIAYE")]))
        thread.join(10)
        assert not thread.is_alive(), "the recording waited for the rebuild's claim"
        assert not failures, failures
        pending.done(rebuild, picked)  # the version it picked is gone: the recording's stays
        held.commit()
    assert sink.housekeeping() == 1
    assert sink.rebuild_ready().rebuilt == 1
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "NDIAYE"
    assert sink.housekeeping() == 0


def test_two_rebuilds_side_by_side_never_pick_the_same_entry(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.record([person(10 + i, num_etranger=f"000000000{i}") for i in range(1, 6)])
    with chain.anef.connect() as first, chain.anef.connect() as second:
        first.begin()
        second.begin()
        one = {w.numero for w in _pick(first, 2)}
        other = {w.numero for w in _pick(second, 10)}
        assert len(one) == 2 and len(other) == 3 and not one & other
        first.rollback()  # a rebuild that fails releases its claims with its transaction
        assert {w.numero for w in _pick(second, 10)} == one | other


def test_a_rebuild_removes_the_entries_it_rebuilt_and_only_those(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.record([person(10 + i, num_etranger=f"000000000{i}") for i in range(1, 4)])
    with chain.anef.begin() as conn:
        pending.done(conn, _pick(conn, 2))
    with chain.anef.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM migration.pending")).scalar_one()
    assert left == 1


def test_a_rebuild_that_picked_an_entry_since_removed_and_marked_again_leaves_the_new_one(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.record([person(10)])
    with chain.anef.begin() as conn:
        stale = _pick(conn, 10)  # read, then its claim released: another rebuild may take the entry
    with chain.anef.begin() as conn:
        pending.done(conn, _pick(conn, 10))  # the other rebuild removes it
    sink.record([person(20, nom="NDIAYE")])  # marked again: a new entry, its counter at 1 again
    with chain.anef.begin() as conn:
        pending.done(conn, stale)
    assert sink.housekeeping() == 1, "a stale pick removed a mark it never rebuilt"
