from common.exceptions import AgdrefAnefError


class ReconciliationError(AgdrefAnefError):
    """Root of the reconciliation's errors."""
