"""/people: contact fields, the display name, memberships and relationships phrased from a person."""

from __future__ import annotations

from api.helpers import (
    create_client,
    create_person,
    everything,
    get,
    names,
    ok,
    problem,
    relate,
    sample_id,
    sentences,
    snapshot,
)


def test_create_with_every_field(client):
    created = create_person(client, "Jonathan", "Elliott", preferred_name="Jon", email="jon.elliott@example.com",
                            phone="+44 20 7946 0012", birth_date="1968-04-12", notes="Prefers mornings.")
    assert created["name"] == "Jon Elliott"
    assert (created["first_name"], created["preferred_name"], created["last_name"]) == ("Jonathan", "Jon", "Elliott")
    assert (created["email"], created["phone"], created["birth_date"]) == (
        "jon.elliott@example.com", "+44 20 7946 0012", "1968-04-12")
    assert created["notes"] == "Prefers mornings."


def test_display_name_is_first_and_last_name_without_a_preferred_name(client):
    assert create_person(client, "Jean", "Elliott")["name"] == "Jean Elliott"


def test_display_name_follows_changes(client):
    person = create_person(client, "Jonathan", "Elliott")
    assert ok(client.patch(f"/people/{person['id']}", json={"preferred_name": "Jon"}))["name"] == "Jon Elliott"
    assert ok(client.patch(f"/people/{person['id']}", json={"last_name": "Smith"}))["name"] == "Jon Smith"
    cleared = ok(client.patch(f"/people/{person['id']}", json={"preferred_name": None}))
    assert cleared["name"] == "Jonathan Smith" and cleared["preferred_name"] is None and cleared["version"] == 4
    assert everything(client, "/people", name="jonathan smith")[0]["id"] == person["id"]


def test_create_with_invalid_field_is_rejected(client):
    before = snapshot(client)
    for fields in ({"email": "not-an-email"}, {"email": "two@@example.com"}, {"phone": "call me"},
                   {"birth_date": "1970-02-30"}, {"birth_date": "30/09/1970"}, {"preferred_name": ""},
                   {"name": "Jean Elliott"}, {"first_name": None}):
        error = problem(client.post("/people", json={"first_name": "Jean", "last_name": "Elliott", **fields}), 422)
        assert [e["location"] for e in error["errors"]] == [["body", *fields]]
    assert snapshot(client) == before


def test_a_date_in_the_right_form_but_not_in_the_calendar_says_so(client):
    for written, message in (("1980-02-30", "1980-02-30 has no such day (February 1980 has 29 days)"),
                             ("1981-02-29", "1981-02-29 has no such day (February 1981 has 28 days)"),
                             ("1980-04-31", "1980-04-31 has no such day (April 1980 has 30 days)"),
                             ("1980-00-10", "1980-00-10 has no such month (months run from 01 to 12)")):
        error = problem(client.post("/people", json={"first_name": "Jean", "last_name": "Elliott", "birth_date": written}), 422)
        assert [e["message"] for e in error["errors"]] == [message]
    assert "should be a date as YYYY-MM-DD" in problem(
        client.post("/people", json={"first_name": "Jean", "last_name": "Elliott", "birth_date": "30/02/1980"}), 422)["detail"]


def test_patch_explicit_null_clears_optional_fields(client):
    person = create_person(client, email="john@example.com", phone="0123 456", birth_date="1968-04-12", notes="n")
    cleared = ok(client.patch(f"/people/{person['id']}", json={"email": None, "phone": None, "birth_date": None, "notes": None}))
    assert (cleared["email"], cleared["phone"], cleared["birth_date"], cleared["notes"]) == (None, None, None, None)
    assert get(client, f"/people/{person['id']}") == cleared


def test_patch_invalid_change_is_rejected(client):
    person = create_person(client)
    before = snapshot(client)
    for changes in ({"first_name": None}, {"last_name": None}, {"email": "nope"}, {"birth_date": "yesterday"},
                    {"name": "Other"}):
        problem(client.patch(f"/people/{person['id']}", json={"notes": "changed", **changes}), 422)
    assert snapshot(client) == before


def test_name_filter_matches_the_display_name(client):
    create_person(client, "Jonathan", "Elliott", preferred_name="Jon")
    create_person(client, "Jean", "Elliott")
    create_person(client, "Grace", "Okafor")
    assert names(everything(client, "/people", name="ELLIOTT")) == ["Jean Elliott", "Jon Elliott"]
    assert names(everything(client, "/people", name="jon ell")) == ["Jon Elliott"]


