"""The initial load's pure part: what a range's rows become."""
from __future__ import annotations

from datetime import UTC, date, datetime

from connectors.load_plan import cut
from domain.dossier import DossierMapped, DossierRejected
from pipeline.initial_load import DIGEST, prepare
from schemas.fingerprint import row_digest
from schemas.key_range import KeyRange

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
RANGE = KeyRange("load-1", 0, 3, "0100000000", "0200000000")
POSITION = 7 << 64


def person(number: str, **changes) -> dict:
    row = {"num_etranger": number, "nom": "DUPONT", "nom_usage": "", "prenoms": "JEAN", "sexe": "M",
           "date_nais": "19800101", "pays_nais": "212", "ville_nais": "CASABLANCA", "nationalite": "212",
           "nom_pere": "INC", "nom_mere": "INC", "prenom_pere": "", "prenom_mere": "", "sit_matrim": "C",
           "date_entree": "20100101", "cond_entree": "N", "ind_alias": "N", "num_etranger_ref": None,
           "code_dept": "075", "date_naturalisation": "00000000", "date_maj": "20200101120000"}
    return {**row, **changes}


def titre(number: str, key: str, **changes) -> dict:
    row = {"num_titre": key, "num_etranger": number, "num_demande": "", "type_titre": "CST", "mention": "SALARIE",
           "date_debut_val": "20260101", "date_fin_val": "20261231", "date_remise": "20260105",
           "autor_travail": "O", "num_duplicata": 0, "lieu_delivrance": "075", "date_maj": "20260105120000"}
    return {**row, **changes}


def rows(**tables) -> dict:
    found = {t: [] for t in ("etranger", "adresse", "demande", "titre", "doc_provisoire", "mesure_eloignement")}
    found.update(tables)
    return found


def test_a_whole_dossier_of_the_range_is_mapped_in_memory_and_kept_at_the_snapshot_position():
    done = prepare(rows(etranger=[person("0100000001")], titre=[titre("0100000001", "T000000001")]), set(), RANGE,
                   POSITION, AT, date(2026, 11, 30))
    assert [d.root for d in done.dossiers] == ["0100000001"] and done.deferred == [] and done.refused == []
    assert isinstance(done.dossiers[0].outcome, (DossierMapped, DossierRejected))
    kept = {(r["source_table"], r["source_key"]): r for r in done.kept_rows}
    assert set(kept) == {("etranger", "0100000001"), ("titre", "T000000001")}
    assert {r["position"] for r in kept.values()} == {POSITION}
    assert kept[("titre", "T000000001")]["digest"] == row_digest("titre", titre("0100000001", "T000000001"))


def test_the_readers_fingerprint_is_kept_as_it_came():
    row = {**person("0100000001"), DIGEST: "f" * 32}
    done = prepare(rows(etranger=[row]), set(), RANGE, POSITION, AT)
    assert done.kept_rows[0]["digest"] == "f" * 32 and DIGEST not in done.kept_rows[0]["row"]


def test_aliases_the_persons_they_point_to_and_odd_numbers_are_left_to_the_rebuild():
    alias = person("0100000002", ind_alias="O", num_etranger_ref="0100000003")
    done = prepare(rows(etranger=[person("0100000001"), alias, person("0100000003"), person("100000004 "),
                                  person("0100000005")],
                        titre=[titre("", "T000000009")]),
                   {"0100000005"}, RANGE, POSITION, AT)
    assert [d.root for d in done.dossiers] == ["0100000001"]
    deferred = {(c.table, c.numero) for c in done.deferred}
    # the alias, its reference, a 9-digit number (its other records may sort elsewhere), a person
    # an alias elsewhere points to, a row without an owner
    assert deferred == {("etranger", "0100000002"), ("etranger", "0100000003"), ("etranger", "0100000004"),
                        ("etranger", "0100000005"), ("titre", "")}
    assert all(c.snapshot and c.position == POSITION for c in done.deferred)
    assert next(c for c in done.deferred if c.numero == "0100000002").alias_of == "0100000003"


def test_a_row_without_its_tables_shape_is_refused_not_mapped():
    done = prepare(rows(etranger=[person("0100000001")], titre=[titre("0100000001", "T000000001", num_duplicata="x")]),
                   set(), RANGE, POSITION, AT)
    assert [(r.table, r.row["num_titre"]) for r in done.refused] == [("titre", "T000000001")]
    assert "num_duplicata" in done.refused[0].error
    assert {r["source_table"] for r in done.kept_rows} == {"etranger"}


def test_a_dossier_already_kept_moves_to_the_deferred_rows_whole():
    done = prepare(rows(etranger=[person("0100000001"), person("0100000006")],
                        titre=[titre("0100000001", "T000000001")]), set(), RANGE, POSITION, AT)
    moved = done.without({"0100000001"})
    assert [d.root for d in moved.dossiers] == ["0100000006"]
    assert {(c.table, c.key) for c in moved.deferred} == {("etranger", "0100000001"), ("titre", "T000000001")}
    assert {r["numero_etranger"] for r in moved.kept_rows} == {"0100000006"}


def test_a_plan_covers_every_number_with_consecutive_ranges():
    ranges = cut(["0200", "0500"], "load-x")
    assert [(r.low, r.high) for r in ranges] == [(None, "0200"), ("0200", "0500"), ("0500", None)]
    assert {r.count for r in ranges} == {3}
    for number in ("", "0000", "0199", "0200", "0499", "0500", "9999"):
        assert sum(r.holds(number) for r in ranges) == 1
    assert KeyRange.from_json(ranges[1].to_json()) == ranges[1]


def test_a_load_is_cut_into_a_multiple_of_the_partitions():
    from connectors.load_plan import ranges_for

    assert ranges_for(40_000, 2_000, 6) == 24          # 20 wanted, rounded up to 4 per partition
    assert ranges_for(36_000, 2_000, 6) == 18
    assert ranges_for(10, 2_000, 3) == 3               # a small load still reaches every partition
    assert ranges_for(7_000_000, 2_000, 1) == 3_500
