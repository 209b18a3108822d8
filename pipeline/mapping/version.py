"""Which mapping made a dossier: a digest of the code and the data the mapping's result depends on.

Kept with every dossier the sink rebuilds (``migration.mapped_with``). Without it, a mapping fix
deployed without a replay is invisible: the reconciliation's fingerprints compare AGDREF with what
the pipeline recorded and ANEF with what it wrote, and both still agree while ANEF holds what the
old rules made. With it, ``agdref-anef reconcile`` names the dossiers an older mapping made and
``agdref-anef rebuild --outdated-mapping`` rebuilds them.

Any change to these files counts as a new mapping (a comment too): a false "outdated" costs one
rebuild, a missed one leaves ANEF wrong.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_SOURCES = ("pipeline/mapping/*.py", "schemas/legacy_models.py", "schemas/anef_models.py", "schemas/rejections.py",
            "schemas/referentials.py", "schemas/vocabularies.py", "schemas/data/ref_pays.csv")


@lru_cache(maxsize=1)
def mapping_version() -> str:
    """Twelve hexadecimal digits of the SHA-256 of the mapping's sources, read once per process."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in _SOURCES for p in _ROOT.glob(pattern)):
        digest.update(str(path.relative_to(_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
