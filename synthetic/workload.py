"""The overlap workload: AGDREF and ANEF written as they are written today, at a chosen rate.

In AGDREF, prefecture agents file applications, decide them (creating the permit in the same
transaction), record hand-overs, renew receipts, change addresses, issue and annul removal
measures, discover aliases, purge dossiers and register newcomers. In ANEF, people file
applications online (``origine = 'ANEF'``) and agents record hand-overs on migrated permits.
Every operation is one transaction. Deterministic for a seed, given the same starting databases.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from schemas import agdref_tables as legacy
from schemas import anef_tables as anef
from synthetic.draw import d8, pick, randint
from synthetic.population import dossier

DEFAULT_MIX: dict[str, int] = {
    "file_application": 20, "decide_application": 18, "hand_over": 12, "renew_receipt": 8, "change_address": 10,
    "issue_measure": 4, "appeal_or_annul_measure": 3, "discover_alias": 1, "purge_dossier": 1, "new_person": 5,
    "anef_file_online": 10, "anef_hand_over": 8,
}
ANEF_KINDS = ("anef_file_online", "anef_hand_over")


@dataclass
class Pools:
    """Rows the workload may act on, sampled at start and kept up to date as it writes."""

    persons: list[str] = field(default_factory=list)
    pending: list[tuple[str, str, str]] = field(default_factory=list)   # (num_demande, num_etranger, type)
    undelivered: list[str] = field(default_factory=list)                # num_titre
    receipts: list[str] = field(default_factory=list)                   # num_doc
    measures: list[str] = field(default_factory=list)                   # num_mesure
    anef_available: list[str] = field(default_factory=list)             # anef.titre DISPONIBLE, origine AGDREF
    anef_persons: list[str] = field(default_factory=list)


def sample_pools(agdref: Engine, anef_db: Engine, size: int = 5000) -> Pools:
    p = Pools()
    with agdref.connect() as conn:
        p.persons = list(conn.execute(select(legacy.etranger.c.num_etranger).where(legacy.etranger.c.ind_alias != "O")
                                      .limit(size)).scalars())
        p.pending = [tuple(r) for r in conn.execute(
            select(legacy.demande.c.num_demande, legacy.demande.c.num_etranger, legacy.demande.c.type_titre)
            .where(legacy.demande.c.decision == " ").limit(size))]
        p.undelivered = list(conn.execute(select(legacy.titre.c.num_titre)
                                          .where(legacy.titre.c.date_remise == "00000000").limit(size)).scalars())
        p.receipts = list(conn.execute(select(legacy.doc_provisoire.c.num_doc).limit(size)).scalars())
        p.measures = list(conn.execute(select(legacy.mesure_eloignement.c.num_mesure).limit(size)).scalars())
    with anef_db.connect() as conn:
        p.anef_available = list(conn.execute(select(anef.titre.c.numero_titre).where(
            anef.titre.c.statut == "DISPONIBLE", anef.titre.c.origine == "AGDREF").limit(size)).scalars())
        p.anef_persons = list(conn.execute(select(anef.usager.c.numero_etranger).limit(size)).scalars())
    return p


def _now_stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S")


class Workload:
    def __init__(self, agdref: Engine, anef_db: Engine, seed: int, mix: dict[str, int] | None = None,
                 today: date | None = None) -> None:
        self.agdref, self.anef = agdref, anef_db
        self.rng = random.Random(seed)
        self.run = randint(self.rng, 100, 999)
        self.mix = mix or DEFAULT_MIX
        self.today = today or date.today()
        self.pools = sample_pools(agdref, anef_db)
        self.counts: Counter = Counter()
        self.skipped: Counter = Counter()
        self._serial = 0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def step(self) -> str:
        """Run one operation (one transaction); returns its kind."""
        kinds, weights = zip(*self.mix.items())
        kind = self.rng.choices(kinds, weights=weights)[0]
        db = self.anef if kind in ANEF_KINDS else self.agdref
        try:
            with db.begin() as conn:
                done = getattr(self, kind)(conn)
        except IntegrityError:
            done = False  # a drawn key that exists already (a newcomer's number): skipped, counted
        (self.counts if done else self.skipped)[kind] += 1
        return kind

    def run_for(self, rate: float, duration: float, report: Callable[[Counter], None] = lambda c: None) -> Counter:
        """Operations at ``rate`` per second for ``duration`` seconds (blocks). Falls behind, never
        bursts, when the databases are slower than the rate."""
        interval, started = 1.0 / rate, time.monotonic()
        next_at = started
        while time.monotonic() - started < duration:
            self.step()
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if sum(self.counts.values()) % max(int(rate), 1) == 0:
                report(self.counts)
        return self.counts

    # --- AGDREF ---------------------------------------------------------------------------------

    def file_application(self, conn: Connection) -> bool:
        if not self.pools.persons:
            return False
        person = pick(self.rng, self.pools.persons)
        number = f"S{self.run:03d}{self._next():08d}"
        kind = pick(self.rng, ("CST", "CSP", "CR", "CST", "CRA1"))
        now = datetime.now()
        conn.execute(insert(legacy.demande).values(
            num_demande=number, num_etranger=person, code_dept="075", type_titre=kind, code_mouvement="RN",
            ref_reglementaire="L433-4", date_depot=d8(self.today), decision=" ", date_decision="00000000",
            motif_refus="", date_maj=_now_stamp(now)))
        receipt = f"Q{self.run:03d}{self._next():08d}"
        conn.execute(insert(legacy.doc_provisoire).values(
            num_doc=receipt, num_etranger=person, num_demande=number, type_doc="RCP", date_debut=d8(self.today),
            date_fin=d8(self.today + timedelta(days=90)), nb_renouv=0, autor_travail="O", date_maj=_now_stamp(now)))
        self.pools.pending.append((number, person, kind))
        self.pools.receipts.append(receipt)
        return True

    def decide_application(self, conn: Connection) -> bool:
        if not self.pools.pending:
            return False
        number, person, kind = self.pools.pending.pop(randint(self.rng, 0, len(self.pools.pending) - 1))
        granted = self.rng.random() < 0.8
        now = datetime.now()
        conn.execute(update(legacy.demande).where(legacy.demande.c.num_demande == number).values(
            decision="F" if granted else "R", date_decision=d8(self.today),
            motif_refus="" if granted else "DOSSIER INCOMPLET", date_maj=_now_stamp(now)))
        if granted:  # the permit is created in the same legacy transaction as the decision
            permit = f"S{self._next() % 10**9:09d}"
            kind = kind.strip() if kind and kind.strip() in ("CST", "CSP", "CR", "CRA1") else "CST"
            years = {"CST": 1, "CRA1": 1, "CSP": 4, "CR": 10}[kind]
            conn.execute(insert(legacy.titre).values(
                num_titre=permit, num_etranger=person, num_demande=number, type_titre=kind, mention="SALARIE",
                date_debut_val=d8(self.today), date_fin_val=d8(self.today + timedelta(days=365 * years - 1)),
                date_remise="00000000", autor_travail="O", num_duplicata=0, lieu_delivrance="075",
                date_maj=_now_stamp(now)))
            self.pools.undelivered.append(permit)
        return True

    def hand_over(self, conn: Connection) -> bool:
        if not self.pools.undelivered:
            return False
        permit = self.pools.undelivered.pop(randint(self.rng, 0, len(self.pools.undelivered) - 1))
        conn.execute(update(legacy.titre).where(legacy.titre.c.num_titre == permit).values(
            date_remise=d8(self.today), date_maj=_now_stamp(datetime.now())))
        return True

    def renew_receipt(self, conn: Connection) -> bool:
        if not self.pools.receipts:
            return False
        receipt = pick(self.rng, self.pools.receipts)
        conn.execute(update(legacy.doc_provisoire).where(legacy.doc_provisoire.c.num_doc == receipt).values(
            nb_renouv=legacy.doc_provisoire.c.nb_renouv + 1, date_fin=d8(self.today + timedelta(days=90)),
            date_maj=_now_stamp(datetime.now())))
        return True

    def change_address(self, conn: Connection) -> bool:
        if not self.pools.persons:
            return False
        person = pick(self.rng, self.pools.persons)
        order = conn.execute(text("SELECT coalesce(max(num_ordre), 0) + 1 FROM agdref.adresse WHERE num_etranger = :n"),
                             {"n": person}).scalar_one()
        conn.execute(insert(legacy.adresse).values(
            num_etranger=person, num_ordre=order, chez="", num_voie=str(randint(self.rng, 1, 90)), code_voie="RUE",
            lib_voie="DE LA REPUBLIQUE", code_postal="93200", lib_commune="ST DENIS", code_insee="93066",
            date_debut=d8(self.today), date_maj=_now_stamp(datetime.now())))
        return True

    def issue_measure(self, conn: Connection) -> bool:
        if not self.pools.persons:
            return False
        number = f"S{self.run:03d}{self._next():08d}"
        now = datetime.now()
        conn.execute(insert(legacy.mesure_eloignement).values(
            num_mesure=number, num_etranger=pick(self.rng, self.pools.persons), nature="OQTF",
            date_decision=d8(self.today), date_notif=now.strftime("%Y%m%d%H%M"), delai_depart=30, contentieux="N",
            annulee="N", execution="N", date_execution="00000000", date_maj=_now_stamp(now)))
        self.pools.measures.append(number)
        return True

    def appeal_or_annul_measure(self, conn: Connection) -> bool:
        if not self.pools.measures:
            return False
        values = {"contentieux": "O"} if self.rng.random() < 0.6 else {"contentieux": "O", "annulee": "O"}
        conn.execute(update(legacy.mesure_eloignement).where(
            legacy.mesure_eloignement.c.num_mesure == pick(self.rng, self.pools.measures)).values(
            **values, date_maj=_now_stamp(datetime.now())))
        return True

    def discover_alias(self, conn: Connection) -> bool:
        if len(self.pools.persons) < 2:
            return False
        duplicate = self.pools.persons.pop(randint(self.rng, 0, len(self.pools.persons) - 1))
        reference = pick(self.rng, self.pools.persons)
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == duplicate).values(
            ind_alias="O", num_etranger_ref=reference, date_maj=_now_stamp(datetime.now())))
        return True

    def purge_dossier(self, conn: Connection) -> bool:
        """A legal purge: the whole dossier goes, children first, in one transaction."""
        if not self.pools.persons:
            return False
        person = self.pools.persons.pop(randint(self.rng, 0, len(self.pools.persons) - 1))
        for table in (legacy.titre, legacy.demande, legacy.doc_provisoire, legacy.mesure_eloignement, legacy.adresse):
            conn.execute(delete(table).where(table.c.num_etranger == person))
        conn.execute(delete(legacy.etranger).where(legacy.etranger.c.num_etranger == person))
        self.pools.pending = [p for p in self.pools.pending if p[1] != person]
        return True

    def new_person(self, conn: Connection) -> bool:
        index = 9_000_000 + (self.run % 100) * 10_000 + self._next() % 10_000  # < 10**7: row numbers fit
        rows = dossier(index, seed=self.run)
        for table, table_rows in rows.items():
            if table_rows:
                conn.execute(insert(legacy.metadata.tables[f"agdref.{table}"]), table_rows)
        self.pools.persons.append(rows["etranger"][0]["num_etranger"])
        return True

    # --- ANEF -----------------------------------------------------------------------------------

    def anef_file_online(self, conn: Connection) -> bool:
        if not self.pools.anef_persons:
            return False
        conn.execute(insert(anef.demande).values(
            numero_demande=f"W{self.run:03d}{self._next():08d}", numero_etranger=pick(self.rng, self.pools.anef_persons),
            nature="RENOUVELLEMENT", categorie_demandee="CARTE_PLURIANNUELLE", date_depot=self.today,
            statut="EN_INSTRUCTION", prefecture="75", origine="ANEF", maj_le=datetime.now(UTC)))
        return True

    def anef_hand_over(self, conn: Connection) -> bool:
        """An agent records in ANEF the hand-over of a migrated permit (a write the migration must
        not overwrite silently)."""
        if not self.pools.anef_available:
            return False
        permit = self.pools.anef_available.pop(randint(self.rng, 0, len(self.pools.anef_available) - 1))
        conn.execute(update(anef.titre).where(anef.titre.c.numero_titre == permit, anef.titre.c.statut == "DISPONIBLE")
                     .values(statut="REMIS", date_remise=self.today, maj_le=datetime.now(UTC)))
        return True
