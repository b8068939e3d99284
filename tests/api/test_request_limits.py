"""The checks a request passes before its body is read: the API key first, then the size of
the body (declared, or counted as it arrives); answered as problem details, nothing changed.

The app is called as ASGI here, so the tests see exactly how much of a body was read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.helpers import PROBLEM_JSON, snapshot
from app.bootstrap import Services
from app.core.config import Settings
from app.main import create_app
from app.repositories.factory import OpenStore
from app.repositories.store import GraphStore

CAP = 64 * 1024


class Sent:
    """What the app sent back, and how many body messages it asked for."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.reads = 0
        self.bytes_read = 0

    def json(self) -> dict[str, Any]:
        assert self.headers["content-type"] == PROBLEM_JSON
        return json.loads(self.body)


def call(client: TestClient, method: str, path: str, headers: dict[str, str], chunks: Iterator[bytes] | list[bytes] = ()) -> Sent:
    """Call the app as a server would, handing it ``chunks`` one per receive()."""
    sent = Sent()
    pending = iter(chunks)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        sent.reads += 1
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent.bytes_read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            sent.body += message.get("body", b"")

    async def run() -> None:
        await client.app(scope, receive, send)

    client.portal.call(run)
    return sent


@pytest.fixture
def capped(store: GraphStore) -> Iterator[TestClient]:
    """The API with a 64 KiB body limit, over an empty practice; the client sends the admin's key."""
    with TestClient(create_app(Settings(sample_data="no", max_body_bytes=CAP), opened=OpenStore(store))) as client:
        issued = Services.over(store).access().bootstrap_admin(name="Ada Admin")
        client.headers["Authorization"] = f"Bearer {issued.key}"
        yield client


def never(*_: Any) -> Iterator[bytes]:
    raise AssertionError("the body was read")
    yield b""  # pragma: no cover


def oversized(size: int = 16 * 1024) -> Iterator[bytes]:
    """Eight times the limit, in pieces (bounded, so an app that reads it all still ends)."""
    for _ in range(8 * CAP // size):
        yield b" " * size


JSON = {"content-type": "application/json"}


def test_without_a_key_the_answer_is_401_before_any_body_is_read(capped: TestClient) -> None:
    # A malformed body (it answered 422) and a huge declared one (read in full) alike.
    for headers in ({**JSON, "content-length": "1"}, {**JSON, "content-length": str(200 * 2**20)},
                    {**JSON, "transfer-encoding": "chunked"}):
        sent = call(capped, "POST", "/clients", headers, [b"{"])
        assert sent.status == 401 and sent.reads == 0
        assert sent.json()["title"] == "Unauthenticated"
        assert sent.headers["www-authenticate"].startswith("Bearer")
        assert sent.headers["connection"] == "close"  # the unread body is never read
    sent = call(capped, "POST", "/clients", {**JSON, "authorization": "Bearer rpk_nope", "content-length": "1"}, [b"{"])
    assert sent.status == 401 and sent.reads == 0


def test_a_body_declared_over_the_limit_is_refused_unread(capped: TestClient) -> None:
    before = snapshot(capped)
    headers = {**JSON, "authorization": capped.headers["authorization"], "content-length": str(CAP + 1)}
    for path in ("/clients", "/relationships/batch", "/me"):  # read by the route or not
        sent = call(capped, "POST" if path != "/me" else "GET", path, headers, never())
        assert sent.status == 413 and sent.reads == 0
        body = sent.json()
        assert body["title"] == "Content too large" and body["max_body_bytes"] == CAP
        assert f"{CAP + 1:,}" in body["detail"]
        assert sent.headers["connection"] == "close"
    assert snapshot(capped) == before


@pytest.mark.parametrize("idempotency_key", [None, "one"])
def test_a_chunked_body_is_counted_and_refused_once_past_the_limit(capped: TestClient, idempotency_key: str | None) -> None:
    before = snapshot(capped)
    headers = {**JSON, "authorization": capped.headers["authorization"], "transfer-encoding": "chunked"}
    if idempotency_key:  # the idempotency middleware reads POST bodies itself
        headers["idempotency-key"] = idempotency_key
    sent = call(capped, "POST", "/relationships/batch", headers, oversized())
    assert sent.status == 413
    assert sent.bytes_read <= CAP + 16 * 1024  # no more than the limit and the chunk that passed it
    assert sent.json()["max_body_bytes"] == CAP and sent.headers["connection"] == "close"
    assert snapshot(capped) == before
    # A body within the limit, chunked the same way, goes through; the idempotency key is still free.
    made = json.dumps({"name": "Chunked Household", "kind": "household"}).encode()
    sent = call(capped, "POST", "/clients", headers, [made[:10], made[10:]])
    assert sent.status == 201, sent.body


def test_a_declared_body_within_the_limit_is_read_as_usual(capped: TestClient) -> None:
    notes = "n" * (CAP - 200)
    assert capped.post("/clients", json={"name": "Large Notes", "kind": "household", "notes": notes[:20_000]}).status_code == 201
    response = capped.post("/divisions", json={"name": "x", "description": "d" * 19_000})
    assert response.status_code == 201


def test_the_health_check_and_documents_need_no_key(capped: TestClient) -> None:
    raw = TestClient(capped.app)
    assert raw.get("/health").status_code == 200
    assert raw.get("/openapi.json").status_code == 200
    assert raw.get("/docs").status_code == 200
    assert raw.get("/no-such-page").status_code == 401  # everything else, known or not, needs a key
    assert capped.get("/no-such-page").status_code == 404


def test_the_default_limit_holds_a_full_batch_of_50000_relationships() -> None:
    """The figure behind the default: 50,000 relationships (the batch maximum) with every
    field set and a 100-character note on each fit with room to spare."""
    item = {"type": "PRIMARY_CONTACT_AT", "from_id": "01J0ZV6Q7M6Y5D0Q2G5N3W4X8Z", "to_id": "01J0ZV6Q7M6Y5D0Q2G5N3W4X9A",
            "since": "2019-04-01", "until": "2024-06-30", "strength": 0.75, "share": 0.5, "notes": "n" * 100}
    size = len(json.dumps({"relationships": [item] * 50_000}).encode())
    limit = Settings.model_fields["max_body_bytes"].default
    assert 14 * 2**20 < size < limit / 2
