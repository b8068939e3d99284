"""Merging a duplicate person or client into the one kept: what moves, what is filled, what
would break a relationship rule, and the audit records of it all (``EntityService.merge``
reads, checks visibility and writes; this works out the plan from what it read).

The rules a merge keeps are those of every new relationship (``relationship_rules``): no two
active relationships of a type between the same pair (either way round for symmetric
types), and one active holder of a singular role per client. A relationship between the two
entities themselves is dropped, not moved: on one entity it would relate it to itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.access import Caller
from app.domain.audit import AuditAction, audit_record
from app.domain.catalogue import RelationshipTypeSpec
from app.domain.model import SINGULAR_ROLES, EntityKind, PracticeRecordKind, person_display_name
from app.repositories.entities import Link, OwnRecord
from app.services.relationship_rules import audited, is_active

#: The kinds that can be merged: those whose creation names likely duplicates.
MERGEABLE_KINDS = frozenset({EntityKind.person, EntityKind.client})
#: Fields a merge never copies from the duplicate: its identity and bookkeeping, and the
#: name (a client's is required, so the kept one has it; a person's is made from the others).
_NOT_FILLED = frozenset({"id", "entity_kind", "version", "created_at", "updated_at", "name"})
SINGULAR_ROLE_CODES = frozenset(role.value for role in SINGULAR_ROLES)


def links(read: Sequence[Link]) -> list[Link]:
    """Each relationship once (one with the entity at both ends is read from both)."""
    seen: dict[str, Link] = {}
    for link in read:
        seen.setdefault(link.id, link)
    return list(seen.values())


@dataclass
class MergePlan:
    #: The kept entity's whole property map after the merge (version and time included).
    properties: dict[str, Any]
    #: The kept entity's fields that were empty and take the duplicate's value.
    filled: list[str]
    moved: list[Link] = field(default_factory=list)
    #: Relationships between the two (or of the duplicate with itself): deleted with it.
    dropped: list[Link] = field(default_factory=list)
    #: What a merge would break: ``{relationship_id, message}`` (and the kept one's
    #: ``kept_relationship_id``); a merge with any is refused.
    clashes: list[dict[str, Any]] = field(default_factory=list)

    def moves(self) -> dict[str, dict[str, list[str]]]:
        """By type, the ids of the relationships to move that start at the duplicate
        (``outgoing``) and that end at it (``incoming``)."""
        found: dict[str, dict[str, list[str]]] = {}
        for link in self.moved:
            found.setdefault(link.type, {"outgoing": [], "incoming": []})["outgoing" if link.outgoing else "incoming"].append(link.id)
        return found


def plan_merge(
    kind: EntityKind, kept: Mapping[str, Any], duplicate: Mapping[str, Any], kept_links: Sequence[Link],
    duplicate_links: Sequence[Link], catalogue: Mapping[str, RelationshipTypeSpec], *, today: str, now: str,
) -> MergePlan:
    filled = sorted(
        name for name, value in duplicate.items()
        if name not in _NOT_FILLED and value is not None and kept.get(name) is None
    )
    properties = {**kept, **{name: duplicate[name] for name in filled}, "version": kept["version"] + 1, "updated_at": now}
    if kind is EntityKind.person:
        properties["name"] = person_display_name(properties["first_name"], properties["last_name"], properties.get("preferred_name"))
    plan = MergePlan(properties, filled)
    pair = {kept["id"], duplicate["id"]}
    for link in duplicate_links:
        (plan.dropped if link.other["id"] in pair else plan.moved).append(link)
    plan.clashes = _pair_clashes(kept, plan.moved, kept_links, pair, catalogue, today) + _role_clashes(
        kept, duplicate, kept_links, plan.moved, today)
    return plan


def _pair_key(link: Link, catalogue: Mapping[str, RelationshipTypeSpec]) -> tuple[str, str, bool | None]:
    spec = catalogue.get(link.type)
    return link.type, link.other["id"], None if spec is not None and spec.symmetric else link.outgoing


def _pair_clashes(
    kept: Mapping[str, Any], moved: Sequence[Link], kept_links: Sequence[Link], pair: set[str],
    catalogue: Mapping[str, RelationshipTypeSpec], today: str,
) -> list[dict[str, Any]]:
    held = {
        _pair_key(link, catalogue): link for link in kept_links
        if link.other["id"] not in pair and is_active(link.relationship, today)
    }
    clashes = []
    for link in moved:
        same = held.get(_pair_key(link, catalogue)) if is_active(link.relationship, today) else None
        if same is not None:
            sentence = _sentence(catalogue, link, kept["name"])
            clashes.append({
                "relationship_id": link.id, "kept_relationship_id": same.id,
                "message": f"both have an active relationship that says: {sentence} (relationships {same.id} and "
                           f"{link.id}); end or delete one of them first",
            })
    return clashes


def _role_clashes(
    kept: Mapping[str, Any], duplicate: Mapping[str, Any], kept_links: Sequence[Link], moved: Sequence[Link], today: str,
) -> list[dict[str, Any]]:
    def holders(entity_links: Sequence[Link]) -> dict[str, Link]:
        return {
            link.relationship["role"]: link for link in entity_links
            if not link.outgoing and link.relationship.get("role") in SINGULAR_ROLE_CODES
            and is_active(link.relationship, today)
        }

    kept_holders = holders([link for link in kept_links if link.other["id"] != duplicate["id"]])
    clashes = []
    for role, link in holders(moved).items():
        same = kept_holders.get(role)
        if same is not None:
            clashes.append({
                "relationship_id": link.id, "kept_relationship_id": same.id,
                "message": f"both have an active {role.replace('_', ' ')} ({same.other['name']} of {kept['name']}, "
                           f"{link.other['name']} of {duplicate['name']}), and a client has only one; end one of "
                           f"those relationships ({same.id} or {link.id}) first",
            })
    return clashes


def _sentence(catalogue: Mapping[str, RelationshipTypeSpec], link: Link, name: str) -> str:
    spec = catalogue.get(link.type)
    from_name, to_name = (name, link.other["name"]) if link.outgoing else (link.other["name"], name)
    return spec.sentence(from_name, to_name) if spec else f"{from_name} {link.type} {to_name}"


def merge_audits(
    caller: Caller, kind: EntityKind, kept: Mapping[str, Any], duplicate: Mapping[str, Any], plan: MergePlan,
    own_records: Sequence[OwnRecord], *, now: str,
) -> list[dict[str, Any]]:
    """The records of a merge: ``merge`` on the kept entity (naming the duplicate and what
    moved), ``delete`` of the duplicate, and one per relationship and owned record moved or
    dropped."""
    kept_id, duplicate_id = kept["id"], duplicate["id"]
    how = f"merged {kind.value} {duplicate_id} into {kind.value} {kept_id}"
    parts = [f"merged {kind.value} {duplicate_id} ({duplicate['name']}) into this one"]
    for what, listed in (
        ("moved relationships", [link.id for link in plan.moved]),
        ("moved records", [own.record["id"] for own in own_records]),
        ("dropped relationships between the two", [link.id for link in plan.dropped]),
        ("filled", plan.filled),
    ):
        if listed:
            parts.append(f"{what}: {', '.join(listed)}")
    audits = [
        audit_record(caller, AuditAction.merge, kind.value, kept_id, before=kept, after=plan.properties, now=now,
                     note="; ".join(parts)),
        audit_record(caller, AuditAction.delete, kind.value, duplicate_id, before=duplicate, after=None, now=now,
                     note=how),
    ]
    for link in plan.moved:
        before = audited(link.relationship, link.type, *link.ends(duplicate_id))
        after = audited({**link.relationship, "version": link.relationship.get("version", 0) + 1, "updated_at": now},
                        link.type, *link.ends(kept_id))
        audits.append(audit_record(caller, AuditAction.update, PracticeRecordKind.relationship, link.id, before=before, after=after,
                                   now=now, note=how))
    for link in plan.dropped:
        audits.append(audit_record(
            caller, AuditAction.delete, PracticeRecordKind.relationship, link.id, before=audited(link.relationship, link.type, *link.ends(duplicate_id)),
            after=None, now=now, note=f"{how}: it joined the two, and an entity is not related to itself",
        ))
    for own in own_records:
        record, owner = own.record, ("entity_id" if own.kind == PracticeRecordKind.important_date else "client_id")
        audits.append(audit_record(caller, AuditAction.update, own.kind, record["id"], before=record,
                                   after={**record, owner: kept_id}, now=now, note=how))
    return audits
