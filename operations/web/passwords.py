"""Password hashes that carry their own parameters: Argon2id (argon2-cffi), stored in the PHC
string format (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``). Raising the cost later only changes
``HASHER``: each stored hash is checked with the parameters written in it, then re-hashed with
the new ones at the user's next login. (The first release stored scrypt without its parameters:
raising them would have locked every user out. Those hashes are still read, and replaced by
Argon2id at the next login.)"""
from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): ~50 ms here per login.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
_OLD_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}  # the first release's fixed parameters


def hashed(password: str) -> str:
    return HASHER.hash(password)


def matches(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (Argon2id or the old scrypt)."""
    if stored.startswith("scrypt$"):
        try:
            _, salt, digest = stored.split("$")
            again = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_OLD_SCRYPT).hex()
        except ValueError:
            return False
        return hmac.compare_digest(again, digest)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def outdated(stored: str) -> bool:
    """Whether a matching hash should be made again with today's parameters."""
    return stored.startswith("scrypt$") or HASHER.check_needs_rehash(stored)
