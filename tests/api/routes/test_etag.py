"""ETag on every read and write of one record; If-Match makes PATCH and DELETE conditional (app/api/deps.py)."""

from __future__ import annotations

import pytest

from api.helpers import ENTITY_PATHS, MINIMAL, create_minimal, create_person, get, ok, problem, relate, snapshot

RENAME = {"clients": "name", "people": "last_name", "team-members": "name", "providers": "name", "divisions": "name"}
paths = pytest.mark.parametrize("path", ENTITY_PATHS)


def _etag(response) -> str:
    return response.headers["etag"]


def _relationship(client) -> dict:
    a, b = create_person(client, "Ann", "Lee"), create_person(client, "Bo", "Lee")
    return relate(client, "SIBLING_OF", a["id"], b["id"], notes="first")


@paths
def test_reads_and_writes_carry_the_version_as_a_strong_etag(client, path):
    response = client.post(f"/{path}", json=MINIMAL[path])
    created = ok(response, 201)
    assert _etag(response) == '"1"'
    read = client.get(f"/{path}/{created['id']}")
    assert _etag(read) == f'"{ok(read)["version"]}"' == '"1"'
    changed = client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "Renamed"})
    assert ok(changed)["version"] == 2 and _etag(changed) == '"2"'
    assert _etag(client.get(f"/{path}/{created['id']}")) == '"2"'


def test_relationship_reads_and_writes_carry_the_version_as_an_etag(client):
    a, b = create_person(client, "Ann", "Lee"), create_person(client, "Bo", "Lee")
    response = client.post("/relationships", json={"type": "SIBLING_OF", "from_id": a["id"], "to_id": b["id"]})
    created = ok(response, 201)
    assert _etag(response) == '"1"'
    assert _etag(client.get(f"/relationships/{created['id']}")) == '"1"'
    changed = client.patch(f"/relationships/{created['id']}", json={"strength": 0.5}, headers={"If-Match": '"1"'})
    assert ok(changed)["version"] == 2 and _etag(changed) == '"2"'


@paths
def test_patch_with_the_current_etag_applies(client, path):
    created = create_minimal(client, path)
    etag = _etag(client.get(f"/{path}/{created['id']}"))
    changed = ok(client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "Renamed"}, headers={"If-Match": etag}))
    assert changed[RENAME[path]] == "Renamed" and changed["version"] == 2


@paths
def test_patch_with_a_stale_etag_is_refused_with_412_and_changes_nothing(client, path):
    created = create_minimal(client, path)
    ok(client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "Someone else"}))
    before = snapshot(client)
    error = problem(client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "Mine"}, headers={"If-Match": '"1"'}), 412)
    assert error["current_version"] == 2
    assert "version 2" in error["detail"]
    assert snapshot(client) == before


def test_stale_patch_writes_no_audit_record(client):
    created = create_minimal(client, "clients")
    ok(client.patch(f"/clients/{created['id']}", json={"notes": "theirs"}))
    records = get(client, "/audit-records", target_id=created["id"])["items"]
    problem(client.patch(f"/clients/{created['id']}", json={"notes": "mine"}, headers={"If-Match": '"1"'}), 412)
    assert get(client, "/audit-records", target_id=created["id"])["items"] == records


@pytest.mark.parametrize("header", ["*", '"7", "1"', ' "1" ', '"1", W/"2"', 'W/"9", "1"'])
def test_star_and_lists_match_the_current_version(client, header):
    created = create_minimal(client, "clients")
    changed = ok(client.patch(f"/clients/{created['id']}", json={"notes": "x"}, headers={"If-Match": header}))
    assert changed["notes"] == "x" and changed["version"] == 2


@pytest.mark.parametrize("header", ['"2", "3"', 'W/"1"', '"abc"', '"01"'])
def test_tags_that_name_no_current_version_are_refused_with_412(client, header):
    created = create_minimal(client, "clients")
    before = snapshot(client)
    problem(client.patch(f"/clients/{created['id']}", json={"notes": "x"}, headers={"If-Match": header}), 412)
    problem(client.delete(f"/clients/{created['id']}", headers={"If-Match": header}), 412)
    assert snapshot(client) == before


@pytest.mark.parametrize("header", ["1", "", '"1" "2"', "W/1", '"1', "**", "'1'"])
def test_a_malformed_if_match_is_refused_with_422_and_changes_nothing(client, header):
    created = create_minimal(client, "clients")
    before = snapshot(client)
    for response in (
        client.patch(f"/clients/{created['id']}", json={"notes": "x"}, headers={"If-Match": header}),
        client.delete(f"/clients/{created['id']}", headers={"If-Match": header}),
    ):
        error = problem(response, 422)
        assert "If-Match" in error["detail"]
    assert snapshot(client) == before


@paths
def test_delete_with_a_stale_etag_is_refused_with_412_and_keeps_the_record(client, path):
    created = create_minimal(client, path)
    ok(client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "Renamed"}))
    before = snapshot(client)
    problem(client.delete(f"/{path}/{created['id']}", headers={"If-Match": '"1"'}), 412)
    assert snapshot(client) == before
    assert client.delete(f"/{path}/{created['id']}", headers={"If-Match": '"2"'}).status_code == 204
    problem(client.get(f"/{path}/{created['id']}"), 404)


def test_relationship_patch_and_delete_honour_if_match(client):
    relationship = _relationship(client)
    url = f"/relationships/{relationship['id']}"
    ok(client.patch(url, json={"notes": "second"}, headers={"If-Match": '"1"'}))
    before = snapshot(client)
    problem(client.patch(url, json={"notes": "lost"}, headers={"If-Match": '"1"'}), 412)
    problem(client.delete(url, headers={"If-Match": '"1"'}), 412)
    assert snapshot(client) == before
    assert get(client, url)["notes"] == "second"
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    problem(client.get(url), 404)


def test_if_match_on_an_unknown_record_is_404(client):
    problem(client.patch("/clients/01ARZ3NDEKTSV4RRFFQ69G5FAV", json={"notes": "x"}, headers={"If-Match": '"1"'}), 404)
    problem(client.delete("/clients/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers={"If-Match": "*"}), 404)


def test_without_if_match_a_patch_merges_onto_the_latest_version(client):
    created = create_minimal(client, "clients")
    ok(client.patch(f"/clients/{created['id']}", json={"notes": "theirs"}))
    mine = ok(client.patch(f"/clients/{created['id']}", json={"name": "Mine"}))
    assert (mine["notes"], mine["name"], mine["version"]) == ("theirs", "Mine", 3)


def test_the_openapi_schema_declares_if_match_and_etag(client):
    schema = get(client, "/openapi.json")
    for path, method in (("/clients/{entity_id}", "patch"), ("/clients/{entity_id}", "delete"),
                         ("/relationships/{relationship_id}", "patch"), ("/relationships/{relationship_id}", "delete")):
        headers = [p["name"] for p in schema["paths"][path][method]["parameters"] if p["in"] == "header"]
        assert "if-match" in [h.lower() for h in headers], (path, method)
    for path, method, status in (("/clients/{entity_id}", "get", "200"), ("/clients", "post", "201"),
                                 ("/relationships/{relationship_id}", "get", "200"), ("/people/{entity_id}", "patch", "200")):
        assert "ETag" in schema["paths"][path][method]["responses"][status]["headers"], (path, method)
