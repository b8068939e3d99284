"""The relationship-type catalogue and the category lists, which administrators edit."""

from __future__ import annotations

from typing import Any

from app.domain.catalogue import (
    DEFAULT_CATEGORIES,
    DEFAULT_RELATIONSHIP_TYPES,
    CategoryList,
    RelationshipTypeSpec,
)
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, RelationshipCategory, check_identifier
from app.repositories.practice import PracticeRepository


class CatalogueService:
    def __init__(self, repository: PracticeRepository) -> None:
        self._repo = repository

    def seed_defaults(self) -> None:
        """Give a new store the default catalogue; never re-adds what an administrator removed."""
        if not self._repo.relationship_types():
            self._repo.seed_relationship_types([spec.to_properties() for spec in DEFAULT_RELATIONSHIP_TYPES])
        self._repo.ensure_relationship_indexes(t.code for t in self.relationship_types())
        present = {row["list"] for row in self._repo.categories()}
        missing = [
            {"key": _key(name, spec.code), "list": name.value, "code": spec.code, "label": spec.label,
             "description": spec.description, "position": position}
            for name, specs in DEFAULT_CATEGORIES.items() if name.value not in present
            for position, spec in enumerate(specs)
        ]
        if missing:
            self._repo.seed_categories(missing)

    # -- relationship types -------------------------------------------------------------
    def relationship_types(self) -> list[RelationshipTypeSpec]:
        return [RelationshipTypeSpec.from_properties(row) for row in self._repo.relationship_types()]

    def relationship_type(self, code: str) -> RelationshipTypeSpec:
        rows = self._repo.relationship_types(code)
        if not rows:
            raise NotFound(f"no relationship type '{code}'")
        return RelationshipTypeSpec.from_properties(rows[0])

    def known_relationship_type(self, code: str, catalogue: dict[str, RelationshipTypeSpec] | None = None) -> RelationshipTypeSpec:
        """The type named in a request body: an unknown code is invalid input listing the allowed ones."""
        catalogue = catalogue if catalogue is not None else {t.code: t for t in self.relationship_types()}
        if code not in catalogue:
            allowed = sorted(catalogue)
            raise InvalidInput(f"unknown relationship type '{code}'; allowed types: {', '.join(allowed)}", allowed=allowed)
        return catalogue[code]

    def create_relationship_type(self, data: dict[str, Any]) -> RelationshipTypeSpec:
        check_identifier(data["code"])
        spec = RelationshipTypeSpec.from_properties(data)
        check_membership_kinds(spec)
        if not self._repo.create_relationship_type(spec.to_properties()):
            raise Conflict(f"relationship type '{spec.code}' already exists")
        return spec

    def update_relationship_type(self, code: str, changes: dict[str, Any]) -> RelationshipTypeSpec:
        current = self.relationship_type(code)
        for required in changes.keys() & {"phrase", "reverse_phrase", "from_kinds", "to_kinds", "weight"}:
            if changes[required] is None:
                raise InvalidInput(f"{required} cannot be cleared")
        if "description" in changes and changes["description"] is None:
            changes = {**changes, "description": ""}
        merged = RelationshipTypeSpec.from_properties({**current.to_properties(), **changes})
        check_membership_kinds(merged)
        properties = merged.to_properties()
        row = self._repo.update_relationship_type(
            code, {k: properties[k] for k in changes}, from_kinds=properties["from_kinds"],
            to_kinds=properties["to_kinds"], symmetric=merged.symmetric,
        )
        if row is None:
            raise NotFound(f"no relationship type '{code}'")
        if row["misfits"]:
            raise Conflict(
                f"{row['misfits']} existing '{code}' relationships join kinds the new from_kinds/to_kinds would not allow"
            )
        return RelationshipTypeSpec.from_properties(row["relationship_type"])

    def delete_relationship_type(self, code: str) -> None:
        self.relationship_type(code)
        uses = self._repo.delete_relationship_type(code)
        if uses is None:
            raise NotFound(f"no relationship type '{code}'")
        if uses:
            raise Conflict(f"relationship type '{code}' is used by {uses} relationships; end or delete them first")

    # -- categories ---------------------------------------------------------------------
    def categories(self, name: CategoryList) -> list[dict[str, Any]]:
        return self._repo.categories(name.value)

    def category_codes(self) -> dict[CategoryList, list[str]]:
        codes: dict[CategoryList, list[str]] = {name: [] for name in CategoryList}
        for row in self._repo.categories():
            codes[CategoryList(row["list"])].append(row["code"])
        return codes

    def create_category(self, name: CategoryList, data: dict[str, Any]) -> dict[str, Any]:
        position = data.pop("position", None)
        properties = {**data, "list": name.value, "key": _key(name, data["code"])}
        if not self._repo.create_category(properties, position):
            raise Conflict(f"{name.value} already has '{data['code']}'")
        return self._category(name, data["code"])

    def update_category(self, name: CategoryList, code: str, changes: dict[str, Any]) -> dict[str, Any]:
        for required in changes.keys() & {"label", "position"}:
            if changes[required] is None:
                raise InvalidInput(f"{required} cannot be cleared")
        row = self._repo.update_category(_key(name, code), changes)
        if row is None:
            raise NotFound(f"{name.value} has no '{code}'")
        return row

    def delete_category(self, name: CategoryList, code: str) -> None:
        uses = self._repo.delete_category(_key(name, code), name.client_field)
        if uses is None:
            raise NotFound(f"{name.value} has no '{code}'")
        if uses:
            raise Conflict(f"{uses} entities still have {name.client_field} '{code}'; reclassify them first")

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


def _key(name: CategoryList, code: str) -> str:
    return f"{name.value}:{code}"
