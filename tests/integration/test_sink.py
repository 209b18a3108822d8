"""The ANEF sink against a real PostgreSQL: idempotent, ordered by legacy position, and blind to
rows created in ANEF."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select

from pipeline.actions import ErasePerson, Park, SourceRow, UpsertPerson
from pipeline.sink import AnefSink
from schemas.anef_models import Usager
from schemas.anef_tables import lineage, parked, usager
from schemas.rejections import Reason, Remediation
from tests.integration.conftest import Chain

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _person(numero: str, nom: str, origine: str = "AGDREF") -> Usager:
    return Usager(numero_etranger=numero, nom_naissance=nom, prenoms=[], sexe="F", precision_naissance="INCONNUE",
                  nationalite="MAR", prefecture="75", statut="ACTIF", origine=origine, maj_le=NOW)


def _row(numero: str, position: int) -> SourceRow:
    return SourceRow("etranger", numero, numero, position, 0)


def _name(chain: Chain, numero: str) -> str | None:
    with chain.anef.connect() as conn:
        return conn.execute(select(usager.c.nom_naissance).where(usager.c.numero_etranger == numero)).scalar()


def test_applying_the_same_batch_twice_changes_nothing_the_second_time(chain: Chain):
    sink = AnefSink(chain.anef)
    batch = [UpsertPerson(_row("0000000001", 10), _person("0000000001", "A"))]
    assert sink.apply(batch).applied == 1
    second = sink.apply(batch)
    assert (second.applied, second.skipped_as_replay) == (0, 1)


def test_an_older_change_never_replaces_a_newer_one(chain: Chain):
    sink = AnefSink(chain.anef)
    sink.apply([UpsertPerson(_row("0000000002", 20), _person("0000000002", "NEWER"))])
    sink.apply([UpsertPerson(_row("0000000002", 15), _person("0000000002", "OLDER"))])
    assert _name(chain, "0000000002") == "NEWER"


def test_an_erased_person_is_not_resurrected_by_a_replayed_insert(chain: Chain):
    sink = AnefSink(chain.anef)
    sink.apply([UpsertPerson(_row("0000000003", 30), _person("0000000003", "X")), ErasePerson(_row("0000000003", 31))])
    sink.apply([UpsertPerson(_row("0000000003", 30), _person("0000000003", "X"))])
    assert _name(chain, "0000000003") is None
    with chain.anef.connect() as conn:
        assert conn.execute(select(lineage.c.deleted).where(lineage.c.source_key == "0000000003")).scalar_one()


def test_a_person_created_in_anef_is_never_overwritten_or_deleted(chain: Chain):
    with chain.anef.begin() as conn:
        conn.execute(insert(usager).values(**_person("0000000004", "CREE EN LIGNE", origine="ANEF").model_dump()))
    sink = AnefSink(chain.anef)
    sink.apply([UpsertPerson(_row("0000000004", 40), _person("0000000004", "LEGACY"))])
    assert _name(chain, "0000000004") == "CREE EN LIGNE"
    sink.apply([ErasePerson(_row("0000000004", 41))])
    assert _name(chain, "0000000004") == "CREE EN LIGNE"


def test_a_parked_row_leaves_the_parking_once_it_migrates(chain: Chain):
    sink = AnefSink(chain.anef)
    why = (Remediation(Reason.DATE_INEXISTANTE, "date_nais", "not a day of the calendar"),)
    sink.apply([Park(_row("0000000005", 50), why, b"{}")])
    with chain.anef.connect() as conn:
        assert conn.execute(select(parked.c.reason).where(parked.c.source_key == "0000000005")).scalar() == \
            "DATE_INEXISTANTE"
    sink.apply([UpsertPerson(_row("0000000005", 51), _person("0000000005", "FIXED"))])
    with chain.anef.connect() as conn:
        assert conn.execute(select(parked.c.reason).where(parked.c.source_key == "0000000005")).scalar() is None
    assert _name(chain, "0000000005") == "FIXED"
