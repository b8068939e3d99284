"""/clients: fields, category and owner checks, filters, the detail view and deletion rules."""

from __future__ import annotations

import pytest

from api.helpers import (
    create_client,
    create_person,
    create_team_member,
    everything,
    get,
    ids,
    names,
    ok,
    problem,
    relate,
    sample_id,
    sentences,
    snapshot,
)

CATEGORY_FIELDS = {"stage": "stages", "segment": "segments", "source": "sources", "influencer_segment": "influencer-segments"}


def full_client(client):
    owner = create_team_member(client)
    return create_client(
        client, name="Smart Systems Ltd", kind="business", stage="client", segment="B", source="referral",
        owner_id=owner["id"], influencer_segment="critical", annual_revenue=9800.5, assets_under_management=640000,
        notes="Board meets quarterly.\nAsk for Jean.",
    )


def test_create_with_every_field(client):
    created = full_client(client)
    assert created["kind"] == "business"
    assert (created["stage"], created["segment"], created["source"], created["influencer_segment"]) == (
        "client", "B", "referral", "critical")
    assert created["annual_revenue"] == 9800.5 and created["assets_under_management"] == 640000
    assert created["notes"] == "Board meets quarterly.\nAsk for Jean."


def test_create_with_only_required_fields_leaves_the_rest_null(client):
    created = create_client(client)
    for field in ("stage", "segment", "source", "owner_id", "influencer_segment", "annual_revenue",
                  "assets_under_management", "notes"):
        assert created[field] is None


INVALID_FIELDS = [{"kind": "castle"}, {"annual_revenue": -0.01}, {"assets_under_management": -5},
                  {"annual_revenue": "lots"}, {"stage": ""}, {"notes": "x" * 20_001}, {"owner_id": "x" * 65},
                  {"name": ["Elliott"]}]


def test_create_with_invalid_field_is_rejected(client):
    before = snapshot(client)
    for fields in INVALID_FIELDS:
        error = problem(client.post("/clients", json={"name": "Elliott Household", "kind": "household", **fields}), 422)
        assert [e["location"] for e in error["errors"]] == [["body", *fields]]
    assert snapshot(client) == before


def test_unknown_category_code_is_rejected_listing_allowed_codes(client):
    before = snapshot(client)
    for field, list_name in CATEGORY_FIELDS.items():
        allowed = [c["code"] for c in get(client, f"/categories/{list_name}")]
        error = problem(client.post("/clients", json={"name": "X", "kind": "household", field: "nope"}), 422)
        assert error["field"] == field
        assert error["allowed"] == allowed
        assert f"unknown {field} 'nope'" in error["detail"]
        assert all(code in error["detail"] for code in allowed)
    assert snapshot(client) == before


