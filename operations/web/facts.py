"""What the web pages show, read from the databases (I/O). Every filter is a bound parameter."""
from __future__ import annotations

from sqlalchemy import Engine, select

from operations.verdicts import (  # noqa: F401 - the pages' names for the go/no-go's I/O
    change_criteria,
    current_criteria,
    evaluate_all,
    latest_verdicts,
    record_audit,
    scope_facts,
    verdict_history,
)
from reconciliation import store
from schemas.web_tables import audit


def runs(anef: Engine) -> list[dict]:
    with anef.connect() as conn:
        return store.runs(conn)


def audit_log(anef: Engine, limit: int = 200, who: str = "", action: str = "", target: str = "") -> list[dict]:
    """The latest audit entries, newest first; ``who`` and ``target`` exact, ``action`` a prefix
    (``login`` gives logins, failures and refusals)."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if who:
        query = query.where(audit.c.username == who)
    if action:
        query = query.where(audit.c.action.startswith(action, autoescape=True))
    if target:
        query = query.where(audit.c.target == target)
    with anef.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
