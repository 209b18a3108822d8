"""The dead-letter browser (engineers: a payload may hold personal data): list, open (audited), replay."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from operations.web import facts
from operations.web.auth import User
from operations.web.deps import context, require
from operations.web.pages import checked, page

router = APIRouter()


def _letters(request: Request) -> list:
    from pipeline.rejects import dead_letters
    from schemas.topics import dead_letter_topic

    settings = context(request).settings
    return dead_letters(settings.kafka_bootstrap_servers, dead_letter_topic(settings.kafka_topic_prefix))


@router.get("/dead-letters")
def dead_letter_list(request: Request, viewer: User = Depends(require("engineer"))) -> HTMLResponse:
    """The dead letters (engineers: a payload may hold personal data)."""
    return page(request, "dead_letters.html", viewer, letters=_letters(request), shown=None, replayed="")


@router.get("/dead-letters/{index}")
def dead_letter(index: int, request: Request, viewer: User = Depends(require("engineer"))) -> HTMLResponse:
    letters = _letters(request)
    if not 0 <= index < len(letters):
        raise HTTPException(404, f"no dead letter {index}")
    origin, why, error, _, value = letters[index]
    with context(request).anef.begin() as conn:
        facts.record_audit(conn, viewer.name, "dead_letter.view", f"{origin.topic}[{origin.partition}]@{origin.offset}",
                           "payload opened")
    shown = {"index": index, "origin": f"{origin.topic}[{origin.partition}]@{origin.offset}", "why": why,
             "error": error, "value": (value or b"").decode("utf-8", "replace")}
    return page(request, "dead_letters.html", viewer, letters=letters, shown=shown, replayed="")


@router.post("/dead-letters/replay")
def dead_letter_replay(request: Request, reason: str = Form(...), csrf: str = Form(""),
                       viewer: User = Depends(require("engineer"))) -> HTMLResponse:
    from pipeline.rejects import replay_dead_letters
    from schemas.topics import dead_letter_topic

    checked(viewer, csrf)
    ctx = context(request)
    failing, result = replay_dead_letters(ctx.anef, ctx.settings.kafka_bootstrap_servers,
                                          dead_letter_topic(ctx.settings.kafka_topic_prefix))
    with ctx.anef.begin() as conn:
        facts.record_audit(conn, viewer.name, "dead_letter.replay", "every dead letter", reason,
                           {"applied": result.applied, "still_failing": failing})
    return page(request, "dead_letters.html", viewer, letters=_letters(request), shown=None,
                replayed=f"{result.applied} change(s) applied, {failing} still unusable")
