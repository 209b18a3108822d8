"""Users, passwords, sessions and CSRF for the web application.

- Passwords: scrypt with a random salt per user (the standard library's, no dependency).
- Sessions: a cookie signed with ``WEB_SESSION_SECRET`` (itsdangerous), holding the user name,
  role and a CSRF token, valid ``SESSION_HOURS``; HttpOnly, SameSite=Strict.
- CSRF: every form carries the session's token, every state-changing request (form or JSON) must
  send it back (form field ``csrf`` or header ``X-CSRF-Token``), compared in constant time.
- Roles: viewer (aggregates only), engineer (dossier detail, decisions), admin (users, criteria).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, insert, select, update

from schemas.web_tables import ROLES, user

SESSION_COOKIE = "agdref_anef_session"
SESSION_HOURS = 8
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    csrf: str

    def can(self, role: str) -> bool:
        """Whether this user has at least ``role`` (viewer < engineer < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT).hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT).hex(), digest)


def add_user(conn: Connection, name: str, password: str, role: str) -> None:
    """Create or replace a user. Raises ValueError for an unknown role or a short password."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    row = {"username": name, "password_hash": hash_password(password), "role": role, "active": True}
    if conn.execute(select(user.c.username).where(user.c.username == name)).first():
        conn.execute(update(user).where(user.c.username == name).values(**row))
    else:
        conn.execute(insert(user).values(**row))


def authenticate(conn: Connection, name: str, password: str) -> str | None:
    """The user's role when the password matches an active user; None otherwise (and the same
    time is spent either way: no way to tell a wrong name from a wrong password)."""
    row = conn.execute(select(user.c.password_hash, user.c.role).where(user.c.username == name,
                                                                        user.c.active)).first()
    if row is None:
        password_matches(password, hash_password("not a user at all"))
        return None
    return row.role if password_matches(password, row.password_hash) else None


class Sessions:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("WEB_SESSION_SECRET must hold at least 32 characters")
        self._signer = URLSafeTimedSerializer(secret, salt="agdref-anef-session")

    def issue(self, name: str, role: str) -> str:
        return self._signer.dumps({"u": name, "r": role, "c": secrets.token_urlsafe(24)})

    def read(self, cookie: str | None) -> User | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        return User(data["u"], data["r"], data["c"]) if data.get("r") in ROLES else None


def csrf_ok(expected: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(expected, sent)
