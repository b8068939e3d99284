"""200 concurrent PATCHes to one client: each is applied or refused, never lost (app/api/routes/entities.py).

One TestClient is shared by the threads; the app runs its sync routes in a thread pool, so
the PATCHes really interleave between their read and their guarded write.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api.helpers import create_client, create_person, get

PATCHES = 200
WORKERS = 24
#: Fields every PATCH of the second test spreads over, each with its own value per PATCH.
FIELDS = ("notes", "name", "annual_revenue", "assets_under_management", "assets_held_elsewhere", "estimated_size")
#: What changes on every write besides the fields a PATCH names.
BOOKKEEPING = ("version", "updated_at")


def _value(field: str, i: int) -> Any:
    return f"change {i}" if field in ("notes", "name") else float(1000 + i)


def _fields(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in BOOKKEEPING}


def _audit_updates(client, client_id: str) -> list[dict[str, Any]]:
    page = get(client, "/audit-records", target_id=client_id, limit=500)
    assert page["next_cursor"] is None
    return [r for r in page["items"] if r["action"] == "update"]


def _check_serial_history(client, created: dict[str, Any], applied: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The applied PATCHes, ordered by the version each produced, replay from the created
    client to exactly the final state; the audit trail tells the same story."""
    applied.sort(key=lambda item: item[1]["version"])
    assert [entity["version"] for _, entity in applied] == list(range(2, 2 + len(applied)))
    state = _fields(created)
    for change, entity in applied:
        state = {**state, **change}
        assert _fields(entity) == state, f"version {entity['version']} lost a change"
    final = get(client, f"/clients/{created['id']}")
    assert final["version"] == 1 + len(applied)
    assert {k: final[k] for k in state} == state

    updates = _audit_updates(client, created["id"])
    assert len(updates) == len(applied)
    updates.sort(key=lambda r: r["before"]["version"])
    previous = {**created}
    for record, (change, entity) in zip(updates, applied, strict=True):
        assert record["before"]["version"] == previous["version"]
        assert record["after"]["version"] == entity["version"] == previous["version"] + 1
        assert {k: record["before"].get(k) for k in change} == {k: previous.get(k) for k in change}
        assert {k: record["after"][k] for k in change} == change
        assert set(record["changed"]) >= {k for k in change if change[k] != previous.get(k)}
        previous = {**previous, **change, "version": entity["version"]}


def test_concurrent_patches_with_if_match_are_applied_or_refused_with_412(client):
    created = create_client(client, notes="start")
    url = f"/clients/{created['id']}"

    def patch(i: int) -> tuple[int, dict[str, Any], dict[str, Any], int]:
        etag = client.get(url).headers["etag"]
        change = {"notes": f"change {i}"}
        response = client.patch(url, json=change, headers={"If-Match": etag})
        return response.status_code, change, response.json(), int(etag.strip('"'))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(patch, range(PATCHES)))

    statuses = [status for status, *_ in results]
    assert set(statuses) <= {200, 412}, sorted(set(statuses))
    applied = [(change, body) for status, change, body, _ in results if status == 200]
    assert applied, "no PATCH was applied"
    for status, _, body, read_version in results:
        if status == 200:  # applied onto exactly the version its If-Match named
            assert body["version"] == read_version + 1
        else:
            assert body["title"] == "Precondition failed" and body.get("current_version") != read_version
    _check_serial_history(client, created, applied)
    # The final notes are the last applied change.
    last_change, _ = applied[-1]
    assert get(client, url)["notes"] == last_change["notes"]


def test_concurrent_patches_without_if_match_all_apply_and_none_is_lost(client):
    created = create_client(client, notes="start")
    url = f"/clients/{created['id']}"

    def patch(i: int) -> tuple[int, dict[str, Any], dict[str, Any]]:
        field = FIELDS[i % len(FIELDS)]
        change = {field: _value(field, i)}
        response = client.patch(url, json=change)
        return response.status_code, change, response.json()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(patch, range(PATCHES)))

    statuses = [status for status, _, _ in results]
    assert statuses == [200] * PATCHES, {s: statuses.count(s) for s in set(statuses)}
    _check_serial_history(client, created, [(change, body) for _, change, body in results])
    # Every field ends with the value of the last PATCH (by version) that named it.
    final = get(client, url)
    for field in FIELDS:
        last = max((body for _, change, body in results if field in change), key=lambda body: body["version"])
        assert final[field] == last[field]


def test_concurrent_batches_never_create_one_active_relationship_twice(client):
    """Batches check the store, then write: between the two, another batch (or a single
    create) of this process may not write. Eight batches at once all name one contested
    pair among rows of their own; exactly one may create it."""
    contested = [create_person(client, first_name=f"Contested{n}")["id"] for n in range(2)]
    others = [create_person(client, first_name=f"Other{n}")["id"] for n in range(100)]
    pairs = iter(itertools.combinations(others, 2))
    batches = [
        [{"type": "ACQUAINTANCE_OF", "from_id": a, "to_id": b} for a, b in itertools.islice(pairs, 600)]
        + [{"type": "ACQUAINTANCE_OF", "from_id": contested[0], "to_id": contested[1]}]
        for _ in range(8)
    ]
    single = {"type": "ACQUAINTANCE_OF", "from_id": contested[1], "to_id": contested[0]}  # symmetric: the same pair

    def send(body: list[dict[str, Any]] | dict[str, Any]) -> int:
        if isinstance(body, dict):
            return client.post("/relationships", json=body).status_code
        return client.post("/relationships/batch", json={"relationships": body}).status_code

    with ThreadPoolExecutor(len(batches) + 1) as pool:
        statuses = list(pool.map(send, [*batches, single]))
    assert sorted(statuses) == sorted([201] + [409] * len(batches)), statuses
    joined = get(client, f"/people/{contested[0]}/relationships")
    assert len(joined) == 1
