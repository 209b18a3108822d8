"""The go/no-go decision sheet of a scope: HTML made for printing and signing, and PDF through Chromium."""
from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from operations.gonogo import COUNTRY
from operations.web import api
from operations.web.auth import User
from operations.web.deps import context, require
from operations.web.pages import page

router = APIRouter()


def _sheet(request: Request, scope: str, viewer: User) -> HTMLResponse:
    from evidence import store as evidence
    from operations.gonogo import Criterion, explain
    from schemas.referentials import department_name

    found = next((v for v in api.gonogo(request, viewer)["verdicts"] if v["scope"] == scope), None)
    if found is None:
        raise HTTPException(404, f"no verdict for {scope}")
    with context(request).anef.connect() as conn:
        chain = evidence.head(conn)
    return page(request, "sheet.html", viewer, v=found, scope_name=department_name(scope) if scope != COUNTRY else "",
                chain=chain, explain=lambda c: explain(Criterion(**{k: c[k] for k in Criterion.__dataclass_fields__})))


@router.get("/gonogo/{scope}/sheet")
def decision_sheet(scope: str, request: Request, viewer: User = Depends(require("viewer"))) -> HTMLResponse:
    """The latest verdict of a scope on one page made for printing and signing."""
    return _sheet(request, scope, viewer)


@router.get("/gonogo/{scope}/sheet.pdf")
def decision_sheet_pdf(scope: str, request: Request, viewer: User = Depends(require("viewer"))) -> Response:
    """The same sheet as PDF, printed by Debian's Chromium (installed where the browser tests run)."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    chromium = shutil.which("chromium")
    if chromium is None:
        raise HTTPException(501, "PDF needs Debian's chromium on this machine; print the HTML sheet instead")
    html = _sheet(request, scope, viewer).body.decode()
    css = resources.files("operations.web").joinpath("static/style.css").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "sheet.html", Path(folder) / "sheet.pdf"
        source.write_text(html.replace('<link rel="stylesheet" href="/static/style.css">', f"<style>{css}</style>"))
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}", "--no-pdf-header-footer",
                        source.as_uri()], check=True, capture_output=True, timeout=60)
        return Response(target.read_bytes(), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="decision-{scope}.pdf"'})
