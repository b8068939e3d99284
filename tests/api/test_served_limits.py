"""Request limits on the API as served (``rapport serve``: uvicorn, its own process), where the
server's memory can be read: a 200 MB body is refused without being read, and the process
holds no more than the body limit for it.

Before the request gate a 200 MB body was read whole with or without a key (answered 422
after 6-12 s) and the server's peak RSS went from ~115 MiB to 515 MiB (a body of one letter)
or 1.3 GiB (one shaped like a batch).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tools.served_api import ServedApi, chunked, raw_request, served_api

#: Serves the API from a process of its own.
pytestmark = pytest.mark.slow

BODY_BYTES = 200 * 1024 * 1024
LIMIT_MIB = 32  # the default RAPPORT_MAX_BODY_BYTES
PIECE = b'{"type": "ACQUAINTANCE_OF", "from_id": "01J0ZV6Q7M6Y5D0Q2G5N3W4X8Z", "to_id": "01J0ZV6Q7M6Y5D0Q2G5N3W4X9A"}, ' * 600


@pytest.fixture(scope="module")
def api() -> Iterator[ServedApi]:
    with served_api() as served:
        yield served


def batch_body(total: int = BODY_BYTES) -> Iterator[bytes]:
    """Exactly ``total`` bytes that start like a batch of relationships, made as they are sent."""
    first = b'{"relationships": ['
    yield first
    left = total - len(first)
    while left > 0:
        piece = PIECE[:left]
        left -= len(piece)
        yield piece


def head(api: ServedApi, *lines: bytes, key: bool = True, target: bytes = b"/relationships/batch") -> bytes:
    auth = [b"Authorization: Bearer " + api.key.encode()] if key else []
    return b"\r\n".join([b"POST " + target + b" HTTP/1.1", b"Host: rapport", b"Content-Type: application/json",
                         *auth, *lines]) + b"\r\n\r\n"


def problem_of(answer, status: int) -> dict:
    assert answer.status == status, answer.body[:500]
    assert answer.headers["content-type"] == "application/problem+json"
    return json.loads(answer.body)


def test_a_200_mb_body_is_refused_unread_and_the_server_holds_no_more_than_the_limit(api: ServedApi) -> None:
    before = api.peak_rss_mib()
    # Without a key: 401 from the headers, declared or chunked, and the connection closed.
    for framing, body in ((b"Content-Length: %d" % BODY_BYTES, batch_body()), (b"Transfer-Encoding: chunked", chunked(batch_body()))):
        answer = raw_request(api, head(api, framing, key=False), body)
        assert problem_of(answer, 401)["title"] == "Unauthenticated"
        assert answer.closed and answer.sent < 16 * 2**20  # socket buffers' worth, never read
    # With a key, declared: 413 from the headers.
    answer = raw_request(api, head(api, b"Content-Length: %d" % BODY_BYTES), batch_body())
    assert problem_of(answer, 413)["max_body_bytes"] == LIMIT_MIB * 2**20
    assert answer.closed and answer.sent < 16 * 2**20
    assert api.peak_rss_mib() - before < 8
    # With a key, chunked: read up to the limit, then 413.
    answer = raw_request(api, head(api, b"Transfer-Encoding: chunked"), chunked(batch_body()))
    assert "more than 33,554,432 bytes" in problem_of(answer, 413)["detail"]
    assert answer.closed and answer.sent < (LIMIT_MIB + 16) * 2**20
    grown = api.peak_rss_mib() - before
    print(f"\npeak RSS {before:.0f} MiB before, {before + grown:.0f} MiB after a 200 MB chunked body")
    assert grown < LIMIT_MIB + 24  # the limit's worth of body, and some slack; was over 400 MiB
    headers = {"Authorization": f"Bearer {api.key}"}
    assert httpx.get(f"{api.url}/relationships", headers=headers).status_code == 200


def test_a_request_line_the_server_cannot_read_is_a_problem_too(api: ServedApi) -> None:
    """Over 64 KB, httptools refuses the request before the app sees it; uvicorn's own answer
    was a text/plain 400."""
    answer = raw_request(api, b"GET /clients?name=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: rapport\r\n\r\n")
    body = problem_of(answer, 400)
    assert body["status"] == 400 and "could not be read" in body["detail"]
    assert answer.closed


def test_an_input_the_app_refuses_keeps_the_connection(api: ServedApi) -> None:
    """POST /tiers/runs with as_of 0001-01-10 was a 500 that dropped the keep-alive connection."""
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {api.key}"}) as client:
        for _ in range(2):
            response = client.post("/tiers/runs", json={"as_of": "0001-01-10"})
            assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
            assert "connection" not in response.headers
        assert client.get("/tiers/runs").status_code == 200
