"""The relationship-type catalogue and the category lists, which administrators edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record
from app.domain.catalogue import (
    DEFAULT_CATEGORIES,
    DEFAULT_RELATIONSHIP_TYPES,
    OWNERSHIP,
    CategoryList,
    RelationshipTypeSpec,
)
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, PracticeRecordKind, RelationshipCategory, check_identifier, new_entity_id, now_iso
from app.repositories.catalogue import Catalogue, CatalogueDeletion, CatalogueReads
from app.services.optimistic import write_attempts


def stored_relationship_types(repository: CatalogueReads) -> list[RelationshipTypeSpec]:
    """The relationship types a repository holds (a store's, or a snapshot's)."""
    return [RelationshipTypeSpec.from_properties(row) for row in repository.relationship_types()]


class CatalogueService:
    """Reads are open to every caller; writes need ``Permission.administer``."""

    def __init__(self, repository: Catalogue, caller: Caller) -> None:
        self._repo = repository
        self._caller = caller

    def seed_defaults(self) -> None:
        """Give a new store the default catalogue; never re-adds what an administrator removed.
        The practice's own setup, whoever runs it: each seeding write carries one bulk record."""
        if not self._repo.relationship_types():
            self._repo.seed_relationship_types(
                [spec.to_properties() for spec in DEFAULT_RELATIONSHIP_TYPES],
                self._seed_record("relationship types of the default catalogue added"),
            )
        self._repo.ensure_relationship_indexes(t.code for t in self.relationship_types())
        present = {row["list"] for row in self._repo.categories()}
        missing = [
            {"key": category_key(name, spec.code), "list": name.value, "code": spec.code, "label": spec.label,
             "description": spec.description, "position": position}
            for name, specs in DEFAULT_CATEGORIES.items() if name.value not in present
            for position, spec in enumerate(specs)
        ]
        if missing:
            self._repo.seed_categories(missing, self._seed_record("default categories added"))

    def _seed_record(self, note: str) -> dict[str, Any]:
        # The query puts the number added in front of the note.
        return audit_record(
            self._caller, AuditAction.bulk_load, PracticeRecordKind.practice, new_entity_id(), before=None, after=None,
            now=now_iso(), note=note,
        )

    # -- relationship types -------------------------------------------------------------
    def relationship_types(self) -> list[RelationshipTypeSpec]:
        return stored_relationship_types(self._repo)

    def relationship_type(self, code: str) -> RelationshipTypeSpec:
        rows = self._repo.relationship_types(code)
        if not rows:
            raise NotFound(f"no relationship type '{code}'")
        return RelationshipTypeSpec.from_properties(rows[0])

    def known_relationship_type(self, code: str, catalogue: dict[str, RelationshipTypeSpec] | None = None) -> RelationshipTypeSpec:
        """The type named in a request body: an unknown code is invalid input listing the allowed ones."""
        catalogue = catalogue if catalogue is not None else {t.code: t for t in self.relationship_types()}
        if code == OWNERSHIP.code:
            raise InvalidInput(f"'{OWNERSHIP.code}' is a client's owner_id read as a relationship, not one stored: "
                               "set the client's owner_id instead", field="type")
        if code not in catalogue:
            allowed = sorted(catalogue)
            raise InvalidInput(f"unknown relationship type '{code}'; allowed types: {', '.join(allowed)}", allowed=allowed)
        return catalogue[code]

    def _stored_type(self, code: str) -> dict[str, Any]:
        rows = self._repo.relationship_types(code)
        if not rows:
            raise NotFound(f"no relationship type '{code}'")
        return rows[0]

    def create_relationship_type(self, data: dict[str, Any]) -> RelationshipTypeSpec:
        self._caller.require(Permission.administer, "change the relationship-type catalogue")
        check_identifier(data["code"])
        if data["code"] == OWNERSHIP.code:
            raise Conflict(f"'{OWNERSHIP.code}' is reserved: a client's owner is its owner_id, which the analytics "
                           "read as that relationship")
        spec = RelationshipTypeSpec.from_properties(data)
        check_membership_kinds(spec)
        properties = spec.to_properties()
        audit = self._record(AuditAction.create, PracticeRecordKind.relationship_type, spec.code, None, properties)
        if not self._repo.create_relationship_type(properties, audit):
            raise Conflict(f"relationship type '{spec.code}' already exists")
        return spec

    def update_relationship_type(self, code: str, changes: dict[str, Any]) -> RelationshipTypeSpec:
        """Change some fields; written only if the entry is still as just read (so the audit
        record's "before" is exact), read again otherwise."""
        self._caller.require(Permission.administer, "change the relationship-type catalogue")
        for required in changes.keys() & {"phrase", "reverse_phrase", "from_kinds", "to_kinds", "weight"}:
            if changes[required] is None:
                raise InvalidInput(f"{required} cannot be cleared")
        if "description" in changes and changes["description"] is None:
            changes = {**changes, "description": ""}
        for _ in write_attempts():
            stored = self._stored_type(code)
            current = RelationshipTypeSpec.from_properties(stored)
            merged = RelationshipTypeSpec.from_properties({**current.to_properties(), **changes})
            check_membership_kinds(merged)
            properties = merged.to_properties()
            altered = {k: properties[k] for k in changes}
            audit = self._record(AuditAction.update, PracticeRecordKind.relationship_type, code, stored, {**stored, **altered})
            row = self._repo.update_relationship_type(
                code, altered, from_kinds=properties["from_kinds"], to_kinds=properties["to_kinds"],
                symmetric=merged.symmetric, before=stored, audit=audit,
            )
            if row is None:
                raise NotFound(f"no relationship type '{code}'")
            if row.misfits:
                rule = ("the new from_kinds/to_kinds" if altered.keys() & {"from_kinds", "to_kinds"}
                        else "the type, one-way now that its reverse phrase is not 'is ' + its phrase,")
                raise Conflict(f"{row.misfits} existing '{code}' relationships join kinds {rule} would not allow")
            if row.unchanged:
                return RelationshipTypeSpec.from_properties(row.relationship_type)
        raise Conflict(f"relationship type '{code}' was changed by someone else meanwhile; nothing was changed")

    def delete_relationship_type(self, code: str) -> None:
        self._caller.require(Permission.administer, "change the relationship-type catalogue")
        self._delete_unused(
            PracticeRecordKind.relationship_type, code, lambda: self._stored_type(code),
            lambda stored, audit: self._repo.delete_relationship_type(code, before=stored, audit=audit),
            missing=f"no relationship type '{code}'", entry=f"relationship type '{code}'",
            in_use=lambda uses: f"relationship type '{code}' is used by {uses} relationships; end or delete them first")

    # -- categories ---------------------------------------------------------------------
    def categories(self, name: CategoryList) -> list[dict[str, Any]]:
        return self._repo.categories(name.value)

    def category_codes(self) -> dict[CategoryList, list[str]]:
        codes: dict[CategoryList, list[str]] = {name: [] for name in CategoryList}
        for row in self._repo.categories():
            codes[CategoryList(row["list"])].append(row["code"])
        return codes

    def create_category(self, name: CategoryList, data: dict[str, Any]) -> dict[str, Any]:
        """Add a category, at the end of its list unless a position is given."""
        self._caller.require(Permission.administer, "change the category lists")
        data = dict(data)
        position = data.pop("position", None)
        key = category_key(name, data["code"])
        for _ in write_attempts():
            # The audit record holds the position stored, so the end of the list is found here
            # and the write checks it still is.
            next_position = None if position is not None else max(
                (row["position"] for row in self._repo.categories(name.value)), default=-1) + 1
            properties = {k: v for k, v in {**data, "list": name.value, "key": key,
                                             "position": position if position is not None else next_position}.items()
                          if v is not None}
            audit = self._record(AuditAction.create, PracticeRecordKind.category, key, None, properties)
            row = self._repo.create_category(properties, next_position=next_position, audit=audit)
            if not row.fresh:
                raise Conflict(f"{name.value} already has '{data['code']}'")
            if row.unchanged:
                return self._category(name, data["code"])
        raise Conflict(f"{name.value} was changed by someone else meanwhile; nothing was added")

    def update_category(self, name: CategoryList, code: str, changes: dict[str, Any]) -> dict[str, Any]:
        self._caller.require(Permission.administer, "change the category lists")
        for required in changes.keys() & {"label", "position"}:
            if changes[required] is None:
                raise InvalidInput(f"{required} cannot be cleared")
        key = category_key(name, code)
        for _ in write_attempts():
            stored = self._category(name, code)
            after = {k: v for k, v in {**stored, **changes}.items() if v is not None}
            audit = self._record(AuditAction.update, PracticeRecordKind.category, key, stored, after)
            row = self._repo.update_category(key, changes, before=stored, audit=audit)
            if row is None:
                raise NotFound(f"{name.value} has no '{code}'")
            if row.unchanged:
                return row.category
        raise Conflict(f"{name.value} '{code}' was changed by someone else meanwhile; nothing was changed")

    def delete_category(self, name: CategoryList, code: str) -> None:
        self._caller.require(Permission.administer, "change the category lists")
        key = category_key(name, code)
        self._delete_unused(
            PracticeRecordKind.category, key, lambda: self._category(name, code),
            lambda stored, audit: self._repo.delete_category(key, name.client_field, before=stored, audit=audit),
            missing=f"{name.value} has no '{code}'", entry=f"{name.value} '{code}'",
            in_use=lambda uses: f"{uses} entities still have {name.client_field} '{code}'; reclassify them first")

    def _delete_unused(
        self, kind: PracticeRecordKind, key: str, read: Callable[[], dict[str, Any]],
        delete: Callable[[dict[str, Any], dict[str, Any]], CatalogueDeletion | None], *, missing: str, entry: str,
        in_use: Callable[[int], str],
    ) -> None:
        """Delete a catalogue entry (``read``, then ``delete`` with its audit record) that nothing
        uses, written only if still as just read (read again otherwise). ``missing``: the
        message when there is none; ``entry``: what it is called; ``in_use``: the message
        naming how many use it."""
        for _ in write_attempts():
            stored = read()
            audit = self._record(AuditAction.delete, kind, key, stored, None)
            row = delete(stored, audit)
            if row is None:
                raise NotFound(missing)
            if row.uses:
                raise Conflict(in_use(row.uses))
            if row.unchanged:
                return
        raise Conflict(f"{entry} was changed by someone else meanwhile; nothing was deleted")

    def _record(
        self, action: AuditAction, target_kind: str, target_id: str, before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return audit_record(self._caller, action, target_kind, target_id, before=before, after=after, now=now_iso())

    def _category(self, name: CategoryList, code: str) -> dict[str, Any]:
        for row in self._repo.categories(name.value):
            if row["code"] == code:
                return row
        raise NotFound(f"{name.value} has no '{code}'")


def check_membership_kinds(spec: RelationshipTypeSpec) -> None:
    """Memberships are how people belong to clients, so they join persons to clients only."""
    if spec.category is RelationshipCategory.membership and (
        set(spec.from_kinds) != {EntityKind.person} or set(spec.to_kinds) != {EntityKind.client}
    ):
        raise InvalidInput("a membership relationship type joins person to client: from_kinds ['person'], to_kinds ['client']")


def category_key(name: CategoryList, code: str) -> str:
    """How a category is named in the store (its ``key``): the list and the code."""
    return f"{name.value}:{code}"
