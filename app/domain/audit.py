"""Audit records: who changed what, when, with the fields before and after.

A record is written by the same Cypher query as the change it describes, so the two commit
together or not at all. Property values must be primitives on both stores, so the field
maps travel as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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
    #: A duplicate person or client merged into the one kept (the record is the kept one's).
    merge = "merge"


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
        "target_kind": str(target_kind),  # an EntityKind or PracticeRecordKind, stored as its name
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
    record i is ``records()[i]``. A batch's items mostly have the same fields, so each names
    its shape by number (``own[i]["changed"]``) instead of repeating what the shape fixes:
    the list of changed fields, ``changed_sets[n]``, and the end of its ``after`` text,
    ``after_tails[n]`` (the fields its group shares, a relationship type's category,
    timestamps and version, and the closing brace): ten values per record were most of the
    parameter text, and the group's fields a quarter of what was left."""

    shared: dict[str, Any]
    own: list[dict[str, Any]]
    changed_sets: list[list[str]]
    after_tails: list[str]

    def records(self) -> list[dict[str, Any]]:
        """The records in full, as the store keeps them."""
        return [
            {**own, **self.shared, "after": own["after"] + self.after_tails[own["changed"]],
             "changed": self.changed_sets[own["changed"]]}
            for own in self.own
        ]


def creation_records(
    caller: Caller, target_kind: str, created: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]], *,
    ids: Sequence[str], now: str,
) -> CreationRecords:
    """One ``create`` record per new item, as ``audit_record`` would make it, built in one
    pass for batches of thousands, with a record id from ``ids`` for each (a ULID each, as
    ``audit_record`` draws). Each item comes as two parts: its own fields (``id`` among them)
    and the fields it shares with the other items of its group, one mapping object per group
    (a relationship type's category, timestamps and version, say): a group's part is turned
    into text once, not once per item. The two parts must not name the same field."""
    shared = {
        name: value for name, value in {
            "at": now, "actor_id": caller.team_member_id, "actor_name": caller.name, "actor_key_id": caller.key_id,
            "action": AuditAction.create.value, "target_kind": str(target_kind),
        }.items() if value is not None
    }
    encode = _flat_encoder()
    groups: dict[int, tuple[str, dict[str, Any]]] = {}  # by id() of a group's mapping, which `created` keeps alive
    changed_sets: dict[tuple[tuple[str, ...], int], int] = {}
    changed_names: list[list[str]] = []
    after_tails: list[str] = []
    own = []
    for record_id, (fields, group_fields) in zip(ids, created, strict=True):
        group = groups.get(id(group_fields))
        if group is None:
            public = _public(group_fields) or {}
            group = groups[id(group_fields)] = (encode(public)[1:-1], public)
        group_text, group_public = group
        item = _public(fields) or {}
        shape = (tuple(item), id(group_fields))
        changed = changed_sets.get(shape)
        if changed is None:
            if repeated := group_public.keys() & item.keys():
                raise ValueError(f"fields both an item's own and its group's: {sorted(repeated)}")
            changed = changed_sets[shape] = len(changed_names)
            changed_names.append(sorted([*item, *group_public]))
            # The item's JSON object goes without its closing brace: the group's members and
            # the brace follow, once per shape.
            after_tails.append(("," if item and group_text else "") + group_text + "}")
        own.append({"id": record_id, "target_id": item["id"], "after": encode(item)[:-1], "changed": changed})
    return CreationRecords(shared, own, changed_names, after_tails)


def _flat_encoder() -> Callable[[Mapping[str, Any]], str]:
    """``json.dumps(value, ensure_ascii=False, default=str)`` for the many small maps of a
    batch: the json module's C encoder made once and called directly. ``JSONEncoder.encode``
    builds a new one on every call, 5.1 against 3.2 us a record here."""
    make = json.encoder.c_make_encoder
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(ensure_ascii=False, default=str).encode
    encoder = make(None, str, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encoder(value, 0))


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
