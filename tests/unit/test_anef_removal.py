"""A rebuild's removals are one statement that never deletes a row ANEF created, and only the parts
a write needs are in it (what they delete is shown against PostgreSQL by tests/integration/test_sink.py)."""
import re

from pipeline.anef_removal import Removal, removal_sql
from schemas.anef_tables import attestation, demande, mesure_eloignement, titre

KEPT = {titre: ["T1"], demande: [], attestation: [], mesure_eloignement: []}


def test_nothing_to_remove_is_no_statement():
    assert removal_sql(Removal(owners=[], kept=KEPT)) == ("", {})


def test_every_part_on_anefs_tables_deletes_migrated_rows_only():
    sql, _ = removal_sql(Removal(owners=["0000000001"], kept=KEPT, persons=["0000000002"]))
    parts = re.findall(r"DELETE FROM anef\.\w+ t WHERE ([^)]*)", sql)
    assert len(parts) == 5  # four child tables and usager
    assert all(p.startswith("t.origine = 'AGDREF'") for p in parts)


def test_a_rebuild_keeps_the_rows_it_just_wrote_and_forgets_the_digests_of_those_it_deleted():
    sql, params = removal_sql(Removal(owners=["0000000001"], kept=KEPT))
    assert "t.numero_titre <> ALL(CAST(:kept0 AS CHAR(10)[]))" in sql
    assert params["kept0"] == ["T1"] and params["owners"] == ["0000000001"]
    assert sql.index("DELETE FROM migration.written") > sql.rindex("gone3 AS")


def test_a_first_write_of_a_dossier_with_an_alias_removes_only_the_aliass_person_row():
    sql, params = removal_sql(Removal(owners=[], kept=KEPT, persons=["0000000002"], unmapped=["0000000002"]))
    assert "anef.titre" not in sql and "migration.not_carried" not in sql and "migration.parked" not in sql
    assert "DELETE FROM anef.usager" in sql and "DELETE FROM migration.mapped_with" in sql
    assert set(params) == {"persons", "unmapped"}


def test_bookkeeping_alone_still_forgets_no_digest():
    sql, _ = removal_sql(Removal(owners=[], kept=KEPT, not_carried=["0000000001"], parked=["0000000001"]))
    assert "WHERE false" in sql and "anef." not in sql
