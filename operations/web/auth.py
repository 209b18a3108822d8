"""Users, passwords, sessions and CSRF for the web application.

- Passwords: Argon2id with their parameters in the stored hash (``operations.web.passwords``),
  re-hashed at login when the parameters were raised.
- Sessions: kept in the database (``web.session``), named by a cookie signed with
  ``WEB_SESSION_SECRET`` (itsdangerous), valid ``SESSION_HOURS``; HttpOnly, SameSite=Strict,
  Secure behind TLS. Logout revokes the session; a password or role change, a deactivation or a
  deletion revokes every session of the user.
- Logins: the same work for a known and an unknown name (one Argon2id each); more than
  ``FAILED_PER_USER`` failures for a name, or ``FAILED_PER_ADDRESS`` from an address, in
  ``THROTTLE_MINUTES`` refuse further attempts for a while; every login, failure and logout is audited.
- CSRF: every form carries the session's token, every state-changing request (form or JSON) must
  send it back (form field ``csrf`` or header ``X-CSRF-Token``), compared in constant time.
- Roles: viewer (aggregates only), engineer (dossier detail, decisions), admin (users, criteria).
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, func, insert, select, text, update

from operations.web import passwords
from schemas.web_tables import ROLES, session, user

SESSION_COOKIE = "agdref_anef_session"
SESSION_HOURS = 8
THROTTLE_MINUTES, FAILED_PER_USER, FAILED_PER_ADDRESS = 15, 5, 20


@dataclass(frozen=True)
class User:
    name: str
    role: str
    csrf: str

    def can(self, role: str) -> bool:
        """Whether this user has at least ``role`` (viewer < engineer < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def add_user(conn: Connection, name: str, password: str, role: str, replace: bool = True) -> None:
    """Create a user, or (``replace``) change an existing one's password and role, which revokes
    their sessions. Raises ValueError for an unknown role, a blank name, a short password, an
    existing user without ``replace``, or demoting the last active administrator."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or name != name.strip():
        raise ValueError("a user name is not blank and has no surrounding spaces")
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    row = {"username": name, "password_hash": passwords.hashed(password), "role": role, "active": True}
    existing = conn.execute(select(user.c.role).where(user.c.username == name)).first()
    if existing is not None:
        if not replace:
            raise ValueError(f"{name!r} exists: changing their password or role must be asked for")
        if existing.role == "admin" and role != "admin" and not _other_active_admins(conn, name):
            raise ValueError("the last active administrator keeps the admin role")
        conn.execute(update(user).where(user.c.username == name).values(**row))
        revoke_all(conn, name)
    else:
        conn.execute(insert(user).values(**row))


# A hash to check an unknown name's password against: computed once, so that a login costs one
# One hash checked whether the name exists or not (two for an unknown name told names apart by time).
_NOBODY = passwords.hashed(secrets.token_urlsafe(16))


def authenticate(conn: Connection, name: str, password: str) -> str | None:
    """The user's role when the password matches an active user; None otherwise (and the same
    time is spent either way: no way to tell a wrong name from a wrong password)."""
    row = conn.execute(select(user.c.password_hash, user.c.role).where(user.c.username == name,
                                                                        user.c.active)).first()
    matched = passwords.matches(password, row.password_hash if row else _NOBODY)
    if row is None or not matched:
        return None
    if passwords.outdated(row.password_hash):
        conn.execute(update(user).where(user.c.username == name).values(password_hash=passwords.hashed(password)))
    return row.role


def throttled(conn: Connection, name: str, address: str) -> bool:
    """Whether recent failures for this name or from this address refuse another attempt now."""
    per_user, per_address = conn.execute(text(
        "SELECT count(*) FILTER (WHERE target = :n), count(*) FILTER (WHERE detail->>'address' = :a)"
        f" FROM web.audit WHERE action = 'login.failed' AND at > now() - interval '{THROTTLE_MINUTES} minutes'"),
        {"n": name, "a": address}).one()
    return per_user >= FAILED_PER_USER or per_address >= FAILED_PER_ADDRESS


def _other_active_admins(conn: Connection, name: str) -> int:
    return conn.execute(select(func.count()).select_from(user).where(
        user.c.role == "admin", user.c.active, user.c.username != name)).scalar_one()


def set_active(conn: Connection, name: str, active: bool) -> None:
    """Deactivate (sessions revoked at once) or reactivate a user; the last active administrator
    cannot be deactivated. Raises ValueError."""
    found = conn.execute(select(user.c.role).where(user.c.username == name)).first()
    if found is None:
        raise ValueError(f"no user {name!r}")
    if not active and found.role == "admin" and not _other_active_admins(conn, name):
        raise ValueError("the last active administrator cannot be deactivated")
    conn.execute(update(user).where(user.c.username == name).values(active=active))
    if not active:
        revoke_all(conn, name)


def delete_user(conn: Connection, name: str) -> None:
    """Delete a user (their sessions revoked, their audit kept); never the last active administrator."""
    found = conn.execute(select(user.c.role).where(user.c.username == name)).first()
    if found is None:
        raise ValueError(f"no user {name!r}")
    if found.role == "admin" and not _other_active_admins(conn, name):
        raise ValueError("the last active administrator cannot be deleted")
    revoke_all(conn, name)
    conn.execute(user.delete().where(user.c.username == name))


def revoke_all(conn: Connection, name: str) -> None:
    conn.execute(update(session).where(session.c.username == name, session.c.revoked_at.is_(None))
                 .values(revoked_at=func.now()))


class Sessions:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("WEB_SESSION_SECRET must hold at least 32 characters")
        self._signer = URLSafeTimedSerializer(secret, salt="agdref-anef-session")

    def issue(self, conn: Connection, name: str, address: str = "") -> str:
        """A new session for ``name``: kept, and named by the signed cookie returned."""
        ident = secrets.token_urlsafe(24)
        conn.execute(insert(session).values(id=ident, username=name, csrf=secrets.token_urlsafe(24), address=address))
        return self._signer.dumps({"s": ident})

    def _ident(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.loads(cookie, max_age=SESSION_HOURS * 3600).get("s")
        except BadSignature:
            return None

    def read(self, conn: Connection, cookie: str | None) -> User | None:
        """The session's user, if the session is neither revoked nor older than ``SESSION_HOURS``
        and the user is active, with the role they have now."""
        ident = self._ident(cookie)
        if ident is None:
            return None
        row = conn.execute(
            select(session.c.username, session.c.csrf, user.c.role)
            .join(user, user.c.username == session.c.username)
            .where(session.c.id == ident, session.c.revoked_at.is_(None), user.c.active,
                   session.c.created_at > func.now() - text(f"interval '{SESSION_HOURS} hours'"))).first()
        return User(row.username, row.role, row.csrf) if row is not None else None

    def revoke(self, conn: Connection, cookie: str | None) -> None:
        ident = self._ident(cookie)
        if ident is not None:
            conn.execute(update(session).where(session.c.id == ident).values(revoked_at=func.now()))


def csrf_ok(expected: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(expected, sent)
