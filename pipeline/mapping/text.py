"""Text rules: mojibake repair, the legacy canonical form of names, first names."""
from __future__ import annotations

import re
import unicodedata

UNKNOWN_NAME = "INC"
_SPACES = re.compile(r"\s+")
# Letters that Unicode does not decompose into a base letter + accent.
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "Ø": "O", "ø": "O",
                            "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH", "Ł": "L", "ł": "L"})


def _as_cp1252_bytes(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            out += ch.encode("latin-1")  # the five bytes cp1252 leaves undefined
    return bytes(out)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Windows-1252 (``'Ã‰'`` → ``'É'``), up to twice (double
    conversions exist). Text that does not decode back to UTF-8 is left as it is."""
    for _ in range(2):
        if text.isascii():
            return text
        try:
            repaired = _as_cp1252_bytes(text).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text
        if repaired == text:
            return text
        text = repaired
    return text


def canonical(text: str) -> str:
    """The legacy canonical form: mojibake repaired, uppercase, accents removed, single spaces."""
    text = repair_mojibake(text).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().upper()


def name_or_none(raw: str | None) -> str | None:
    """A name in canonical form; blank and ``INC`` (unknown) become null."""
    if raw is None:
        return None
    value = canonical(raw)
    return None if value in ("", UNKNOWN_NAME) else value


def text_or_none(raw: str | None) -> str | None:
    """A free text (place, street): canonical form, blank becomes null. ``INC`` is kept here: it is
    a name convention only."""
    if raw is None:
        return None
    value = canonical(raw)
    return value or None


def first_names(raw: str | None) -> list[str]:
    """First names split on spaces, one element each; blank or ``INC`` give an empty list."""
    value = name_or_none(raw)
    return value.split(" ") if value else []
