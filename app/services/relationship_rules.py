"""The rules every new relationship must pass, shared by the API and by bulk import.

A relationship type joins only the kinds it allows (either way round for symmetric types);
at most one active relationship of a type joins the same pair (either way round for
symmetric types); a client has at most one active holder of a singular role, such as its
primary contact. Ended relationships are history and never clash.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.catalogue import RelationshipTypeSpec
from app.domain.errors import InvalidInput
from app.domain.model import EntityKind, RelationshipCategory, new_relationship_id
from app.repositories.relationships import RelationshipClashes

#: The fields a relationship carries besides its type and its two ends.
RELATIONSHIP_FIELDS = ("since", "until", "strength", "share", "notes")


class RelationshipStatus(StrEnum):
    """Where a relationship stands on a day, by its ``since`` and ``until`` dates."""

    #: Starts after the day (``since`` in the future): not active yet.
    upcoming = "upcoming"
    active = "active"
    #: ``until`` on or before the day.
    ended = "ended"


def relationship_status(relationship: Mapping[str, Any], today: str) -> RelationshipStatus:
    since, until = relationship.get("since"), relationship.get("until")
    if until is not None and str(until) <= today:
        return RelationshipStatus.ended
    if since is not None and str(since) > today:
        return RelationshipStatus.upcoming
    return RelationshipStatus.active


def is_active(relationship: Mapping[str, Any], today: str) -> bool:
    """Active on the day: started (``since`` on or before it, or none) and not ended."""
    return relationship_status(relationship, today) is RelationshipStatus.active


def not_ended(relationship: Mapping[str, Any], today: str) -> bool:
    """Active or upcoming: what the rules count (no repeat of a pair, one holder of a
    singular role), so a relationship set to start next month still holds its place."""
    return relationship_status(relationship, today) is not RelationshipStatus.ended


def check_kinds(spec: RelationshipTypeSpec, from_kind: EntityKind | str, to_kind: EntityKind | str) -> None:
    """Refuse a relationship between kinds its type does not join."""
    from_kind, to_kind = EntityKind(from_kind), EntityKind(to_kind)
    if not spec.allows(from_kind, to_kind):
        raise InvalidInput(
            f"'{spec.phrase}' ({spec.code}) joins {'/'.join(k.value for k in spec.from_kinds)} to "
            f"{'/'.join(k.value for k in spec.to_kinds)}, not {from_kind.value} to {to_kind.value}",
            from_kinds=[k.value for k in spec.from_kinds], to_kinds=[k.value for k in spec.to_kinds],
        )


def check_share(spec: RelationshipTypeSpec, share: float | None) -> None:
    """A share (of the client's revenue and assets a member carries) belongs to memberships only."""
    if share is not None and spec.category is not RelationshipCategory.membership:
        raise InvalidInput(
            f"share is set on memberships only, and {spec.code} is a {spec.category.value} relationship type",
            field="share",
        )


def singular_role(spec: RelationshipTypeSpec) -> str | None:
    """The role a client may hold only once among its active relationships of this type, if any."""
    return spec.pair_rule.singular_role


def stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings, the form both stores keep them in."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def new_relationship_properties(
    spec: RelationshipTypeSpec, data: Mapping[str, Any], now: str, *, relationship_id: str | None = None
) -> dict[str, Any]:
    """Everything a new relationship stores: its fields, id, category, role and timestamps."""
    return {**own_properties(data, relationship_id or new_relationship_id(spec.code)), **type_properties(spec, now)}


