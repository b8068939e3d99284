"""The relationship-type catalogue and the category lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.catalogue import RelationshipTypeSpec
from app.repositories.base import Repository, all_as, first_as, result_of
from app.repositories.store import Row


@result_of("update_relationship_type")
@dataclass(frozen=True)
class RelationshipTypeChange:
    """Changed when still as read (``unchanged``) and no relationship of the type joins kinds
    the change would not allow (``misfits``, counted); the entry as it is now."""

    misfits: int
    unchanged: bool
    relationship_type: Row


@result_of("delete_relationship_type", "delete_category")
@dataclass(frozen=True)
class CatalogueDeletion:
    """Deleted when unused (``uses``, counted) and still as read (``unchanged``)."""

    uses: int
    unchanged: bool


@result_of("create_category")
@dataclass(frozen=True)
class CategoryCreation:
    """Created when its key was free (``fresh``) and its list still ends where it was read to
    (``unchanged``)."""

    fresh: bool
    unchanged: bool


@result_of("update_category")
@dataclass(frozen=True)
class CategoryChange:
    """Changed when still as read (``unchanged``); the category as it is now."""

    unchanged: bool
    category: Row


@result_of("relationship_types")
@dataclass(frozen=True)
class RelationshipTypeRow:
    relationship_type: Row


@result_of("categories")
@dataclass(frozen=True)
class CategoryRow:
    category: Row


@result_of("seed_relationship_types", "seed_categories")
@dataclass(frozen=True)
class Seeded:
    """How many of the seeded types or categories were missing and added."""

    added: int


@result_of("create_relationship_type")
@dataclass(frozen=True)
class TypeCreation:
    """Created unless a type has the code already."""

    created: bool


def allowed_kinds_change(changes: Mapping[str, Any], *, before: Mapping[str, Any], symmetric: bool) -> bool:
    """Whether a change of a relationship type may change which kinds it allows: its kinds, or
    its symmetry (its phrases make it symmetric or one-way), so stored relationships of the type
    must be held to it."""
    return bool(changes.keys() & {"from_kinds", "to_kinds"}) or RelationshipTypeSpec.from_properties(
        dict(before)).symmetric != symmetric


class CatalogueReads(Protocol):
    """The relationship-type catalogue and the category lists, read."""

    def relationship_types(self, code: str | None = None) -> list[Row]:
        ...

    def categories(self, list_name: str | None = None) -> list[Row]:
        ...


class Catalogue(CatalogueReads, Protocol):
    def seed_relationship_types(self, types: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        """Add the types whose code is missing; how many. ``audit["note"]`` follows that count in the record."""

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        ...

    def create_relationship_type(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> bool:
        ...

    def update_relationship_type(
        self, code: str, changes: Mapping[str, Any], *, from_kinds: Sequence[str], to_kinds: Sequence[str],
        symmetric: bool, before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> RelationshipTypeChange | None:
        """Changed only if still ``before`` and no misfits; None if unknown."""

    def delete_relationship_type(
        self, code: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:
        """Deleted only if unused and still ``before``; None if unknown."""

    def seed_categories(self, categories: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        """Add the categories whose key is missing; how many (``audit`` as for relationship types)."""

    def create_category(
        self, properties: Mapping[str, Any], *, next_position: int | None, audit: Mapping[str, Any]
    ) -> CategoryCreation:
        """Created when its key is free and (appended at ``next_position``, when given) that is
        still the end of its list."""

    def update_category(
        self, key: str, changes: Mapping[str, Any], *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CategoryChange | None:
        """Changed only if still ``before``; None if unknown."""

    def delete_category(
        self, key: str, client_field: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:
        """Deleted only if unused and still ``before``; None if unknown."""


class CatalogueRepository(Repository):
    def relationship_types(self, code: str | None = None) -> list[Row]:
        rows = self._store.read(self._q("relationship_types"), {"code": code})
        return [found.relationship_type for found in all_as(RelationshipTypeRow, rows)]

    def seed_relationship_types(self, types: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        return Seeded(**self._store.write(self._q("seed_relationship_types"), {"types": list(types), "audit": dict(audit)})[0]).added

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        self._store.ensure_relationship_indexes(type_codes)

    def create_relationship_type(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> bool:
        rows = self._store.write(self._q("create_relationship_type"), {"properties": dict(properties), "audit": dict(audit)})
        created = bool(TypeCreation(**rows[0]).created)
        if created:
            self._store.ensure_relationship_indexes([properties["code"]])
        return created

    def update_relationship_type(
        self, code: str, changes: Mapping[str, Any], *, from_kinds: Sequence[str], to_kinds: Sequence[str],
        symmetric: bool, before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> RelationshipTypeChange | None:
        rows = self._store.write(
            self._q("update_relationship_type", rel_type=code),
            {"code": code, "changes": dict(changes), "from_kinds": list(from_kinds), "to_kinds": list(to_kinds),
             "symmetric": symmetric, "before": dict(before), "audit": dict(audit),
             "allowed_changed": allowed_kinds_change(changes, before=before, symmetric=symmetric)},
        )
        return first_as(RelationshipTypeChange, rows)

    def delete_relationship_type(
        self, code: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:
        rows = self._store.write(
            self._q("delete_relationship_type", rel_type=code), {"code": code, "before": dict(before), "audit": dict(audit)}
        )
        return first_as(CatalogueDeletion, rows)

    def categories(self, list_name: str | None = None) -> list[Row]:
        rows = self._store.read(self._q("categories"), {"list": list_name})
        return [found.category for found in all_as(CategoryRow, rows)]

    def seed_categories(self, categories: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        rows = self._store.write(self._q("seed_categories"), {"categories": list(categories), "audit": dict(audit)})
        return Seeded(**rows[0]).added

    def create_category(
        self, properties: Mapping[str, Any], *, next_position: int | None, audit: Mapping[str, Any]
    ) -> CategoryCreation:
        rows = self._store.write(
            self._q("create_category"),
            {"properties": dict(properties), "next_position": next_position, "audit": dict(audit)},
        )
        return CategoryCreation(**rows[0])

    def update_category(
        self, key: str, changes: Mapping[str, Any], *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CategoryChange | None:
        rows = self._store.write(
            self._q("update_category"), {"key": key, "changes": dict(changes), "before": dict(before), "audit": dict(audit)}
        )
        return first_as(CategoryChange, rows)

    def delete_category(
        self, key: str, client_field: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:
        rows = self._store.write(
            self._q("delete_category", field=client_field), {"key": key, "before": dict(before), "audit": dict(audit)}
        )
        return first_as(CatalogueDeletion, rows)
