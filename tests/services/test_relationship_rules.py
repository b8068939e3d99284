"""The rules every new relationship must pass (app/services/relationship_rules.py), against
an in-memory practice: status by date, kinds, shares, and the clashes of a batch with itself
and with what is stored."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.model import EntityKind as K
from app.services.relationship_rules import (
    ActiveRelationships,
    Clash,
    RelationshipStatus,
    check_kinds,
    check_share,
    relationship_status,
)
from tests.fakes import FakePractice

TODAY = "2026-06-01"


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice()
    for person in ("p1", "p2", "p3"):
        practice.add(K.person, person)
    for client in ("c1", "c2"):
        practice.add(K.client, client)
    return practice


@pytest.mark.parametrize(("since", "until", "status"), [
    (None, None, RelationshipStatus.active), ("2026-06-01", None, RelationshipStatus.active),
    ("2026-06-02", None, RelationshipStatus.upcoming), (None, "2026-06-01", RelationshipStatus.ended),
    ("2020-01-01", "2026-06-02", RelationshipStatus.active),
])
def test_status_by_dates(since, until, status):
    assert relationship_status({"since": since, "until": until}, TODAY) is status


def test_kinds_and_shares_are_checked_against_the_type(practice):
    spouse, primary = practice.type_spec("SPOUSE_OF"), practice.type_spec("PRIMARY_CONTACT_AT")
    check_kinds(spouse, K.person, K.person)
    with pytest.raises(InvalidInput, match="joins person to person, not person to client"):
        check_kinds(spouse, "person", "client")
    check_share(primary, 0.5)
    with pytest.raises(InvalidInput, match="share is set on memberships only"):
        check_share(spouse, 0.5)


def test_a_batch_repeating_a_pair_names_the_earlier_item(practice):
    active = ActiveRelationships()
    spouse, parent = practice.type_spec("SPOUSE_OF"), practice.type_spec("PARENT_OF")
    assert active.add(0, spouse, "p1", "p2") is None
    assert active.add(1, spouse, "p2", "p1") == 0  # symmetric: either way round
    assert active.add(2, parent, "p1", "p2") is None
    assert active.add(3, parent, "p2", "p1") is None  # not symmetric: another pair
    assert active.add(4, parent, "p1", "p2") == 2


def test_a_batch_claiming_a_singular_role_twice_names_the_first_claimant(practice):
    active = ActiveRelationships()
    primary, partner = practice.type_spec("PRIMARY_CONTACT_AT"), practice.type_spec("PARTNER_CONTACT_AT")
    assert active.claim_role(0, primary, "c1") is None
    assert active.claim_role(0, primary, "c1") is None  # the same item again is no clash
    assert active.claim_role(1, primary, "c1") == 0
    assert active.claim_role(2, primary, "c2") is None
    assert active.claim_role(3, partner, "c1") is None and active.claim_role(4, partner, "c1") is None  # no singular role


def test_the_store_is_asked_once_about_what_the_batch_adds(practice):
    practice.relate("SPOUSE_OF", "p2", "p1")
    practice.relate("PARENT_OF", "p2", "p1")
    practice.relate("PRIMARY_CONTACT_AT", "p3", "c1")
    practice.relate("PRIMARY_CONTACT_AT", "p3", "c2", until="2026-01-01")  # ended: history, no clash
    practice.relate("SIBLING_OF", "p1", "p3", since="2027-01-01")  # upcoming: holds its place
    active = ActiveRelationships()
    spouse, parent, sibling, primary = (practice.type_spec(code) for code in
                                        ("SPOUSE_OF", "PARENT_OF", "SIBLING_OF", "PRIMARY_CONTACT_AT"))
    active.add("spouse", spouse, "p1", "p2")
    active.add("parent", parent, "p1", "p2")  # the stored one runs p2 -> p1
    active.add("sibling", sibling, "p3", "p1")
    active.add("in files only", spouse, "p1", "p3", in_store=False)
    active.claim_role("primary c1", primary, "c1")
    active.claim_role("primary c2", primary, "c2")
    practice.calls.clear()
    clashes = active.store_clashes(practice, today=TODAY)
    assert sorted(clashes, key=str) == sorted([
        Clash("spouse", "SPOUSE_OF"), Clash("sibling", "SIBLING_OF"),
        Clash("primary c1", "PRIMARY_CONTACT_AT", "primary_contact", "c1")], key=str)
    assert sorted(practice.calls) == ["active_relationship_pairs", "singular_role_holders"]


def test_the_relationships_a_batch_rewrites_are_left_out(practice):
    stored = practice.relate("SPOUSE_OF", "p1", "p2")
    held = practice.relate("PRIMARY_CONTACT_AT", "p3", "c1")
    active = ActiveRelationships()
    active.add(0, practice.type_spec("SPOUSE_OF"), "p1", "p2")
    active.claim_role(1, practice.type_spec("PRIMARY_CONTACT_AT"), "c1")
    assert len(active.store_clashes(practice, today=TODAY)) == 2
    assert active.store_clashes(practice, today=TODAY, ignoring={stored["id"], held["id"]}) == []
