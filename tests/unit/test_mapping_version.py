"""The declared mapping version changes exactly when what the rules compute changes: a fixed
generated population is mapped, and the digest of every outcome must be the one recorded for the
declared version (tests/unit/mapping_outcomes.txt)."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from domain.assembly import assemble
from domain.dossier import DossierMapped, DossierRejected, map_dossier
from domain.version import MAPPING_VERSION
from schemas.legacy_models import LEGACY_MODELS
from synthetic.population import dossier

RECORDED = Path(__file__).with_name("mapping_outcomes.txt")
AT = datetime(2026, 11, 1, 12, tzinfo=UTC)


def outcomes_digest(persons: int = 600) -> str:
    rows: dict[str, list] = {}
    for index in range(persons):
        for table, values in dossier(index, seed=5).items():
            rows.setdefault(table, []).extend(LEGACY_MODELS[table].model_construct(**v) for v in values)
    digest = hashlib.sha256()
    for root, legacy in sorted(assemble(rows).items()):
        outcome = map_dossier(legacy, AT, AT.date())
        if isinstance(outcome, DossierMapped):
            body = [outcome.dossier.model_dump(mode="json"),
                    [[r.reason.value, r.table, r.key, r.field] for r in outcome.not_carried]]
        elif isinstance(outcome, DossierRejected):
            body = [[r.reason.value, r.table, r.field] for r in outcome.remediations]
        else:
            body = "erased"
        digest.update(json.dumps([root, body], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def test_the_declared_mapping_version_matches_what_the_rules_compute():
    recorded = dict(line.split() for line in RECORDED.read_text().splitlines() if line.strip())
    computed = outcomes_digest()
    assert recorded.get(MAPPING_VERSION) == computed, (
        f"the rules now compute {computed}; {MAPPING_VERSION} recorded {recorded.get(MAPPING_VERSION)}. A rule change "
        f"must raise MAPPING_VERSION in domain/version.py and add '<version> {computed}' to {RECORDED.name}")
