"""Group filters: what they select, what they refuse, and how they are stored."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.groups import GroupFilter, audited_group, group_name_key

ELLIOTTS = {"id": "c1", "entity_kind": "client", "kind": "household", "stage": "client", "tier": "AA", "owner_id": "t1"}
JOHN = {"id": "p1", "entity_kind": "person", "influencer_segment": "connector"}


@pytest.mark.parametrize(("kind", "criteria", "selects"), [
    ("client", {"stage": "client"}, {"c1"}),
    ("client", {"stage": "client", "tier": "AA", "owner_id": "t1", "kind": "household"}, {"c1"}),
    ("client", {"stage": "client", "tier": "A"}, set()),
    ("client", {"influencer_segment": "connector"}, set()),  # people are not clients
    ("person", {"influencer_segment": "connector"}, {"p1"}),
    ("client", {"stage": "client", "segment": None}, {"c1"}),  # a field given as null selects by nothing
])
def test_a_filter_selects_what_has_every_field_given(kind, criteria, selects):
    group_filter = GroupFilter.of(kind, criteria)
    assert {e["id"] for e in (ELLIOTTS, JOHN) if group_filter.matches(e)} == selects


@pytest.mark.parametrize(("kind", "criteria", "message"), [
    ("client", {}, "filter: name at least one of kind, tier, stage, segment, owner_id, influencer_segment (a filter "
                   "selecting every client or person is refused)"),
    ("person", {"tier": "A"}, "filter: a filter of person entities selects by influencer_segment, not by tier"),
    ("team_member", {"role": "adviser"}, "filter.entity_kind: client or person, not 'team_member'"),
])
def test_a_filter_that_selects_by_nothing_or_by_a_field_the_kind_lacks_is_refused(kind, criteria, message):
    with pytest.raises(InvalidInput) as refused:
        GroupFilter.of(kind, criteria)
    assert refused.value.detail == message


def test_a_filter_is_stored_on_the_group_and_read_back():
    group_filter = GroupFilter.of("client", {"tier": "A", "stage": "client"})
    stored = {"id": "g1", "name": "A clients", **group_filter.properties()}
    assert stored["filter_tier"] == "A" and stored["filter_entity_kind"] == "client"
    assert GroupFilter.stored(stored) == group_filter
    assert group_filter.public() == {"entity_kind": "client", "stage": "client", "tier": "A"}
    assert GroupFilter.stored({"id": "g2"}) is None


def test_names_are_the_same_in_any_case_and_spacing():
    assert group_name_key("  Retirees   2027 ") == group_name_key("retirees 2027") == "retirees 2027"


def test_an_audit_record_counts_the_members():
    assert audited_group({"id": "g", "member_ids": ["a", "b"], "version": 2}) == {"id": "g", "member_count": 2, "version": 2}
