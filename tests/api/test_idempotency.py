"""Idempotency-Key on every POST: a retry gets the first answer and creates nothing new (app/api/idempotency.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_app
from api.helpers import create_person, create_team_member, everything, get, ok, problem, snapshot
from app.repositories.practice import PracticeRepository
from app.services.idempotency import IdempotencyService, key_record_id, request_fingerprint

HOUSEHOLD = {"name": "Elliott Household", "kind": "household"}


def _post(client, path, body, key, **headers):
    return client.post(path, json=body, headers={"Idempotency-Key": key, **headers})


def _key_id(client) -> str:
    return get(client, "/me")["key_id"]


def _second_caller(client) -> dict[str, str]:
    """The Authorization header of another team member allowed to write."""
    manager = create_team_member(client, "Pat Manager", "practice_manager")
    issued = ok(client.post("/api-keys", json={"team_member_id": manager["id"], "name": "Pat's laptop"}), 201)
    return {"Authorization": f"Bearer {issued['key']}"}


def test_a_retry_returns_the_first_response_and_creates_nothing(client):
    first = _post(client, "/clients", HOUSEHOLD, "create-elliott-1")
    created = ok(first, 201)
    for _ in range(3):
        retry = _post(client, "/clients", HOUSEHOLD, "create-elliott-1")
        assert retry.status_code == 201
        assert retry.json() == created and retry.content == first.content
        assert retry.headers["location"] == first.headers["location"] == f"/clients/{created['id']}"
        assert retry.headers["etag"] == first.headers["etag"]
        assert retry.headers["content-type"] == first.headers["content-type"]
        assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [c["id"] for c in everything(client, "/clients")] == [created["id"]]
    assert len(get(client, "/audit-records", target_id=created["id"])["items"]) == 1


def test_a_relationship_retry_replays_its_location_and_etag(client):
    a, b = create_person(client, "Ann", "Lee"), create_person(client, "Bo", "Lee")
    body = {"type": "SIBLING_OF", "from_id": a["id"], "to_id": b["id"]}
    first, retry = _post(client, "/relationships", body, "sib"), _post(client, "/relationships", body, "sib")
    assert ok(first, 201) == ok(retry, 201)
    assert (retry.headers["location"], retry.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    assert len(everything(client, "/relationships")) == 1


def test_without_a_key_each_post_creates(client):
    ok(client.post("/clients", json=HOUSEHOLD), 201)
    ok(client.post("/clients", json=HOUSEHOLD), 201)
    assert len(everything(client, "/clients")) == 2


def test_the_same_key_with_a_different_request_is_refused_with_422(client):
    created = ok(_post(client, "/clients", HOUSEHOLD, "k1"), 201)
    before = snapshot(client)
    for path, body in (("/clients", {**HOUSEHOLD, "name": "Other Household"}), ("/divisions", {"name": "London"})):
        error = problem(_post(client, path, body, "k1"), 422)
        assert "different request" in error["detail"]
    assert snapshot(client) == before
    # The first request's answer is still kept for its own retries.
    assert ok(_post(client, "/clients", HOUSEHOLD, "k1"), 201) == created


def test_keys_are_per_caller(client):
    other = _second_caller(client)
    mine = ok(_post(client, "/clients", HOUSEHOLD, "shared-key"), 201)
    theirs = ok(_post(client, "/clients", {**HOUSEHOLD, "name": "Shaw Household"}, "shared-key", **other), 201)
    assert mine["id"] != theirs["id"] and theirs["name"] == "Shaw Household"
    # Each caller's retry gets their own first answer.
    assert ok(_post(client, "/clients", HOUSEHOLD, "shared-key"), 201) == mine
    assert ok(_post(client, "/clients", {**HOUSEHOLD, "name": "Shaw Household"}, "shared-key", **other), 201) == theirs
    assert len(everything(client, "/clients")) == 2


def test_a_failed_request_releases_its_key_so_a_corrected_retry_runs(client):
    problem(_post(client, "/clients", {"name": "Elliott Household", "kind": "castle"}, "k2"), 422)
    problem(_post(client, "/clients", {**HOUSEHOLD, "owner_id": "nobody"}, "k2"), 422)
    created = ok(_post(client, "/clients", HOUSEHOLD, "k2"), 201)
    assert ok(_post(client, "/clients", HOUSEHOLD, "k2"), 201) == created
    assert len(everything(client, "/clients")) == 1


def test_a_refused_caller_keeps_no_record(client):
    """A 403 is a failure like any other: the key is free for a caller who may write."""
    analyst = create_team_member(client, "Ann Alyst", "analyst")
    key = ok(client.post("/api-keys", json={"team_member_id": analyst["id"], "name": "reports"}), 201)["key"]
    problem(_post(client, "/clients", HOUSEHOLD, "k3", Authorization=f"Bearer {key}"), 403)
    problem(_post(client, "/clients", HOUSEHOLD, "k3", Authorization=f"Bearer {key}"), 403)
    assert everything(client, "/clients") == []


def test_a_retry_while_the_first_request_runs_is_409_with_retry_after(client, store):
    """The first request's claim is taken here directly, as if it were still running."""
    service = IdempotencyService(PracticeRepository(store), ttl_s=3600)
    body = b'{"name":"Elliott Household","kind":"household"}'
    service.begin(_key_id(client), "running", request_fingerprint("POST", "/clients", b"", body))
    response = client.post("/clients", content=body, headers={"Idempotency-Key": "running", "Content-Type": "application/json"})
    error = problem(response, 409)
    assert response.headers["retry-after"] == "1"
    assert "still running" in error["detail"]
    assert everything(client, "/clients") == []


