"""/team-members: roles, the reporting hierarchy, and what deleting a manager or owner does."""

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
    sample_id,
    sentences,
    snapshot,
)


@pytest.fixture
def hierarchy(client):
    """Mark manages Anna and Omar; Priya reports to Anna."""
    mark = create_team_member(client, "Mark Davies", "practice_manager")
    anna = create_team_member(client, "Anna Shaw", "adviser", email="anna@rapport.example", reports_to_id=mark["id"])
    omar = create_team_member(client, "Omar Haddad", "adviser", reports_to_id=mark["id"])
    priya = create_team_member(client, "Priya Patel", "client_service", reports_to_id=anna["id"])
    return {"mark": mark, "anna": anna, "omar": omar, "priya": priya}


def test_create_with_every_field(client, hierarchy):
    anna = hierarchy["anna"]
    assert (anna["role"], anna["email"], anna["reports_to_id"]) == ("adviser", "anna@rapport.example", hierarchy["mark"]["id"])
    lee = create_team_member(client, "Lee Chen", "analyst", phone="020 7946 0000")
    assert lee["phone"] == "020 7946 0000" and lee["reports_to_id"] is None


def test_create_with_invalid_field_is_rejected(client):
    before = snapshot(client)
    for fields in ({"role": "wizard"}, {"role": None}, {"email": "anna"}, {"phone": "x"}, {"reports_to_id": ""}):
        error = problem(client.post("/team-members", json={"name": "Anna Shaw", "role": "adviser", **fields}), 422)
        assert [e["location"] for e in error["errors"]] == [["body", *fields]]
    assert snapshot(client) == before


