"""Every error leaves the API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import collections

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
    assert response.headers["allow"] == "GET, POST"


def test_allow_lists_every_method_of_every_path(client):
    """Each method of a path is its own route; Allow names them all, not the first one's."""
    paths = client.get("/openapi.json").json()["paths"]
    values = {"entity_id": "x", "client_id": "x", "relationship_id": "x", "run_id": "x", "code": "x",
              "list_name": "stages", "key_id": "x", "tier": "A", "important_date_id": "x", "task_id": "x", "group_id": "x"}
    for path, operations in paths.items():
        documented = sorted(method.upper() for method in operations)
        response = client.request("PUT" if "put" not in operations else "TRACE", path.format_map(collections.defaultdict(lambda: "x", values)))
        problem(response, 405)
        assert response.headers["allow"] == ", ".join(documented), path


def test_a_fixed_path_is_never_read_as_an_id(client):
    """/relationships/batch takes POST only; GET there was read as relationship "batch" (404)."""
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(method, "/relationships/batch")
        problem(response, 405)
        assert response.headers["allow"] == "POST"


def test_body_that_is_not_utf8_is_an_invalid_input_problem(client):
    before = snapshot(client)
    response = client.post("/people", content=b'{"first_name": "J\xe9r\xf4me"}', headers={"content-type": "application/json"})
    body = problem(response, 422)
    assert body["errors"] == [{"location": ["body"], "message": body["errors"][0]["message"], "type": "json_invalid"}]
    assert "UTF-8" in body["detail"]
    assert snapshot(client) == before


def test_body_nested_too_deeply_is_an_invalid_input_problem(client):
    deep = b"[" * 100_000 + b"]" * 100_000
    body = problem(client.post("/relationships/batch", content=deep, headers={"content-type": "application/json"}), 422)
    assert body["errors"][0]["type"] == "json_invalid" and "nests" in body["detail"]


def test_every_problem_the_app_answers_is_documented(client):
    """Bodies over the limit (413) and unknown query parameters (422) on every operation;
    401 wherever a key is needed."""
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("413", "422", "503"):
                assert responses[status]["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            assert ("401" in responses) == bool(operation.get("security")), (method, path)
            assert not {"400", "500"} & responses.keys()


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