def test_an_expired_record_is_replaced(client, store):
    repository = PracticeRepository(store)
    record_id = key_record_id(_key_id(client), "old-key")
    assert repository.claim_idempotency_key(
        {"id": record_id, "fingerprint": "another request", "state": "done", "claim": "c", "status": 201, "body": "{}",
         "headers": "[]", "created_at": "2020-01-01T00:00:00.000Z"},
        expired_before="2020-01-02T00:00:00.000Z",
    ) is None
    created = ok(_post(client, "/clients", HOUSEHOLD, "old-key"), 201)
    assert ok(_post(client, "/clients", HOUSEHOLD, "old-key"), 201) == created
    assert len(everything(client, "/clients")) == 1


def test_concurrent_retries_create_one_record(client):
    """Many copies of one request at once: one runs; the others get its answer or a 409."""
    barrier = threading.Barrier(12)

    def send(_):
        barrier.wait()
        return _post(client, "/divisions", {"name": "London Office"}, "burst")

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(send, range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json() for r in responses if r.status_code == 201]
    assert created and all(body == created[0] for body in created)
    for response in responses:
        if response.status_code == 409:
            assert response.headers["retry-after"] == "1"
    assert [d["id"] for d in everything(client, "/divisions")] == [created[0]["id"]]
    assert ok(_post(client, "/divisions", {"name": "London Office"}, "burst"), 201) == created[0]


@pytest.mark.parametrize("key", ["", "x" * 201, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_refused_with_422(client, key):
    response = client.post("/clients", json=HOUSEHOLD, headers=[(b"Idempotency-Key", key.encode("latin-1"))])
    error = problem(response, 422)
    assert "Idempotency-Key" in error["detail"]
    assert everything(client, "/clients") == []


def test_the_longest_key_and_any_printable_ascii_are_accepted(client):
    for key in ("x" * 200, "~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", "ends with a space ", " ", "a:b"):
        created = ok(_post(client, "/divisions", {"name": key[:50]}, key), 201)
        assert ok(_post(client, "/divisions", {"name": key[:50]}, key), 201) == created
    assert len(everything(client, "/divisions")) == 5


def test_two_key_headers_are_refused(client):
    response = client.post("/clients", json=HOUSEHOLD, headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")])
    problem(response, 422)


def test_without_a_valid_api_key_the_route_answers_401(client):
    for authorization in ({"Authorization": "Bearer rpk_nope"}, {"Authorization": ""}):
        response = _post(client, "/clients", HOUSEHOLD, "k4", **authorization)
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert everything(client, "/clients") == []
    assert ok(_post(client, "/clients", HOUSEHOLD, "k4"), 201)


def test_a_new_api_key_is_never_kept_and_never_issued_twice(client, store):
    member = create_team_member(client)
    body = {"team_member_id": member["id"], "name": "laptop"}
    issued = ok(_post(client, "/api-keys", body, "issue-1"), 201)
    error = problem(_post(client, "/api-keys", body, "issue-1"), 409)
    assert error["location"] == f"/api-keys/{issued['id']}"
    assert issued["key"] not in error["detail"]
    assert len(everything(client, "/api-keys", team_member_id=member["id"])) == 1
    # Nothing the store keeps holds the key.
    rows = store.read("MATCH (k:IdempotencyKey) RETURN k.body AS body, k.headers AS headers")
    assert rows and all(issued["key"] not in (row["body"] or "") + row["headers"] for row in rows)


def test_every_post_declares_the_header_in_the_openapi_schema(client):
    schema = get(client, "/openapi.json")
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert len(posts) > 10
    for path, operation in posts:
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])], path
    for path, ops in schema["paths"].items():
        for method in set(ops) - {"post"}:
            assert "Idempotency-Key" not in [p["name"] for p in ops[method].get("parameters", [])], (path, method)


def test_expired_records_are_swept_after_a_keyed_request(client, store):
    """Records past their time (24 h here) are deleted, not only replaced when their key comes
    back: the first keyed request of a process sweeps, then one a minute."""
    repository = PracticeRepository(store)
    for n in range(3):
        repository.claim_idempotency_key(
            {"id": f"old-{n}", "fingerprint": "f", "state": "done", "claim": "c", "status": 201, "body": "{}",
             "headers": "[]", "created_at": "2020-01-01T00:00:00.000Z"},
            expired_before="2020-01-01T00:00:00.000Z",
        )
    # A process of its own: the shared test app may have swept already.
    with TestClient(make_app(store, sample=False), headers=dict(client.headers)) as fresh_process:
        ok(_post(fresh_process, "/clients", HOUSEHOLD, "fresh-key"), 201)
    left = store.read("MATCH (k:IdempotencyKey) RETURN k.id AS id")
    assert [row["id"] for row in left] == [key_record_id(_key_id(client), "fresh-key")]
