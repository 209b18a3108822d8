"""Evidence nobody can quietly rewrite: an append-only hash chain over the reconciliation's runs,
the decisions on divergences, the go/no-go criteria versions and the verdicts (``docs/evidence.md``)."""
