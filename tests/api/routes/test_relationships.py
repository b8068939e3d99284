"""/relationships: create (one or a batch), list, read, change, end and delete."""

from __future__ import annotations

import pytest

from api.helpers import (
    DEFAULT_TYPE_CODES,
    SAMPLE_ACTIVE_RELATIONSHIPS,
    SAMPLE_ALL_RELATIONSHIPS,
    audit_ids,
    create_client,
    create_division,
    create_person,
    create_provider,
    everything,
    get,
    ids,
    ok,
    problem,
    relate,
    relationship_type_codes,
    sentences,
    snapshot,
    walk,
)

UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def family(client):
    """John and Jean Elliott, their daughter Rose, and the Elliott Household."""
    return {
        "john": create_person(client, "John", "Elliott")["id"],
        "jean": create_person(client, "Jean", "Elliott")["id"],
        "rose": create_person(client, "Rose", "Elliott")["id"],
        "household": create_client(client, "Elliott Household")["id"],
    }


def post(client, type_code, from_id, to_id, **fields):
    return client.post("/relationships", json={"type": type_code, "from_id": from_id, "to_id": to_id, **fields})


# -- create -------------------------------------------------------------------------------------
def test_create_membership(client, family):
    created = relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"], since="2015-06-01",
                     strength=0.8, notes="Main contact")
    assert created["type"] == "PRIMARY_CONTACT_AT" and created["category"] == "membership"
    assert created["role"] == "primary_contact"
    assert created["from_entity"] == {"id": family["john"], "kind": "person", "name": "John Elliott"}
    assert created["to_entity"] == {"id": family["household"], "kind": "client", "name": "Elliott Household"}
    assert (created["since"], created["until"], created["strength"], created["notes"]) == ("2015-06-01", None, 0.8, "Main contact")
    assert created["active"] is True and created["version"] == 1
    assert created["sentence"] == "John Elliott is a Primary Contact at Elliott Household"
    assert created["reverse_sentence"] == "Elliott Household has Primary Contact John Elliott"
    assert created["id"].startswith("PRIMARY_CONTACT_AT-")
    assert get(client, f"/relationships/{created['id']}") == created