def test_reports_to_must_be_a_team_member(client):
    not_team = [create_person(client)["id"], create_client(client)["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"]
    before = snapshot(client)
    for target_id in not_team:
        error = problem(client.post("/team-members", json={"name": "A", "role": "adviser", "reports_to_id": target_id}), 422)
        assert error["detail"] == f"reports_to_id '{target_id}' does not name a team member"
    assert snapshot(client) == before


def test_list_filters(client, hierarchy):
    for query, expected in [
        ({"role": "adviser"}, ["Anna Shaw", "Omar Haddad"]),
        ({"role": "analyst"}, []),
        ({"name": "shaw"}, ["Anna Shaw"]),
        ({"role": "adviser", "name": "OMAR"}, ["Omar Haddad"]),
    ]:
        assert names(everything(client, "/team-members", **query)) == expected, query


def test_list_filter_by_manager(client, hierarchy):
    assert names(everything(client, "/team-members", reports_to_id=hierarchy["mark"]["id"])) == ["Anna Shaw", "Omar Haddad"]
    assert names(everything(client, "/team-members", reports_to_id=hierarchy["anna"]["id"])) == ["Priya Patel"]
    problem(client.get("/team-members", params={"role": "wizard"}), 422)


def test_reports_to_loop_is_rejected(client, hierarchy):
    before = snapshot(client)
    for member, manager in [("mark", "priya"), ("mark", "anna"), ("anna", "priya"), ("anna", "anna")]:
        error = problem(client.patch(f"/team-members/{hierarchy[member]['id']}",
                                     json={"reports_to_id": hierarchy[manager]["id"]}), 422)
        assert error["detail"] == "reports_to_id would make the team hierarchy a loop"
        assert error["field"] == "reports_to_id"
    assert snapshot(client) == before


def test_moving_within_the_hierarchy_is_allowed(client, hierarchy):
    moved = ok(client.patch(f"/team-members/{hierarchy['priya']['id']}", json={"reports_to_id": hierarchy["omar"]["id"]}))
    assert moved["reports_to_id"] == hierarchy["omar"]["id"] and moved["version"] == 2
    top = ok(client.patch(f"/team-members/{hierarchy['anna']['id']}", json={"reports_to_id": None}))
    assert top["reports_to_id"] is None
    ok(client.patch(f"/team-members/{hierarchy['mark']['id']}", json={"reports_to_id": hierarchy["anna"]["id"]}))


def test_patch_invalid_change_is_rejected(client, hierarchy):
    before = snapshot(client)
    for changes in ({"role": None}, {"name": None}, {"role": "wizard"}, {"email": None, "reports": []}):
        problem(client.patch(f"/team-members/{hierarchy['anna']['id']}", json=changes), 422)
    assert snapshot(client) == before


def test_patch_explicit_null_clears_email(client, hierarchy):
    cleared = ok(client.patch(f"/team-members/{hierarchy['anna']['id']}", json={"email": None}))
    assert cleared["email"] is None and cleared["reports_to_id"] == hierarchy["mark"]["id"]


def test_delete_manager_is_refused_then_cascade_clears_reports(client, hierarchy):
    before = snapshot(client)
    error = problem(client.delete(f"/team-members/{hierarchy['mark']['id']}"), 409)
    assert (error["relationships"], error["owned_clients"], error["reports"]) == (0, 0, 2)
    assert "2 team members reporting to them" in error["detail"]
    assert snapshot(client) == before

    assert client.delete(f"/team-members/{hierarchy['mark']['id']}", params={"cascade": "true"}).status_code == 204
    for name in ("anna", "omar"):
        report = get(client, f"/team-members/{hierarchy[name]['id']}")
        assert report["reports_to_id"] is None
        assert report["version"] == hierarchy[name]["version"] + 1
        assert report["updated_at"] > hierarchy[name]["updated_at"]
    assert get(client, f"/team-members/{hierarchy['priya']['id']}") == hierarchy["priya"]  # not Mark's report
    assert everything(client, "/team-members", reports_to_id=hierarchy["mark"]["id"]) == []


def test_delete_owner_is_refused_then_cascade_clears_ownership(client, hierarchy):
    omar = hierarchy["omar"]
    owned = create_client(client, "Okafor Household", owner_id=omar["id"])
    other = create_client(client, "Elliott Household", owner_id=hierarchy["anna"]["id"])
    before = snapshot(client)
    error = problem(client.delete(f"/team-members/{omar['id']}"), 409)
    assert (error["relationships"], error["owned_clients"], error["reports"]) == (0, 1, 0)
    assert snapshot(client) == before

    assert client.delete(f"/team-members/{omar['id']}", params={"cascade": "true"}).status_code == 204
    cleared = get(client, f"/clients/{owned['id']}")
    assert cleared["owner_id"] is None and cleared["owner"] is None
    assert cleared["version"] == 2 and cleared["updated_at"] > owned["updated_at"]
    assert get(client, f"/clients/{other['id']}")["owner_id"] == hierarchy["anna"]["id"]


def test_cascade_removes_relationships_owned_clients_and_reports_together(sample_client):
    anna = sample_id(sample_client, "team-members", "Anna Shaw")
    before = snapshot(sample_client)
    error = problem(sample_client.delete(f"/team-members/{anna}"), 409)
    assert (error["relationships"], error["owned_clients"], error["reports"]) == (3, 2, 1)
    assert snapshot(sample_client) == before

    assert sample_client.delete(f"/team-members/{anna}", params={"cascade": "true"}).status_code == 204
    after = snapshot(sample_client)
    assert len(after["relationships"]) == len(before["relationships"]) - 3 - 2  # and the 2 ownerships
    assert "Anna Shaw" not in ids(sample_client, "team-members")
    for name in ("Elliott Household", "Smart Systems Ltd"):
        assert get(sample_client, f"/clients/{sample_id(sample_client, 'clients', name)}")["owner"] is None
    priya = get(sample_client, f"/team-members/{sample_id(sample_client, 'team-members', 'Priya Patel')}")
    assert priya["reports_to_id"] is None and priya["version"] == 2
    okafor = get(sample_client, f"/clients/{sample_id(sample_client, 'clients', 'Okafor Household')}")
    assert okafor["owner"]["name"] == "Omar Haddad" and okafor["version"] == 1


def test_relationships_are_phrased_from_the_team_member(sample_client):
    anna = sample_id(sample_client, "team-members", "Anna Shaw")
    assert sentences(sample_client, f"/team-members/{anna}/relationships") == [
        "Anna Shaw is in London Office", "Anna Shaw is the Adviser of Elliott Household",
        "Anna Shaw is the Adviser of Smart Systems Ltd", "Anna Shaw is the Owner of Elliott Household",
        "Anna Shaw is the Owner of Smart Systems Ltd"]
