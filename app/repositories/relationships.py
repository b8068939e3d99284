"""Relationships: one at a time, in batches, and the active ones the rules count."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.audit import CreationRecords
from app.domain.catalogue import PairRule
from app.repositories.base import Repository, _owners, _rule_params, all_as, first_as, result_of
from app.repositories.store import Row


@result_of("create_relationship")
@dataclass(frozen=True)
class RelationshipCreation:
    """Created, or not because an active relationship of the type already joins the pair
    (``duplicates``) or the role is held already (``role_holders``): the counts that decided."""

    created: bool
    duplicates: int
    role_holders: int


@result_of("update_relationship")
@dataclass(frozen=True)
class RelationshipChange:
    """Updated, or not: changed since read (``version_ok`` false), or a clash counted as for
    ``RelationshipCreation``; the relationship as it is now, with its type and ends."""

    updated: bool
    version_ok: bool
    duplicates: int
    role_holders: int
    relationship: Row
    type: str
    from_entity: Row
    to_entity: Row


@result_of("get_relationship", "list_relationships")
@dataclass(frozen=True)
class RelationshipWithEnds:
    """A relationship with its type and the entities at its two ends."""

    relationship: Row
    type: str
    from_entity: Row
    to_entity: Row


@result_of("delete_relationship")
@dataclass(frozen=True)
class RelationshipDeletion:
    """Deleted, or not because it is no longer at the version read."""

    deleted: bool


@result_of("active_relationship_pairs")
@dataclass(frozen=True)
class ActivePair:
    """An active relationship joining a pair asked about (either way round for a symmetric type)."""

    from_id: str
    to_id: str
    relationship_id: str


@result_of("singular_role_holders")
@dataclass(frozen=True)
class RoleHolder:
    """A client with an active holder of the role asked about, and that relationship."""

    client_id: str
    relationship_id: str


@result_of("create_relationships_batch")
@dataclass(frozen=True)
class BatchClashes:
    """How many active relationships or singular-role holders in the store a batch's active
    rows clash with: 0 when the batch was written, else it was not."""

    clashes: int


@result_of("client_owners", "owned_clients", "ownerships_page")
@dataclass(frozen=True)
class Ownership:
    """A client's ownership as a relationship: the client and its owner (a team member)."""

    client: Row
    owner: Row


class RelationshipClashes(Protocol):
    """The stored active relationships that the relationship rules count (``app/services/relationship_rules.py``)."""

    def active_relationship_pairs(
        self, pairs: Sequence[Mapping[str, Any]], *, today: str, ignoring: Collection[str] = ()
    ) -> set[tuple[str, str, str]]:
        """The (from, to, type) pairs already joined by an active relationship not in ``ignoring``."""

    def singular_role_holders(
        self, client_ids: Iterable[str], role: str, *, today: str, ignoring: Collection[str] = ()
    ) -> set[str]:
        """The clients with an active holder of ``role``, leaving out the relationships in ``ignoring``."""


