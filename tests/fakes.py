"""An in-memory practice for fast tests of the services' rules (as cosmicpython's
``FakeRepository``): no store, no server, no query.

``FakePractice`` implements, over plain dicts, the repository Protocols that the rule-heavy
services read through: ``EntityReads``, ``VisibleEntities``, ``RelationshipClashes``,
``StoredRelationships``, ``Catalogue`` (the catalogue's reads and writes, with the seeding
``CatalogueService.seed_defaults`` does), ``TierMeasures``, ``ClientRecords``, ``Access`` (API
keys and the practice's settings) and ``AuditTrail`` (the records those writes add). Each
method answers as its query does (the query files are named beside them); what the queries
themselves do is tested against both real stores (``tests/repositories``), the rules that use
them here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import count
from typing import Any

from app.domain.access import LOCAL_OPERATOR
from app.domain.catalogue import RelationshipTypeSpec
from app.domain.model import EntityKind, PracticeRecordKind, RelationshipCategory
from app.repositories.access import KeyHolder, KeyIssue, KeyListing, KeyRevocation
from app.repositories.catalogue import (
    CatalogueDeletion,
    CategoryChange,
    CategoryCreation,
    RelationshipTypeChange,
    allowed_kinds_change,
)
from app.repositories.tier_runs import TierClient, TierReferral
from app.repositories.transfer import StoredRelationship
from app.services.catalogue import CatalogueService

Row = dict[str, Any]


def _stored(properties: Mapping[str, Any]) -> Row:
    """A node's properties as ``SET n = $properties`` stores them: a null is no property."""
    return {k: v for k, v in properties.items() if v is not None}


def _set(stored: Row, changes: Mapping[str, Any]) -> None:
    """``SET n += $changes``: a null removes the property."""
    for key, value in changes.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value


def _not_ended(relationship: Mapping[str, Any], today: str) -> bool:
    return relationship.get("until") is None or relationship["until"] > today


