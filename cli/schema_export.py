"""``agdref-anef schemas export``: ANEF's model as JSON Schema, for the teams that consume it."""
from __future__ import annotations

import json
from pathlib import Path

import click

from schemas.anef_models import EXPORTED_MODELS


def export(folder: Path) -> list[Path]:
    """Write one ``<name>.schema.json`` per ANEF model (draft 2020-12, as pydantic emits it)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in EXPORTED_MODELS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"anef/{name}.schema.json",
                  **model.model_json_schema(mode="serialization")}
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


@click.group("schemas")
def schemas() -> None:
    """The contracts, for other teams."""


@schemas.command("export")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas-json"),
              show_default=True)
def export_command(folder: Path) -> None:
    """Write ANEF's models (usager, titre, demande, attestation, mesure_eloignement, dossier) as JSON Schema."""
    for path in export(folder):
        click.echo(path)