class Relationships(RelationshipClashes, Protocol):
    def create_relationship(
        self, type_code: str, from_id: str, to_id: str, properties: Mapping[str, Any], *,
        symmetric: bool, singular_role: str | None, active: bool, today: str, audit: Mapping[str, Any],
    ) -> RelationshipCreation | None:
        ...

    def get_relationship(
        self, type_code: str, relationship_id: str, *, owners: Collection[str] | None = None
    ) -> RelationshipWithEnds | None:
        """The relationship with its ends; with ``owners``, only if both ends are visible."""

    def update_relationship(
        self, type_code: str, relationship_id: str, properties: Mapping[str, Any], *, symmetric: bool,
        singular_role: str | None, active: bool, today: str, now: str, expected_version: int,
        before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> RelationshipChange | None:
        """Replace the relationship's properties if it is still at ``expected_version``."""

    def delete_relationship(
        self, type_code: str, relationship_id: str, *, expected_version: int, audit: Mapping[str, Any]
    ) -> bool | None:
        """Whether it was deleted (false: no longer at ``expected_version``); None if unknown."""

    def list_relationships(
        self, *, after: str | None, limit: int, today: str, type_code: str | None = None,
        category: str | None = None, include_ended: bool = False, owners: Collection[str] | None = None,
    ) -> list[RelationshipWithEnds]:
        ...

    def create_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> int | None:
        """Create validated rows ``{from_id, to_id, properties, active}`` of each type, each
        with the properties its type shares, and their audit records, all or none: 0 when
        written; else how many active relationships or role holders in the store the active
        rows would repeat under each type's rule (nothing written); None when an end or a
        type is missing (nothing written)."""

    def prepare_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> Callable[[], int | None]:
        """``create_relationships_batch`` made ready to send: the returned function writes it."""

    def ownerships(
        self, *, client_ids: Iterable[str] = (), owner_ids: Iterable[str] = (), limit: int,
        owners: Collection[str] | None = None,
    ) -> list[Ownership]:
        """The ownership of each of ``client_ids`` that is an owned
        client, then (at most ``limit``, by client name) of each client ``owner_ids`` own; with
        ``owners``, only of clients the caller sees."""

    def ownerships_page(self, *, after_client: str | None, limit: int, owners: Collection[str] | None = None) -> list[Ownership]:
        """A page of ownerships, by client id after ``after_client``."""


class RelationshipRepository(Repository):
    def create_relationship(
        self, type_code: str, from_id: str, to_id: str, properties: Mapping[str, Any], *,
        symmetric: bool, singular_role: str | None, active: bool, today: str, audit: Mapping[str, Any],
    ) -> RelationshipCreation | None:
        rows = self._store.write(
            self._q("create_relationship", rel_type=type_code),
            {"type_code": type_code, "from_id": from_id, "to_id": to_id, "properties": dict(properties), "symmetric": symmetric,
             "singular_role": singular_role, "active": active, "today": today, "audit": dict(audit)},
        )
        return first_as(RelationshipCreation, rows)

    def get_relationship(
        self, type_code: str, relationship_id: str, *, owners: Collection[str] | None = None
    ) -> RelationshipWithEnds | None:
        rows = self._store.read(self._q("get_relationship", rel_type=type_code, restricted=owners is not None),
                                {"id": relationship_id, "owners": _owners(owners)})
        return first_as(RelationshipWithEnds, rows)

    def update_relationship(
        self, type_code: str, relationship_id: str, properties: Mapping[str, Any], *, symmetric: bool,
        singular_role: str | None, active: bool, today: str, now: str, expected_version: int,
        before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> RelationshipChange | None:
        rows = self._store.write(
            self._q("update_relationship", rel_type=type_code),
            {"id": relationship_id, "properties": dict(properties), "symmetric": symmetric,
             "singular_role": singular_role, "active": active, "today": today, "now": now,
             "expected_version": expected_version, "before": dict(before), "audit": dict(audit)},
        )
        return first_as(RelationshipChange, rows)

    def delete_relationship(
        self, type_code: str, relationship_id: str, *, expected_version: int, audit: Mapping[str, Any]
    ) -> bool | None:
        rows = self._store.write(
            self._q("delete_relationship", rel_type=type_code),
            {"id": relationship_id, "expected_version": expected_version, "audit": dict(audit)},
        )
        deletion = first_as(RelationshipDeletion, rows)
        return None if deletion is None else bool(deletion.deleted)

    def list_relationships(
        self, *, after: str | None, limit: int, today: str, type_code: str | None = None,
        category: str | None = None, include_ended: bool = False, owners: Collection[str] | None = None,
    ) -> list[RelationshipWithEnds]:
        rows = self._store.read(
            self._q("list_relationships", restricted=owners is not None),
            {"after": after, "limit": limit, "today": today, "type": type_code, "category": category,
             "include_ended": include_ended, "owners": _owners(owners)},
        )
        return all_as(RelationshipWithEnds, rows)

    def create_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> int | None:
        return self.prepare_relationships_batch(rows_by_type, shared_by_type, audits, rules=rules, today=today)()

    def prepare_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> Callable[[], int | None]:
        endpoint_ids = sorted({end for rows in rows_by_type.values() for row in rows for end in (row["from_id"], row["to_id"])})
        # Rows name their ends by place in endpoint_ids (the query looks each end up once).
        place = {endpoint_id: index for index, endpoint_id in enumerate(endpoint_ids)}
        placed: dict[str, list[dict[str, Any]]] = {}
        checks: dict[str, dict[str, Any]] = {}
        for type_code, rows in rows_by_type.items():
            placed[type_code] = [{"from_index": place[row["from_id"]], "to_index": place[row["to_id"]],
                                  "properties": row["properties"]} for row in rows]
            checks[type_code] = {**_rule_params(rules[type_code]), "rows": [
                {"from_index": place[row["from_id"]], "to_index": place[row["to_id"]]} for row in rows if row["active"]]}
        write = self._store.prepare_write(
            self._q("create_relationships_batch", rel_type=sorted(rows_by_type),
                    role_type=sorted(code for code in rows_by_type if rules[code].singular_role)),
            {"type_codes": sorted(rows_by_type), "endpoint_ids": endpoint_ids, "rows_by_type": placed,
             "checks_by_type": checks, "today": today, "shared_by_type": shared_by_type,
             "audits": audits.own, "audit_shared": audits.shared, "audit_changed": audits.changed_sets,
             "audit_after_tails": audits.after_tails},
        )

        def send() -> int | None:
            found = first_as(BatchClashes, write())
            return found.clashes if found else None
        return send

    def ownerships(
        self, *, client_ids: Iterable[str] = (), owner_ids: Iterable[str] = (), limit: int,
        owners: Collection[str] | None = None,
    ) -> list[Ownership]:
        restricted, params = owners is not None, {"limit": limit, "owners": _owners(owners)}
        rows: list[Row] = []
        if client_ids := list(client_ids):
            rows += self._store.read(self._q("client_owners", restricted=restricted), {**params, "ids": client_ids})
        if owner_ids := list(owner_ids):
            rows += self._store.read(self._q("owned_clients", restricted=restricted), {**params, "ids": owner_ids})
        return [Ownership(**row) for row in rows]

    def ownerships_page(self, *, after_client: str | None, limit: int, owners: Collection[str] | None = None) -> list[Ownership]:
        rows = self._store.read(self._q("ownerships_page", restricted=owners is not None),
                                {"after": after_client, "limit": limit, "owners": _owners(owners)})
        return [Ownership(**row) for row in rows]

    def active_relationship_pairs(
        self, pairs: Sequence[Mapping[str, Any]], *, today: str, ignoring: Collection[str] = ()
    ) -> set[tuple[str, str, str]]:
        # One query per type (a typed expand), its pairs grouped by their from end.
        by_type: dict[str, tuple[bool, dict[str, list[str]]]] = {}
        for pair in pairs:
            symmetric, groups = by_type.setdefault(pair["type"], (bool(pair["symmetric"]), {}))
            groups.setdefault(pair["from_id"], []).append(pair["to_id"])
        found: set[tuple[str, str, str]] = set()
        for type_code, (symmetric, groups) in by_type.items():
            rows = self._store.read(
                self._q("active_relationship_pairs", rel_type=type_code),
                {"groups": [{"from_id": from_id, "to_ids": to_ids} for from_id, to_ids in groups.items()],
                 "symmetric": symmetric, "today": today},
            )
            found |= {(pair.from_id, pair.to_id, type_code) for pair in all_as(ActivePair, rows)
                      if pair.relationship_id not in ignoring}
        return found

    def singular_role_holders(
        self, client_ids: Iterable[str], role: str, *, today: str, ignoring: Collection[str] = ()
    ) -> set[str]:
        rows = self._store.read(
            self._q("singular_role_holders"), {"client_ids": list(set(client_ids)), "role": role, "today": today}
        )
        return {held.client_id for held in all_as(RoleHolder, rows) if held.relationship_id not in ignoring}
