"""A mapping change deployed without a replay is not invisible: the reconciliation counts the
dossiers an older mapping made, compares them in depth, reports those ANEF holds differently, and
`agdref-anef rebuild --outdated-mapping` rebuilds them with the running rules; until then the
go/no-go's current-mapping criterion fails."""
from __future__ import annotations

import json
from datetime import date

from domain.version import mapping_version
from pipeline import conflicts
from reconciliation.divergence import Kind
from tests.integration.conftest import Chain
from tests.integration.test_reconciliation import _anef, _cli, _plain_persons, _start

OLDER = "0ld0ma99in9s"


def _pretend_an_older_mapping_made_everything(chain: Chain, person: str) -> None:
    """As if the pipeline had run the previous rules: every dossier carries the older version, and
    for one person those rules gave another family name (ANEF and the digests of what the pipeline
    wrote agree with each other, so nothing else can tell)."""
    with chain.anef.begin() as conn:
        conn.exec_driver_sql("UPDATE migration.mapped_with SET mapping_version = %(v)s", {"v": OLDER})
        conn.exec_driver_sql("UPDATE anef.usager SET nom_naissance = 'ANCIENNE REGLE' WHERE numero_etranger = %(n)s",
                             {"n": person})
        conflicts.remember(conn, [person])


def _divergences(chain: Chain, path) -> set[tuple[str, str, tuple[str, ...]]]:
    done = _cli(chain, "reconcile", "--json", str(path), "--max-wait", "60")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    found = json.loads(path.read_text())["divergences"]
    # (the rights ledger's findings are about parked persons here: not the mapping's business)
    return {(d["numero_etranger"], d["kind"], tuple(sorted({f["field"] for f in d["fields"]}))) for d in found
            if d["kind"] != Kind.PARKED.value and not Kind(d["kind"]).from_rights_ledger}


def _made_by_current_mapping(chain: Chain, person: str, path) -> bool:
    _cli(chain, "reconcile", "--dossier", person, "--json", str(path))
    return json.loads(path.read_text())["pipeline"]["made_by_current_mapping"]


def _older_for_the_gonogo(chain: Chain) -> int:
    from operations.gonogo import COUNTRY
    from operations.web.facts import scope_facts

    return scope_facts(chain.agdref, chain.anef, 3, date.today())[COUNTRY].made_by_older_mapping


def _last_run_outdated(chain: Chain) -> int:
    return _anef(chain, "SELECT outdated_mapping FROM reconciliation.run ORDER BY id DESC LIMIT 1")[0][0]


def test_dossiers_an_older_mapping_made_are_named_and_rebuilt(chain: Chain, tmp_path):
    _start(chain, 150)
    dossiers = _anef(chain, "SELECT count(*) FROM migration.mapped_with WHERE mapping_version = :v", v=mapping_version())
    assert dossiers[0][0] > 100, "the sink keeps which mapping made each dossier"
    person = _plain_persons(chain, 1, set())[0]
    _pretend_an_older_mapping_made_everything(chain, person)

    found = _divergences(chain, tmp_path / "before.json")
    assert {(n, kind) for n, kind, _ in found} == {(person, Kind.FIELD_MISMATCH.value)}
    assert any("nom_naissance" in field for _, _, fields in found for field in fields)
    assert _last_run_outdated(chain) == _anef(chain, "SELECT count(*) FROM migration.mapped_with")[0][0]
    assert _made_by_current_mapping(chain, person, tmp_path / "one.json") is False
    assert _older_for_the_gonogo(chain) == _last_run_outdated(chain)  # the country is at NO-GO for it

    done = _cli(chain, "rebuild", "--outdated-mapping", "--batch", "40")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _anef(chain, "SELECT count(*) FROM migration.mapped_with WHERE mapping_version <> :v", v=mapping_version()) \
        == [(0,)]
    assert _anef(chain, "SELECT nom_naissance FROM anef.usager WHERE numero_etranger = :n", n=person)[0][0] \
        != "ANCIENNE REGLE"
    assert _divergences(chain, tmp_path / "after.json") == set()
    assert _last_run_outdated(chain) == 0
    assert _made_by_current_mapping(chain, person, tmp_path / "one.json") is True
    assert _older_for_the_gonogo(chain) == 0


def test_a_table_and_column_dropped_by_hand_are_reported_by_db_init_and_restored_by_repair(chain: Chain):
    _anef(chain, "ALTER TABLE reconciliation.run DROP COLUMN outdated_mapping")
    _anef(chain, "DROP TABLE migration.mapped_with")
    done = _cli(chain, "db", "init")  # the database is at the latest revision: this is drift, not an upgrade
    assert done.returncode == 1 and "add_table migration.mapped_with" in done.stdout
    assert "add_column outdated_mapping" in done.stdout
    done = _cli(chain, "db", "repair")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _anef(chain, "SELECT outdated_mapping FROM reconciliation.run") == []  # the column is back
    assert _anef(chain, "SELECT count(*) FROM migration.mapped_with") == [(0,)]  # and the table