def test_owner_must_be_a_team_member(client):
    not_team = [create_person(client)["id"], create_client(client, name="Other")["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"]
    before = snapshot(client)
    for owner_id in not_team:
        error = problem(client.post("/clients", json={"name": "X", "kind": "household", "owner_id": owner_id}), 422)
        assert error["detail"] == f"owner_id '{owner_id}' does not name a team member"
        assert error["field"] == "owner_id"
    assert snapshot(client) == before


# -- list filters ---------------------------------------------------------------------------
@pytest.fixture
def classified(client):
    """Four clients with different kinds, categories and owners."""
    anna, omar = create_team_member(client, "Anna Shaw"), create_team_member(client, "Omar Haddad")
    create_client(client, "Elliott Household", "household", stage="client", segment="A", source="event",
                  owner_id=anna["id"], influencer_segment="critical")
    create_client(client, "Smart Systems Ltd", "business", stage="client", segment="B", source="referral",
                  owner_id=anna["id"])
    create_client(client, "Okafor Household", "household", stage="prospect", source="referral",
                  owner_id=omar["id"], influencer_segment="important")
    create_client(client, "Sam Reid", "individual")
    return {"anna": anna["id"], "omar": omar["id"]}


LIST_FILTERS = [
    ({"kind": "household"}, ["Elliott Household", "Okafor Household"]),
    ({"kind": "individual"}, ["Sam Reid"]),
    ({"stage": "client"}, ["Elliott Household", "Smart Systems Ltd"]),
    ({"stage": "inactive"}, []),
    ({"segment": "A"}, ["Elliott Household"]),
    ({"source": "referral"}, ["Okafor Household", "Smart Systems Ltd"]),
    ({"influencer_segment": "important"}, ["Okafor Household"]),
    ({"name": "HOUSEHOLD"}, ["Elliott Household", "Okafor Household"]),
    ({"name": "ems l"}, ["Smart Systems Ltd"]),
    ({"kind": "household", "stage": "prospect"}, ["Okafor Household"]),
    ({"source": "referral", "name": "smart"}, ["Smart Systems Ltd"]),
    ({}, ["Elliott Household", "Okafor Household", "Sam Reid", "Smart Systems Ltd"]),
]


def test_list_filters(client, classified):
    for query, expected in LIST_FILTERS:
        assert names(everything(client, "/clients", **query)) == expected, query


def test_list_filter_by_owner(client, classified):
    assert names(everything(client, "/clients", owner_id=classified["anna"])) == ["Elliott Household", "Smart Systems Ltd"]
    assert names(everything(client, "/clients", owner_id=classified["omar"], stage="prospect")) == ["Okafor Household"]


def test_list_filter_with_pagination(client, classified):
    first = get(client, "/clients", kind="household", limit=1)
    second = get(client, "/clients", kind="household", limit=1, after=first["next_cursor"])
    assert second["next_cursor"] is None
    assert names(first["items"] + second["items"]) == ["Elliott Household", "Okafor Household"]


def test_list_rejects_invalid_filter_values(client):
    for query in ({"kind": "castle"}, {"stage": ""}, {"owner_id": "x" * 65}):
        problem(client.get("/clients", params=query), 422)


# -- the detail view --------------------------------------------------------------------------
def test_detail_has_owner_and_active_members_with_roles(sample_client):
    client_id = sample_id(sample_client, "clients", "Elliott Household")
    detail = get(sample_client, f"/clients/{client_id}")
    assert detail["owner"]["name"] == "Anna Shaw" and detail["owner"]["id"] == detail["owner_id"]
    members = [(m["person"]["name"], m["role"], m["relationship_type"]) for m in detail["members"]]
    assert members == [
        ("John Elliott", "primary_contact", "PRIMARY_CONTACT_AT"),
        ("Jean Elliott", "partner", "PARTNER_CONTACT_AT"),
        ("James Elliott", "dependant", "DEPENDANT_IN"),
        ("Rose Elliott", "dependant", "DEPENDANT_IN"),
    ]
    john = detail["members"][0]
    assert john["since"] == "2015-06-01"
    assert john["person"]["email"] == "john.elliott@example.com"
    relationship = get(sample_client, f"/relationships/{john['relationship_id']}")
    assert relationship["from_entity"]["id"] == john["person"]["id"]
    assert relationship["to_entity"]["id"] == client_id


def test_detail_leaves_out_ended_and_non_membership_relationships(sample_client):
    detail = get(sample_client, f"/clients/{sample_id(sample_client, 'clients', 'Elliott Household')}")
    member_names = {m["person"]["name"] for m in detail["members"]}
    assert "Ben Carter" not in member_names  # ended accountant
    assert "Laura Harper" not in member_names  # solicitor: professional, not membership


def test_detail_of_a_person_with_two_roles_lists_both(sample_client):
    detail = get(sample_client, f"/clients/{sample_id(sample_client, 'clients', 'Smart Systems Ltd')}")
    assert [(m["person"]["name"], m["role"]) for m in detail["members"]] == [
        ("Jean Elliott", "primary_contact"), ("Jean Elliott", "director"), ("Tom Hughes", "employee")]


def test_detail_without_owner_or_members(client):
    created = create_client(client)
    detail = get(client, f"/clients/{created['id']}")
    assert detail["owner"] is None and detail["members"] == []
    assert {k: detail[k] for k in created if k != "likely_duplicates"} == {
        k: v for k, v in created.items() if k != "likely_duplicates"}


def test_detail_after_a_membership_ends(client):
    household, john = create_client(client), create_person(client)
    membership = relate(client, "PRIMARY_CONTACT_AT", john["id"], household["id"])
    assert len(get(client, f"/clients/{household['id']}")["members"]) == 1
    ok(client.patch(f"/relationships/{membership['id']}", json={"until": "2020-01-01"}))
    assert get(client, f"/clients/{household['id']}")["members"] == []


# -- changes ----------------------------------------------------------------------------------
def test_patch_explicit_null_clears_optional_fields(client):
    created = full_client(client)
    cleared = ok(client.patch(f"/clients/{created['id']}", json={
        "stage": None, "owner_id": None, "notes": None, "annual_revenue": None, "influencer_segment": None}))
    for field in ("stage", "owner_id", "notes", "annual_revenue", "influencer_segment"):
        assert cleared[field] is None
    assert cleared["segment"] == "B" and cleared["assets_under_management"] == 640000
    detail = get(client, f"/clients/{created['id']}")
    assert detail["owner"] is None and detail["stage"] is None and detail["version"] == 2


def test_patch_clearing_two_fields_one_of_them_added_later(client):
    created = create_client(client, notes="Call in May")
    ok(client.patch(f"/clients/{created['id']}", json={"annual_revenue": 14500}))
    cleared = ok(client.patch(f"/clients/{created['id']}", json={"notes": None, "annual_revenue": None}))
    assert (cleared["notes"], cleared["annual_revenue"], cleared["version"]) == (None, None, 3)
    assert {k: v for k, v in get(client, f"/clients/{created['id']}").items() if k in cleared} == cleared


def test_patch_sets_categories_and_owner(client):
    created = create_client(client)
    omar = create_team_member(client, "Omar Haddad")
    changed = ok(client.patch(f"/clients/{created['id']}", json={"stage": "for_sale", "owner_id": omar["id"], "kind": "business"}))
    assert (changed["stage"], changed["owner_id"], changed["kind"]) == ("for_sale", omar["id"], "business")
    assert get(client, f"/clients/{created['id']}")["owner"]["name"] == "Omar Haddad"


def test_patch_with_invalid_change_is_rejected(client):
    created = full_client(client)
    before = snapshot(client)
    for changes in ({"stage": "nope"}, {"segment": "Z"}, {"kind": "castle"}, {"annual_revenue": -1}, {"name": ""},
                    {"kind": None}, {"name": None}, {"owner_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, {"members": []}):
        problem(client.patch(f"/clients/{created['id']}", json={"notes": "changed", **changes}), 422)
    assert snapshot(client) == before


def test_patch_owner_to_a_person_is_rejected(client):
    created = full_client(client)
    person = create_person(client)
    before = snapshot(client)
    error = problem(client.patch(f"/clients/{created['id']}", json={"owner_id": person["id"]}), 422)
    assert "does not name a team member" in error["detail"]
    assert snapshot(client) == before


# -- deletion ---------------------------------------------------------------------------------
def test_delete_with_relationships_is_refused_then_cascades(sample_client):
    client_id = sample_id(sample_client, "clients", "Elliott Household")
    listed = get(sample_client, f"/clients/{client_id}/relationships", include_ended="true")
    # Its ownership (its owner_id) is listed but not stored: deleting the client needs no cascade for it.
    own = [item["relationship"]["id"] for item in listed if item["relationship"]["derived_from"] is None]
    assert len(listed) == 8 and len(own) == 7
    before = snapshot(sample_client)
    error = problem(sample_client.delete(f"/clients/{client_id}"), 409)
    assert error["relationships"] == 7 and "cascade=true" in error["detail"]
    assert snapshot(sample_client) == before

    assert sample_client.delete(f"/clients/{client_id}", params={"cascade": "true"}).status_code == 204
    problem(sample_client.get(f"/clients/{client_id}"), 404)
    for relationship_id in own:
        problem(sample_client.get(f"/relationships/{relationship_id}"), 404)
    after = snapshot(sample_client)
    assert len(after["relationships"]) == len(before["relationships"]) - 8  # and its ownership
    assert after["people"] == before["people"]  # its members are people in their own right
    assert "John Elliott" in ids(sample_client, "people")


def test_delete_ended_relationships_count_too(client):
    household, ben = create_client(client), create_person(client, "Ben", "Carter")
    ended = relate(client, "ACCOUNTANT_FOR", ben["id"], household["id"], since="2015-06-01", until="2023-03-31")
    assert ended["active"] is False
    error = problem(client.delete(f"/clients/{household['id']}"), 409)
    assert error["relationships"] == 1


# -- relationships phrased from the client ----------------------------------------------------
def test_relationships_are_phrased_from_the_client(sample_client):
    client_id = sample_id(sample_client, "clients", "Smart Systems Ltd")
    assert sentences(sample_client, f"/clients/{client_id}/relationships") == [
        "Smart Systems Ltd has Accountant Brightside Accountants",
        "Smart Systems Ltd has Director Jean Elliott",
        "Smart Systems Ltd has Employee Tom Hughes",
        "Smart Systems Ltd has Owner Anna Shaw",
        "Smart Systems Ltd has Primary Contact Jean Elliott",
        "Smart Systems Ltd is advised by Anna Shaw",
        "Smart Systems Ltd was introduced by Laura Harper",
    ]
    for item in get(sample_client, f"/clients/{client_id}/relationships"):
        assert item["direction"] == "incoming"
        assert item["sentence"] == item["relationship"]["reverse_sentence"]
        assert item["relationship"]["to_entity"]["id"] == client_id
        assert item["other"] == item["relationship"]["from_entity"]


def test_ended_relationship_shows_only_with_include_ended(sample_client):
    client_id = sample_id(sample_client, "clients", "Elliott Household")
    ended = "Elliott Household has Accountant Ben Carter"
    assert ended not in sentences(sample_client, f"/clients/{client_id}/relationships")
    history = get(sample_client, f"/clients/{client_id}/relationships", include_ended="true")
    [item] = [item for item in history if item["sentence"] == ended]
    assert item["relationship"]["active"] is False
    assert (item["relationship"]["since"], item["relationship"]["until"]) == ("2015-06-01", "2023-03-31")
    assert all(other["relationship"]["active"] for other in history if other is not item)


def test_relationships_filtered_by_category(sample_client):
    client_id = sample_id(sample_client, "clients", "Elliott Household")
    assert sentences(sample_client, f"/clients/{client_id}/relationships", category="professional") == [
        "Elliott Household has Owner Anna Shaw", "Elliott Household has Solicitor Laura Harper",
        "Elliott Household is advised by Anna Shaw"]
    assert sentences(sample_client, f"/clients/{client_id}/relationships", category="professional",
                     include_ended="true") == [
        "Elliott Household has Accountant Ben Carter", "Elliott Household has Owner Anna Shaw",
        "Elliott Household has Solicitor Laura Harper", "Elliott Household is advised by Anna Shaw"]
    assert len(get(sample_client, f"/clients/{client_id}/relationships", category="membership")) == 4
    assert get(sample_client, f"/clients/{client_id}/relationships", category="family") == []


def test_a_client_with_an_existing_name_is_created_and_named_as_a_likely_duplicate(client):
    first = create_client(client, "Smart Systems Ltd", "business")
    response = client.post("/clients", json={"name": "SMART SYSTEMS LTD", "kind": "business"})
    assert ok(response, 201)["likely_duplicates"] == [{"id": first["id"], "kind": "client", "name": "Smart Systems Ltd"}]
    assert response.headers["Warning"] == '299 rapport "1 likely duplicate: see likely_duplicates"'
    assert ok(client.post("/clients", json={"name": "Smart Systems", "kind": "business"}), 201).get("likely_duplicates") is None
