"""Typed, dated relationships between entities, phrased in both directions, and ego networks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record, creation_records
from app.domain.catalogue import RelationshipTypeSpec
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import (
    MAX_NETWORK_DEPTH,
    EntityKind,
    PracticeRecordKind,
    RelationshipCategory,
    now_iso,
    relationship_type_of,
    today_iso,
)
from app.repositories.practice import PracticeRepository
from app.services.bulk import new_ulids
from app.services.catalogue import CatalogueService
from app.services.entities import stale_version
from app.services.optimistic import write_attempts
from app.services.relationship_rules import (
    ActiveRelationships,
    Clash,
    audited,
    check_kinds,
    check_share,
    is_active,
    new_relationship_properties,
    not_ended,
    own_properties,
    relationship_status,
    singular_role,
    stored,
    type_properties,
)
from app.services.visibility import Visibility

# The pair rules (one active relationship of a type per pair, one active holder of a
# singular role per client) are checked inside each write query, after the locks that
# make it alone among competing writers, in every process (see cypher/create_relationship*.cypher).
#: What the public form of a relationship adds to its stored properties (the edge itself
#: holds its type and ends): a change is merged onto everything else, external id included.
_DERIVED_FIELDS = frozenset({"type", "from_entity", "to_entity", "active", "status", "sentence", "reverse_sentence"})


def entity_ref(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": entity["id"], "kind": entity["entity_kind"], "name": entity["name"]}


#: What a network node says of its entity besides its name (see ``NetworkNode``).
_NODE_FIELDS = ("influencer_segment", "stage", "segment", "tier")


def network_node(entity: Mapping[str, Any], depth: int) -> dict[str, Any]:
    return {**entity_ref(entity), "depth": depth, **{field: entity.get(field) for field in _NODE_FIELDS}}


def _audited_public(relationship: Mapping[str, Any]) -> dict[str, Any]:
    """``audited`` from a relationship's public form."""
    return audited(
        {k: v for k, v in relationship.items() if k not in _DERIVED_FIELDS}, relationship["type"],
        relationship["from_entity"]["id"], relationship["to_entity"]["id"],
    )


