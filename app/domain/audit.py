"""Audit records: who changed what, when, with the fields before and after.

A record is written by the same Cypher query as the change it describes, so the two commit
together or not at all. Property values must be primitives on both stores, so the field
maps travel as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ulid import ULID

from app.domain.access import Caller


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    issue_key = "issue_key"
    revoke_key = "revoke_key"
    #: Many records written at once (an import, a generated practice, a restore).
    bulk_load = "bulk_load"
    #: A run's suggestions applied to clients.
    apply = "apply"


#: Fields no audit record ever holds (a key's hash is as good as the key to an attacker
#: who can read the store; the trail must not be a second copy of it).
SECRET_FIELDS = frozenset({"hash"})


def audit_record(
    caller: Caller, action: AuditAction, target_kind: str, target_id: str, *,
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, now: str,
    note: str | None = None,
) -> dict[str, Any]:
    """The properties of one ``AuditRecord`` node (no nulls: stores drop them anyway)."""
    before_fields = _public(before)
    after_fields = _public(after)
    changed = sorted(
        name for name in (before_fields or {}).keys() | (after_fields or {}).keys()
        if (before_fields or {}).get(name) != (after_fields or {}).get(name)
    )
    record = {
        "id": str(ULID()),
        "at": now,
        "actor_id": caller.team_member_id,
        "actor_name": caller.name,
        "actor_key_id": caller.key_id,
        "action": action.value,
        "target_kind": target_kind,
        "target_id": target_id,
        "before": _json(before_fields),
        "after": _json(after_fields),
        "changed": changed,
        "note": note,
    }
    return {name: value for name, value in record.items() if value is not None}


def _public(fields: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if fields is None:
        return None
    return {name: value for name, value in fields.items() if name not in SECRET_FIELDS and value is not None}


def _json(fields: Mapping[str, Any] | None) -> str | None:
    return None if fields is None else json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def record_fields(text: str | None) -> dict[str, Any] | None:
    """A stored ``before``/``after`` back as a map."""
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class CreationRecords:
    """The ``create`` records of a batch, in the form that travels to the store cheaply:
    record i is ``{**own[i], **shared, "changed": changed_sets[own[i]["changed"]]}``. A batch's
    items mostly have the same fields, so each names its list of changed fields by number
    instead of repeating it (ten values per record were most of the parameter text)."""

    shared: dict[str, Any]
    own: list[dict[str, Any]]
    changed_sets: list[list[str]]

    def records(self) -> list[dict[str, Any]]:
        """The records in full, as the store keeps them."""
        return [{**own, **self.shared, "changed": self.changed_sets[own["changed"]]} for own in self.own]


def creation_records(
    caller: Caller, target_kind: str, created: Sequence[Mapping[str, Any]], *, ids: Sequence[str], now: str,
) -> CreationRecords:
    """One ``create`` record per new item (each with an ``id``), as ``audit_record`` would
    make it, built in one pass for batches of thousands, with a record id from ``ids`` for
    each (a ULID each, as ``audit_record`` draws)."""
    shared = {
        name: value for name, value in {
            "at": now, "actor_id": caller.team_member_id, "actor_name": caller.name, "actor_key_id": caller.key_id,
            "action": AuditAction.create.value, "target_kind": target_kind,
        }.items() if value is not None
    }
    encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode  # one encoder, not one per record
    changed_sets: dict[tuple[str, ...], int] = {}
    own = []
    for record_id, after in zip(ids, created, strict=True):
        fields = _public(after) or {}
        changed = changed_sets.setdefault(tuple(sorted(fields)), len(changed_sets))
        own.append({"id": record_id, "target_id": after["id"], "after": encode(fields), "changed": changed})
    return CreationRecords(shared, own, [list(names) for names in changed_sets])


def application_records(
    caller: Caller, changes: Sequence[Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]], *,
    id_field: str, field: str, note: str, now: str,
) -> list[dict[str, Any]]:
    """A run's suggested changes ``{<id_field>, from, to}`` applied to ``field``, each with
    the entity's version in ``current`` (as just read) and the ``apply`` record of its change.
    The write applies, and records, only those still at that version and value; an entity no
    longer there gets version -1, which never matches."""
    completed = []
    for change in changes:
        entity = current.get(change[id_field])
        version = entity["version"] if entity else -1
        audit = audit_record(
            caller, AuditAction.apply, entity["entity_kind"] if entity else "entity", change[id_field],
            before={field: change["from"], "version": version}, after={field: change["to"], "version": version + 1},
            now=now, note=note,
        )
        completed.append({**change, "version": version, "audit": audit})
    return completed