# -- memberships --------------------------------------------------------------------------------
def test_memberships_list_the_clients_with_roles(sample_client):
    jean = sample_id(sample_client, "people", "Jean Elliott")
    memberships = get(sample_client, f"/people/{jean}/memberships")
    # One entry per client, with every role Jean holds there.
    assert sorted((m["other"]["name"], sorted(m["roles"])) for m in memberships) == [
        ("Elliott Household", ["partner"]), ("Smart Systems Ltd", ["director", "primary_contact"])]
    smart = next(m for m in memberships if m["other"]["name"] == "Smart Systems Ltd")
    assert sorted(r["relationship"]["role"] for r in smart["relationships"]) == ["director", "primary_contact"]
    assert [r["relationship"]["role"] for r in smart["relationships"]] == smart["roles"]
    assert {r["other"]["id"] for r in smart["relationships"]} == {smart["other"]["id"]}
    # As before the grouping: each entry's own relationship, direction and sentence (its first relationship's).
    assert smart["relationship"] == smart["relationships"][0]["relationship"]
    assert all(m["relationship"]["category"] == "membership" and m["direction"] == "outgoing" for m in memberships)
    assert "Jean Elliott is a Partner Contact at Elliott Household" in [m["sentence"] for m in memberships]


def test_memberships_of_a_person_without_any(sample_client):
    laura = sample_id(sample_client, "people", "Laura Harper")
    assert get(sample_client, f"/people/{laura}/memberships") == []
    assert len(get(sample_client, f"/people/{laura}/relationships")) == 3


def test_ended_memberships_only_with_include_ended(client):
    household, person = create_client(client), create_person(client)
    relate(client, "DEPENDANT_IN", person["id"], household["id"], since="2004-02-17", until="2022-09-01")
    assert get(client, f"/people/{person['id']}/memberships") == []
    [history] = get(client, f"/people/{person['id']}/memberships", include_ended="true")
    assert history["relationship"]["active"] is False and history["relationship"]["role"] == "dependant"
    # A new, active role at the same client: still one entry, the active relationship first.
    relate(client, "MEMBER_OF", person["id"], household["id"], since="2022-09-01")
    [now] = get(client, f"/people/{person['id']}/memberships")
    assert now["roles"] == ["member"] and len(now["relationships"]) == 1
    [both] = get(client, f"/people/{person['id']}/memberships", include_ended="true")
    assert both["roles"] == ["member", "dependant"] and both["relationship"]["active"] is True
    assert [r["relationship"]["active"] for r in both["relationships"]] == [True, False]


def test_memberships_of_unknown_or_non_person_is_404(client):
    household = create_client(client)
    problem(client.get("/people/01ARZ3NDEKTSV4RRFFQ69G5FAV/memberships"), 404)
    problem(client.get(f"/people/{household['id']}/memberships"), 404)
    problem(client.get(f"/clients/{household['id']}/memberships"), 404)


# -- relationships phrased from the person -----------------------------------------------------
def test_relationships_are_phrased_from_the_person(sample_client):
    jean = sample_id(sample_client, "people", "Jean Elliott")
    assert sentences(sample_client, f"/people/{jean}/relationships") == [
        "Jean Elliott is a Director at Smart Systems Ltd",
        "Jean Elliott is a Partner Contact at Elliott Household",
        "Jean Elliott is a Primary Contact at Smart Systems Ltd",
        "Jean Elliott is the Spouse of John Elliott",
    ]
    directions = {item["sentence"]: item["direction"] for item in get(sample_client, f"/people/{jean}/relationships")}
    assert directions["Jean Elliott is a Primary Contact at Smart Systems Ltd"] == "outgoing"
    assert directions["Jean Elliott is the Spouse of John Elliott"] == "incoming"  # John -> Jean, symmetric


def test_incoming_relationship_uses_the_reverse_phrase(sample_client):
    rose = sample_id(sample_client, "people", "Rose Elliott")
    assert "Rose Elliott is the Child of John Elliott" in sentences(sample_client, f"/people/{rose}/relationships")
    john = sample_id(sample_client, "people", "John Elliott")
    assert "John Elliott is the Parent of Rose Elliott" in sentences(sample_client, f"/people/{john}/relationships")


