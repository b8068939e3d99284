"""The relationship-type catalogue: symmetry, pair rules, which kinds a type joins, its
sentences, its stored form, and the ids of clients' ownership."""

from __future__ import annotations

import re

import pytest

from app.domain.catalogue import (
    CATEGORY_CODE_PATTERN,
    DEFAULT_CATEGORIES,
    DEFAULT_RELATIONSHIP_TYPES,
    OWNERSHIP,
    CategoryList,
    PairRule,
    RelationshipTypeSpec,
    ownership_client_id,
    ownership_id,
    ownership_properties,
)
from app.domain.model import EntityKind as K
from app.domain.model import MembershipRole, RelationshipCategory, check_identifier

TYPES = {spec.code: spec for spec in DEFAULT_RELATIONSHIP_TYPES}


def test_symmetric_when_the_reverse_phrase_is_is_plus_the_phrase():
    assert TYPES["SPOUSE_OF"].symmetric
    assert TYPES["RELATED_HOUSEHOLD_OF"].symmetric
    assert not TYPES["PARENT_OF"].symmetric  # "is the Child of"
    assert not TYPES["REFERRER_OF"].symmetric
    assert not TYPES["PRIMARY_CONTACT_AT"].symmetric
    assert sorted(code for code, spec in TYPES.items() if spec.symmetric) == [
        "ACQUAINTANCE_OF", "BUSINESS_GROUP_WITH", "RELATED_HOUSEHOLD_OF", "SIBLING_OF", "SPOUSE_OF",
    ]


def test_pair_rule_names_the_singular_role_only():
    assert TYPES["PRIMARY_CONTACT_AT"].pair_rule == PairRule(symmetric=False, singular_role="primary_contact")
    # A partner contact is a membership too, but a client may have several.
    assert TYPES["PARTNER_CONTACT_AT"].pair_rule == PairRule(symmetric=False, singular_role=None)
    assert TYPES["SPOUSE_OF"].pair_rule == PairRule(symmetric=True, singular_role=None)
    assert TYPES["ADVISER_OF"].pair_rule == PairRule(symmetric=False, singular_role=None)


def test_allows_the_kinds_in_the_written_direction():
    primary = TYPES["PRIMARY_CONTACT_AT"]
    assert primary.allows(K.person, K.client)
    assert not primary.allows(K.client, K.person)  # not symmetric: the other way round is refused
    assert not primary.allows(K.person, K.person)
    adviser = TYPES["ADVISER_OF"]
    assert adviser.allows(K.team_member, K.person)
    assert not adviser.allows(K.person, K.team_member)


def test_a_symmetric_type_allows_either_way_round():
    acquaintance = TYPES["ACQUAINTANCE_OF"]
    assert acquaintance.allows(K.person, K.team_member)
    assert acquaintance.allows(K.team_member, K.person)
    assert not acquaintance.allows(K.client, K.person)
    # Symmetric but with different kinds at each end: the reverse direction counts too.
    lopsided = RelationshipTypeSpec("TWIN_OF", "twinned with", "is twinned with", RelationshipCategory.other,
                                    (K.client,), (K.division,))
    assert lopsided.symmetric
    assert lopsided.allows(K.client, K.division)
    assert lopsided.allows(K.division, K.client)
    assert not lopsided.allows(K.client, K.client)


def test_sentences_read_from_either_end():
    primary = TYPES["PRIMARY_CONTACT_AT"]
    assert primary.sentence("Jean Elliott", "Smart Systems Ltd") == "Jean Elliott is a Primary Contact at Smart Systems Ltd"
    assert primary.reverse_sentence("Jean Elliott", "Smart Systems Ltd") == "Smart Systems Ltd has Primary Contact Jean Elliott"
    assert TYPES["PARENT_OF"].reverse_sentence("Ann", "Bob") == "Bob is the Child of Ann"


@pytest.mark.parametrize("spec", [*DEFAULT_RELATIONSHIP_TYPES, OWNERSHIP], ids=lambda spec: spec.code)
def test_stored_properties_read_back_as_the_same_type(spec):
    assert RelationshipTypeSpec.from_properties(spec.to_properties()) == spec


def test_stored_properties_fill_in_what_older_rows_lack():
    row = {"code": "X_OF", "phrase": "an X of", "reverse_phrase": "has X", "category": "other",
           "from_kinds": ["person"], "to_kinds": ["client"], "role": None, "description": None}
    spec = RelationshipTypeSpec.from_properties(row)
    assert (spec.weight, spec.role, spec.description) == (1.0, None, "")
    stored = TYPES["DEPENDANT_IN"].to_properties()
    assert stored["role"] == "dependant"
    assert stored["from_kinds"] == ["person"]
    assert stored["weight"] == 0.6


def test_default_types_have_valid_unique_codes_and_memberships_carry_roles():
    assert len(TYPES) == len(DEFAULT_RELATIONSHIP_TYPES)
    for code, spec in TYPES.items():
        assert check_identifier(code) == code
        assert 0 < spec.weight <= 1
        assert (spec.category is RelationshipCategory.membership) == (spec.role is not None), code
    assert {spec.role for spec in TYPES.values() if spec.role} == set(MembershipRole)
    assert OWNERSHIP.code not in TYPES  # reserved: no catalogue type takes it


def test_ownership_id_round_trips_to_its_client():
    assert ownership_id("01HZX") == "OWNER_OF-01HZX"
    assert ownership_client_id("OWNER_OF-01HZX") == "01HZX"
    assert ownership_client_id(ownership_id("a-b-c")) == "a-b-c"  # ids with dashes survive
    assert ownership_client_id("ADVISER_OF-01HZX") is None
    assert ownership_client_id("XOWNER_OF-01HZX") is None  # the prefix must start the id
    assert ownership_client_id("OWNER_OF") is None


def test_ownership_properties_follow_the_client():
    client = {"id": "c1", "version": 4, "created_at": "2026-01-01T00:00:00.000Z",
              "updated_at": "2026-02-01T00:00:00.000Z", "name": "Oakley Household"}
    assert ownership_properties(client) == {
        "id": "OWNER_OF-c1", "category": "professional", "derived_from": "owner_id", "version": 4,
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-02-01T00:00:00.000Z",
    }
    assert OWNERSHIP.allows(K.team_member, K.client)
    assert not OWNERSHIP.allows(K.client, K.team_member)


def test_category_lists_name_their_client_fields_and_defaults_fit_the_code_pattern():
    assert {lst: lst.client_field for lst in CategoryList} == {
        CategoryList.stages: "stage", CategoryList.segments: "segment",
        CategoryList.sources: "source", CategoryList.influencer_segments: "influencer_segment",
    }
    assert set(DEFAULT_CATEGORIES) == set(CategoryList)
    for specs in DEFAULT_CATEGORIES.values():
        for spec in specs:
            assert re.fullmatch(CATEGORY_CODE_PATTERN, spec.code), spec.code
    assert not re.fullmatch(CATEGORY_CODE_PATTERN, "-leading-dash")
    assert not re.fullmatch(CATEGORY_CODE_PATTERN, "has space")
    assert not re.fullmatch(CATEGORY_CODE_PATTERN, "x" * 41)
