"""The evidence package's errors, under one root."""
from __future__ import annotations

from common.exceptions import AgdrefAnefError


class EvidenceError(AgdrefAnefError):
    """Root of the evidence package's errors."""


class UnknownRecord(EvidenceError):
    """A record of a kind the chain does not know, or whose row does not exist."""


class SigningKeyError(EvidenceError):
    """The signing key in the environment is not an Ed25519 private key."""
