"""What the five entity collections share: create, list, read, change and delete (app/api/routes/entities.py).

Kind-specific fields, filters and rules are in test_clients.py, test_people.py and the others.
"""

from __future__ import annotations

import pytest

from api.helpers import (
    ENTITY_PATHS,
    MINIMAL,
    create_minimal,
    everything,
    get,
    ok,
    problem,
    snapshot,
    walk,
)

UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
#: A required field of each kind, and a name-like field that PATCH can change.
REQUIRED = {"clients": "kind", "people": "last_name", "team-members": "role", "providers": "kind", "divisions": "name"}
RENAME = {"clients": "name", "people": "last_name", "team-members": "name", "providers": "name", "divisions": "name"}
# The admin whose key the test client sends is a team member too; lists leave them out.
SCOPE = {"team-members": {"role": "adviser"}}

paths = pytest.mark.parametrize("path", ENTITY_PATHS)



def stored(created: dict) -> dict:
    """A create's answer less what only a create says (people's and clients' likely duplicates)."""
    return {k: v for k, v in created.items() if k != "likely_duplicates"}

@paths
def test_create_returns_201_location_and_stored_fields(client, path):
    created = stored(create_minimal(client, path))
    for field, value in MINIMAL[path].items():
        assert created[field] == value
    assert created["version"] == 1
    assert created["created_at"] == created["updated_at"]
    read = get(client, f"/{path}/{created['id']}")
    assert {k: read[k] for k in created} == created


@paths
def test_create_without_a_required_field_is_rejected(client, path):
    before = snapshot(client)
    body = {k: v for k, v in MINIMAL[path].items() if k != REQUIRED[path]}
    error = problem(client.post(f"/{path}", json=body), 422)
    assert error["errors"][0]["location"] == ["body", REQUIRED[path]]
    assert error["errors"][0]["type"] == "missing"
    assert snapshot(client) == before


