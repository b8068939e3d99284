"""Typed, dated relationships between entities, phrased in both directions, and ego networks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.catalogue import RelationshipTypeSpec
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import (
    SINGULAR_ROLES,
    EntityKind,
    new_relationship_id,
    now_iso,
    relationship_type_of,
    today_iso,
)
from app.repositories.practice import PracticeRepository
from app.services.catalogue import CatalogueService

MAX_NETWORK_DEPTH = 3


def is_active(relationship: Mapping[str, Any], today: str) -> bool:
    until = relationship.get("until")
    return until is None or str(until) > today


def entity_ref(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": entity["id"], "kind": entity["entity_kind"], "name": entity["name"]}


class RelationshipService:
    def __init__(self, repository: PracticeRepository, catalogue: CatalogueService) -> None:
        self._repo = repository
        self._catalogue = catalogue

    # -- writes -----------------------------------------------------------------------------
    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        spec = self._catalogue.known_relationship_type(data["type"])
        endpoints = self._repo.get_entities([data["from_id"], data["to_id"]])
        source, target = (self._endpoint(endpoints, data, end) for end in ("from_id", "to_id"))
        self._check_kinds(spec, source, target)
        today = today_iso()
        properties = self._new_properties(spec, data, now_iso())
        active = is_active(properties, today)
        outcome = self._repo.create_relationship(
            spec.code, source["id"], target["id"], properties, symmetric=spec.symmetric,
            singular_role=self._singular_role(spec), active=active, today=today,
        )
        if outcome is None:
            raise InvalidInput("an entity of this relationship was deleted meanwhile; nothing was created")
        if not outcome.done:
            raise self._conflict(spec, source, target, outcome.row)
        return self.get(properties["id"])

    def create_batch(self, items: list[dict[str, Any]]) -> list[str]:
        """Create many relationships at once, all or none, after checking every one."""
        catalogue = {t.code: t for t in self._catalogue.relationship_types()}
        endpoints = self._repo.get_entities(i for item in items for i in (item["from_id"], item["to_id"]))
        today, now = today_iso(), now_iso()
        errors: list[dict[str, Any]] = []
        rows, pairs, seen, role_claims = [], [], {}, {}
        checked: set[tuple[str, str, str]] = set()  # (type, from kind, to kind) already allowed
        for index, item in enumerate(items):
            try:
                spec = self._catalogue.known_relationship_type(item["type"], catalogue)
                source, target = (self._endpoint(endpoints, item, end) for end in ("from_id", "to_id"))
                kinds = (spec.code, source["entity_kind"], target["entity_kind"])
                if kinds not in checked:
                    self._check_kinds(spec, source, target)
                    checked.add(kinds)
            except (InvalidInput, NotFound) as error:
                errors.append({"index": index, "message": error.detail})
                continue
            properties = self._new_properties(spec, item, now)
            rows.append({"type": spec.code, "from_id": source["id"], "to_id": target["id"], "properties": properties})
            if not is_active(properties, today):
                continue
            pair = _pair_key(spec, source["id"], target["id"])
            if pair in seen:
                errors.append({"index": index, "message": f"repeats item {seen[pair]}: the same active relationship"})
            seen[pair] = index
            pairs.append({"from_id": source["id"], "to_id": target["id"], "type": spec.code, "symmetric": spec.symmetric})
            if (role := self._singular_role(spec)) is not None:
                role_claims.setdefault(role, []).append((index, target["id"]))
        if errors:
            raise InvalidInput(f"{len(errors)} of {len(items)} relationships are invalid; nothing was created", errors=errors)
        conflicts = self._batch_conflicts(catalogue, pairs, seen, role_claims, today)
        if conflicts:
            raise Conflict(f"{len(conflicts)} of {len(items)} relationships conflict; nothing was created", errors=conflicts)
        created = self._repo.create_relationships_batch(rows)
        if created != len(rows):
            raise InvalidInput("an entity of this batch was deleted meanwhile; nothing was created")
        return [row["properties"]["id"] for row in rows]

    def update(self, relationship_id: str, changes: dict[str, Any], *, expected_version: int | None = None) -> dict[str, Any]:
        current = self.get(relationship_id)
        if not changes:
            return current
        spec = self._catalogue.relationship_type(current["type"])
        merged = {**current, **changes}
        if merged.get("since") and merged.get("until") and str(merged["until"]) < str(merged["since"]):
            raise InvalidInput("until must not be before since")
        today = today_iso()
        outcome = self._repo.update_relationship(
            spec.code, relationship_id, _stored(changes), symmetric=spec.symmetric,
            singular_role=self._singular_role(spec), active=is_active(merged, today), today=today, now=now_iso(),
            expected_version=expected_version,
        )
        if outcome is None:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        if not outcome.row["version_ok"]:
            raise Conflict(f"relationship '{relationship_id}' was changed by someone else")
        if not outcome.done:
            raise self._conflict(spec, outcome.row["from_entity"], outcome.row["to_entity"], outcome.row)
        return self._public(outcome.row, {spec.code: spec}, today)

    def delete(self, relationship_id: str, *, expected_version: int | None = None) -> None:
        type_code = self._type_code(relationship_id)
        deleted = self._repo.delete_relationship(type_code, relationship_id, expected_version=expected_version)
        if deleted is None:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        if not deleted:
            raise Conflict(f"relationship '{relationship_id}' was changed by someone else")

    # -- reads ------------------------------------------------------------------------------
    def get(self, relationship_id: str) -> dict[str, Any]:
        type_code = self._type_code(relationship_id)
        row = self._repo.get_relationship(type_code, relationship_id)
        if row is None:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        return self._public(row, self._catalogue_map(), today_iso())

    def list(
        self, *, after: str | None, limit: int, type_code: str | None = None, category: str | None = None,
        include_ended: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        catalogue = self._catalogue_map()
        if type_code is not None:
            self._catalogue.known_relationship_type(type_code, catalogue)
        today = today_iso()
        rows = self._repo.list_relationships(
            after=after, limit=limit + 1, today=today, type_code=type_code, category=category,
            include_ended=include_ended,
        )
        items = [self._public(row, catalogue, today) for row in rows[:limit]]
        return items, (items[-1]["id"] if len(rows) > limit else None)

    def of_entity(self, kind: EntityKind, entity_id: str, *, category: str | None = None, include_ended: bool = False) -> list[dict[str, Any]]:
        """The entity's relationships, each phrased with the entity first."""
        entity = self._repo.get_entity(kind, entity_id)
        if entity is None:
            raise NotFound(f"no {kind.value.replace('_', ' ')} with id '{entity_id}'")
        catalogue = self._catalogue_map()
        today = today_iso()
        result = []
        for row in self._repo.entity_relationships(entity_id, today=today, category=category, include_ended=include_ended):
            ends = (entity, row["other"]) if row["outgoing"] else (row["other"], entity)
            public = self._public({"relationship": row["relationship"], "type": row["type"],
                                   "from_entity": ends[0], "to_entity": ends[1]}, catalogue, today)
            result.append({
                "relationship": public,
                "direction": "outgoing" if row["outgoing"] else "incoming",
                "other": entity_ref(row["other"]),
                "sentence": public["sentence"] if row["outgoing"] else public["reverse_sentence"],
            })
        return result

    def network(self, kind: EntityKind, entity_id: str, *, depth: int, max_nodes: int) -> dict[str, Any]:
        """The ego network: entities within ``depth`` active relationships, breadth first."""
        if not 1 <= depth <= MAX_NETWORK_DEPTH:
            raise InvalidInput(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
        center = self._repo.get_entity(kind, entity_id)
        if center is None:
            raise NotFound(f"no {kind.value.replace('_', ' ')} with id '{entity_id}'")
        catalogue = self._catalogue_map()
        today = today_iso()
        nodes = {entity_id: {**entity_ref(center), "depth": 0}}
        names = {entity_id: center["name"]}
        edges: dict[str, dict[str, Any]] = {}
        frontier, truncated = [entity_id], False
        for level in range(1, depth + 1):
            if not frontier:
                break
            next_frontier = []
            for row in self._repo.neighbourhood(frontier, today=today, limit=max_nodes * 20):
                neighbour = row["neighbour"]
                if neighbour["id"] not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes[neighbour["id"]] = {**entity_ref(neighbour), "depth": level}
                    names[neighbour["id"]] = neighbour["name"]
                    next_frontier.append(neighbour["id"])
                relationship = row["relationship"]
                if row["from_id"] in nodes and row["to_id"] in nodes and relationship["id"] not in edges:
                    spec = catalogue.get(row["type"])
                    edges[relationship["id"]] = {
                        "id": relationship["id"], "type": row["type"], "category": relationship["category"],
                        "from_id": row["from_id"], "to_id": row["to_id"], "strength": relationship.get("strength"),
                        "sentence": _sentence(spec, row["type"], names[row["from_id"]], names[row["to_id"]]),
                    }
            frontier = next_frontier
        return {"center": entity_ref(center), "depth": depth, "nodes": list(nodes.values()),
                "edges": list(edges.values()), "truncated": truncated}

    # -- helpers ----------------------------------------------------------------------------
    def _catalogue_map(self) -> dict[str, RelationshipTypeSpec]:
        return {t.code: t for t in self._catalogue.relationship_types()}

    @staticmethod
    def _type_code(relationship_id: str) -> str:
        type_code = relationship_type_of(relationship_id)
        if type_code is None:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        return type_code

    @staticmethod
    def _endpoint(endpoints: Mapping[str, dict[str, Any]], data: Mapping[str, Any], end: str) -> dict[str, Any]:
        entity = endpoints.get(data[end])
        if entity is None:
            raise InvalidInput(f"{end} '{data[end]}' does not name an entity", field=end)
        return entity

    @staticmethod
    def _check_kinds(spec: RelationshipTypeSpec, source: Mapping[str, Any], target: Mapping[str, Any]) -> None:
        from_kind, to_kind = EntityKind(source["entity_kind"]), EntityKind(target["entity_kind"])
        if not spec.allows(from_kind, to_kind):
            raise InvalidInput(
                f"'{spec.phrase}' ({spec.code}) joins {'/'.join(k.value for k in spec.from_kinds)} to "
                f"{'/'.join(k.value for k in spec.to_kinds)}, not {from_kind.value} to {to_kind.value}",
                from_kinds=[k.value for k in spec.from_kinds], to_kinds=[k.value for k in spec.to_kinds],
            )

    @staticmethod
    def _singular_role(spec: RelationshipTypeSpec) -> str | None:
        return spec.role.value if spec.role in SINGULAR_ROLES else None

    @staticmethod
    def _new_properties(spec: RelationshipTypeSpec, data: Mapping[str, Any], now: str) -> dict[str, Any]:
        properties = {
            **_stored({k: data.get(k) for k in ("since", "until", "strength", "notes")}),
            "id": new_relationship_id(spec.code), "category": spec.category.value,
            "created_at": now, "updated_at": now, "version": 1,
        }
        if spec.role is not None:
            properties["role"] = spec.role.value
        return {k: v for k, v in properties.items() if v is not None}

    def _batch_conflicts(self, catalogue, pairs, seen, role_claims, today) -> list[dict[str, Any]]:
        conflicts = []
        for from_id, to_id, type_code in self._repo.active_relationship_pairs(pairs, today=today):
            key = _pair_key(catalogue[type_code], from_id, to_id)
            conflicts.append({"index": seen[key], "message": f"an active {type_code} relationship already joins them"})
        for role, claims in role_claims.items():
            holders = self._repo.singular_role_holders((client for _, client in claims), role, today=today)
            claimed: set[str] = set()
            for index, client_id in claims:
                if client_id in holders or client_id in claimed:
                    conflicts.append({"index": index, "message": f"client '{client_id}' already has an active {role.replace('_', ' ')}"})
                claimed.add(client_id)
        return sorted(conflicts, key=lambda c: c["index"])

    @staticmethod
    def _conflict(spec: RelationshipTypeSpec, source: Mapping[str, Any], target: Mapping[str, Any], row: Mapping[str, Any]) -> Conflict:
        if row["duplicates"]:
            return Conflict(f"an active relationship already says: {spec.sentence(source['name'], target['name'])}")
        return Conflict(
            f"{target['name']} already has an active {spec.role.value.replace('_', ' ') if spec.role else spec.code}; "
            "end that relationship first"
        )

    @staticmethod
    def _public(row: Mapping[str, Any], catalogue: Mapping[str, RelationshipTypeSpec], today: str) -> dict[str, Any]:
        relationship, type_code = row["relationship"], row["type"]
        source, target = row["from_entity"], row["to_entity"]
        spec = catalogue.get(type_code)
        return {
            **relationship, "type": type_code, "from_entity": entity_ref(source), "to_entity": entity_ref(target),
            "active": is_active(relationship, today),
            "sentence": _sentence(spec, type_code, source["name"], target["name"]),
            "reverse_sentence": spec.reverse_sentence(source["name"], target["name"]) if spec
            else f"{target['name']} is the other end of {type_code} from {source['name']}",
        }


def _sentence(spec: RelationshipTypeSpec | None, type_code: str, from_name: str, to_name: str) -> str:
    # A type can only be deleted once unused, so a missing spec means a concurrent deletion.
    return spec.sentence(from_name, to_name) if spec else f"{from_name} {type_code} {to_name}"


def _pair_key(spec: RelationshipTypeSpec, from_id: str, to_id: str) -> tuple[str, str, str]:
    ends = tuple(sorted((from_id, to_id))) if spec.symmetric else (from_id, to_id)
    return (*ends, spec.code)


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings, the form both stores keep them in."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
