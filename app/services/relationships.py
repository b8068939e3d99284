"""Typed, dated relationships between entities, phrased in both directions, and ego networks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record, creation_records
from app.domain.catalogue import (
    OWNERSHIP,
    OWNERSHIP_FIELD,
    RelationshipTypeSpec,
    ownership_client_id,
    ownership_id,
    ownership_properties,
)
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
from app.repositories.catalogue import CatalogueReads
from app.repositories.entities import Entities, Link, Neighbour
from app.repositories.relationships import Ownership, Relationships, RelationshipWithEnds
from app.repositories.visibility import VisibleEntities
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
#: A network hop reads at most ``max_nodes`` times this many stored relationships, and as
#: many ownerships.
_ROWS_PER_NODE = 20


class RelationshipServiceRepository(Relationships, Entities, CatalogueReads, VisibleEntities, Protocol):
    """What the relationship service reads and writes."""


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
    def __init__(self, repository: RelationshipServiceRepository, catalogue: CatalogueService, caller: Caller) -> None:
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
        if not outcome.created:
            raise self._conflict(spec, source, target, outcome.duplicates)
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
        self._refuse_ownership(relationship_id, "changed")
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
            if outcome.updated:
                return self._public(RelationshipWithEnds(outcome.relationship, outcome.type, outcome.from_entity,
                                                         outcome.to_entity), {spec.code: spec}, today)
            if outcome.version_ok:
                raise self._conflict(spec, outcome.from_entity, outcome.to_entity, outcome.duplicates)
            if expected_version is not None:
                raise stale_version("relationship", relationship_id, None, expected_version)
        raise Conflict(f"relationship '{relationship_id}' was changed by someone else meanwhile; nothing was changed")

    def delete(self, relationship_id: str, *, expected_version: int | None = None) -> None:
        """Delete it, guarded by the version just read (so the audit record's "before" is
        exact); if another writer got in between, read again, unless the caller named the
        version it expects."""
        self._caller.require(Permission.write, "delete relationships")
        self._refuse_ownership(relationship_id, "deleted")
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
        if type_code == OWNERSHIP.code:
            return self._ownership(relationship_id)
        # Visible when both ends are; otherwise answered as missing.
        row = self._repo.get_relationship(type_code, relationship_id, owners=self._visibility.owners)
        if row is None:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        return self._public(row, self._catalogue_map(), today_iso())

    def _ownership(self, relationship_id: str) -> dict[str, Any]:
        """A client's ownership by its id, if the caller may see the client (its owner, a team
        member, is in the directory everyone sees)."""
        client_id = ownership_client_id(relationship_id)
        rows = self._repo.ownerships(client_ids=[client_id], limit=1, owners=self._visibility.owners)
        if not rows:
            raise NotFound(f"no relationship with id '{relationship_id}'")
        return self._public(_ownership_row(rows[0]), _PHRASING_OWNERSHIP, today_iso())

    def _refuse_ownership(self, relationship_id: str, done: str) -> None:
        """A client's ownership is its owner_id: it is changed there, never as a relationship."""
        if relationship_type_of(relationship_id) == OWNERSHIP.code:
            ownership = self.get(relationship_id)  # one the caller may not see reads as missing
            client = ownership["to_entity"]
            raise Conflict(
                f"'{relationship_id}' is {client['name']}'s owner_id read as a relationship, not one stored: it cannot "
                f"be {done} here; change the owner_id of client '{client['id']}' instead", field=OWNERSHIP_FIELD,
            )

    def list(
        self, *, after: str | None, limit: int, type_code: str | None = None, category: str | None = None,
        include_ended: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        catalogue = self._phrasing()
        if type_code is not None and type_code != OWNERSHIP.code:
            self._catalogue.known_relationship_type(type_code, catalogue)
        today = today_iso()
        rows = [] if type_code == OWNERSHIP.code else self._repo.list_relationships(
            after=after, limit=limit + 1, today=today, type_code=type_code, category=category,
            include_ended=include_ended, owners=self._visibility.owners,
        )
        if type_code in (None, OWNERSHIP.code) and category in (None, OWNERSHIP.category):
            # Ownerships (always active) in the same id order: the page is the first of both.
            rows += self._ownerships_after(after, limit + 1)
            rows = sorted(rows, key=lambda row: row.relationship["id"])[:limit + 1]
        items = [self._public(row, catalogue, today) for row in rows[:limit]]
        return items, (items[-1]["id"] if len(rows) > limit else None)

    def _ownerships_after(self, after: str | None, limit: int) -> list[RelationshipWithEnds]:
        """Up to ``limit`` ownerships whose ids come after ``after``, in id order."""
        prefix = ownership_id("")
        if after is not None and not after.startswith(prefix) and after > prefix:
            return []  # every ownership id comes before it
        after_client = ownership_client_id(after) if after is not None else None
        return [_ownership_row(found) for found in
                self._repo.ownerships_page(after_client=after_client, limit=limit, owners=self._visibility.owners)]

    def of_entity(self, kind: EntityKind, entity_id: str, *, category: str | None = None, include_ended: bool = False) -> list[dict[str, Any]]:
        """The entity's relationships, each phrased with the entity first."""
        entity = self._visible_entity(kind, entity_id)
        catalogue = self._phrasing()
        today = today_iso()
        result = []
        links = self._repo.entity_relationships(
            entity_id, today=today, category=category, include_ended=include_ended, owners=self._visibility.owners)
        if category in (None, OWNERSHIP.category) and kind in (EntityKind.client, EntityKind.team_member):
            # Its ownership, read from owner_id (always active), among the others in their order.
            ownerships = self._repo.ownerships(
                **{"client_ids" if kind is EntityKind.client else "owner_ids": [entity_id]}, limit=_NO_LIMIT,
                owners=self._visibility.owners,
            )
            owning = kind is EntityKind.team_member
            links += [Link(ownership_properties(found.client), OWNERSHIP.code, owning, found.client if owning else found.owner)
                      for found in ownerships]
            links.sort(key=lambda link: (link.type, link.other["name"], link.id))
        for link in links:
            public = self._public(RelationshipWithEnds(link.relationship, link.type, *(
                (entity, link.other) if link.outgoing else (link.other, entity))), catalogue, today)
            result.append({
                "relationship": public,
                "direction": "outgoing" if link.outgoing else "incoming",
                "other": entity_ref(link.other),
                "sentence": public["sentence"] if link.outgoing else public["reverse_sentence"],
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
        catalogue = self._phrasing()
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
            limit = max_nodes * _ROWS_PER_NODE
            rows = self._repo.neighbourhood(frontier, today=today, limit=limit, owners=self._visibility.owners)
            rows += self._ownerships_around([nodes[i] for i in frontier], limit)
            for row in rows:
                neighbour = row.neighbour
                if neighbour["id"] not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes[neighbour["id"]] = network_node(neighbour, level)
                    names[neighbour["id"]] = neighbour["name"]
                    next_frontier.append(neighbour["id"])
                relationship = row.relationship
                if row.from_id in nodes and row.to_id in nodes and relationship["id"] not in edges:
                    spec = catalogue.get(row.type)
                    edges[relationship["id"]] = {
                        "id": relationship["id"], "type": row.type, "category": relationship["category"],
                        "from_id": row.from_id, "to_id": row.to_id, "strength": relationship.get("strength"),
                        "sentence": _sentence(spec, row.type, names[row.from_id], names[row.to_id]),
                        "derived_from": relationship.get("derived_from"),
                    }
            frontier = next_frontier
        return {"center": entity_ref(center), "depth": depth, "nodes": list(nodes.values()),
                "edges": list(edges.values()), "truncated": truncated}

    # -- helpers ----------------------------------------------------------------------------
    def _ownerships_around(self, frontier: list[dict[str, Any]], limit: int) -> list[Neighbour]:
        """The ownerships of a network hop's frontier (its clients' owners, its team members'
        clients), as ``neighbourhood`` rows: the neighbour is the end outside the frontier."""
        ids = {kind: [node["id"] for node in frontier if node["kind"] == kind]
               for kind in (EntityKind.client, EntityKind.team_member)}
        clients = set(ids[EntityKind.client])
        return [Neighbour(relationship=ownership_properties(found.client), type=OWNERSHIP.code,
                          from_id=found.owner["id"], to_id=found.client["id"],
                          neighbour=found.owner if found.client["id"] in clients else found.client)
                for found in self._repo.ownerships(client_ids=ids[EntityKind.client],
                                                   owner_ids=ids[EntityKind.team_member], limit=limit,
                                                   owners=self._visibility.owners)]

    def _phrasing(self) -> dict[str, RelationshipTypeSpec]:
        """The catalogue, and the ownership read from owner_id: how every relationship an
        entity shows is phrased."""
        return {**self._catalogue_map(), **_PHRASING_OWNERSHIP}

    def _visible_entity(self, kind: EntityKind, entity_id: str) -> dict[str, Any]:
        """The entity, if the caller may see it; one they may not see is answered as missing."""
        entity = self._repo.get_entity(kind, entity_id, owners=self._visibility.owners)
        if entity is None:
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
    def _conflict(spec: RelationshipTypeSpec, source: Mapping[str, Any], target: Mapping[str, Any], duplicates: int) -> Conflict:
        """A write refused by a rule: a repeat of an active pair (``duplicates``), else a second holder of a role."""
        if duplicates:
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
    def _public(row: RelationshipWithEnds, catalogue: Mapping[str, RelationshipTypeSpec], today: str) -> dict[str, Any]:
        relationship, type_code = row.relationship, row.type
        source, target = row.from_entity, row.to_entity
        spec = catalogue.get(type_code)
        return {
            **relationship, "type": type_code, "from_entity": entity_ref(source), "to_entity": entity_ref(target),
            "active": is_active(relationship, today), "status": relationship_status(relationship, today).value,
            "sentence": _sentence(spec, type_code, source["name"], target["name"]),
            "reverse_sentence": spec.reverse_sentence(source["name"], target["name"]) if spec
            else f"{target['name']} is the other end of {type_code} from {source['name']}",
        }


#: Phrasing for an answer that holds ownerships only.
_PHRASING_OWNERSHIP = {OWNERSHIP.code: OWNERSHIP}
#: No limit on how many clients one team member's relationships list shows (as for its stored ones).
_NO_LIMIT = 100_000_000


def _ownership_row(found: Ownership) -> RelationshipWithEnds:
    """An ``ownerships`` row (client and owner) as a relationship row."""
    return RelationshipWithEnds(ownership_properties(found.client), OWNERSHIP.code, found.owner, found.client)


def _sentence(spec: RelationshipTypeSpec | None, type_code: str, from_name: str, to_name: str) -> str:
    # A type can only be deleted once unused, so a missing spec means a concurrent deletion.
    return spec.sentence(from_name, to_name) if spec else f"{from_name} {type_code} {to_name}"


def _clash_message(clash: Clash) -> str:
    if clash.role:
        return f"client '{clash.client_id}' already has an active {clash.role.replace('_', ' ')}"
    return f"an active {clash.type_code} relationship already joins them"