class RelationshipService:
    def __init__(self, repository: PracticeRepository, catalogue: CatalogueService, caller: Caller) -> None:
        self._repo = repository
        self._catalogue = catalogue
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- writes -----------------------------------------------------------------------------
    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        self._caller.require(Permission.write, "create relationships")
        spec = self._catalogue.known_relationship_type(data["type"])
        endpoints = self._visible_endpoints(self._repo.get_entities([data["from_id"], data["to_id"]]))
        source, target = (self._endpoint(endpoints, data, end) for end in ("from_id", "to_id"))
        check_kinds(spec, source["entity_kind"], target["entity_kind"])
        check_share(spec, data.get("share"))
        today, now = today_iso(), now_iso()
        properties = new_relationship_properties(spec, data, now)
        active = not_ended(properties, today)
        audit = audit_record(
            self._caller, AuditAction.create, PracticeRecordKind.relationship, properties["id"], before=None,
            after=audited(properties, spec.code, source["id"], target["id"]), now=now,
        )
        outcome = self._repo.create_relationship(
            spec.code, source["id"], target["id"], properties, symmetric=spec.symmetric,
            singular_role=singular_role(spec), active=active, today=today, audit=audit,
        )
        if outcome is None:
            raise InvalidInput("an entity or the type of this relationship was deleted meanwhile; nothing was created")
        if not outcome.done:
            raise self._conflict(spec, source, target, outcome.row)
        return self.get(properties["id"])

    def create_batch(self, items: list[dict[str, Any]]) -> list[str]:
        """Create many relationships at once, all or none, after checking every one."""
        self._caller.require(Permission.write, "create relationships")
        catalogue = {t.code: t for t in self._catalogue.relationship_types()}
        endpoints = self._visible_endpoints(
            self._repo.get_entities(i for item in items for i in (item["from_id"], item["to_id"]))
        )
        today, now = today_iso(), now_iso()
        errors: list[dict[str, Any]] = []
        # Each row holds its own properties; those a type's relationships share go once per type.
        rows_by_type: dict[str, list[dict[str, Any]]] = {}
        shared_by_type: dict[str, dict[str, Any]] = {}
        # Each new relationship as its audit record shows it (see ``audited``): its own fields
        # and ends, and the fields it shares with the others of its type, with the type.
        created: list[tuple[dict[str, Any], dict[str, Any]]] = []
        audited_by_type: dict[str, dict[str, Any]] = {}
        ulids = iter(new_ulids(len(items)))
        active = ActiveRelationships()
        role_repeats: list[Clash] = []
        checked: set[tuple[str, str, str]] = set()  # (type, from kind, to kind) already allowed
        for index, item in enumerate(items):
            try:
                spec = self._catalogue.known_relationship_type(item["type"], catalogue)
                source, target = (self._endpoint(endpoints, item, end) for end in ("from_id", "to_id"))
                kinds = (spec.code, source["entity_kind"], target["entity_kind"])
                if kinds not in checked:
                    check_kinds(spec, source["entity_kind"], target["entity_kind"])
                    checked.add(kinds)
                check_share(spec, item.get("share"))
            except (InvalidInput, NotFound) as error:
                errors.append({"index": index, "message": error.detail})
                continue
            if spec.code not in shared_by_type:
                shared_by_type[spec.code] = type_properties(spec, now)
                rows_by_type[spec.code] = []
                audited_by_type[spec.code] = {**shared_by_type[spec.code], "type": spec.code}
            properties = own_properties(item, f"{spec.code}-{next(ulids)}")
            row_active = not_ended(properties, today)
            rows_by_type[spec.code].append(
                {"from_id": source["id"], "to_id": target["id"], "properties": properties, "active": row_active})
            created.append(({**properties, "from_id": source["id"], "to_id": target["id"]}, audited_by_type[spec.code]))
            if not row_active:
                continue
            earlier = active.add(index, spec, source["id"], target["id"])
            if earlier is not None:
                errors.append({"index": index, "message": f"repeats item {earlier}: the same active relationship"})
            if active.claim_role(index, spec, target["id"]) is not None:
                role_repeats.append(Clash(index, spec.code, singular_role(spec), target["id"]))
        if errors:
            raise InvalidInput(f"{len(errors)} of {len(items)} relationships are invalid; nothing was created", errors=errors)
        if role_repeats:  # a refusal anyway: say all that clashes, the store's first
            raise self._batch_conflict(active.store_clashes(self._repo, today=today) + role_repeats, len(items))
        audits = creation_records(self._caller, PracticeRecordKind.relationship, created, ids=new_ulids(len(created)), now=now)
        rules = {code: catalogue[code].pair_rule for code in rows_by_type}
        # The store checks the rules again inside the write, and writes nothing if any item
        # breaks one; only then is it asked which items (the common case costs one query).
        clashes = self._repo.create_relationships_batch(rows_by_type, shared_by_type, audits, rules=rules, today=today)
        if clashes is None:
            raise InvalidInput("an entity or a relationship type of this batch was deleted meanwhile; nothing was created")
        if clashes:
            raise self._batch_conflict(active.store_clashes(self._repo, today=today), len(items))
        return [fields["id"] for fields, _ in created]

    def update(self, relationship_id: str, changes: dict[str, Any], *, expected_version: int | None = None) -> dict[str, Any]:
        """Change dates, strength or notes (None clears one), merged as entities are."""
        self._caller.require(Permission.write, "change relationships")
        for _ in write_attempts():
            current = self.get(relationship_id)
            if expected_version is not None and current["version"] != expected_version:
                raise stale_version("relationship", relationship_id, current["version"], expected_version)
            if not changes:
                return current
            spec = self._catalogue.relationship_type(current["type"])
            check_share(spec, changes.get("share"))
            merged = {**{k: v for k, v in current.items() if k not in _DERIVED_FIELDS}, **stored(changes)}
            if merged.get("since") and merged.get("until") and str(merged["until"]) < str(merged["since"]):
                raise InvalidInput("until must not be before since")
            today, now = today_iso(), now_iso()
            properties = {k: v for k, v in merged.items() if v is not None}
            before = _audited_public(current)
            audit = audit_record(
                self._caller, AuditAction.update, PracticeRecordKind.relationship, relationship_id, before=before,
                after={**before, **properties, "version": current["version"] + 1, "updated_at": now}, now=now,
            )
            outcome = self._repo.update_relationship(
                spec.code, relationship_id, properties,
                symmetric=spec.symmetric, singular_role=singular_role(spec), active=not_ended(merged, today),
                today=today, now=now, expected_version=current["version"],
                before={k: v for k, v in current.items() if k not in _DERIVED_FIELDS}, audit=audit,
            )
            if outcome is None:
                raise NotFound(f"no relationship with id '{relationship_id}'")
            if outcome.done:
                return self._public(outcome.row, {spec.code: spec}, today)
            if outcome.row["version_ok"]:
                raise self._conflict(spec, outcome.row["from_entity"], outcome.row["to_entity"], outcome.row)
            if expected_version is not None:
                raise stale_version("relationship", relationship_id, None, expected_version)
        raise Conflict(f"relationship '{relationship_id}' was changed by someone else meanwhile; nothing was changed")

    def delete(self, relationship_id: str, *, expected_version: int | None = None) -> None:
        """Delete it, guarded by the version just read (so the audit record's "before" is
        exact); if another writer got in between, read again, unless the caller named the
        version it expects."""
        self._caller.require(Permission.write, "delete relationships")
        for _ in write_attempts():
            # What the caller may not see, they may not delete: it reads as missing.
            current = self.get(relationship_id)
            if expected_version is not None and current["version"] != expected_version:
                raise stale_version("relationship", relationship_id, current["version"], expected_version)
            audit = audit_record(
                self._caller, AuditAction.delete, PracticeRecordKind.relationship, relationship_id,
                before=_audited_public(current), after=None, now=now_iso(),
            )
            deleted = self._repo.delete_relationship(
                current["type"], relationship_id, expected_version=current["version"], audit=audit
            )
            if deleted is None:
                raise NotFound(f"no relationship with id '{relationship_id}'")
            if deleted:
                return
            if expected_version is not None:
                raise stale_version("relationship", relationship_id, None, expected_version)
        raise Conflict(f"relationship '{relationship_id}' was changed by someone else meanwhile; nothing was deleted")

    # -- reads ------------------------------------------------------------------------------
    def get(self, relationship_id: str) -> dict[str, Any]:
        type_code = self._type_code(relationship_id)
        row = self._repo.get_relationship(type_code, relationship_id)
        ends = () if row is None else (row["from_entity"]["id"], row["to_entity"]["id"])
        # Visible when both ends are; otherwise answered as missing.
        if row is None or len(self._visibility.visible_ids(ends)) < len(set(ends)):
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
            include_ended=include_ended, owners=self._visibility.owners,
        )
        items = [self._public(row, catalogue, today) for row in rows[:limit]]
        return items, (items[-1]["id"] if len(rows) > limit else None)

    def of_entity(self, kind: EntityKind, entity_id: str, *, category: str | None = None, include_ended: bool = False) -> list[dict[str, Any]]:
        """The entity's relationships, each phrased with the entity first."""
        entity = self._visible_entity(kind, entity_id)
        catalogue = self._catalogue_map()
        today = today_iso()
        result = []
        rows = self._repo.entity_relationships(
            entity_id, today=today, category=category, include_ended=include_ended, owners=self._visibility.owners
        )
        for row in rows:
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

    def memberships(self, person_id: str, *, include_ended: bool = False) -> list[dict[str, Any]]:
        """The clients a person belongs to, one entry per client holding every role they have
        there (Jean, primary contact and director of one business, is listed once). Each entry
        also carries, as its own ``relationship``, ``direction`` and ``sentence``, those of its
        first relationship (active ones first), as the list had one entry per relationship before."""
        by_client: dict[str, dict[str, Any]] = {}
        rows = self.of_entity(EntityKind.person, person_id, category=RelationshipCategory.membership,
                              include_ended=include_ended)
        for row in sorted(rows, key=lambda r: not r["relationship"]["active"]):
            entry = by_client.setdefault(row["other"]["id"], {**row, "roles": [], "relationships": []})
            entry["relationships"].append(row)
            role = row["relationship"].get("role")
            if role is not None and role not in entry["roles"]:
                entry["roles"].append(role)
        return list(by_client.values())

    def network(self, kind: EntityKind, entity_id: str, *, depth: int, max_nodes: int) -> dict[str, Any]:
        """The ego network: entities within ``depth`` active relationships, breadth first."""
        if not 1 <= depth <= MAX_NETWORK_DEPTH:
            raise InvalidInput(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
        center = self._visible_entity(kind, entity_id)
        catalogue = self._catalogue_map()
        today = today_iso()
        nodes = {entity_id: network_node(center, 0)}
        names = {entity_id: center["name"]}
        edges: dict[str, dict[str, Any]] = {}
        frontier, truncated = [entity_id], False
        for level in range(1, depth + 1):
            if not frontier:
                break
            next_frontier = []
            # Entities the caller may not see are left out, and the walk does not pass through them.
            rows = self._repo.neighbourhood(frontier, today=today, limit=max_nodes * 20, owners=self._visibility.owners)
            for row in rows:
                neighbour = row["neighbour"]
                if neighbour["id"] not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes[neighbour["id"]] = network_node(neighbour, level)
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
    def _visible_entity(self, kind: EntityKind, entity_id: str) -> dict[str, Any]:
        """The entity, if the caller may see it; one they may not see is answered as missing."""
        entity = self._repo.get_entity(kind, entity_id)
        if entity is None or not self._visibility.may_see(entity):
            raise NotFound(f"no {kind.value.replace('_', ' ')} with id '{entity_id}'")
        return entity

    def _visible_endpoints(self, endpoints: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The named entities the caller may see: one they may not see is refused exactly as
        an id naming no entity (a caller cannot link to or from what they cannot see)."""
        if self._visibility.sees_everything:
            return endpoints
        visible = self._visibility.visible_ids(endpoints)
        return {entity_id: entity for entity_id, entity in endpoints.items() if entity_id in visible}

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
    def _conflict(spec: RelationshipTypeSpec, source: Mapping[str, Any], target: Mapping[str, Any], row: Mapping[str, Any]) -> Conflict:
        if row["duplicates"]:
            return Conflict(f"an active relationship already says: {spec.sentence(source['name'], target['name'])}")
        return Conflict(
            f"{target['name']} already has an active {spec.role.value.replace('_', ' ') if spec.role else spec.code}; "
            "end that relationship first"
        )

    @staticmethod
    def _batch_conflict(clashes: list[Clash], count: int) -> Conflict:
        """A batch refused because items repeat active relationships or role holders, whether
        in the store or earlier in the batch (one message per item, the store's first)."""
        kept, seen = [], set()
        for clash in clashes:  # per item, its first pair clash and its first role clash
            key = (clash.item, clash.role is not None)
            if key not in seen:
                seen.add(key)
                kept.append(clash)
        conflicts = [{"index": clash.item, "message": _clash_message(clash)} for clash in sorted(kept, key=lambda c: c.item)]
        return Conflict(f"{len(conflicts)} of {count} relationships conflict; nothing was created", errors=conflicts)

    @staticmethod
    def _public(row: Mapping[str, Any], catalogue: Mapping[str, RelationshipTypeSpec], today: str) -> dict[str, Any]:
        relationship, type_code = row["relationship"], row["type"]
        source, target = row["from_entity"], row["to_entity"]
        spec = catalogue.get(type_code)
        return {
            **relationship, "type": type_code, "from_entity": entity_ref(source), "to_entity": entity_ref(target),
            "active": is_active(relationship, today), "status": relationship_status(relationship, today).value,
            "sentence": _sentence(spec, type_code, source["name"], target["name"]),
            "reverse_sentence": spec.reverse_sentence(source["name"], target["name"]) if spec
            else f"{target['name']} is the other end of {type_code} from {source['name']}",
        }


def _sentence(spec: RelationshipTypeSpec | None, type_code: str, from_name: str, to_name: str) -> str:
    # A type can only be deleted once unused, so a missing spec means a concurrent deletion.
    return spec.sentence(from_name, to_name) if spec else f"{from_name} {type_code} {to_name}"


def _clash_message(clash: Clash) -> str:
    if clash.role:
        return f"client '{clash.client_id}' already has an active {clash.role.replace('_', ' ')}"
    return f"an active {clash.type_code} relationship already joins them"
