"""The web application as the tests use it: created against the test's databases with a user of
each role (``PASSWORD``), driven by FastAPI's test client (the ``app`` fixture in conftest)."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def web_client(chain) -> Iterator[TestClient]:
    from operations.web.app import create_app
    from operations.web.auth import add_user

    settings = chain.settings().model_copy(update={"web_session_secret": secrets.token_urlsafe(40)})
    with chain.anef.begin() as conn:
        for role in ("viewer", "engineer", "admin"):
            add_user(conn, role, PASSWORD, role)
    with TestClient(create_app(settings, metrics_url=None, sample_every=3600)) as client:
        yield client


def login(client: TestClient, role: str) -> str:
    """Log in as the user of that role; returns the session's CSRF token (from a page's form)."""
    client.cookies.clear()
    assert client.post("/login", data={"username": role, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/gonogo").text
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
