"""Groups: named lists of clients and people ("Business owners", "Retirees 2027") to service
and write to together.

A group's members are those picked by hand and, where it has one, those its saved filter
selects, both at once (a member may be both). The filter is evaluated when the group is read,
against the practice as it is then: a client reaching the ``client`` stage joins a "stage:
client" group without anyone touching the group.

A filter selects clients (by ``kind``, ``tier``, ``stage``, ``segment``, ``owner_id`` and
``influencer_segment``, all of those given) or people (by ``influencer_segment``, the only
one of those fields people have); it names at least one of them, so that no group becomes
"everyone" by a slip. A filter naming a category or owner that is later deleted selects
nobody until it is changed.

Hand-picked members are a list of entity ids on the group's node, not relationships: the
relationship graph stays the practice's relationships alone (the analytics, networks and
"still has relationships" rules read every relationship an entity has), and the members
change with the group's own version, so adding, removing and renaming are each one guarded
write of one node. Deleting an entity takes it out of every group in the same write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.model import EntityKind

#: The most members a group may have picked by hand (a filter selects any number).
MAX_PICKED = 5_000
#: The kinds a group holds.
MEMBER_KINDS = (EntityKind.client, EntityKind.person)
#: The fields a filter may name, per kind it selects.
FILTER_FIELDS: Mapping[EntityKind, tuple[str, ...]] = {
    EntityKind.client: ("kind", "tier", "stage", "segment", "owner_id", "influencer_segment"),
    EntityKind.person: ("influencer_segment",),
}
#: How a group's filter is stored on its node: ``filter_<field>``.
_STORED = "filter_"


def group_name_key(name: str) -> str:
    """What makes two group names the same: spaces collapsed, any case."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class GroupFilter:
    """A saved filter: the kind it selects and the fields each member must have."""

    entity_kind: EntityKind
    criteria: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, entity_kind: str | EntityKind, criteria: Mapping[str, Any]) -> GroupFilter:
        """A filter from what a caller gave; InvalidInput for one that selects by a field the kind lacks,
        or by nothing."""
        try:
            kind = EntityKind(entity_kind)
        except ValueError:
            kind = None
        if kind not in FILTER_FIELDS:
            raise InvalidInput(f"filter.entity_kind: client or person, not '{entity_kind}'", field="filter.entity_kind")
        given = {name: value for name, value in criteria.items() if value is not None}
        wrong = sorted(set(given) - set(FILTER_FIELDS[kind]))
        if wrong:
            raise InvalidInput(
                f"filter: a filter of {kind.value} entities selects by {', '.join(FILTER_FIELDS[kind])}, not by "
                f"{', '.join(wrong)}", field="filter",
            )
        if not given:
            raise InvalidInput(f"filter: name at least one of {', '.join(FILTER_FIELDS[kind])} (a filter selecting "
                               "every client or person is refused)", field="filter")
        return cls(kind, tuple(sorted((name, str(value)) for name, value in given.items())))

    @classmethod
    def stored(cls, group: Mapping[str, Any]) -> GroupFilter | None:
        """The filter a stored group holds, or None."""
        kind = group.get(f"{_STORED}entity_kind")
        if kind is None:
            return None
        fields = FILTER_FIELDS[EntityKind(kind)]
        return cls(EntityKind(kind), tuple(sorted((f, group[_STORED + f]) for f in fields if group.get(_STORED + f) is not None)))

    def properties(self) -> dict[str, str]:
        """The group node's properties that hold this filter."""
        return {f"{_STORED}entity_kind": self.entity_kind.value, **{_STORED + name: value for name, value in self.criteria}}

    def public(self) -> dict[str, str]:
        return {"entity_kind": self.entity_kind.value, **dict(self.criteria)}

    def matches(self, entity: Mapping[str, Any]) -> bool:
        """Whether the filter selects ``entity`` (its properties as stored)."""
        return entity.get("entity_kind") == self.entity_kind.value and all(
            entity.get(name) == value for name, value in self.criteria)


def without_filter(group: Mapping[str, Any]) -> dict[str, Any]:
    """A stored group's properties less those holding its filter."""
    return {name: value for name, value in group.items() if not name.startswith(_STORED)}


def audited_group(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group's fields as its audit records hold them: its hand-picked members as a count
    (the record's note names those added or removed)."""
    return {**{k: v for k, v in group.items() if k != "member_ids"}, "member_count": len(group.get("member_ids") or ())}