def test_create_non_membership_has_no_role(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"])
    assert created["role"] is None and created["category"] == "family"
    assert created["sentence"] == "John Elliott is the Spouse of Jean Elliott"
    assert created["reverse_sentence"] == "Jean Elliott is the Spouse of John Elliott"


def test_create_between_organisations(client):
    provider, division = create_provider(client), create_division(client)
    household = create_client(client)
    assert relate(client, "ACCOUNTANT_FOR", provider["id"], household["id"])["sentence"] == (
        "Brightside Accountants is an Accountant for Elliott Household")
    assert relate(client, "MEMBER_OF_DIVISION", household["id"], division["id"])["sentence"] == (
        "Elliott Household is in London Office")


def test_create_already_ended_relationship_is_history(client, family):
    created = relate(client, "DEPENDANT_IN", family["rose"], family["household"], since="2004-02-17", until="2022-09-01")
    assert created["active"] is False
    assert everything(client, "/relationships") == []
    assert [r["id"] for r in everything(client, "/relationships", include_ended="true")] == [created["id"]]


def test_unknown_type_is_rejected_listing_allowed_types(client, family):
    before = snapshot(client)
    error = problem(post(client, "MARRIED_TO", family["john"], family["jean"]), 422)
    assert error["allowed"] == relationship_type_codes(client)
    assert set(error["allowed"]) == DEFAULT_TYPE_CODES
    assert "unknown relationship type 'MARRIED_TO'" in error["detail"] and "SPOUSE_OF" in error["detail"]
    assert snapshot(client) == before


def test_lowercase_type_is_unknown(client, family):
    problem(post(client, "spouse_of", family["john"], family["jean"]), 422)


def test_type_between_kinds_it_does_not_allow_is_rejected(client, family):
    before = snapshot(client)
    for type_code, (start, end), message in [
        ("SPOUSE_OF", ("john", "household"), "'the Spouse of' (SPOUSE_OF) joins person to person, not person to client"),
        ("PRIMARY_CONTACT_AT", ("household", "john"), "joins person to client, not client to person"),
        ("PARENT_OF", ("household", "rose"), "not client to person"),
    ]:
        error = problem(post(client, type_code, family[start], family[end]), 422)
        assert message in error["detail"]
        assert error["from_kinds"] and error["to_kinds"]
    assert snapshot(client) == before


def test_end_naming_no_entity_is_rejected(client, family):
    before = snapshot(client)
    for end in ("from_id", "to_id"):
        body = {"type": "SPOUSE_OF", "from_id": family["john"], "to_id": family["jean"], end: UNKNOWN_ID}
        error = problem(client.post("/relationships", json=body), 422)
        assert error["field"] == end and error["detail"] == f"{end} '{UNKNOWN_ID}' does not name an entity"
    assert snapshot(client) == before


INVALID_FIELDS = [
    ({"to_id": "JOHN"}, "from_id and to_id are the same"),
    ({"since": "2020-01-01", "until": "2019-12-31"}, "until must not be before since"),
    ({"strength": 1.01}, "less than or equal to 1"),
    ({"strength": -0.1}, "greater than or equal to 0"),
    ({"since": "2020-02-30"}, "2020-02-30 has no such day (February 2020 has 29 days)"),
    ({"until": "soon"}, "date"),
    ({"notes": "x" * 20_001}, "at most 20000"),
    ({"role": "partner"}, "Extra inputs are not permitted"),
    ({"category": "family"}, "Extra inputs are not permitted"),
    ({"type": None}, "valid string"),
    ({"to_id": None}, "valid string"),
]


def test_invalid_fields_are_rejected(client, family):
    before = snapshot(client)
    for fields, message in INVALID_FIELDS:
        body = {"type": "SPOUSE_OF", "from_id": family["john"], "to_id": family["jean"], **fields}
        if body["to_id"] == "JOHN":
            body["to_id"] = family["john"]
        error = problem(client.post("/relationships", json=body), 422)
        assert message in error["detail"], fields
    assert snapshot(client) == before


def test_missing_required_field_is_rejected(client, family):
    for missing in ("type", "from_id", "to_id"):
        body = {k: v for k, v in {"type": "SPOUSE_OF", "from_id": family["john"], "to_id": family["jean"]}.items() if k != missing}
        error = problem(client.post("/relationships", json=body), 422)
        assert error["errors"] == [{"location": ["body", missing], "message": "Field required", "type": "missing"}]
    assert everything(client, "/relationships", include_ended="true") == []


# -- duplicates and singular roles --------------------------------------------------------------
def test_duplicate_active_relationship_is_a_conflict(client, family):
    relate(client, "PARENT_OF", family["john"], family["rose"])
    before = snapshot(client)
    error = problem(post(client, "PARENT_OF", family["john"], family["rose"]), 409)
    assert error["detail"] == "an active relationship already says: John Elliott is the Parent of Rose Elliott"
    assert snapshot(client) == before


def test_reverse_of_a_directed_type_is_not_a_duplicate(client, family):
    relate(client, "REFERRER_OF", family["john"], family["jean"])
    assert relate(client, "REFERRER_OF", family["jean"], family["john"])["active"] is True


def test_reverse_of_a_symmetric_type_is_a_duplicate(client, family):
    symmetric = ("SPOUSE_OF", "SIBLING_OF", "ACQUAINTANCE_OF")
    for type_code in symmetric:
        relate(client, type_code, family["john"], family["jean"])
    before = snapshot(client)
    for type_code in symmetric:
        error = problem(post(client, type_code, family["jean"], family["john"]), 409)
        assert "already says: Jean Elliott is" in error["detail"]
        problem(post(client, type_code, family["john"], family["jean"]), 409)
    assert snapshot(client) == before


def test_same_pair_may_have_different_types(client, family):
    relate(client, "PRIMARY_CONTACT_AT", family["jean"], family["household"])
    assert relate(client, "DIRECTOR_AT", family["jean"], family["household"])["role"] == "director"


def test_second_active_primary_contact_is_a_conflict(client, family):
    relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"])
    before = snapshot(client)
    error = problem(post(client, "PRIMARY_CONTACT_AT", family["jean"], family["household"]), 409)
    assert error["detail"] == "Elliott Household already has an active primary contact; end that relationship first"
    assert snapshot(client) == before


def test_roles_other_than_primary_contact_may_repeat(client, family):
    relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"])
    relate(client, "PARTNER_CONTACT_AT", family["jean"], family["household"])
    relate(client, "PARTNER_CONTACT_AT", family["rose"], family["household"])
    assert len(get(client, f"/clients/{family['household']}")["members"]) == 3


def test_a_person_may_be_primary_contact_of_two_clients(client, family):
    other = create_client(client, "Smart Systems Ltd", "business")
    relate(client, "PRIMARY_CONTACT_AT", family["jean"], family["household"])
    relate(client, "PRIMARY_CONTACT_AT", family["jean"], other["id"])


# -- ending, history and changes ------------------------------------------------------------------
def test_ending_keeps_history_and_allows_a_new_active_one(client, family):
    first = relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"], since="2015-06-01")
    ended = ok(client.patch(f"/relationships/{first['id']}", json={"until": "2024-12-31"}))
    assert ended["active"] is False and ended["until"] == "2024-12-31" and ended["version"] == 2
    assert get(client, f"/relationships/{first['id']}") == ended

    successor = relate(client, "PRIMARY_CONTACT_AT", family["jean"], family["household"], since="2025-01-01")
    ok(client.patch(f"/relationships/{successor['id']}", json={"until": "2025-12-31"}))
    again = relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"], since="2026-01-01")
    assert again["active"] is True
    history = everything(client, "/relationships", include_ended="true")
    assert {r["id"]: r["active"] for r in history} == {first["id"]: False, successor["id"]: False, again["id"]: True}
    assert [r["id"] for r in everything(client, "/relationships")] == [again["id"]]


def test_same_type_again_between_the_pair_after_ending(client, family):
    first = relate(client, "SPOUSE_OF", family["john"], family["jean"], since="1996-08-24")
    ok(client.patch(f"/relationships/{first['id']}", json={"until": "2010-01-01"}))
    second = relate(client, "SPOUSE_OF", family["jean"], family["john"], since="2012-05-05")
    assert second["active"] is True and first["id"] != second["id"]
    before = snapshot(client)
    error = problem(client.patch(f"/relationships/{first['id']}", json={"until": None}), 409)
    assert "already says" in error["detail"]
    assert snapshot(client) == before


def test_reopening_a_primary_contact_while_another_is_active_is_a_conflict(client, family):
    first = relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"])
    ok(client.patch(f"/relationships/{first['id']}", json={"until": "2020-01-01"}))
    relate(client, "PRIMARY_CONTACT_AT", family["jean"], family["household"])
    before = snapshot(client)
    problem(client.patch(f"/relationships/{first['id']}", json={"until": "2099-01-01"}), 409)
    assert snapshot(client) == before


def test_patch_changes_dates_strength_notes(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"], notes="Married 1996")
    changed = ok(client.patch(f"/relationships/{created['id']}", json={"since": "1996-08-24", "strength": 1.0}))
    assert (changed["since"], changed["strength"], changed["notes"], changed["version"]) == ("1996-08-24", 1.0, "Married 1996", 2)
    cleared = ok(client.patch(f"/relationships/{created['id']}", json={"notes": None}))
    assert (cleared["notes"], cleared["strength"], cleared["since"], cleared["version"]) == (None, 1.0, "1996-08-24", 3)
    cleared = ok(client.patch(f"/relationships/{created['id']}", json={"strength": None}))
    assert (cleared["notes"], cleared["strength"], cleared["since"], cleared["version"]) == (None, None, "1996-08-24", 4)
    assert cleared["created_at"] == created["created_at"] and cleared["updated_at"] >= created["updated_at"]
    assert ok(client.patch(f"/relationships/{created['id']}", json={})) == cleared
    assert get(client, f"/relationships/{created['id']}") == cleared


def test_patch_clearing_two_fields_at_once(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"], notes="Married 1996")
    ok(client.patch(f"/relationships/{created['id']}", json={"strength": 0.9}))
    cleared = ok(client.patch(f"/relationships/{created['id']}", json={"notes": None, "strength": None}))
    assert (cleared["notes"], cleared["strength"], cleared["version"]) == (None, None, 3)
    assert get(client, f"/relationships/{created['id']}") == cleared


def test_patch_invalid_change_is_rejected(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"], since="2016-01-01")
    before = snapshot(client)
    for changes, message in [
        ({"until": "2015-01-01"}, "until must not be before since"),
        ({"since": "2020-01-01", "until": "2019-01-01"}, "until must not be before since"),
        ({"strength": 2}, "less than or equal to 1"),
        ({"type": "PARENT_OF"}, "Extra inputs"),
        ({"from_id": "x"}, "Extra inputs"),
        ({"active": False}, "Extra inputs"),
        ({"since": "2016-13-01"}, "has no such month"),
    ]:
        error = problem(client.patch(f"/relationships/{created['id']}", json={"notes": "changed", **changes}), 422)
        assert message in error["detail"], changes
    assert snapshot(client) == before


def test_sentences_follow_renamed_entities(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"])
    ok(client.patch(f"/people/{family['jean']}", json={"preferred_name": "Jeannie"}))
    assert get(client, f"/relationships/{created['id']}")["sentence"] == "John Elliott is the Spouse of Jeannie Elliott"


# -- read and delete by id ----------------------------------------------------------------------
def test_unknown_or_malformed_id_is_404_everywhere(client, family):
    relate(client, "SPOUSE_OF", family["john"], family["jean"])
    before = snapshot(client)
    for relationship_id in ("abc", "SPOUSE_OF", f"SPOUSE_OF-{UNKNOWN_ID}", f"NOT_A_TYPE-{UNKNOWN_ID}",
                            f"spouse_of-{UNKNOWN_ID}", f"SPOUSE_OF-{UNKNOWN_ID.lower()}", family["john"]):
        for response in (client.get(f"/relationships/{relationship_id}"),
                         client.patch(f"/relationships/{relationship_id}", json={"notes": "x"}),
                         client.delete(f"/relationships/{relationship_id}")):
            error = problem(response, 404)
            assert error["detail"] == f"no relationship with id '{relationship_id}'"
    assert snapshot(client) == before


def test_delete(client, family):
    created = relate(client, "SPOUSE_OF", family["john"], family["jean"])
    kept = relate(client, "PARENT_OF", family["john"], family["rose"])
    response = client.delete(f"/relationships/{created['id']}")
    assert response.status_code == 204 and response.content == b""
    problem(client.get(f"/relationships/{created['id']}"), 404)
    problem(client.delete(f"/relationships/{created['id']}"), 404)
    assert [r["id"] for r in everything(client, "/relationships", include_ended="true")] == [kept["id"]]
    assert get(client, f"/people/{family['john']}")["version"] == 1
    assert relate(client, "SPOUSE_OF", family["john"], family["jean"])["active"] is True


# -- list -----------------------------------------------------------------------------------------
def test_list_excludes_ended_unless_asked(sample_client):
    assert len(everything(sample_client, "/relationships")) == SAMPLE_ACTIVE_RELATIONSHIPS
    history = everything(sample_client, "/relationships", include_ended="true")
    assert len(history) == SAMPLE_ALL_RELATIONSHIPS
    [ended] = [r for r in history if not r["active"]]
    assert ended["sentence"] == "Ben Carter is an Accountant for Elliott Household"


def test_pagination_walks_every_relationship_once(sample_client):
    everyone = {r["id"] for r in everything(sample_client, "/relationships", include_ended="true")}
    for limit in (1, 5, 31, 32, 500):
        walked = [r["id"] for r in walk(sample_client, "/relationships", limit, include_ended="true")]
        assert len(walked) == len(set(walked)) == SAMPLE_ALL_RELATIONSHIPS, limit
        assert set(walked) == everyone
        active = [r["id"] for r in walk(sample_client, "/relationships", limit)]
        assert len(active) == len(set(active)) == SAMPLE_ACTIVE_RELATIONSHIPS, limit


LIST_FILTERS = [
    ({"type": "PRIMARY_CONTACT_AT"}, 5),
    ({"type": "ACCOUNTANT_FOR"}, 1),
    ({"type": "ACCOUNTANT_FOR", "include_ended": "true"}, 2),
    ({"type": "BUSINESS_GROUP_WITH"}, 0),
    ({"category": "membership"}, 11),
    ({"category": "referral"}, 4),
    ({"category": "family"}, 4),
    ({"category": "professional"}, 9 + 5),  # and the 5 clients' ownerships
    ({"category": "professional", "include_ended": "true"}, 10 + 5),
    ({"type": "OWNER_OF"}, 5),
    ({"type": "OWNER_OF", "category": "membership"}, 0),
    ({"category": "other"}, 3),
    ({"type": "SPOUSE_OF", "category": "family"}, 2),
    ({"type": "SPOUSE_OF", "category": "membership"}, 0),
]


def test_list_filters(sample_client):
    for query, count in LIST_FILTERS:
        found = everything(sample_client, "/relationships", **query)
        assert len(found) == count, query
        for relationship in found:
            assert relationship["type"] == query.get("type", relationship["type"])
            assert relationship["category"] == query.get("category", relationship["category"])


def test_list_filter_with_pagination(sample_client):
    walked = walk(sample_client, "/relationships", 2, category="membership")
    assert len(walked) == 11 and {r["category"] for r in walked} == {"membership"}


def test_list_unknown_type_filter_lists_allowed(client):
    error = problem(client.get("/relationships", params={"type": "MARRIED_TO"}), 422)
    assert set(error["allowed"]) == DEFAULT_TYPE_CODES | {"OWNER_OF"}  # ownerships are listed too


def test_list_rejects_invalid_query_values(client):
    for query in ({"category": "romance"}, {"limit": 0}, {"limit": 501}, {"include_ended": "maybe"},
                  {"after": "x" * 101}, {"type": "X" * 64}):
        error = problem(client.get("/relationships", params=query), 422)
        assert error["errors"][0]["location"] == ["query", *query]


def test_list_rejects_unknown_query_parameter(client):
    error = problem(client.get("/relationships", params={"colour": "red"}), 422)
    assert error["errors"][0]["location"] == ["query", "colour"]


# -- batch ----------------------------------------------------------------------------------------
def batch(client, *items):
    return client.post("/relationships/batch", json={"relationships": list(items)})


def item(type_code, from_id, to_id, **fields):
    return {"type": type_code, "from_id": from_id, "to_id": to_id, **fields}


def test_batch_creates_all(client, family):
    response = batch(client, item("PRIMARY_CONTACT_AT", family["john"], family["household"], since="2015-06-01"),
                     item("SPOUSE_OF", family["john"], family["jean"], strength=1.0),
                     item("PARENT_OF", family["john"], family["rose"], notes="eldest"),
                     item("DEPENDANT_IN", family["rose"], family["household"], until="2020-01-01"))
    body = ok(response, 201)
    assert body["created"] == 4 and len(set(body["ids"])) == 4
    created = [get(client, f"/relationships/{i}") for i in body["ids"]]
    assert [r["type"] for r in created] == ["PRIMARY_CONTACT_AT", "SPOUSE_OF", "PARENT_OF", "DEPENDANT_IN"]
    assert [(r["from_entity"]["id"], r["to_entity"]["id"]) for r in created] == [
        (family["john"], family["household"]), (family["john"], family["jean"]),
        (family["john"], family["rose"]), (family["rose"], family["household"])]
    assert (created[0]["since"], created[1]["strength"], created[2]["notes"], created[3]["active"]) == (
        "2015-06-01", 1.0, "eldest", False)
    assert created[0]["role"] == "primary_contact"
    assert len(everything(client, "/relationships", include_ended="true")) == 4


def test_batch_with_an_invalid_item_creates_nothing(client, family):
    before = snapshot(client)
    for (type_code, start, end), message in [
        (("MARRIED_TO", "john", "jean"), "unknown relationship type 'MARRIED_TO'"),
        (("SPOUSE_OF", "john", UNKNOWN_ID), f"to_id '{UNKNOWN_ID}' does not name an entity"),
        (("SPOUSE_OF", UNKNOWN_ID, "john"), f"from_id '{UNKNOWN_ID}' does not name an entity"),
        (("SPOUSE_OF", "john", "household"), "not person to client"),
        (("PARENT_OF", "john", "rose"), "repeats item 0"),
    ]:
        bad = item(type_code, family.get(start, start), family.get(end, end))
        error = problem(batch(client, item("PARENT_OF", family["john"], family["rose"]),
                              item("SPOUSE_OF", family["jean"], family["john"]), bad), 422)
        assert len(error["errors"]) == 1
        assert error["errors"][0]["index"] == 2 and message in error["errors"][0]["message"]
        assert error["detail"] == "1 of 3 relationships are invalid; nothing was created"
    assert snapshot(client) == before


def test_batch_lists_every_invalid_item(client, family):
    error = problem(batch(client, item("NOPE", family["john"], family["rose"]),
                          item("PARENT_OF", family["john"], family["rose"]),
                          item("SPOUSE_OF", family["john"], UNKNOWN_ID)), 422)
    assert [e["index"] for e in error["errors"]] == [0, 2]
    assert everything(client, "/relationships", include_ended="true") == []


def test_batch_repeating_a_symmetric_pair_reversed_is_invalid(client, family):
    error = problem(batch(client, item("SPOUSE_OF", family["john"], family["jean"]),
                          item("SPOUSE_OF", family["jean"], family["john"])), 422)
    assert error["errors"] == [{"index": 1, "message": "repeats item 0: the same active relationship"}]


def test_batch_conflicting_with_existing_relationship_creates_nothing(client, family):
    relate(client, "SPOUSE_OF", family["john"], family["jean"])
    before = snapshot(client)
    error = problem(batch(client, item("PARENT_OF", family["john"], family["rose"]),
                          item("SPOUSE_OF", family["jean"], family["john"])), 409)
    assert error["errors"] == [{"index": 1, "message": "an active SPOUSE_OF relationship already joins them"}]
    assert snapshot(client) == before


def test_batch_with_two_primary_contacts_creates_nothing(client, family):
    before = snapshot(client)
    error = problem(batch(client, item("PRIMARY_CONTACT_AT", family["john"], family["household"]),
                          item("PRIMARY_CONTACT_AT", family["jean"], family["household"])), 409)
    assert [e["index"] for e in error["errors"]] == [1]
    assert "already has an active primary contact" in error["errors"][0]["message"]
    assert snapshot(client) == before


def test_batch_primary_contact_conflicting_with_existing_one(client, family):
    relate(client, "PRIMARY_CONTACT_AT", family["john"], family["household"])
    before = snapshot(client)
    error = problem(batch(client, item("PRIMARY_CONTACT_AT", family["jean"], family["household"])), 409)
    assert [e["index"] for e in error["errors"]] == [0]
    assert snapshot(client) == before


def test_batch_may_add_history_beside_an_active_relationship(client, family):
    relate(client, "SPOUSE_OF", family["john"], family["jean"], since="2001-01-01")
    body = ok(batch(client, item("SPOUSE_OF", family["john"], family["jean"], since="1990-01-01", until="1995-01-01")), 201)
    assert body["created"] == 1


BATCH_BODIES = [
    ({"relationships": []}, ["body", "relationships"]),
    ({}, ["body", "relationships"]),
    ({"relationships": [{"type": "SPOUSE_OF", "from_id": "a", "to_id": "b", "colour": "red"}]},
     ["body", "relationships", 0, "colour"]),
    ({"relationships": [{"type": "SPOUSE_OF", "from_id": "a", "to_id": "b"}], "atomic": True}, ["body", "atomic"]),
    ({"relationships": [{"type": "SPOUSE_OF", "from_id": "a", "to_id": "b"},
                        {"type": "SPOUSE_OF", "from_id": "a", "to_id": "a"}]}, ["body", "relationships", 1]),
    ({"relationships": [{"type": "SPOUSE_OF", "from_id": "a", "to_id": "b", "strength": 3}]},
     ["body", "relationships", 0, "strength"]),
]


def test_batch_body_validation(client):
    for body, location in BATCH_BODIES:
        error = problem(client.post("/relationships/batch", json=body), 422)
        assert [e["location"] for e in error["errors"]] == [location]


def test_a_relationship_that_starts_in_the_future_is_upcoming_not_active(client):
    """Issue 14: a relationship whose since is in the future counted as active today. It is
    upcoming: not active, not in networks, memberships or analytics, yet it holds its place
    for the rules (no second one of the pair)."""
    person, household = create_person(client), create_client(client)
    upcoming = relate(client, "PRIMARY_CONTACT_AT", person["id"], household["id"], since="2999-01-01")
    assert (upcoming["active"], upcoming["status"]) == (False, "upcoming")
    listed = ok(client.get(f"/clients/{household['id']}/relationships"))
    assert [(r["relationship"]["id"], r["relationship"]["status"], r["relationship"]["active"]) for r in listed] == [
        (upcoming["id"], "upcoming", False)]
    assert len(ok(client.get(f"/people/{person['id']}/network"))["nodes"]) == 1
    [rollup] = ok(client.get("/service/households", params={"client_id": household["id"]}))
    assert rollup["members"] == []  # not a member yet
    problem(client.post("/relationships", json={"type": "PRIMARY_CONTACT_AT", "from_id": person["id"],
                                                "to_id": household["id"]}), 409)
    started = relate(client, "ACQUAINTANCE_OF", person["id"], create_person(client, first_name="Ann")["id"],
                     since="2001-01-01")
    assert (started["active"], started["status"]) == (True, "active")


# -- a client's ownership: its owner_id, read as a relationship --------------------------------
def test_ownership_is_listed_and_walked_in_step_with_owner_id(sample_client):
    team, clients = ids(sample_client, "team-members"), ids(sample_client, "clients")
    anna, omar, elliott = team["Anna Shaw"], team["Omar Haddad"], clients["Elliott Household"]
    ownership_id = f"OWNER_OF-{elliott}"
    [listed] = [i for i in get(sample_client, f"/clients/{elliott}/relationships") if i["relationship"]["type"] == "OWNER_OF"]
    assert listed["direction"] == "incoming" and listed["other"]["id"] == anna
    assert listed["sentence"] == "Elliott Household has Owner Anna Shaw"
    ownership = listed["relationship"]
    assert ownership == get(sample_client, f"/relationships/{ownership_id}")
    assert {k: ownership[k] for k in ("id", "derived_from", "category", "active", "status", "sentence")} == {
        "id": ownership_id, "derived_from": "owner_id", "category": "professional", "active": True,
        "status": "active", "sentence": "Anna Shaw is the Owner of Elliott Household"}
    [edge] = [e for e in get(sample_client, f"/clients/{elliott}/network")["edges"] if e["id"] == ownership_id]
    assert (edge["from_id"], edge["to_id"], edge["derived_from"]) == (anna, elliott, "owner_id")
    assert "Anna Shaw is the Owner of Elliott Household" in sentences(sample_client, f"/team-members/{anna}/relationships")
    # Changing owner_id changes it; clearing it removes it.
    ok(sample_client.patch(f"/clients/{elliott}", json={"owner_id": omar}))
    assert get(sample_client, f"/relationships/{ownership_id}")["from_entity"]["id"] == omar
    assert "Elliott Household has Owner Omar Haddad" in sentences(sample_client, f"/clients/{elliott}/relationships")
    assert "Anna Shaw is the Owner of Elliott Household" not in sentences(sample_client, f"/team-members/{anna}/relationships")
    assert "Omar Haddad is the Owner of Elliott Household" in sentences(sample_client, f"/team-members/{omar}/relationships")
    ok(sample_client.patch(f"/clients/{elliott}", json={"owner_id": None}))
    problem(sample_client.get(f"/relationships/{ownership_id}"), 404)
    assert not any(i["relationship"]["type"] == "OWNER_OF" for i in get(sample_client, f"/clients/{elliott}/relationships"))
    assert not any(e["type"] == "OWNER_OF" for e in get(sample_client, f"/clients/{elliott}/network")["edges"])


def test_ownership_is_written_only_as_owner_id(sample_client):
    team, clients = ids(sample_client, "team-members"), ids(sample_client, "clients")
    elliott, omar = clients["Elliott Household"], team["Omar Haddad"]
    before, audits = snapshot(sample_client), audit_ids(sample_client)
    for response in (sample_client.patch(f"/relationships/OWNER_OF-{elliott}", json={"notes": "x"}),
                     sample_client.delete(f"/relationships/OWNER_OF-{elliott}")):
        error = problem(response, 409)
        assert f"change the owner_id of client '{elliott}'" in error["detail"] and error["field"] == "owner_id"
    for response in (post(sample_client, "OWNER_OF", omar, elliott),
                     batch(sample_client, item("OWNER_OF", omar, elliott))):
        assert "set the client's owner_id" in str(problem(response, 422))
    assert snapshot(sample_client) == before and audit_ids(sample_client) == audits
