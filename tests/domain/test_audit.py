"""A batch's audit records, built in one pass for thousands of items, say what
``audit_record`` says of each item one at a time."""

from __future__ import annotations

import json

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.audit import AuditAction, audit_record, creation_records


def test_a_batch_makes_the_records_one_at_a_time_would() -> None:
    spouse = {"category": "family", "version": 1, "type": "SPOUSE_OF"}
    member = {"category": "membership", "role": "member", "version": 1, "type": "MEMBER_OF"}
    items = [
        ({"id": "SPOUSE_OF-1", "from_id": "p1", "to_id": "p2", "notes": 'said "yes"\n\\ é 😀'}, spouse),
        ({"id": "SPOUSE_OF-2", "from_id": "p3", "to_id": "p4", "strength": 0.5}, spouse),
        ({"id": "MEMBER_OF-3", "from_id": "p1", "to_id": "c1", "share": 0.25, "hash": "secret"}, member),
        ({"id": "SPOUSE_OF-4", "from_id": "p5", "to_id": "p6", "notes": "same fields as the first"}, spouse),
    ]
    batch = creation_records(LOCAL_OPERATOR, "relationship", items, ids=["a1", "a2", "a3", "a4"], now="2026-12-06T10:00:00Z")
    assert len(batch.changed_sets) == len(batch.after_tails) == 3  # one per shape: the first and last share theirs
    for record, record_id, (own, group) in zip(batch.records(), ["a1", "a2", "a3", "a4"], items, strict=True):
        alone = audit_record(LOCAL_OPERATOR, AuditAction.create, "relationship", own["id"],
                             before=None, after={**own, **group}, now="2026-12-06T10:00:00Z")
        assert record["id"] == record_id
        assert json.loads(record["after"]) == json.loads(alone.pop("after"))
        assert {k: v for k, v in record.items() if k not in ("id", "after")} == {k: v for k, v in alone.items() if k != "id"}
    assert "secret" not in json.dumps(batch.own) + "".join(batch.after_tails)


def test_a_field_both_own_and_shared_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        creation_records(LOCAL_OPERATOR, "relationship", [({"id": "X-1", "version": 2}, {"version": 1})], ids=["a"], now="n")
