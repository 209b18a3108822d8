"""ANEF's models exported as JSON Schema accept what the mapping produces and refuse what ANEF refuses."""
import json
from datetime import UTC, datetime

import jsonschema
import pytest

from cli.schema_export import export
from domain.dossier import LegacyDossier, map_dossier
from schemas.legacy_models import Etranger, Titre


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemas")
    return {p.name.split(".")[0]: json.loads(p.read_text()) for p in export(folder)}


def test_every_anef_table_and_the_dossier_are_exported(exported):
    assert set(exported) == {"usager", "titre", "demande", "attestation", "mesure_eloignement", "dossier"}
    for schema in exported.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_a_mapped_dossier_validates_and_a_wrong_vocabulary_does_not(exported):
    legacy = LegacyDossier("0000000001", persons=(Etranger(num_etranger="0000000001", nom="A", sexe="M", nationalite="MA",
                                                           code_dept="075"),),
                           titres=(Titre(num_titre="T1", num_etranger="0000000001", type_titre="CRP",
                                         date_debut_val="20200101", date_fin_val="00000000", date_remise="00000000",
                                         autor_travail="O", lieu_delivrance="075"),))
    dossier = map_dossier(legacy, datetime(2026, 1, 1, tzinfo=UTC)).dossier
    document = json.loads(dossier.model_dump_json())
    jsonschema.validate(document, exported["dossier"])
    document["usager"]["sexe"] = "I"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, exported["dossier"])
