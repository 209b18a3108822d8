"""Under the overlap workload (agents writing AGDREF while the chain runs), ANEF ends up exactly
as the mapping of the final AGDREF says."""
from __future__ import annotations

import subprocess
import sys

from connectors import source
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, settled, wait_for

AGDREF_ONLY = ("file_application=20,decide_application=18,hand_over=12,renew_receipt=8,change_address=10,"
               "issue_measure=4,appeal_or_annul_measure=3,discover_alias=2,purge_dossier=2,new_person=5")


def test_the_overlap_workload_leaves_anef_equal_to_the_mapping_of_agdref(chain: Chain):
    env = {**chain.environment}
    seed_population(chain.agdref, 200, seed=8, processes=1)
    chain.process("connector").start("connector", "run", "--chunk-size", "500", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    chain.process("worker").start("worker", env=env)
    # The population was there before the connector: its initial snapshot (chunks between
    # watermarks, no lock) runs while the workload writes.
    done = subprocess.run([sys.executable, "-m", "cli", "simulate", "--rate", "40", "--duration", "8", "--seed", "3",
                           "--mix", AGDREF_ONLY], env={**__import__("os").environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    written = dict(part.rsplit(" ", 1) for part in done.stdout.split(": ", 1)[1].strip().split(", "))
    assert int(written["decide_application"]) > 0 and int(written["purge_dossier"]) > 0
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "ANEF to match the mapping of the final AGDREF")
