"""A kept legacy row is built again (``LegacyRow.from_kept``) exactly as ``model_construct``
builds it, without validating it again."""
from schemas.legacy_models import LEGACY_MODELS
from synthetic.seed import chunk_rows


def _kept(table: str, row: dict) -> dict:
    """The row as the assembly area keeps it: the validated model, dumped (JSON: field order)."""
    return LEGACY_MODELS[table].model_validate(row).model_dump(mode="json")


def test_every_kept_row_is_built_again_as_model_construct_builds_it():
    for table, rows in chunk_rows(0, 40, seed=3).items():
        for row in rows:
            kept = _kept(table, row)
            expected = LEGACY_MODELS[table].model_construct(**dict(kept))
            built = LEGACY_MODELS[table].from_kept(dict(kept))
            assert built == expected
            assert built.model_fields_set == expected.model_fields_set
            assert built.model_dump() == expected.model_dump()
            assert list(vars(built)) == list(vars(expected))


def test_a_row_kept_before_a_field_existed_gets_the_field_s_default():
    table = "etranger"
    kept = _kept(table, chunk_rows(0, 1, seed=3)[table][0])
    del kept["date_maj"]
    built = LEGACY_MODELS[table].from_kept(dict(kept))
    assert built.date_maj is None and "date_maj" not in built.model_fields_set
