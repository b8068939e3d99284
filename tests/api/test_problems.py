"""Every error leaves the API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.helpers import PROBLEM_JSON, create_person, problem, snapshot
from app.services.entities import EntityService


def test_unknown_route_is_a_problem(client):
    body = problem(client.get("/no-such-thing"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_a_problem_with_allow_header(client):
    response = client.put("/clients")
    problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_malformed_json_is_a_problem(client):
    response = client.post("/clients", content=b'{"name": ', headers={"content-type": "application/json"})
    body = problem(response, 422)
    assert body["title"] == "Invalid input"
    assert body["errors"][0]["type"] == "json_invalid"


def test_body_that_is_not_an_object_is_a_problem(client):
    problem(client.post("/clients", json=["Elliott Household"]), 422)


def test_validation_problem_lists_each_error_with_location(client):
    body = problem(client.post("/clients", json={"kind": "castle", "annual_revenue": -1}), 422)
    locations = {tuple(error["location"]) for error in body["errors"]}
    assert locations == {("body", "name"), ("body", "kind"), ("body", "annual_revenue")}
    for error in body["errors"]:
        assert error["message"] and error["type"]
    assert "body.name" in body["detail"] and "body.kind" in body["detail"]


def test_unknown_body_field_problem_names_the_field(client):
    body = problem(client.post("/divisions", json={"name": "London Office", "colour": "red"}), 422)
    assert body["errors"] == [
        {"location": ["body", "colour"], "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]


def test_domain_invalid_input_problem_carries_extra_members(client):
    person = create_person(client)
    body = problem(client.post("/relationships", json={"type": "NOPE", "from_id": person["id"], "to_id": "x"}), 422)
    assert body["title"] == "Invalid input"
    assert "NOPE" in body["detail"]
    assert "SPOUSE_OF" in body["allowed"]


def test_not_found_problem(client):
    body = problem(client.get("/people/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)
    assert body["title"] == "Not found"
    assert "01ARZ3NDEKTSV4RRFFQ69G5FAV" in body["detail"]


def test_conflict_problem(client):
    body = problem(client.post("/categories/stages", json={"code": "prospect", "label": "Prospect"}), 409)
    assert body["title"] == "Conflict"
    assert "prospect" in body["detail"]


def test_query_validation_problem(client):
    body = problem(client.get("/clients", params={"limit": "many"}), 422)
    assert body["errors"][0]["location"] == ["query", "limit"]


def test_unexpected_error_is_still_a_problem(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("store exploded")

    monkeypatch.setattr(EntityService, "list", boom)
    raw = TestClient(client.app, raise_server_exceptions=False, headers={"Authorization": client.headers["Authorization"]})
    response = raw.get("/people")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 500 and body["instance"] == "/people"
    assert "store exploded" not in body["detail"]  # internals stay private


def test_problem_leaves_state_unchanged(client):
    create_person(client)
    before = snapshot(client)
    problem(client.post("/people", json={"first_name": "Jean"}), 422)
    assert snapshot(client) == before
