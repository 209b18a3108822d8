from common.exceptions import AgdrefAnefError


class OperationsError(AgdrefAnefError):
    """Root of the operations tools' errors (status, web application)."""
