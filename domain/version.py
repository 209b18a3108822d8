"""Which mapping made a dossier: a declared version of what the rules compute.

Kept with every dossier the sink rebuilds (``migration.mapped_with``). Without it, a mapping fix
deployed without a replay is invisible: the reconciliation's fingerprints compare AGDREF with what
the pipeline recorded and ANEF with what it wrote, and both still agree while ANEF holds what the
old rules made. With it, ``agdref-anef reconcile`` names the dossiers an older mapping made and
``agdref-anef rebuild --outdated-mapping`` rebuilds them.

The version is declared, not a hash of the source text (a comment fixed used to mark every
dossier outdated). What keeps it honest is ``tests/unit/test_mapping_version.py``: it maps a fixed
generated population and compares a digest of every outcome with the one recorded for this
version; a rule change that alters any outcome fails it until the version is raised here and its
digest recorded beside the test.
"""
from __future__ import annotations

MAPPING_VERSION = "2026.11-2"


def mapping_version() -> str:
    return MAPPING_VERSION
