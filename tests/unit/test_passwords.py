"""Password hashes carry their parameters: raising the cost later locks nobody out."""
from __future__ import annotations

import hashlib

from argon2 import PasswordHasher

from operations.web import passwords


def test_a_hash_names_its_algorithm_and_parameters_and_matches_only_its_password():
    stored = passwords.hashed("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.matches("correct horse battery", stored)
    assert not passwords.matches("correct horse batterz", stored) and not passwords.matches("x", "garbage")


def test_a_hash_made_with_older_parameters_still_matches_and_is_marked_for_a_new_hash():
    cheaper = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("correct horse battery")
    assert passwords.matches("correct horse battery", cheaper) and passwords.outdated(cheaper)
    assert not passwords.outdated(passwords.hashed("correct horse battery"))


def test_the_first_releases_scrypt_hashes_are_still_read_then_replaced():
    salt = bytes(range(16))
    old = f"scrypt${salt.hex()}${hashlib.scrypt(b'correct horse battery', salt=salt, n=2**14, r=8, p=1, dklen=32).hex()}"
    assert passwords.matches("correct horse battery", old) and not passwords.matches("wrong horse battery", old)
    assert passwords.outdated(old)