def test_ended_relationship_of_a_person(sample_client):
    ben = sample_id(sample_client, "people", "Ben Carter")
    assert sentences(sample_client, f"/people/{ben}/relationships") == ["Ben Carter is a Staff Member at Brightside Accountants"]
    assert sentences(sample_client, f"/people/{ben}/relationships", include_ended="true") == [
        "Ben Carter is a Staff Member at Brightside Accountants", "Ben Carter is an Accountant for Elliott Household"]


def test_relationships_filtered_by_category(sample_client):
    john = sample_id(sample_client, "people", "John Elliott")
    assert sentences(sample_client, f"/people/{john}/relationships", category="family") == [
        "John Elliott is the Parent of James Elliott", "John Elliott is the Parent of Rose Elliott",
        "John Elliott is the Spouse of Jean Elliott"]
    assert sentences(sample_client, f"/people/{john}/relationships", category="referral") == [
        "John Elliott is the Referrer of Okafor Household"]


def test_delete_member_is_refused_then_cascade_removes_membership(sample_client):
    tom = sample_id(sample_client, "people", "Tom Hughes")
    smart = sample_id(sample_client, "clients", "Smart Systems Ltd")
    before = snapshot(sample_client)
    error = problem(sample_client.delete(f"/people/{tom}"), 409)
    assert error["relationships"] == 2  # employee at Smart Systems, acquaintance of Kim Lowe
    assert snapshot(sample_client) == before
    assert sample_client.delete(f"/people/{tom}", params={"cascade": "true"}).status_code == 204
    assert "Tom Hughes" not in {m["person"]["name"] for m in get(sample_client, f"/clients/{smart}")["members"]}
    kim = sample_id(sample_client, "people", "Kim Lowe")
    assert get(sample_client, f"/people/{kim}/relationships") == []
    after = snapshot(sample_client)
    assert len(after["relationships"]) == len(before["relationships"]) - 2
    assert after["clients"] == before["clients"]


# -- likely duplicates ----------------------------------------------------------------------------
def test_a_likely_duplicate_is_created_and_named(client):
    jean = create_person(client, "Jean", "Elliott", email="jean@smartsystems.example")
    response = client.post("/people", json={"first_name": "JEAN", "last_name": "elliott", "email": "Jean@SmartSystems.Example"})
    again = ok(response, 201)  # the create stands: two people may share a name
    assert again["likely_duplicates"] == [{"id": jean["id"], "kind": "person", "name": "Jean Elliott"}]
    assert response.headers["Warning"] == '299 rapport "1 likely duplicate: see likely_duplicates"'
    assert "likely_duplicates" not in get(client, f"/people/{again['id']}")  # said once, on the create

    elsewhere = client.post("/people", json={"first_name": "Jean", "last_name": "Elliott", "email": "jean@elsewhere.example"})
    assert ok(elsewhere, 201).get("likely_duplicates") is None and "Warning" not in elsewhere.headers  # another Jean
    no_email = ok(client.post("/people", json={"first_name": "Jean", "last_name": "Elliott"}), 201)
    assert {d["id"] for d in no_email["likely_duplicates"]} == {jean["id"], again["id"], elsewhere.json()["id"]}
    assert ok(client.post("/people", json={"first_name": "Joan", "last_name": "Elliott"}), 201).get("likely_duplicates") is None


def test_a_postal_address_title_and_salutation_are_kept_and_checked(client):
    address = {"address_line1": "12 Elm Road", "address_line2": "Roundhay", "locality": "Leeds", "region": "West Yorkshire",
               "postcode": "LS8 2AB", "country": "GB"}
    person = create_person(client, title="Dr", salutation="Johnny", **address)
    assert {k: person[k] for k in (*address, "title", "salutation")} == {**address, "title": "Dr", "salutation": "Johnny"}
    assert {k: ok(client.get(f"/people/{person['id']}"))[k] for k in address} == address
    cleared = ok(client.patch(f"/people/{person['id']}", json={"address_line2": None, "country": "IE"}))
    assert cleared["address_line2"] is None and cleared["country"] == "IE"
    before = ok(client.get(f"/people/{person['id']}"))
    for body, message in (
        ({"country": "UK"}, "'UK' is not an ISO 3166-1 alpha-2 country code: did you mean GB?"),
        ({"country": "gb"}, "did you mean GB?"),
        ({"postcode": "LS8 <2AB>"}, "String should match pattern"),
        ({"address_line1": "x" * 201}, "at most 200 characters"),
        ({"title": ""}, "at least 1 character"),
    ):
        assert message in problem(client.patch(f"/people/{person['id']}", json=body), 422)["detail"]
    assert ok(client.get(f"/people/{person['id']}")) == before
