"""Identity rules: the foreigner number."""
from __future__ import annotations

from functools import lru_cache

from domain.errors import RemediationNeeded
from schemas.rejections import Reason


@lru_cache(maxsize=1 << 16)  # a pure function asked several times per row of every dossier
def normalise_foreigner_number(raw: str | None, field: str = "num_etranger") -> str:
    """The 10-digit foreigner number. A 9-digit number (leading zero lost, space-padded) gets its
    zero back: ``'123456789 '`` → ``'0123456789'``. Anything else needs a person."""
    value = (raw or "").strip()
    if value.isdigit() and value.isascii():
        if len(value) == 10:
            return value
        if len(value) == 9:
            return "0" + value
    raise RemediationNeeded(Reason.NUMERO_ETRANGER_INVALIDE, field, f"{len(value)} characters, digits={value.isdigit()}")
