"""Groups of clients and people: create, rename, describe, filter, pick members, delete; read
their members as the caller may see them (see ``app.domain.groups`` for what a group is).

Reads need read permission, changes write permission. A caller with a restricted view sees
every group (a group is the practice's, like a category list) but only the members they may
see, and counts only those; they add and remove only entities they see, and delete only a
group whose hand-picked members they all see (as for deleting an entity: the refusal says
neither who nor how many). Every change is one guarded write of the group's node with its
audit record; the record holds the group's fields with ``member_count`` for the list of
hand-picked members, and its note names the members added or removed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record
from app.domain.errors import Conflict, DuplicateKey, InvalidInput, NotFound
from app.domain.groups import MAX_PICKED, MEMBER_KINDS, GroupFilter, audited_group, group_name_key, without_filter
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso
from app.repositories.catalogue import Catalogue
from app.repositories.entities import Entities
from app.repositories.groups import GroupCreation, GroupRepository
from app.repositories.visibility import VisibleEntities
from app.services.catalogue import CatalogueService
from app.services.entities import check_categories, stale_version
from app.services.optimistic import write_attempts
from app.services.visibility import Visibility

#: Members read per query when a whole group is wanted (counts, mailings).
_PAGE = 5_000
_MEMBER_KIND_NAMES = " or ".join(kind.value for kind in MEMBER_KINDS)


class GroupServiceRepository(Entities, Catalogue, VisibleEntities, Protocol):
    """What the group service reads (groups themselves through ``GroupRepository``)."""


class GroupService:
    """``catalogue`` checks a filter's categories."""

    def __init__(self, repository: GroupServiceRepository, groups: GroupRepository, catalogue: CatalogueService,
                 caller: Caller) -> None:
        self._repo = repository
        self._groups = groups
        self._catalogue = catalogue
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- reads -----------------------------------------------------------------------------------
    def get(self, group_id: str) -> dict[str, Any]:
        self._caller.require(Permission.read, "read groups")
        return self.public(self._read(group_id))

    def list(self, *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        self._caller.require(Permission.read, "read groups")
        rows = self._groups.list_groups(after=after, limit=limit + 1)
        return [self.public(group) for group in rows[:limit]], (rows[limit - 1]["id"] if len(rows) > limit else None)

    def find(self, name_or_id: str) -> dict[str, Any]:
        """A stored group by id or by name (in any case)."""
        self._caller.require(Permission.read, "read groups")
        group = self._groups.get_group(name_or_id)
        if group is None:
            wanted = group_name_key(name_or_id)
            after = None
            while group is None and (page := self._groups.list_groups(after=after, limit=_PAGE)):
                group = next((g for g in page if g["name_key"] == wanted), None)
                after = page[-1]["id"]
        if group is None:
            raise NotFound(f"no group with id or name '{name_or_id}'")
        return group

    def members(self, group_id: str, *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the members the caller may see, in id order: those picked by hand and
        those the filter selects, each once, saying which."""
        self._caller.require(Permission.read, "read groups")
        group = self._read(group_id)
        rows = self._member_page(group, after=after, limit=limit + 1)
        return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)

    def all_members(self, group: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every member of a stored group the caller may see, each with its stored properties."""
        return [row["entity"] for row in self._each_member(group)]

    def _each_member(self, group: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        after = None
        while page := self._member_page(group, after=after, limit=_PAGE):
            yield from page
            if len(page) < _PAGE:
                return
            after = page[-1]["id"]

    def _member_page(self, group: Mapping[str, Any], *, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` members after ``after``: the two id-ordered lists (hand-picked,
        selected by the filter) merged, so that each stream's first ``limit`` suffice."""
        owners = self._visibility.owners
        picked = self._groups.picked_members(group["id"], after=after, limit=limit, owners=owners)
        selected: list[dict[str, Any]] = []
        group_filter = GroupFilter.stored(group)
        if group_filter is not None:
            selected = self._repo.list_entities(group_filter.entity_kind, dict(group_filter.criteria), after=after,
                                                limit=limit, owners=owners)
        picked_ids = set(group.get("member_ids") or ())
        merged = {entity["id"]: entity for entity in [*picked, *selected]}
        return [
            {"id": entity_id, "kind": merged[entity_id]["entity_kind"], "name": merged[entity_id]["name"],
             "hand_picked": entity_id in picked_ids,
             "by_filter": group_filter is not None and group_filter.matches(merged[entity_id]),
             "entity": merged[entity_id]}
            for entity_id in sorted(merged)[:limit]
        ]

    def _current(self, group_id: str, expected_version: int | None) -> dict[str, Any]:
        """The group as stored, if still at ``expected_version`` (when one is named)."""
        group = self._read(group_id)
        if expected_version is not None and group["version"] != expected_version:
            raise stale_version(PracticeRecordKind.group, group_id, group["version"], expected_version)
        return group

    def _read(self, group_id: str) -> dict[str, Any]:
        group = self._groups.get_group(group_id)
        if group is None:
            raise NotFound(f"no group with id '{group_id}'")
        return group

    def public(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The group as the caller may see it: its counts count only members they see. The
        filter's members are counted in the store; a hand-picked member it also selects counts once."""
        group_filter = GroupFilter.stored(group)
        picked: list[dict[str, Any]] = []
        after = None
        while page := self._groups.picked_members(group["id"], after=after, limit=_PAGE, owners=self._visibility.owners):
            picked += page
            if len(page) < _PAGE:
                break
            after = page[-1]["id"]
        selected = 0
        if group_filter is not None:
            selected = self._groups.count_selected(group_filter.entity_kind, dict(group_filter.criteria),
                                                   owners=self._visibility.owners)
        return {
            **{k: v for k, v in without_filter(group).items() if k not in ("member_ids", "name_key")},
            "filter": group_filter.public() if group_filter else None, "hand_picked": len(picked),
            "members": selected + sum(1 for entity in picked if not (group_filter and group_filter.matches(entity))),
        }

    # -- writes ----------------------------------------------------------------------------------
    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        self._caller.require(Permission.write, "create groups")
        member_ids = _unique(data.get("member_ids") or ())
        group_filter = self._filter(data.get("filter"))
        self._check_members(member_ids)
        now = now_iso()
        properties = _no_nulls({
            "id": new_entity_id(), "name": data["name"], "name_key": group_name_key(data["name"]),
            "description": data.get("description"), "member_ids": member_ids,
            **(group_filter.properties() if group_filter else {}),
            "created_at": now, "updated_at": now, "version": 1,
        })
        audit = audit_record(self._caller, AuditAction.create, PracticeRecordKind.group, properties["id"], before=None,
                             after=audited_group(properties), now=now, note=_members_note(member_ids, []))
        references = _references(member_ids, group_filter)
        try:
            row = self._groups.create_group(properties, references, audit)
        except DuplicateKey:
            row = GroupCreation(found=True, fresh=False)
        if not row.fresh:
            raise _name_taken(data["name"])
        if not row.found:
            raise InvalidInput("an entity this group names was deleted meanwhile; nothing was created")
        return self.public(properties)

    def update(self, group_id: str, changes: Mapping[str, Any], *, expected_version: int | None = None) -> dict[str, Any]:
        """Rename, describe or change the filter (``filter: None`` removes it)."""
        self._caller.require(Permission.write, "change groups")
        if "name" in changes and changes["name"] is None:
            raise InvalidInput("name cannot be cleared")
        fields: dict[str, Any] = {}
        if changes.get("name") is not None:
            fields |= {"name": changes["name"], "name_key": group_name_key(changes["name"])}
        if "description" in changes:
            fields["description"] = changes["description"]
        group_filter = self._filter(changes["filter"]) if changes.get("filter") is not None else None

        def change(group: dict[str, Any]) -> dict[str, Any]:
            changed = {**group, **fields}
            if "filter" in changes:
                changed = {**without_filter(changed), **(group_filter.properties() if group_filter else {})}
            return changed
        return self._write(group_id, change, references=_references([], group_filter), expected_version=expected_version,
                           note=None)

    def add_members(self, group_id: str, entity_ids: Sequence[str], *, expected_version: int | None = None) -> dict[str, Any]:
        """Pick clients or people by hand (those already picked are passed over)."""
        self._caller.require(Permission.write, "change groups")
        wanted = _unique(entity_ids)
        self._check_members(wanted)

        def change(group: dict[str, Any]) -> dict[str, Any]:
            held = list(group.get("member_ids") or ())
            added = [entity_id for entity_id in wanted if entity_id not in set(held)]
            if len(held) + len(added) > MAX_PICKED:
                raise InvalidInput(f"a group holds at most {MAX_PICKED:,} members picked by hand; it has {len(held):,} "
                                   f"and {len(added):,} more were given (a filter selects any number)")
            return {**group, "member_ids": held + added}
        return self._write(group_id, change, references=wanted, expected_version=expected_version, note="added")

    def remove_members(self, group_id: str, entity_ids: Sequence[str], *, expected_version: int | None = None) -> dict[str, Any]:
        """Take hand-picked members out of the group; one the caller may not see, or that is
        not picked by hand, is refused (a member its filter selects leaves by changing the filter)."""
        self._caller.require(Permission.write, "change groups")
        unwanted = _unique(entity_ids)
        visible = self._visibility.visible_ids(unwanted)

        def change(group: dict[str, Any]) -> dict[str, Any]:
            held = list(group.get("member_ids") or ())
            for entity_id in unwanted:
                if entity_id not in held or entity_id not in visible:
                    entity = self._repo.get_entities([entity_id]).get(entity_id)
                    group_filter = GroupFilter.stored(group)
                    if entity is not None and entity_id in visible and group_filter and group_filter.matches(entity):
                        raise Conflict(f"'{entity_id}' is in group '{group['name']}' by its filter, not picked by hand: "
                                       "change the filter to leave it out", field="entity_ids")
                    raise NotFound(f"group '{group['name']}' has no member picked by hand with id '{entity_id}'")
            return {**group, "member_ids": [m for m in held if m not in set(unwanted)]}
        return self._write(group_id, change, references=[], expected_version=expected_version, note="removed")

    def delete(self, group_id: str, *, expected_version: int | None = None) -> None:
        self._caller.require(Permission.write, "delete groups")
        for _ in write_attempts():
            group = self._current(group_id, expected_version)
            held = group.get("member_ids") or ()
            if not self._visibility.sees_everything and set(held) - self._visibility.visible_ids(held):
                raise Conflict(
                    f"group '{group_id}' holds members outside your view, so you may not delete it; nothing was "
                    "deleted. A team member who sees the whole practice (an admin or a practice manager) can."
                )
            now = now_iso()
            audit = audit_record(self._caller, AuditAction.delete, PracticeRecordKind.group, group_id, before=audited_group(group), after=None,
                                 now=now)
            deleted = self._groups.delete_group(group_id, expected_version=group["version"], audit=audit)
            if deleted is None:
                raise NotFound(f"no group with id '{group_id}'")
            if deleted:
                return
            if expected_version is not None:
                raise stale_version(PracticeRecordKind.group, group_id, None, expected_version)
        raise Conflict(f"group '{group_id}' was changed by someone else meanwhile; nothing was deleted")

    def _write(
        self, group_id: str, change: Any, *, references: Sequence[str], expected_version: int | None, note: str | None,
    ) -> dict[str, Any]:
        """Apply ``change`` (the group as read -> as it should be) in one guarded write; read
        again and retry if someone else wrote meanwhile, unless a version was named."""
        for _ in write_attempts():
            group = self._current(group_id, expected_version)
            now = now_iso()
            changed = _no_nulls({**change(group), "version": group["version"] + 1, "updated_at": now})
            if changed == {**group, "version": group["version"] + 1, "updated_at": now}:
                return self.public(group)  # nothing to change: no write, no record
            before_ids, after_ids = group.get("member_ids") or [], changed.get("member_ids") or []
            members_note = _members_note([m for m in after_ids if m not in set(before_ids)],
                                         [m for m in before_ids if m not in set(after_ids)]) if note else None
            audit = audit_record(self._caller, AuditAction.update, PracticeRecordKind.group, group_id, before=audited_group(group),
                                 after=audited_group(changed), now=now, note=members_note)
            try:
                row = self._groups.update_group(group_id, changed, references, before=group, audit=audit)
            except DuplicateKey:
                raise _name_taken(changed["name"]) from None
            if row is None:
                raise NotFound(f"no group with id '{group_id}'")
            if not row.fresh:
                raise _name_taken(changed["name"])
            if not row.found:
                raise InvalidInput("an entity this change names was deleted meanwhile; nothing was changed")
            if row.unchanged:
                return self.public(row.group)
            if expected_version is not None:
                raise stale_version(PracticeRecordKind.group, group_id, None, expected_version)
        raise Conflict(f"group '{group_id}' was changed by someone else meanwhile; nothing was changed")

    # -- checks ----------------------------------------------------------------------------------
    def _filter(self, given: Mapping[str, Any] | None) -> GroupFilter | None:
        """The filter asked for, checked against the practice (categories, owner)."""
        if given is None:
            return None
        group_filter = GroupFilter.of(given.get("entity_kind") or EntityKind.client.value,
                                      {k: v for k, v in given.items() if k != "entity_kind"})
        criteria = dict(group_filter.criteria)
        try:
            check_categories(criteria, self._catalogue.category_codes())
        except InvalidInput as error:
            raise InvalidInput(f"filter.{error.detail}", **error.extra) from None
        owner_id = criteria.get("owner_id")
        if owner_id is not None:
            owner = self._repo.get_entities([owner_id]).get(owner_id)
            if owner is None or owner["entity_kind"] != EntityKind.team_member.value:
                raise InvalidInput(f"filter.owner_id: '{owner_id}' does not name a team member", field="filter.owner_id")
        return group_filter

    def _check_members(self, entity_ids: Sequence[str]) -> None:
        """Each must be a client or person the caller may see (one they may not see reads as missing)."""
        if len(entity_ids) > MAX_PICKED:
            raise InvalidInput(f"a group holds at most {MAX_PICKED:,} members picked by hand")
        found = self._repo.get_entities(entity_ids)
        visible = self._visibility.visible_ids(entity_ids)
        for entity_id in entity_ids:
            entity = found.get(entity_id)
            if entity is None or entity_id not in visible:
                raise NotFound(f"no client or person with id '{entity_id}'", field="member_ids")
            if entity["entity_kind"] not in {kind.value for kind in MEMBER_KINDS}:
                raise InvalidInput(f"'{entity_id}' is a {entity['entity_kind'].replace('_', ' ')}: a group holds "
                                   f"{_MEMBER_KIND_NAMES} entities", field="member_ids")


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _references(member_ids: Sequence[str], group_filter: GroupFilter | None) -> list[str]:
    owner = dict(group_filter.criteria).get("owner_id") if group_filter else None
    return _unique([*member_ids, *([owner] if owner else [])])


def _no_nulls(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _members_note(added: Sequence[str], removed: Sequence[str]) -> str | None:
    parts = [f"{what} {len(ids)} member{'s' if len(ids) != 1 else ''}: {', '.join(ids)}"
             for what, ids in (("added", added), ("removed", removed)) if ids]
    return "; ".join(parts) or None


def _name_taken(name: str) -> Conflict:
    return Conflict(f"a group named '{name}' exists already (names are compared in any case)", field="name")
