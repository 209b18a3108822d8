"""Residence histories: the applications, permits, receipts and measures of one person.

Trajectories follow the real paths (the long-stay visa or provisional authorisation first, then
temporary cards renewed yearly, a multi-year card, a resident card; Algerian certificates; talent
passports; asylum seekers with their certificates; refused applicants with removal measures).
Pure: a ``random.Random`` in, rows out.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from synthetic.draw import d8, pick, randint

MENTIONS = {
    "student": "ETUDIANT", "worker": "SALARIE", "family": "VIE PRIVEE ET FAMILIALE", "talent": "TALENT",
}
# Validity of each permit type in days (the generator's plausible values, within the rules).
VALIDITY_DAYS = {"VLS": 364, "APS": 180, "CST": 364, "CSP": 4 * 365, "CPT": 4 * 365, "CR": 10 * 365,
                 "CRA1": 364, "CRA10": 10 * 365}
LEGAL_BASIS = {"CST": "L422-1", "CSP": "L433-4", "CPT": "L421-9", "CR": "L426-17", "CRP": "L426-4",
               "APS": "L422-10", "CRA1": "ACCORD 1968", "CRA10": "ACCORD 1968", "VLS": "R431-16"}
RENEWED_FOR_LIFE = ("CR", "CRA10")
REFUSALS = ("RESSOURCES INSUFFISANTES", "MENACE A L'ORDRE PUBLIC", "DOSSIER INCOMPLET",
            "CONDITIONS D'ENTREE NON REMPLIES", "ABSENCE DE VISA LONG SEJOUR")


@dataclass
class History:
    demandes: list[dict] = field(default_factory=list)
    titres: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    mesures: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Holder:
    index: int
    numero: str          # as the child rows carry it (may differ from the person row: lost zero)
    dept: str
    entry: date
    algerian: bool
    today: date
    naturalised_on: date | None
    tag: str = "0"       # first character of the row numbers: "0" for a person, "A" for an alias


def _stamp(rng: random.Random, day: date) -> str:
    return f"{d8(day)}{randint(rng, 8, 17):02d}{randint(rng, 0, 59):02d}{randint(rng, 0, 59):02d}"


class _Builder:
    def __init__(self, rng: random.Random, holder: Holder) -> None:
        self.rng, self.h, self.out = rng, holder, History()

    def _number(self, prefix: str, items: list) -> str:
        """12 characters with a prefix (applications, documents, measures), 10 without (permits)."""
        if prefix:
            return f"{prefix}{self.h.tag}{self.h.index:08d}{len(items):02d}"
        return f"{self.h.tag}{self.h.index:07d}{len(items):02d}"

    def application(self, kind: str, movement: str, filed: date, decision: str, decided: date | None) -> str:
        number = self._number("D", self.out.demandes)
        self.out.demandes.append({
            "num_demande": number, "num_etranger": self.h.numero, "code_dept": self.h.dept, "type_titre": kind,
            "code_mouvement": movement, "ref_reglementaire": LEGAL_BASIS[kind], "date_depot": d8(filed),
            "decision": decision, "date_decision": d8(decided) if decided else "00000000",
            "motif_refus": pick(self.rng, REFUSALS) if decision == "R" else "",
            "date_maj": _stamp(self.rng, decided or filed),
        })
        return number

    def permit(self, kind: str, mention: str, start: date, application: str | None, work: bool) -> date | None:
        end = None if kind == "CRP" else start + timedelta(days=VALIDITY_DAYS[kind])
        handed = start + timedelta(days=randint(self.rng, 3, 40))
        not_yet = handed > self.h.today or self.rng.random() < 0.015  # 1–2 % stay "produced" by mistake
        number = self._number("", self.out.titres)
        self.out.titres.append({
            "num_titre": number, "num_etranger": self.h.numero, "num_demande": application or "",
            "type_titre": kind, "mention": mention, "date_debut_val": d8(start),
            "date_fin_val": d8(end) if end else "00000000", "date_remise": "00000000" if not_yet else d8(handed),
            "autor_travail": "O" if work else "N", "num_duplicata": 0, "lieu_delivrance": self.h.dept,
            "date_maj": _stamp(self.rng, min(handed, self.h.today)),
        })
        return end

    def receipt(self, kind: str, start: date, application: str | None, renewals: int, work: bool) -> None:
        self.out.documents.append({
            "num_doc": self._number("R", self.out.documents), "num_etranger": self.h.numero,
            "num_demande": application or "", "type_doc": kind, "date_debut": d8(start),
            "date_fin": d8(start + timedelta(days=90 * (renewals + 1) if kind == "RCP" else 180 * (renewals + 1))),
            "nb_renouv": renewals, "autor_travail": "O" if work else "N", "date_maj": _stamp(self.rng, start),
        })

    def measure(self, decided: date, appeal: bool, annulled: bool, executed: bool) -> None:
        nature = self.rng.choices(("OQTF", "OQTF_IRTF", "APRF", "EXPULSION", "ITF", "IAT", "DUBLIN"),
                                  weights=(60, 15, 3, 2, 3, 2, 15))[0]
        notified = decided + timedelta(days=randint(self.rng, 0, 20))
        self.out.mesures.append({
            "num_mesure": self._number("M", self.out.mesures), "num_etranger": self.h.numero, "nature": nature,
            "date_decision": d8(decided), "date_notif": f"{d8(notified)}{randint(self.rng, 8, 18):02d}{randint(self.rng, 0, 59):02d}",
            "delai_depart": 0 if nature in ("APRF", "EXPULSION") else 30, "contentieux": "O" if appeal else "N",
            "annulee": "O" if annulled else "N", "execution": "O" if executed else "N",
            "date_execution": d8(notified + timedelta(days=45)) if executed else "00000000",
            "date_maj": _stamp(self.rng, min(notified, self.h.today)),
        })


def _path(rng: random.Random, holder: Holder) -> list[tuple[str, str]]:
    """The sequence of (permit type, mention) a person goes through."""
    if holder.algerian:
        return [("CRA1", "VIE PRIVEE ET FAMILIALE")] * randint(rng, 1, 3) + [("CRA10", "")] * randint(rng, 0, 2)
    profile = rng.choices(("student", "worker", "family", "talent"), weights=(25, 35, 35, 5))[0]
    mention = MENTIONS[profile]
    if profile == "talent":
        return [("CPT", mention), ("CR", ""), ("CRP", "")][: randint(rng, 1, 3)]
    if profile == "student":
        steps = [("VLS", mention)] + [("CST", mention)] * randint(rng, 0, 4)
        return steps + ([("CSP", "SALARIE"), ("CR", "")][: randint(rng, 0, 2)])
    first = [("APS", mention)] if rng.random() < 0.15 else []
    return first + [("CST", mention)] * randint(rng, 1, 2) + [("CSP", mention), ("CR", ""), ("CRP", "")][: randint(rng, 0, 3)]


def history(rng: random.Random, holder: Holder) -> History:
    """Everything a person went through, from entry until today (or naturalisation)."""
    b = _Builder(rng, holder)
    until = holder.naturalised_on or holder.today
    situation = rng.choices(("settled", "asylum", "irregular", "none"), weights=(78, 8, 9, 5))[0]
    if situation == "none":
        return b.out
    if situation == "asylum":
        renewals = randint(rng, 0, 4)
        b.receipt("ADA", holder.entry + timedelta(days=randint(rng, 5, 60)), None, renewals, work=False)
        if rng.random() < 0.5:
            start = holder.entry + timedelta(days=180 * (renewals + 1) + 30)
            if start < until:
                app = b.application("CR", "PR", start - timedelta(days=20), "F", start - timedelta(days=5))
                b.permit("CR", "", start, app, work=True)
            return b.out
        situation = "irregular"
    if situation == "irregular":
        filed = holder.entry + timedelta(days=randint(rng, 30, 700))
        if filed >= until:
            return b.out
        decided = filed + timedelta(days=randint(rng, 60, 240))
        pending = decided > holder.today
        app = b.application("CST", "PR", filed, "" if pending else "R", None if pending else decided)
        b.receipt("RCP", filed + timedelta(days=3), app, randint(rng, 0, 3), work=rng.random() < 0.3)
        if not pending:
            appeal = rng.random() < 0.35
            b.measure(decided + timedelta(days=randint(rng, 1, 30)), appeal, appeal and rng.random() < 0.25,
                      rng.random() < 0.1)
        return b.out
    start = holder.entry + timedelta(days=randint(rng, 0, 90))
    previous_end: date | None = None
    path = _path(rng, holder)
    for step in range(200):
        if start >= until:
            break
        if step >= len(path):
            if path[-1][0] not in RENEWED_FOR_LIFE:
                break
            path.append(path[-1])  # resident cards and 10-year certificates are renewed for life
        kind, mention = path[step]
        filed = start - timedelta(days=randint(rng, 30, 90))
        movement = "PR" if step == 0 else ("RN" if mention else "CS")
        last = start + timedelta(days=60) > holder.today
        if last and rng.random() < 0.5:  # the current application is still being examined
            app = b.application(kind, movement, filed, "", None)
            b.receipt("RCP", filed + timedelta(days=2), app, randint(rng, 0, 2), work=True)
            break
        app = b.application(kind, movement, filed, "F", start - timedelta(days=randint(rng, 1, 25)))
        previous_end = b.permit(kind, mention, start, app, work=kind not in ("VLS",) or mention != "ETUDIANT")
        if rng.random() < 0.03:  # a lost card: a duplicate of the same permit
            dup = b.application(kind, "DU", start + timedelta(days=100), "F", start + timedelta(days=120))
            b.permit(kind, mention, start, dup, work=True)
            b.out.titres[-1]["num_duplicata"] = 1
        if rng.random() < 0.02:  # a refused renewal along the way
            b.application(kind, "RN", start + timedelta(days=200), "R", start + timedelta(days=260))
        if previous_end is None:
            break
        start = previous_end + timedelta(days=1)
    return b.out
