"""The domain's errors, under the project's root."""
from __future__ import annotations

from common.exceptions import AgdrefAnefError


class DomainError(AgdrefAnefError):
    """Root of the domain rules' errors."""
