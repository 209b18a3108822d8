"""Database engines, made one way for the whole project."""
from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


def engine(url: str, **options) -> Engine:
    """A SQLAlchemy engine; ``pool_pre_ping`` so a restarted database costs one retry, not a crash."""
    return create_engine(url, pool_pre_ping=True, future=True, **options)


def server_url(url: str) -> str:
    """The same server's maintenance database (``postgres``), to create the others from."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    return make_url(url).database or ""
