"""Text rules: mojibake repair, the legacy canonical form of names, first names."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from domain.errors import RemediationNeeded
from schemas.rejections import Reason

UNKNOWN_NAME = "INC"
_SPACES = re.compile(r"\s+")
# Letters that Unicode does not decompose into a base letter + accent.
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "Ø": "O", "ø": "O",
                            "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH", "Ł": "L", "ł": "L"})


def _one_byte(ch: str) -> bytes:
    """The Windows-1252 (or Latin-1) byte a character was read from; b"" when it has none."""
    for codec in ("cp1252", "latin-1"):
        try:
            return ch.encode(codec)
        except UnicodeEncodeError:
            continue
    return b""


def _utf8_sequence(data: bytes, start: int) -> int:
    """Length of a valid 2- or 3-byte UTF-8 sequence at ``start`` (0 when there is none)."""
    lead = data[start]
    size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 0
    if not size or start + size > len(data) or not all(0x80 <= b <= 0xBF for b in data[start + 1:start + size]):
        return 0
    try:
        data[start:start + size].decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return size


def _repair_pieces(text: str) -> str:
    """One pass: each run of characters that is UTF-8 read as Windows-1252 is decoded back, wherever
    it stands; the rest of the text stays as it is (a name may hold a correct ``É`` and a broken
    ``Ã¯`` side by side: ``ÉLOÃ¯SE`` → ``ÉLOÏSE``)."""
    chars = list(text)
    single = [_one_byte(ch) for ch in chars]
    out, i = [], 0
    while i < len(chars):
        if len(single[i]) == 1 and single[i][0] >= 0xC2:
            size = 0
            for n in (3, 2):
                piece = b"".join(single[i:i + n])
                if len(piece) == n and all(len(b) == 1 for b in single[i:i + n]) and _utf8_sequence(piece, 0) == n:
                    size = n
                    break
            if size:
                out.append(b"".join(single[i:i + size]).decode("utf-8"))
                i += size
                continue
        out.append(chars[i])
        i += 1
    return "".join(out)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Windows-1252 (``'Ã‰'`` → ``'É'``), piece by piece, up to
    twice (double conversions exist). Text without such pieces is left as it is."""
    for _ in range(2):
        if text.isascii():
            return text
        repaired = _repair_pieces(text)
        if repaired == text:
            return text
        text = repaired
    return text


# (TXT4) Typographic apostrophes and dashes are the legacy's ' and -; invisible characters go.
_TYPOGRAPHY = str.maketrans({**{c: "'" for c in "\u2019\u2018\u02bc\u02bb\u0060\u00b4\u2032\u201b"},
                             **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"},
                             "\u00a0": " ", "\u202f": " ", "\u1e9e": "SS"})
NAME_FORM = re.compile(r"^[A-Z' -]*$")


_ASCII_CONTROLS = str.maketrans({c: None for c in (*range(32), 127)})


# Cached: a pure function of its arguments, called for every row of every dossier with few
# distinct values (the backfill maps millions of rows: the cache took the mapping's time down by a third).
@lru_cache(maxsize=1 << 16)
def canonical(text: str) -> str:
    """The legacy canonical form: mojibake repaired, typography plain, uppercase, accents removed,
    invisible characters gone, single spaces."""
    if text.isascii():  # no mojibake, nothing to decompose: only controls (Cc) and the backtick (TXT4)
        return _SPACES.sub(" ", text.translate(_TYPOGRAPHY).translate(_ASCII_CONTROLS)).strip().upper()
    text = repair_mojibake(text).translate(_LIGATURES).translate(_TYPOGRAPHY)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed
                       if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Cf", "Cc"))
    return _SPACES.sub(" ", stripped).strip().upper()


def folded_name(raw: str, field: str) -> str:
    """(TXT5) A name in the legacy canonical form, which is plain ``A``–``Z``, space, ``'`` and ``-``;
    a name that cannot be brought to it (Cyrillic letters, ``©``, digits) waits for a person: it
    never reaches ANEF as it is. The detail names the characters' code points, not the name."""
    value = canonical(raw)
    if not NAME_FORM.match(value):
        odd = sorted({f"U+{ord(ch):04X}" for ch in value if not NAME_FORM.match(ch)})
        raise RemediationNeeded(Reason.NOM_NON_TRANSCRIPTIBLE, field,
                                f"characters outside A-Z, space, ' and -: {', '.join(odd[:5])}")
    return value


def name_or_none(raw: str | None, field: str = "nom") -> str | None:
    """A name in canonical form (``folded_name``); blank and ``INC`` (unknown) become null."""
    if raw is None:
        return None
    value = folded_name(raw, field)
    return None if value in ("", UNKNOWN_NAME) else value


def text_or_none(raw: str | None) -> str | None:
    """A free text (place, street): canonical form, blank becomes null. ``INC`` is kept here: it is
    a name convention only."""
    if raw is None:
        return None
    value = canonical(raw)
    return value or None


def first_names(raw: str | None, field: str = "prenoms") -> list[str]:
    """First names split on spaces, one element each; blank or ``INC`` give an empty list."""
    value = name_or_none(raw, field)
    return value.split(" ") if value else []
