"""The evidence chain's rules: any edit, removal or reordering of a record, or of the row it
records, is found at that record."""
from __future__ import annotations

import json

from evidence.chain import GENESIS, canonical, first_break, make_record


def chain(bodies: list[dict]) -> list[tuple[int, str, str]]:
    records, prev = [], GENESIS
    for seq, body in enumerate(bodies, start=1):
        text, hashed = make_record(seq, "verdict", str(seq), body, prev)
        records.append((seq, text, hashed))
        prev = hashed
    return records


BODIES = [{"scope": "75", "go": False}, {"scope": "13", "go": True, "criteria": [{"value": 0.999}]},
          {"scope": "2A", "go": False, "at": "2026-11-30T01:00:00+00:00"}]


def test_an_untouched_chain_holds():
    assert first_break(chain(BODIES)) is None
    assert first_break(chain(BODIES), {("verdict", str(i + 1)): b for i, b in enumerate(BODIES)}) is None


def test_the_canonical_form_does_not_depend_on_key_order_or_spacing():
    assert canonical({"b": 1, "a": [1, "é"]}) == canonical(json.loads('{ "a": [1, "é"],  "b": 1 }')) == '{"a":[1,"é"],"b":1}'


def test_an_edited_record_breaks_at_that_record():
    records = chain(BODIES)
    seq, text, hashed = records[1]
    records[1] = (seq, text.replace('"go":true', '"go":false'), hashed)
    assert first_break(records).seq == 2


def test_an_edited_record_rehashed_breaks_at_the_next_one():
    records = chain(BODIES)
    seq, text, _ = records[1]
    forged = text.replace('"go":true', '"go":false')
    from evidence.chain import digest

    records[1] = (seq, forged, digest(forged))
    broken = first_break(records)
    assert broken.seq == 3 and "does not follow" in broken.reason


def test_a_removed_record_is_found_where_it_is_missing():
    records = chain(BODIES)
    del records[1]
    assert first_break(records).seq == 3


def test_a_recorded_row_changed_or_deleted_since_is_found_at_its_record():
    rows = {("verdict", str(i + 1)): b for i, b in enumerate(BODIES)}
    changed = {**rows, ("verdict", "2"): {**BODIES[1], "go": False}}
    assert first_break(chain(BODIES), changed).seq == 2
    deleted = {k: v for k, v in rows.items() if k != ("verdict", "3")}
    assert "deleted" in first_break(chain(BODIES), deleted).reason
