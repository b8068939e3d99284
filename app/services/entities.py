"""Clients, people, team members, providers and divisions: create, read, change, delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.domain.groups import audited_group
from app.domain.model import (
    EntityKind,
    PracticeRecordKind,
    new_entity_id,
    now_iso,
    person_display_name,
    today_iso,
)
from app.repositories.catalogue import CatalogueReads
from app.repositories.entities import Entities, EntityDeletion
from app.repositories.groups import GroupRepository
from app.repositories.visibility import VisibleEntities
from app.services.catalogue import CatalogueService, category_key
from app.services.merging import MERGEABLE_KINDS, SINGULAR_ROLE_CODES, links, merge_audits, plan_merge
from app.services.optimistic import write_attempts
from app.services.relationship_rules import audited
from app.services.visibility import Visibility

# Fields that may not be cleared with an explicit null in a PATCH.
_REQUIRED = {
    EntityKind.client: {"name", "kind"},
    EntityKind.person: {"first_name", "last_name"},
    EntityKind.team_member: {"name", "role"},
    EntityKind.provider: {"name", "kind"},
    EntityKind.division: {"name"},
}
# Fields that name another entity, and the kind it must be.
_REFERENCES = {"owner_id": EntityKind.team_member, "reports_to_id": EntityKind.team_member}
_CATEGORY_FIELDS = {name.client_field: name for name in CategoryList}

MAX_HIERARCHY_DEPTH = 200
_PAGE = 5_000


class EntityServiceRepository(Entities, CatalogueReads, VisibleEntities, Protocol):
    """What the entity service reads and writes (the groups an entity leaves: ``GroupRepository``)."""


def _describe(kind: EntityKind) -> str:
    return kind.value.replace("_", " ")


def _write_permission(kind: EntityKind) -> Permission:
    # Team members carry roles and so decide who may do what: only admins change them.
    return Permission.administer if kind is EntityKind.team_member else Permission.write


#: The kinds whose creation names likely duplicates: people (same name in any case, and no
#: differing email) and clients (same name in any case).
DUPLICATE_CHECKED_KINDS = frozenset({EntityKind.person, EntityKind.client})
MAX_LIKELY_DUPLICATES = 20


class EntityService:
    """``groups`` makes the groups' repository (deleting an entity takes it out of its groups)."""

    def __init__(self, repository: EntityServiceRepository, catalogue: CatalogueService,
                 groups: Callable[[], GroupRepository], caller: Caller) -> None:
        self._repo = repository
        self._catalogue = catalogue
        self._groups = groups
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    def create(self, kind: EntityKind, data: dict[str, Any]) -> dict[str, Any]:
        self._caller.require(_write_permission(kind), f"create {kind.path}")
        references = self._check(kind, data)
        now = now_iso()
        properties = new_entity_properties(kind, data, entity_id=new_entity_id(), now=now)
        audit = audit_record(self._caller, AuditAction.create, kind.value, properties["id"], before=None, after=properties, now=now)
        if not self._repo.create_entity(kind, properties, references, audit, categories=_category_keys(data)):
            raise InvalidInput("an entity this one refers to, or a category it names, was deleted meanwhile; nothing was created")
        # Read back unchecked: a client may be created for an owner the caller does not see.
        created = self._read(kind, properties["id"])
        if kind in DUPLICATE_CHECKED_KINDS:
            # A warning, not a rule: the create stands (two people may share a name), so it is
            # read after the write, and lists only entities the caller may see.
            created["likely_duplicates"] = [asdict(found) for found in self._repo.likely_duplicates(
                kind, created, limit=MAX_LIKELY_DUPLICATES, owners=self._visibility.owners)]
        return created

    def get(self, kind: EntityKind, entity_id: str) -> dict[str, Any]:
        """The entity, if the caller may see it (one they may not see is answered as missing)."""
        return self._read(kind, entity_id, owners=self._visibility.owners)

    def _read(self, kind: EntityKind, entity_id: str, *, owners: frozenset[str] | None = None) -> dict[str, Any]:
        entity = self._repo.get_entity(kind, entity_id, owners=owners)
        if entity is None:
            raise _missing(kind, entity_id)
        return entity

    def update(self, kind: EntityKind, entity_id: str, changes: dict[str, Any], *, expected_version: int | None = None) -> dict[str, Any]:
        """Apply a partial change (an explicit None clears an optional field).

        The write replaces the whole property map, guarded by the version just read; if
        another writer got in between, the change is merged again onto the newer state,
        unless the caller named the version it expects.
        """
        self._caller.require(_write_permission(kind), f"change {kind.path}")
        cleared = sorted(name for name in changes.keys() & _REQUIRED[kind] if changes[name] is None)
        if cleared:
            raise InvalidInput(f"{', '.join(cleared)} cannot be cleared")
        references: list[str] | None = None
        for _ in write_attempts():
            current = self.get(kind, entity_id)
            if expected_version is not None and current["version"] != expected_version:
                raise stale_version(kind.value, entity_id, current["version"], expected_version)
            if not changes:
                return current
            if references is None:
                references = self._check(kind, changes, entity_id=entity_id)
            merged = {**current, **changes}
            if kind is EntityKind.person:
                merged["name"] = person_display_name(merged["first_name"], merged["last_name"], merged.get("preferred_name"))
            now = now_iso()
            stored = {k: v for k, v in merged.items() if v is not None}
            audit = audit_record(
                self._caller, AuditAction.update, kind.value, entity_id, before=current,
                after={**stored, "version": current["version"] + 1, "updated_at": now}, now=now,
            )
            row = self._repo.update_entity(
                kind, entity_id, stored, references, now=now, expected_version=current["version"], before=current,
                audit=audit, categories=_category_keys(changes),
            )
            if row is None:
                raise NotFound(f"no {_describe(kind)} with id '{entity_id}'")
            if not row.references_ok:
                raise InvalidInput("an entity this one refers to, or a category it names, was deleted meanwhile; nothing was changed")
            if row.version_ok:
                return row.entity
            if expected_version is not None:
                raise stale_version(kind.value, entity_id, None, expected_version)
        raise Conflict(f"{_describe(kind)} '{entity_id}' was changed by someone else meanwhile; nothing was changed")

    def delete(self, kind: EntityKind, entity_id: str, *, cascade: bool = False, expected_version: int | None = None) -> None:
        """Delete it, guarded by the version just read; with ``cascade`` its relationships go
        too and references to it are cleared, each with its own audit record, guarded by the
        set read for those records. The records it owns (touches, service requests, important
        dates) always go with it, each with its audit record, guarded the same way, and it leaves
        every group that picked it by hand (an audit record per group). If another writer got in
        between, read again, unless the caller named the version it expects."""
        self._caller.require(_write_permission(kind), f"delete {kind.path}")
        for _ in write_attempts():
            # What the caller may not see, they may not delete: it reads as missing.
            current = self.get(kind, entity_id)
            if expected_version is not None and current["version"] != expected_version:
                raise stale_version(kind.value, entity_id, current["version"], expected_version)
            self._refuse_links_out_of_view(kind, entity_id)
            now = now_iso()
            audits = [audit_record(self._caller, AuditAction.delete, kind.value, entity_id, before=current, after=None, now=now)]
            holds = self._cascade(entity_id, now, audits) if cascade else None
            # Its touches, service requests and important dates are its own: they go with it.
            own_records = self._repo.entity_own_records(entity_id)
            audits += [
                audit_record(self._caller, AuditAction.delete, own.kind, own.record["id"], before=own.record,
                             after=None, now=now, note=f"deleted with {kind.value} {entity_id}")
                for own in own_records
            ]
            groups = self._leave_groups(entity_id, now=now, note=f"deleted with {kind.value} {entity_id}", audits=audits)
            row = self._repo.delete_entity(
                kind, entity_id, cascade=cascade, now=now, expected_version=current["version"], holds=holds,
                own_records=[own.record["id"] for own in own_records], groups=groups, audits=audits,
            )
            if row is None:
                raise _missing(kind, entity_id)
            if row.deleted:
                return
            if row.unchanged:
                self._refuse_links_out_of_view(kind, entity_id)  # one may have come meanwhile
                raise self._still_held(kind, entity_id, row)
            if expected_version is not None:
                raise stale_version(kind.value, entity_id, None, expected_version)
        raise Conflict(f"{_describe(kind)} '{entity_id}' was changed by someone else meanwhile; nothing was deleted")

    def merge(
        self, kind: EntityKind, kept_id: str, duplicate_id: str, *, expected_versions: Mapping[str, int | None] | None = None,
    ) -> dict[str, Any]:
        """Merge the duplicate into the kept entity, in one write (see ``app/services/merging.py``
        and ``cypher/merge_entities.cypher``): its relationships, active and ended, move to the
        kept one (those between the two are dropped); the kept one's empty fields take the
        duplicate's values; the records it owns move; then it is deleted, all audited. Refused
        (409, nothing changed) where a move would break a relationship rule. Guarded by what was
        read: if either changed meanwhile, read again, unless the caller named the versions
        (``expected_versions``: ``kept``, ``duplicate``) it expects."""
        self._caller.require(_write_permission(kind), f"merge {kind.path}")
        if kind not in MERGEABLE_KINDS:
            raise InvalidInput(f"only {' and '.join(sorted(k.path for k in MERGEABLE_KINDS))} can be merged")
        if kept_id == duplicate_id:
            raise InvalidInput(f"a {_describe(kind)} cannot be merged into itself: name the duplicate to merge into it",
                               field="duplicate_id")
        expected = {role: version for role, version in (expected_versions or {}).items() if version is not None}
        for _ in write_attempts():
            # What the caller may not see reads as missing, the duplicate as the kept one. The
            # kept one is the resource the path names (404); the duplicate is named by the body,
            # so a missing one is bad input (422), as for a relationship's unknown end.
            kept = self.get(kind, kept_id)
            try:
                duplicate = self.get(kind, duplicate_id)
            except NotFound as missing:
                raise InvalidInput(f"duplicate_id: {missing}", field="duplicate_id") from None
            for role, entity in (("kept", kept), ("duplicate", duplicate)):
                if role in expected and entity["version"] != expected[role]:
                    raise stale_version(kind.value, entity["id"], entity["version"], expected[role])
            self._refuse_links_out_of_view(kind, duplicate_id, doing="merge it into another")
            today, now = today_iso(), now_iso()
            duplicate_links = links(self._repo.entity_relationships(duplicate_id, today=today, include_ended=True))
            kept_links = links(self._repo.entity_relationships(kept_id, today=today, include_ended=True))
            catalogue = {spec.code: spec for spec in self._catalogue.relationship_types()}
            plan = plan_merge(kind, kept, duplicate, kept_links, duplicate_links, catalogue, today=today, now=now)
            if plan.clashes:
                raise Conflict(
                    f"{_describe(kind)} '{duplicate_id}' cannot be merged into '{kept_id}': "
                    + "; ".join(clash["message"] for clash in plan.clashes) + ". Nothing was changed.",
                    clashes=plan.clashes,
                )
            own_records = self._repo.entity_own_records(duplicate_id)
            row = self._repo.merge_entities(
                kind, kept_id, duplicate_id, kept_before=kept, duplicate_before=duplicate, properties=plan.properties,
                relationships=[f"{link.id}:{link.relationship.get('version', 0)}" for link in duplicate_links],
                own_records=[own.record["id"] for own in own_records], moves=plan.moves(),
                symmetric_types=[code for code, spec in catalogue.items() if spec.symmetric],
                singular_roles=SINGULAR_ROLE_CODES, today=today, now=now,
                audits=merge_audits(self._caller, kind, kept, duplicate, plan, own_records, now=now),
            )
            if row is not None and row.merged:
                return {
                    "kept": self._read(kind, kept_id), "duplicate_id": duplicate_id, "filled": plan.filled,
                    "moved_relationships": [link.id for link in plan.moved],
                    "dropped_relationships": [link.id for link in plan.dropped],
                    "moved_records": [{"kind": own.kind, "id": own.record["id"]} for own in own_records],
                }
            # Gone, changed, or a clash the read did not see: read again (and answer 404, 412 or 409).
        raise Conflict(f"{_describe(kind)} '{kept_id}' or '{duplicate_id}' was changed by someone else meanwhile; "
                       "nothing was changed")

    def _cascade(self, entity_id: str, now: str, audits: list[dict[str, Any]]) -> dict[str, list[str]]:
        """What a cascade deletes or clears, as ``"id:version"`` for the query's guard; adds a
        record of each to ``audits``."""
        holds: dict[str, list[str]] = {"relationships": [], "owned": [], "reports": []}
        for link in links(self._repo.entity_relationships(entity_id, today=today_iso(), include_ended=True)):
            holds["relationships"].append(f"{link.id}:{link.relationship.get('version', 0)}")
            audits.append(audit_record(
                self._caller, AuditAction.delete, PracticeRecordKind.relationship, link.id,
                before=audited(link.relationship, link.type, *link.ends(entity_id)), after=None, now=now,
            ))
        for held, kind, field in (("owned", EntityKind.client, "owner_id"), ("reports", EntityKind.team_member, "reports_to_id")):
            for entity in self._all(kind, {field: entity_id}):
                holds[held].append(f"{entity['id']}:{entity['version']}")
                audits.append(audit_record(
                    self._caller, AuditAction.update, kind.value, entity["id"],
                    before={field: entity_id, "version": entity["version"], "updated_at": entity.get("updated_at")},
                    after={"version": entity["version"] + 1, "updated_at": now}, now=now,
                    note=f"{field} cleared: {entity_id} was deleted",
                ))
        return holds

    def _leave_groups(self, entity_id: str, *, now: str, note: str, audits: list[dict[str, Any]]) -> list[str]:
        """The ``"id:version"`` of each group that picked ``entity_id`` by hand (the delete's
        guard); adds a record of each group's change to ``audits``."""
        groups = self._groups().groups_holding(entity_id)
        for group in groups:
            after = {**group, "member_ids": [m for m in group["member_ids"] if m != entity_id],
                     "version": group["version"] + 1, "updated_at": now}
            audits.append(audit_record(self._caller, AuditAction.update, PracticeRecordKind.group, group["id"], before=audited_group(group),
                                       after=audited_group(after), now=now, note=f"removed 1 member: {entity_id} ({note})"))
        return [f"{group['id']}:{group['version']}" for group in groups]

    def _all(self, kind: EntityKind, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Every entity of a kind matching ``filters``, whoever the caller (for a cascade)."""
        found: list[dict[str, Any]] = []
        after = None
        while page := self._repo.list_entities(kind, filters, after=after, limit=_PAGE):
            found += page
            after = page[-1]["id"]
        return found

    def _refuse_links_out_of_view(self, kind: EntityKind, entity_id: str, *, doing: str = "delete it") -> None:
        """The delete rule for a caller with a restricted view: they delete (or merge into
        another) only an entity whose relationships they all see, as a delete (or its cascade,
        or a merge's move) would otherwise remove, change, or be refused for, what they may not
        see. The refusal says neither who, nor how many."""
        if self._visibility.sees_everything:
            return
        rows = self._repo.entity_relationships(entity_id, today=today_iso(), include_ended=True)
        others = {link.other["id"] for link in rows}
        if others - self._visibility.visible_ids(others):
            raise Conflict(
                f"{_describe(kind)} '{entity_id}' is related to records outside your view, so you may not {doing}; "
                "nothing was changed. A team member who sees the whole practice (an admin or a practice "
                "manager) can."
            )

    @staticmethod
    def _still_held(kind: EntityKind, entity_id: str, row: EntityDeletion) -> Conflict:
        holds = [
            f"{count} {what}" for count, what in (
                (row.relationships, "relationships"), (row.owned_clients, "owned clients"),
                (row.reports, "team members reporting to them"),
            ) if count
        ]
        return Conflict(
            f"{_describe(kind)} '{entity_id}' still has {', '.join(holds)}; delete with cascade=true to remove "
            "its relationships and clear those references",
            relationships=row.relationships, owned_clients=row.owned_clients, reports=row.reports,
        )

    def list(self, kind: EntityKind, filters: dict[str, Any], *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """One page, plus the cursor of the next one (None on the last page)."""
        rows = self._repo.list_entities(
            kind, {k: v for k, v in filters.items() if v is not None}, after=after, limit=limit + 1,
            owners=self._visibility.owners,
        )
        return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)

    def client_detail(self, client_id: str) -> dict[str, Any]:
        # Its members are attached to it and its owner is a team member: all visible with it.
        row = self._repo.client_detail(client_id, today=today_iso(), owners=self._visibility.owners)
        if row is None:
            raise _missing(EntityKind.client, client_id)
        members = [
            {"person": m["person"], "role": m["relationship"].get("role"), "relationship_id": m["relationship"]["id"],
             "relationship_type": m["type"], "since": m["relationship"].get("since")}
            for m in sorted(row.members, key=lambda m: (_ROLE_ORDER.get(m["relationship"].get("role"), 99), m["person"]["name"]))
        ]
        return {**row.client, "owner": row.owner, "members": members}

    # -- checks ---------------------------------------------------------------------------
    def _check(self, kind: EntityKind, data: dict[str, Any], *, entity_id: str | None = None) -> list[str]:
        """Validate categories and references; return the ids the write must find present."""
        if any(data.get(field) is not None for field in _CATEGORY_FIELDS):
            check_categories(data, self._catalogue.category_codes())
        references = {field: data[field] for field in _REFERENCES if data.get(field) is not None}
        if references:
            found = self._repo.get_entities(references.values())
            for field, ref in references.items():
                wanted = _REFERENCES[field]
                entity = found.get(ref)
                if entity is None or entity["entity_kind"] != wanted.value:
                    raise InvalidInput(f"{field} '{ref}' does not name a {_describe(wanted)}", field=field)
        if entity_id is not None and references.get("reports_to_id"):
            self._check_no_cycle(entity_id, references["reports_to_id"])
        return list(references.values())

    def _check_no_cycle(self, member_id: str, manager_id: str) -> None:
        if closes_hierarchy_loop(member_id, manager_id, self._manager_of):
            raise InvalidInput("reports_to_id would make the team hierarchy a loop", field="reports_to_id")

    def _manager_of(self, member_id: str) -> str | None:
        manager = self._repo.get_entity(EntityKind.team_member, member_id)
        return manager.get("reports_to_id") if manager else None


def _missing(kind: EntityKind, entity_id: str) -> NotFound:
    return NotFound(f"no {_describe(kind)} with id '{entity_id}'")


def stale_version(what: str, target_id: str, current: int | None, expected: int) -> PreconditionFailed:
    """The refusal of a write that named (with If-Match) a version that is no longer current."""
    now = f"is at version {current}" if current is not None else "was changed meanwhile"
    return PreconditionFailed(
        f"{what.replace('_', ' ')} '{target_id}' {now}, not {expected}; read it again and retry",
        current_version=current,
    )


def new_entity_properties(kind: EntityKind, data: Mapping[str, Any], *, entity_id: str, now: str) -> dict[str, Any]:
    """Everything a new entity stores: its given fields, id, kind, display name and timestamps."""
    properties = {
        **{k: v for k, v in data.items() if v is not None},
        "id": entity_id, "entity_kind": kind.value, "created_at": now, "updated_at": now, "version": 1,
    }
    if kind is EntityKind.person:
        properties["name"] = person_display_name(data["first_name"], data["last_name"], data.get("preferred_name"))
    return properties


def _category_keys(data: Mapping[str, Any]) -> list[str]:
    """The keys of the categories ``data`` names: its write counts on them still existing."""
    return sorted(category_key(name, data[field]) for field, name in _CATEGORY_FIELDS.items() if data.get(field) is not None)


def check_categories(data: Mapping[str, Any], codes: Mapping[CategoryList, Sequence[str]]) -> None:
    """Refuse a client whose stage, segment, source or influencer segment is not in its list."""
    for field, name in _CATEGORY_FIELDS.items():
        value = data.get(field)
        if value is not None and value not in codes[name]:
            allowed = list(codes[name])
            raise InvalidInput(
                f"unknown {field} '{value}'; allowed: {', '.join(allowed) or '(none defined)'}",
                field=field, allowed=allowed,
            )


def closes_hierarchy_loop(member_id: str, manager_id: str, manager_of: Callable[[str], str | None]) -> bool:
    """Whether making ``member_id`` report to ``manager_id`` would close a loop, following
    ``manager_of`` up the existing hierarchy (at most MAX_HIERARCHY_DEPTH steps)."""
    seen: set[str] = set()
    current: str | None = manager_id
    while current is not None and len(seen) < MAX_HIERARCHY_DEPTH:
        if current == member_id:
            return True
        seen.add(current)
        current = manager_of(current)
        if current in seen:
            break
    return False


_ROLE_ORDER = {"primary_contact": 0, "partner": 1, "director": 2, "employee": 3, "member": 4, "dependant": 5}