@paths
def test_create_with_an_unknown_field_is_rejected(client, path):
    before = snapshot(client)
    for extra in ({"id": "mine"}, {"version": 7}, {"favourite_colour": "red"}, {"entity_kind": "client"}):
        error = problem(client.post(f"/{path}", json={**MINIMAL[path], **extra}), 422)
        assert error["errors"] == [
            {"location": ["body", *extra], "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
        ]
    assert snapshot(client) == before


@paths
def test_create_with_an_empty_or_too_long_name_is_rejected(client, path):
    field = RENAME[path]
    before = snapshot(client)
    for value in ("", "x" * 301):
        problem(client.post(f"/{path}", json={**MINIMAL[path], field: value}), 422)
    problem(client.post(f"/{path}", json={**MINIMAL[path], field: 42}), 422)
    assert snapshot(client) == before


@paths
def test_pagination_walks_every_entity_once(client, path):
    created = {create_minimal(client, path, **{RENAME[path]: f"Entity {i}"})["id"] for i in range(7)}
    for limit in (1, 2, 3, 6, 7, 8, 500):
        walked = [item["id"] for item in walk(client, f"/{path}", limit, **SCOPE.get(path, {}))]
        assert len(walked) == len(set(walked)) == 7, f"limit={limit}"
        assert set(walked) == created


@paths
def test_last_page_has_null_cursor_and_cursor_resumes_after_it(client, path):
    for i in range(3):
        create_minimal(client, path, **{RENAME[path]: f"Entity {i}"})
    scope = SCOPE.get(path, {})
    first = get(client, f"/{path}", limit=2, **scope)
    assert len(first["items"]) == 2 and first["next_cursor"] is not None
    second = get(client, f"/{path}", limit=2, after=first["next_cursor"], **scope)
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    exact = get(client, f"/{path}", limit=3, **scope)
    assert len(exact["items"]) == 3 and exact["next_cursor"] is None


@paths
def test_empty_list(client, path):
    assert get(client, f"/{path}", **SCOPE.get(path, {})) == {"items": [], "next_cursor": None}


@paths
def test_name_filter_contains_ignoring_case(client, path):
    field = RENAME[path]
    create_minimal(client, path, **{field: "Harbour View"})
    create_minimal(client, path, **{field: "Hillside"})
    matched = everything(client, f"/{path}", name="RBOUR v")
    assert [item[field] for item in matched] == ["Harbour View"]
    assert len(everything(client, f"/{path}", name="h")) == 2
    assert everything(client, f"/{path}", name="zz") == []


@paths
def test_list_rejects_unknown_or_invalid_query_parameters(client, path):
    for query in ({"colour": "red"}, {"limit": 0}, {"limit": 501}, {"limit": "all"}, {"after": "x" * 101},
                  {"name": "x" * 301}):
        error = problem(client.get(f"/{path}", params=query), 422)
        assert error["errors"][0]["location"] == ["query", *query], query


@paths
def test_read_unknown_id_is_404(client, path):
    error = problem(client.get(f"/{path}/{UNKNOWN_ID}"), 404)
    assert UNKNOWN_ID in error["detail"]


@paths
def test_an_id_of_another_kind_is_404(client, path):
    other = "divisions" if path != "divisions" else "clients"
    foreign = create_minimal(client, other)
    problem(client.get(f"/{path}/{foreign['id']}"), 404)
    problem(client.patch(f"/{path}/{foreign['id']}", json={}), 404)
    problem(client.delete(f"/{path}/{foreign['id']}"), 404)
    assert get(client, f"/{other}/{foreign['id']}")["version"] == 1


@paths
@pytest.mark.parametrize("suffix", ["relationships", "network"])
def test_relationships_and_network_of_unknown_id_are_404(client, path, suffix):
    problem(client.get(f"/{path}/{UNKNOWN_ID}/{suffix}"), 404)


@paths
def test_patch_unknown_id_is_404(client, path):
    before = snapshot(client)
    problem(client.patch(f"/{path}/{UNKNOWN_ID}", json={RENAME[path]: "New"}), 404)
    assert snapshot(client) == before


@paths
def test_delete_unknown_id_is_404(client, path):
    problem(client.delete(f"/{path}/{UNKNOWN_ID}"), 404)
    problem(client.delete(f"/{path}/{UNKNOWN_ID}", params={"cascade": "true"}), 404)


@paths
def test_patch_changes_only_given_field_and_bumps_version(client, path):
    created = stored(create_minimal(client, path))
    field = RENAME[path]
    changed = ok(client.patch(f"/{path}/{created['id']}", json={field: "Renamed"}))
    assert changed[field] == "Renamed"
    assert changed["version"] == 2
    assert changed["created_at"] == created["created_at"]
    assert changed["updated_at"] >= created["updated_at"]
    untouched = {k for k in created if k not in {field, "version", "updated_at", "name"}}
    assert {k: changed[k] for k in untouched} == {k: created[k] for k in untouched}
    assert get(client, f"/{path}/{created['id']}")[field] == "Renamed"


@paths
def test_patch_with_empty_body_changes_nothing(client, path):
    created = stored(create_minimal(client, path))
    assert ok(client.patch(f"/{path}/{created['id']}", json={})) == created
    assert get(client, f"/{path}/{created['id']}")["version"] == 1


@paths
def test_patch_cannot_clear_a_required_field(client, path):
    created = create_minimal(client, path)
    before = snapshot(client)
    for field in {REQUIRED[path], RENAME[path]}:
        error = problem(client.patch(f"/{path}/{created['id']}", json={field: None}), 422)
        assert field in error["detail"] and "cleared" in error["detail"]
    assert snapshot(client) == before


@paths
def test_patch_with_an_unknown_field_is_rejected(client, path):
    created = create_minimal(client, path)
    before = snapshot(client)
    for extra in ({"id": "other"}, {"version": 9}, {"created_at": "2020-01-01T00:00:00Z"}, {"nickname": "x"}):
        error = problem(client.patch(f"/{path}/{created['id']}", json={RENAME[path]: "New", **extra}), 422)
        assert error["errors"][0]["type"] == "extra_forbidden"
    assert snapshot(client) == before


@paths
def test_delete_unused_entity(client, path):
    created = create_minimal(client, path)
    kept = create_minimal(client, path, **{RENAME[path]: "Kept"})
    response = client.delete(f"/{path}/{created['id']}")
    assert response.status_code == 204 and response.content == b""
    problem(client.get(f"/{path}/{created['id']}"), 404)
    problem(client.delete(f"/{path}/{created['id']}"), 404)
    assert [item["id"] for item in everything(client, f"/{path}", **SCOPE.get(path, {}))] == [kept["id"]]


@paths
def test_relationships_of_a_new_entity_are_empty(client, path):
    created = create_minimal(client, path)
    assert get(client, f"/{path}/{created['id']}/relationships") == []


@paths
def test_relationships_reject_invalid_filters(client, path):
    created = create_minimal(client, path)
    for query in ({"category": "romance"}, {"include_ended": "perhaps"}):
        problem(client.get(f"/{path}/{created['id']}/relationships", params=query), 422)


@paths
def test_delete_rejects_invalid_cascade_value(client, path):
    created = create_minimal(client, path)
    problem(client.delete(f"/{path}/{created['id']}", params={"cascade": "maybe"}), 422)
    assert get(client, f"/{path}/{created['id']}")["id"] == created["id"]


@pytest.mark.parametrize("suffix", ["relationships", "network", "memberships"])
def test_sub_resources_reject_unknown_query_parameter(client, suffix):
    person = create_minimal(client, "people")
    error = problem(client.get(f"/people/{person['id']}/{suffix}", params={"colour": "red"}), 422)
    assert error["errors"][0]["location"] == ["query", "colour"]
