from common.exceptions import AgdrefAnefError


class ReconciliationError(AgdrefAnefError):
    """Root of the reconciliation's errors."""


class DivergenceNotFound(ReconciliationError):
    """A decision on a divergence that does not exist, is resolved, or lacks a name or reason."""


class DecisionRefused(ReconciliationError):
    """A decision the person may not take (a critical rights divergence accepted by a non-administrator)."""
