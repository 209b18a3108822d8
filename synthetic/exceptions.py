from common.exceptions import AgdrefAnefError


class SeedError(AgdrefAnefError):
    """The synthetic population cannot be written as asked."""
