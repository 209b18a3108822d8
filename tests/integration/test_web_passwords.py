"""A password stored by the first release (scrypt, no parameters) still logs in, and is replaced
by an Argon2id hash carrying its parameters at that login."""
from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.integration.conftest import Chain
from tests.integration.web_client import PASSWORD


def test_an_old_scrypt_password_logs_in_once_and_is_stored_again_with_argon2(app: TestClient, chain: Chain):
    salt = bytes(range(16))
    old = f"scrypt${salt.hex()}${hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()}"
    with chain.anef.begin() as conn:
        conn.execute(text("UPDATE web.\"user\" SET password_hash = :h WHERE username = 'viewer'"), {"h": old})
    answer = app.post("/login", data={"username": "viewer", "password": PASSWORD}, follow_redirects=False)
    assert answer.headers["location"] != "/login?failed=1"
    with chain.anef.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM web.\"user\" WHERE username = 'viewer'")).scalar_one()
    assert stored.startswith("$argon2id$")
    app.cookies.clear()
    assert app.post("/login", data={"username": "viewer", "password": PASSWORD},
                    follow_redirects=False).headers["location"] != "/login?failed=1"
