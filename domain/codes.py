"""Code rules: countries, nationalities, departments, and the plain legacy codes."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from domain.errors import RemediationNeeded
from schemas import referentials
from schemas.rejections import Reason

T = TypeVar("T")

UNKNOWN_COUNTRY_CODES = ("ZZZ", "INC")
STATELESS_CODE = "APA"
NATIONALITY_UNSPECIFIED = "XXX"


def _country(raw: str | None, field: str) -> referentials.Country | None:
    code = (raw or "").strip().upper()
    if not code:
        return None
    try:
        return referentials.countries()[code]
    except KeyError:
        raise RemediationNeeded(Reason.CODE_PAYS_INCONNU, field, f"code {code!r} is not in ref_pays") from None


def nationality(raw: str | None, field: str = "nationalite") -> str:
    """AGDREF code → ISO 3166-1 alpha-3 or ICAO code. ``ZZZ``/``INC`` and blank → ``XXX``
    (unspecified), ``APA`` → ``XXA`` (stateless). A former state needs a person."""
    country = _country(raw, field)
    if country is None or country.code_agdref in UNKNOWN_COUNTRY_CODES:
        return NATIONALITY_UNSPECIFIED
    if country.former_state:
        raise RemediationNeeded(Reason.NATIONALITE_ETAT_DISPARU, field,
                                f"{country.code_agdref} ({country.iso3}) ended {country.date_fin}")
    return country.iso3


def country_of_birth(raw: str | None, field: str = "pays_nais") -> str | None:
    """AGDREF code → ISO 3166-1 alpha-3, or ISO 3166-3 for a former state (valid for a birth).
    Unknown (``ZZZ``, ``INC``, blank) and stateless (``APA``) → null: ANEF's country vocabulary has
    no code for them and the column is nullable."""
    country = _country(raw, field)
    if country is None or country.code_agdref in (*UNKNOWN_COUNTRY_CODES, STATELESS_CODE):
        return None
    return country.iso3


CORSICA_BEFORE_1976 = "020"


def department(raw: str | None, field: str, postcode: str | None = None, insee: str | None = None) -> str:
    """(COD7) A legacy department code in ANEF's notation: metropolitan codes keep two characters
    (``075`` → ``75``, ``001`` → ``01``, ``02A`` → ``2A``), overseas ones three (``971``), checked
    against the department referential.

    (COD8) ``020`` is Corsica before the 1976 split: the postcode decides (``200xx``/``201xx`` →
    ``2A``, ``202xx``/``206xx`` → ``2B``), or an INSEE code already written ``2A…``/``2B…``. An old
    INSEE code ``20xxx`` does not tell the two apart (commune numbers were not split by range): with
    neither, a person decides."""
    code = (raw or "").strip().upper()
    if code == CORSICA_BEFORE_1976:
        return _corsica(field, postcode, insee)
    short = code[1:] if len(code) == 3 and code.startswith("0") else code
    if len(code) == 3 and short in referentials.departments():
        return short
    raise RemediationNeeded(Reason.DEPARTEMENT_INCONNU, field, f"code {code!r} is not a department")


def _corsica(field: str, postcode: str | None, insee: str | None) -> str:
    post, commune = (postcode or "").strip(), (insee or "").strip().upper()
    if post[:3] in ("200", "201") or commune.startswith("2A"):
        return "2A"
    if post[:3] in ("202", "206") or commune.startswith("2B"):
        return "2B"
    raise RemediationNeeded(Reason.CORSE_INDETERMINEE, field, "code 020 and no Corsican postcode or 2A/2B commune")


def prefecture_or_none(raw: str | None, postcode: str | None = None, insee: str | None = None) -> str | None:
    """The department of a legacy code where nothing is parked for it (reports, counts): None when
    the rules cannot decide."""
    try:
        return department(raw, "code_dept", postcode, insee)
    except RemediationNeeded:
        return None


# The plain code lists (settled in mapping.md), legacy code → ANEF value: read by the rules below
# and, turned round, by the way back (``domain.inverse``), so the two directions share one list.
SEX_CODES = {"M": "M", "F": "F", "I": "X"}
MARITAL_STATUS_CODES = {"C": "CELIBATAIRE", "M": "MARIE", "D": "DIVORCE", "V": "VEUF", "S": "SEPARE"}
ENTRY_CODES = {"N": True, "I": False}
FLAG_CODES = {"O": True, "N": False}
APPLICATION_NATURES = {"PR": "PREMIERE", "RN": "RENOUVELLEMENT", "CS": "CHANGEMENT_STATUT", "DU": "DUPLICATA"}
APPLICATION_DECISIONS = {"F": "ACCORDEE", "R": "REFUSEE", "S": "CLASSEE_SANS_SUITE"}  # blank: EN_INSTRUCTION
DOCUMENT_TYPES = {"RCP": "PROLONGATION_INSTRUCTION", "ADA": "DEMANDE_ASILE"}


def _coded(raw: str | None, field: str, table: Mapping[str, T], blank: T | None = None,
           blank_allowed: bool = True) -> T | None:
    code = (raw or "").strip().upper()
    if code == "" and blank_allowed:
        return blank
    try:
        return table[code]
    except KeyError:
        raise RemediationNeeded(Reason.CODE_INCONNU, field, f"code {code!r} not in {sorted(table)}") from None


def _present(value: T | None) -> T:
    """A code ``_coded`` found with ``blank_allowed=False`` (it raises rather than return None)."""
    assert value is not None
    return value


def sex(raw: str | None, field: str = "sexe") -> str:
    """``M``/``F``/``I`` → ``M``/``F``/``X``. Blank is not guessed: ANEF requires a value."""
    return _present(_coded(raw, field, SEX_CODES, blank_allowed=False))


def marital_status(raw: str | None, field: str = "sit_matrim") -> str | None:
    """``C``/``M``/``D``/``V``/``S`` → ``CELIBATAIRE``/``MARIE``/``DIVORCE``/``VEUF``/``SEPARE``, blank → null."""
    return _coded(raw, field, MARITAL_STATUS_CODES)


def regular_entry(raw: str | None, field: str = "cond_entree") -> bool | None:
    """``N`` (regular entry) → true, ``I`` (irregular) → false, blank → null."""
    return _coded(raw, field, ENTRY_CODES)


def flag(raw: str | None, field: str, blank: bool | None = None) -> bool | None:
    """``O``/``N`` → true/false; blank → ``blank`` (the caller says what an absent flag means)."""
    return _coded(raw, field, FLAG_CODES, blank=blank)


def required_flag(raw: str | None, field: str) -> bool:
    """A flag ANEF requires (``autorisation_travail``): ``O``/``N``; blank is not guessed."""
    value = flag(raw, field)
    if value is None:
        raise RemediationNeeded(Reason.CODE_INCONNU, field, "blank where O or N is required")
    return value


PERMIT_CATEGORIES = {
    "CST": "CARTE_TEMPORAIRE", "CSP": "CARTE_PLURIANNUELLE", "CPT": "PASSEPORT_TALENT", "CR": "CARTE_RESIDENT",
    "CRP": "CARTE_RESIDENT_PERMANENT", "APS": "AUTORISATION_PROVISOIRE", "CRA1": "CERTIFICAT_ALGERIEN_1AN",
    "CRA10": "CERTIFICAT_ALGERIEN_10ANS", "VLS": "VISA_LONG_SEJOUR",
}


def permit_category(raw: str | None, field: str = "type_titre") -> str:
    """(settled) Legacy permit types → ANEF categories; any other code needs a person."""
    return _present(_coded(raw, field, PERMIT_CATEGORIES, blank_allowed=False))


def application_nature(raw: str | None, field: str = "code_mouvement") -> str:
    """(settled) ``PR``/``RN``/``CS``/``DU`` → ``PREMIERE``/``RENOUVELLEMENT``/``CHANGEMENT_STATUT``/``DUPLICATA``."""
    return _present(_coded(raw, field, APPLICATION_NATURES, blank_allowed=False))


def application_status(raw: str | None, field: str = "decision") -> str:
    """(settled) blank/``F``/``R``/``S`` → ``EN_INSTRUCTION``/``ACCORDEE``/``REFUSEE``/``CLASSEE_SANS_SUITE``."""
    return _present(_coded(raw, field, APPLICATION_DECISIONS, blank="EN_INSTRUCTION"))


def document_type(raw: str | None, field: str = "type_doc") -> str:
    """(settled) ``RCP`` → ``PROLONGATION_INSTRUCTION``, ``ADA`` → ``DEMANDE_ASILE``."""
    return _present(_coded(raw, field, DOCUMENT_TYPES, blank_allowed=False))


MEASURE_NATURES = ("OQTF", "OQTF_IRTF", "APRF", "EXPULSION", "ITF", "IAT", "DUBLIN")


def measure_nature(raw: str | None, field: str = "nature") -> str:
    """(settled by the vocabularies) the legacy's measure natures are ANEF's, unchanged."""
    return _present(_coded(raw, field, {n: n for n in MEASURE_NATURES}, blank_allowed=False))
