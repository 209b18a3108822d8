"""Database engines, made one way for the whole project."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


def _json_text(value) -> str:
    return orjson.dumps(value).decode()


def engine(url: str, **options) -> Engine:
    """A SQLAlchemy engine; ``pool_pre_ping`` so a restarted database costs one retry, not a crash.

    With psycopg2, many-row statements go through ``execute_values``/``execute_batch``: its plain
    ``executemany`` makes one round trip per row, twenty times slower for the sink's batches.
    JSON goes through orjson both ways: the assembly area is JSONB, read and written for every
    legacy row, and the standard library's json is several times slower at it."""
    if make_url(url).get_backend_name() == "postgresql" and make_url(url).get_driver_name() == "psycopg2":
        options.setdefault("executemany_mode", "values_plus_batch")
        options.setdefault("insertmanyvalues_page_size", 1000)
        options.setdefault("json_serializer", _json_text)
        options.setdefault("json_deserializer", orjson.loads)
    options.setdefault("pool_pre_ping", True)
    # A database error's message must not carry the bound values (names, numbers) into a log.
    options.setdefault("hide_parameters", True)
    return create_engine(url, **options)


def server_url(url: str) -> str:
    """The same server's maintenance database (``postgres``), to create the others from."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    return make_url(url).database or ""


def psycopg2_dsn(url: str) -> str:
    """A libpq connection string for a SQLAlchemy URL (for psycopg2's own APIs: replication, COPY)."""
    u = make_url(url)
    parts = {"host": u.host, "port": u.port, "user": u.username, "password": u.password, "dbname": u.database}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)


@contextmanager
def opened(url: str, **options) -> Iterator[Engine]:
    """An engine for one command's work, disposed of when it is done (errors included)."""
    made = engine(url, **options)
    try:
        yield made
    finally:
        made.dispose()
