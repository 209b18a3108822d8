"""structlog, configured in one place, with personal data masked before anything is written.

Names, birth dates and foreigner numbers never reach a log line in clear. Foreigner numbers are
replaced by a keyed pseudonym (the same number always gives the same pseudonym, so an engineer can
still follow one dossier through the logs); names and birth dates are replaced by a fixed mask.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# Field names that carry personal data, on either side of the migration.
IDENTIFIER_FIELDS = frozenset(
    {"num_etranger", "num_etranger_ref", "numero_etranger", "numeros_alias", "dossier", "person"}
)
MASKED_FIELDS = frozenset(
    {
        "nom", "nom_usage", "prenoms", "nom_pere", "nom_mere", "prenom_pere", "prenom_mere",
        "date_nais", "ville_nais", "nom_naissance", "date_naissance", "ville_naissance",
        "chez", "lib_voie", "adresse_ligne", "before", "after", "row", "values",
    }
)
MASK = "***"
# A foreigner number written inside free text: 10 digits, or 9 digits (leading zero lost).
_FOREIGNER_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{9,10}(?!\d)")


def pseudonym(value: str, key: str) -> str:
    """A short, stable, keyed pseudonym of a foreigner number ("p:" + 10 hex digits)."""
    digest = hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
    return "p:" + digest[:10]


class MaskPersonalData:
    """structlog processor: masks personal data in the event dict, recursively."""

    def __init__(self, pseudonym_key: str) -> None:
        self._key = pseudonym_key

    def __call__(self, logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> Mapping[str, Any]:
        return {k: self._mask(k, v) for k, v in event_dict.items()}

    def _mask(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if name in MASKED_FIELDS:
            return MASK
        if name in IDENTIFIER_FIELDS:
            if isinstance(value, (list, tuple)):
                return [pseudonym(str(v), self._key) for v in value]
            return pseudonym(str(value), self._key)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return MASK  # a raw payload (an event, a dossier): whatever it holds stays out
        if isinstance(value, Mapping):  # keys too: a mapping keyed by foreigner number
            return {self._mask("", str(k)): self._mask(str(k), v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._mask(name, v) for v in value]
        if isinstance(value, str):
            return _FOREIGNER_NUMBER_IN_TEXT.sub(lambda m: pseudonym(m.group(0), self._key), value)
        return value


def configure_logging(log_format: str = "console", level: str = "INFO", pseudonym_key: str = "") -> None:
    """Configure structlog and the standard library's logging (faust, aiokafka) to go through it.

    JSON lines for production (``log_format="json"``), coloured key=value on a terminal.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        MaskPersonalData(pseudonym_key),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries log through the standard library; route them through the same masking chain.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared[:-1] + [MaskPersonalData(pseudonym_key)],
                                            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
