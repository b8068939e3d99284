"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` gets the first answer.

The first request claims the key (one query creates its record only if none is live), runs,
and if it succeeded (2xx) its status, body and a few headers are kept for ``ttl_s``
seconds; a request that failed releases the key, so a corrected retry may run. Keys are
scoped by the caller's API key id: two callers never share one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.errors import Conflict, InvalidInput
from app.repositories.idempotency import IdempotencyKeys

log = logging.getLogger("rapport.idempotency")

#: 1 to 200 printable ASCII characters (a UUID, a ULID, "order-42/attempt" all fit).
_KEY = re.compile(r"[\x20-\x7e]{1,200}")
#: The headers a replay repeats; the others are the server's own (length, date).
KEPT_HEADERS = frozenset({"content-type", "location", "etag"})
#: A record's states: its request runs; its response is kept; it succeeded but its response
#: held a secret (a new API key), so only the fact is kept.
IN_PROGRESS, DONE, WITHHELD = "in_progress", "done", "withheld"


class RequestInProgress(Conflict):
    """A retry arrived while the request that holds its key is still running."""

    title = "Request in progress"


@dataclass(frozen=True)
class Claim:
    """The right to run one request: the record's id and the token that proves the claim."""

    record_id: str
    token: str


@dataclass(frozen=True)
class KeptResponse:
    """The first answer to a request, repeated to its retries."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 printable ASCII characters, such as a UUID", field="Idempotency-Key",
        )


def key_record_id(scope_id: str, key: str) -> str:
    """The id of a caller's key's record: a digest, not the key itself, since the id is under
    a unique constraint and FalkorDB 4.16 crashes creating a node whose unique value ends
    with a space ("x ")."""
    return hashlib.sha256(f"{scope_id}\n{key}".encode()).hexdigest()


def request_fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests the same request: method, path, query and exact body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _iso(instant: datetime) -> str:
    # The format of ``now_iso``, so that stored instants compare as strings.
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class IdempotencyService:
    def __init__(self, repository: IdempotencyKeys, *, ttl_s: float) -> None:
        self._repo = repository
        self._ttl = timedelta(seconds=ttl_s)

    def begin(self, scope_id: str, key: str, fingerprint: str) -> Claim | KeptResponse:
        """Claim ``key`` for this request (run it), or the first request's kept response
        (replay it). InvalidInput if the key was used for another request, RequestInProgress
        while the first request still runs."""
        check_key(key)
        record_id = key_record_id(scope_id, key)
        token = secrets.token_hex(16)
        now = datetime.now(UTC)
        record = {"id": record_id, "fingerprint": fingerprint, "state": IN_PROGRESS, "claim": token, "created_at": _iso(now)}
        try:
            existing = self._repo.claim_idempotency_key(record, expired_before=_iso(now - self._ttl))
        except Conflict:
            # Neo4j: a concurrent request created the record between this one's read and
            # create, and the unique constraint refused the second; it is in progress.
            existing = self._repo.claim_idempotency_key(record, expired_before=_iso(now - self._ttl))
        if existing is None:
            return Claim(record_id, token)
        if existing["fingerprint"] != fingerprint:
            raise InvalidInput(
                "this Idempotency-Key was already used for a different request (method, path or body); "
                "use a new key for a new request",
            )
        state = existing.get("state")
        if state == WITHHELD:
            location = dict(json.loads(existing["headers"])).get("location")
            raise Conflict(
                f"the first request with this Idempotency-Key succeeded ({existing['status']}"
                f"{', ' + location if location else ''}); its response held a secret shown only once, "
                "so it was not kept and nothing new was created",
                location=location,
            )
        if state != DONE:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still running; retry when it has finished", retry_after_s=1,
            )
        headers = [(name, value) for name, value in json.loads(existing["headers"])]
        return KeptResponse(existing["status"], headers, existing["body"].encode())

    def sweep_expired(self, *, limit: int = 1_000) -> int:
        """Delete up to ``limit`` records whose time is over (the answers they keep are no
        longer replayed); how many went."""
        return self._repo.sweep_idempotency_keys(expired_before=_iso(datetime.now(UTC) - self._ttl), limit=limit)

    def finish(self, claim: Claim, response: KeptResponse) -> None:
        """Keep a successful response for the retries; release the key after a failure.

        A response marked ``Cache-Control: no-store`` (a new API key) holds a secret that is
        never stored: only that it succeeded is kept, and its retries are told so (409)."""
        if 200 <= response.status < 300:
            secret = any(n == "cache-control" and "no-store" in v.lower() for n, v in response.headers)
            try:
                body = "" if secret else response.body.decode()
            except UnicodeDecodeError:  # never for this API's JSON; not kept rather than mangled
                log.warning("a response that is not UTF-8 text cannot be kept for its retries")
            else:
                headers = json.dumps([[n, v] for n, v in response.headers if n in KEPT_HEADERS])
                self._repo.complete_idempotency_key(
                    claim.record_id, claim.token, state=WITHHELD if secret else DONE, status=response.status,
                    body=body, headers=headers, now=_iso(datetime.now(UTC)),
                )
                return
        self._repo.release_idempotency_key(claim.record_id, claim.token)