def own_properties(data: Mapping[str, Any], relationship_id: str) -> dict[str, Any]:
    """The part of a new relationship's properties that is its own: id and fields (dates as
    ISO strings, as ``stored`` makes them; none left empty)."""
    properties = {"id": relationship_id}
    for name in RELATIONSHIP_FIELDS:  # a loop, not stored(): bulk writes call this per row
        value = data.get(name)
        if value is not None:
            properties[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return properties


def type_properties(spec: RelationshipTypeSpec, now: str) -> dict[str, Any]:
    """The part every new relationship of a type made at ``now`` shares: category, role,
    timestamps and version (a bulk write sends it once per batch)."""
    properties = {"category": spec.category.value, "created_at": now, "updated_at": now, "version": 1}
    if spec.role is not None:
        properties["role"] = spec.role.value
    return properties


@dataclass(frozen=True)
class Clash:
    """An item of a batch that another active relationship contradicts."""

    item: Hashable
    type_code: str
    #: Set when the clash is a second holder of a singular role (then ``client_id`` is too).
    role: str | None = None
    client_id: str | None = None


class ActiveRelationships:
    """The active relationships a batch would add, checked against each other and the store.

    Items are whatever the caller uses to point at a row (a list index, a file line).
    ``add`` and ``claim_role`` answer at once for clashes inside the batch; ``store_clashes``
    asks the store, once, about everything added with ``in_store=True``.
    """

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str, str], Hashable] = {}
        self._store_pairs: dict[tuple[str, str, str], Hashable] = {}
        self._store_pair_rows: list[dict[str, Any]] = []
        self._holders: dict[str, dict[str, Hashable]] = {}
        self._store_claims: dict[str, list[tuple[Hashable, str, str]]] = {}
        # Per type code, asked once: the spec works them out on every call.
        self._roles: dict[str, str | None] = {}
        self._symmetric: dict[str, bool] = {}

    def add(self, item: Hashable, spec: RelationshipTypeSpec, from_id: str, to_id: str, *, in_store: bool = True) -> Hashable | None:
        """Record an active relationship; return the latest earlier item of the same pair and type, if any."""
        symmetric = self._symmetric.get(spec.code)
        if symmetric is None:
            symmetric = self._symmetric[spec.code] = spec.symmetric
        # What two active relationships of a type may not share: the pair, either way round
        # for symmetric types.
        key = (to_id, from_id, spec.code) if symmetric and to_id < from_id else (from_id, to_id, spec.code)
        earlier = self._pairs.get(key)
        self._pairs[key] = item
        if in_store:
            if (from_id, to_id, spec.code) not in self._store_pairs:
                self._store_pair_rows.append({"from_id": from_id, "to_id": to_id, "type": spec.code, "symmetric": symmetric})
            self._store_pairs[(from_id, to_id, spec.code)] = item
        return earlier

    def claim_role(self, item: Hashable, spec: RelationshipTypeSpec, client_id: str, *, in_store: bool = True) -> Hashable | None:
        """Record a claim of the type's singular role at a client; return the earlier claimant, if any."""
        role = self._roles.get(spec.code, ())
        if role == ():
            role = self._roles[spec.code] = singular_role(spec)
        if role is None:
            return None
        holders = self._holders.setdefault(role, {})
        earlier = holders.setdefault(client_id, item)
        if in_store:
            self._store_claims.setdefault(role, []).append((item, client_id, spec.code))
        return None if earlier == item else earlier

    def store_clashes(self, repository: RelationshipClashes, *, today: str, ignoring: Collection[str] = ()) -> list[Clash]:
        """Items the store contradicts, leaving out the stored relationships in ``ignoring``
        (those the batch itself rewrites)."""
        clashes = []
        rows = self._store_pair_rows
        for start in range(0, len(rows), _STORE_CHECK_CHUNK):  # bounded queries for big imports
            found = repository.active_relationship_pairs(rows[start:start + _STORE_CHECK_CHUNK], today=today, ignoring=ignoring)
            clashes += [Clash(self._store_pairs[pair], pair[2]) for pair in found]
        for role, claims in self._store_claims.items():
            clients = sorted({client for _, client, _ in claims})
            held: set[str] = set()
            for start in range(0, len(clients), _STORE_CHECK_CHUNK):
                held |= repository.singular_role_holders(clients[start:start + _STORE_CHECK_CHUNK], role, today=today,
                                                         ignoring=ignoring)
            clashes += [Clash(item, code, role, client) for item, client, code in claims if client in held]
        return clashes


_STORE_CHECK_CHUNK = 10_000


def audited(properties: Mapping[str, Any], type_code: str, from_id: str, to_id: str) -> dict[str, Any]:
    """A relationship as its audit records show it: its stored properties, type and ends."""
    return {**properties, "type": type_code, "from_id": from_id, "to_id": to_id}