class FakePractice:
    def __init__(self) -> None:
        self.entities: dict[str, Row] = {}
        #: By relationship id: ``{type, from_id, to_id, relationship}`` (its properties).
        self.relationships: dict[str, Row] = {}
        self.records: dict[str, list[Row]] = {}
        #: By key id: the ``ApiKey`` nodes' properties (hash included).
        self.api_keys_stored: dict[str, Row] = {}
        #: The ``PracticeSettings`` node's properties (empty: no node yet).
        self.settings: Row = {}
        #: The audit records the key and settings writes added (the other writes' are not kept).
        self.audit_trail: list[Row] = []
        self._types: list[Row] = []
        self._categories: list[Row] = []
        self._ids = count(1)
        #: The repository methods called, in order (to tell what a service asked the store).
        self.calls: list[str] = []
        CatalogueService(self, LOCAL_OPERATOR).seed_defaults()
        self.calls.clear()

    # -- making a practice ----------------------------------------------------------------
    def add(self, kind: EntityKind, entity_id: str, name: str | None = None, **properties: Any) -> Row:
        entity = {"id": entity_id, "entity_kind": kind.value, "name": name or entity_id, "version": 1, **properties}
        self.entities[entity_id] = entity
        return entity

    def relate(self, type_code: str, from_id: str, to_id: str, **properties: Any) -> Row:
        """A relationship with its type's category and role (as a create stores them)."""
        spec = self.type_spec(type_code)
        relationship = {"id": properties.pop("id", f"{type_code}-{next(self._ids)}"),
                        "category": spec.category.value, "version": 1, **properties}
        if spec.role is not None:
            relationship["role"] = spec.role.value
        self.relationships[relationship["id"]] = {"type": type_code, "from_id": from_id, "to_id": to_id,
                                                  "relationship": relationship}
        return relationship

    def type_spec(self, code: str) -> RelationshipTypeSpec:
        return RelationshipTypeSpec.from_properties(next(t for t in self._types if t["code"] == code))

    def _call(self, name: str) -> None:
        self.calls.append(name)

    # -- CatalogueReads, and the catalogue's writes (``Catalogue``) --------------------------
    def relationship_types(self, code: str | None = None) -> list[Row]:  # relationship_types.cypher
        self._call("relationship_types")
        return sorted((dict(t) for t in self._types if code is None or t["code"] == code),
                      key=lambda t: (t["category"], t["code"]))

    def categories(self, list_name: str | None = None) -> list[Row]:  # categories.cypher
        self._call("categories")
        return sorted((dict(c) for c in self._categories if list_name is None or c["list"] == list_name),
                      key=lambda c: (c["list"], c["position"], c["code"]))

    def seed_relationship_types(self, types: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        known = {t["code"] for t in self._types}
        added = [_stored(t) for t in types if t["code"] not in known]
        self._types += added
        return len(added)

    def seed_categories(self, categories: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        known = {c["key"] for c in self._categories}
        added = [_stored(c) for c in categories if c["key"] not in known]
        self._categories += added
        return len(added)

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        """Nothing to index in memory."""

    def create_relationship_type(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> bool:
        # create_relationship_type.cypher
        self._call("create_relationship_type")
        if any(t["code"] == properties["code"] for t in self._types):
            return False
        self._types.append(_stored(properties))
        return True

    def update_relationship_type(
        self, code: str, changes: Mapping[str, Any], *, from_kinds: Sequence[str], to_kinds: Sequence[str],
        symmetric: bool, before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> RelationshipTypeChange | None:  # update_relationship_type.cypher
        self._call("update_relationship_type")
        stored = next((t for t in self._types if t["code"] == code), None)
        if stored is None:
            return None

        def fits(r: Row) -> bool:
            start, end = (self.entities[r[end]]["entity_kind"] for end in ("from_id", "to_id"))
            return (start in from_kinds and end in to_kinds) or (symmetric and end in from_kinds and start in to_kinds)

        misfits = 0  # counted only when the kinds or the symmetry change
        if allowed_kinds_change(changes, before=before, symmetric=symmetric):
            misfits = sum(1 for r in self.relationships.values() if r["type"] == code and not fits(r))
        unchanged = stored == before
        if not misfits and unchanged:
            _set(stored, changes)
        return RelationshipTypeChange(misfits, unchanged, dict(stored))

    def delete_relationship_type(
        self, code: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:  # delete_relationship_type.cypher
        self._call("delete_relationship_type")
        uses = sum(1 for r in self.relationships.values() if r["type"] == code)
        return self._delete_unused(self._types, "code", code, uses, before)

    def create_category(
        self, properties: Mapping[str, Any], *, next_position: int | None, audit: Mapping[str, Any]
    ) -> CategoryCreation:  # create_category.cypher
        self._call("create_category")
        fresh = all(c["key"] != properties["key"] for c in self._categories)
        end = max((c["position"] for c in self._categories if c["list"] == properties["list"]), default=-1) + 1
        unchanged = next_position is None or next_position == end
        if fresh and unchanged:
            self._categories.append(_stored(properties))
        return CategoryCreation(fresh, unchanged)

    def update_category(
        self, key: str, changes: Mapping[str, Any], *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CategoryChange | None:  # update_category.cypher
        self._call("update_category")
        stored = next((c for c in self._categories if c["key"] == key), None)
        if stored is None:
            return None
        unchanged = stored == before
        if unchanged:
            _set(stored, changes)
        return CategoryChange(unchanged, dict(stored))

    def delete_category(
        self, key: str, client_field: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> CatalogueDeletion | None:  # delete_category.cypher
        self._call("delete_category")
        stored = next((c for c in self._categories if c["key"] == key), None)
        uses = sum(1 for e in self.entities.values() if stored is not None and e.get(client_field) == stored["code"])
        return self._delete_unused(self._categories, "key", key, uses, before)

    @staticmethod
    def _delete_unused(
        entries: list[Row], field: str, value: str, uses: int, before: Mapping[str, Any]
    ) -> CatalogueDeletion | None:
        """The entry whose ``field`` is ``value`` removed from ``entries`` if unused and still ``before``."""
        stored = next((entry for entry in entries if entry[field] == value), None)
        if stored is None:
            return None
        unchanged = stored == before
        if not uses and unchanged:
            entries.remove(stored)
        return CatalogueDeletion(uses, unchanged)

    # -- EntityReads ------------------------------------------------------------------------
    def get_entity(self, kind: EntityKind, entity_id: str) -> Row | None:  # get_entity.cypher
        self._call("get_entity")
        entity = self.entities.get(entity_id)
        return dict(entity) if entity is not None and entity["entity_kind"] == kind.value else None

    def get_entities(self, ids: Iterable[str]) -> dict[str, Row]:  # get_entities.cypher
        self._call("get_entities")
        return {i: dict(self.entities[i]) for i in set(ids) if i in self.entities}

    def entities_by_external_id(self, external_ids: Iterable[str]) -> list[Row]:  # entities_by_external_id.cypher
        self._call("entities_by_external_id")
        wanted = set(external_ids)
        return [dict(e) for e in self.entities.values() if e.get("external_id") in wanted]

    # -- VisibleEntities (the rule of app/repositories/cypher.py's visible_predicate) --------
    def _visible(self, entity: Row, owners: Collection[str]) -> bool:
        if entity["entity_kind"] == EntityKind.client.value:
            return entity.get("owner_id") in owners
        if entity["entity_kind"] != EntityKind.person.value:
            return True
        clients = [self.entities[end] for r in self.relationships.values() if entity["id"] in (r["from_id"], r["to_id"])
                   for end in (r["from_id"], r["to_id"])
                   if self.entities[end]["entity_kind"] == EntityKind.client.value]
        return not clients or any(client.get("owner_id") in owners for client in clients)

    def visible_entities(self, ids: Iterable[str], owners: Collection[str] | None) -> set[str]:
        self._call("visible_entities")
        known = [self.entities[i] for i in set(ids) if i in self.entities]
        return {e["id"] for e in known if owners is None or self._visible(e, owners)}

    def visible_clients_and_people(self, owners: Collection[str]) -> set[str]:
        self._call("visible_clients_and_people")
        return {e["id"] for e in self.entities.values()
                if e["entity_kind"] in (EntityKind.client.value, EntityKind.person.value) and self._visible(e, owners)}

    # -- RelationshipClashes ------------------------------------------------------------------
    def active_relationship_pairs(
        self, pairs: Sequence[Mapping[str, Any]], *, today: str, ignoring: Collection[str] = ()
    ) -> set[tuple[str, str, str]]:  # active_relationship_pairs.cypher
        self._call("active_relationship_pairs")
        found = set()
        for pair in pairs:
            for r in self.relationships.values():
                ends = (r["from_id"], r["to_id"])
                if (r["type"] == pair["type"] and _not_ended(r["relationship"], today)
                        and r["relationship"]["id"] not in ignoring
                        and (ends == (pair["from_id"], pair["to_id"])
                             or (pair["symmetric"] and ends == (pair["to_id"], pair["from_id"])))):
                    found.add((pair["from_id"], pair["to_id"], pair["type"]))
        return found

    def singular_role_holders(
        self, client_ids: Iterable[str], role: str, *, today: str, ignoring: Collection[str] = ()
    ) -> set[str]:  # singular_role_holders.cypher
        self._call("singular_role_holders")
        wanted = set(client_ids)
        return {r["to_id"] for r in self.relationships.values()
                if r["to_id"] in wanted and r["relationship"].get("role") == role
                and _not_ended(r["relationship"], today) and r["relationship"]["id"] not in ignoring}

    # -- StoredRelationships --------------------------------------------------------------------
    def _rows(self, type_code: str, key: str, values: Iterable[str]) -> list[StoredRelationship]:
        wanted = set(values)
        return [StoredRelationship(dict(r["relationship"]), r["from_id"], r["to_id"])
                for r in self.relationships.values() if r["type"] == type_code and r["relationship"].get(key) in wanted]

    def relationships_by_external_id(self, type_code: str, external_ids: Iterable[str]) -> list[StoredRelationship]:
        self._call("relationships_by_external_id")
        return self._rows(type_code, "external_id", external_ids)

    def relationships_by_id(self, type_code: str, ids: Iterable[str]) -> list[StoredRelationship]:
        self._call("relationships_by_id")
        return self._rows(type_code, "id", ids)

    def count_relationships_of_type(self, type_code: str) -> int:
        self._call("count_relationships_of_type")
        return sum(1 for r in self.relationships.values() if r["type"] == type_code)

    # -- TierMeasures -----------------------------------------------------------------------------
    def tier_clients(self, *, today: str) -> list[TierClient]:  # tier_clients.cypher
        self._call("tier_clients")
        clients = sorted((e for e in self.entities.values() if e["entity_kind"] == EntityKind.client.value),
                         key=lambda c: (c["name"], c["id"]))
        return [TierClient(dict(client), [
            {"id": r["from_id"], "name": self.entities[r["from_id"]]["name"], "role": r["relationship"].get("role"),
             "share": r["relationship"].get("share")}
            for r in self.relationships.values()
            if r["to_id"] == client["id"] and r["relationship"]["category"] == RelationshipCategory.membership.value
            and self.entities[r["from_id"]]["entity_kind"] == EntityKind.person.value
            and _not_ended(r["relationship"], today)
            and (r["relationship"].get("since") is None or r["relationship"]["since"] <= today)])
            for client in clients]

    def tier_referrals(self, *, today: str) -> list[TierReferral]:  # tier_referrals.cypher
        self._call("tier_referrals")
        return [TierReferral(r["from_id"], r["to_id"], r["relationship"].get("since"),
                             self.entities[r["to_id"]]["entity_kind"], self.entities[r["to_id"]].get("stage"))
                for r in self.relationships.values()
                if r["relationship"]["category"] == RelationshipCategory.referral.value
                and _not_ended(r["relationship"], today)]

    # -- ClientRecords ------------------------------------------------------------------------------
    def create_client_record(self, kind: PracticeRecordKind, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> Row | None:
        self._call("create_client_record")
        if properties["client_id"] not in self.entities:
            return None
        self.records.setdefault(kind, []).append(dict(properties))
        return dict(properties)

    def client_records(
        self, kind: PracticeRecordKind, *, client_id: str | None, date_from: str, date_to: str, limit: int = 100_000
    ) -> list[Row]:  # client_records.cypher
        self._call("client_records")
        found = [dict(r) for r in self.records.get(kind, [])
                 if (client_id is None or r["client_id"] == client_id) and date_from <= r["date"] <= date_to]
        return sorted(found, key=lambda r: (r["date"], r["id"]), reverse=True)[:limit]

    # -- Access and AuditTrail ------------------------------------------------------------------
    def _team_member(self, member_id: Any) -> Row | None:
        entity = self.entities.get(member_id)
        return entity if entity is not None and entity["entity_kind"] == EntityKind.team_member.value else None

    def _audited(self, audit: Mapping[str, Any]) -> None:
        self.audit_trail.append(_stored(audit))

    def api_key_caller(self, key_id: str) -> KeyHolder | None:  # authenticate_api_key.cypher
        self._call("api_key_caller")
        key = self.api_keys_stored.get(key_id)
        if key is None:
            return None
        member = self._team_member(key["team_member_id"])
        return KeyHolder(dict(key), dict(member) if member is not None else None, self.settings.get("visibility"),
                         [[m["id"], m.get("reports_to_id")] for m in self.entities.values()
                          if m["entity_kind"] == EntityKind.team_member.value])

    def create_api_key(self, team_member_id: str, properties: Mapping[str, Any],
                       audit: Mapping[str, Any]) -> KeyIssue | None:  # create_api_key.cypher
        self._call("create_api_key")
        member = self._team_member(team_member_id)
        if member is None:
            return None
        key = _stored(properties)
        self.api_keys_stored[key["id"]] = key
        self._audited(audit)
        return KeyIssue(dict(key), member["name"])

    def revoke_api_key(self, key_id: str, *, now: str, revoked_by: str,
                       audit: Mapping[str, Any]) -> KeyRevocation | None:  # revoke_api_key.cypher
        self._call("revoke_api_key")
        key = self.api_keys_stored.get(key_id)
        if key is None:
            return None
        active = key.get("revoked_at") is None
        if active:
            key.update(revoked_at=now, revoked_by=revoked_by)
            self._audited(audit)
        return KeyRevocation(active, dict(key))

    def api_keys(self, *, team_member_id: str | None, include_revoked: bool, after: str | None,
                 limit: int) -> list[KeyListing]:  # api_keys.cypher
        self._call("api_keys")
        listed = []
        for key in sorted(self.api_keys_stored.values(), key=lambda k: k["id"]):
            if ((team_member_id is None or key["team_member_id"] == team_member_id)
                    and (after is None or key["id"] > after) and (include_revoked or key.get("revoked_at") is None)):
                member = self._team_member(key["team_member_id"]) or {}
                listed.append(KeyListing({name: key.get(name) for name in (
                    "id", "name", "team_member_id", "created_at", "created_by", "revoked_at", "revoked_by")},
                    member.get("name"), member.get("role")))
        return listed[:limit]

    def active_admin_keys(self) -> int:  # active_admin_keys.cypher
        self._call("active_admin_keys")
        holders = [self._team_member(key["team_member_id"]) for key in self.api_keys_stored.values()
                   if key.get("revoked_at") is None]
        return sum(1 for member in holders if member is not None and member.get("role") == "admin")

    def practice_settings(self) -> Row:  # practice_settings.cypher
        self._call("practice_settings")
        return dict(self.settings)

    def update_practice_settings(
        self, changes: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row:  # update_practice_settings.cypher
        self._call("update_practice_settings")
        self.settings["id"] = "practice"
        _set(self.settings, changes)
        self._audited(audit)
        return dict(self.settings)

    def audit_records(
        self, filters: Mapping[str, Any], *, after: str | None, limit: int
    ) -> list[Row]:  # audit_records.cypher
        self._call("audit_records")
        wanted = {name: filters[name] for name in ("target_id", "target_kind", "actor_id", "action")
                  if filters.get(name) is not None}
        found = [dict(a) for a in self.audit_trail
                 if all(a.get(name) == value for name, value in wanted.items()) and (after is None or a["id"] > after)
                 and (filters.get("from") is None or a["at"] >= filters["from"])
                 and (filters.get("to") is None or a["at"] < filters["to"])]
        return sorted(found, key=lambda a: a["id"])[:limit]
