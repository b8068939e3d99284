"""API keys, the practice's visibility mode, and turning a key into a ``Caller``.

A key is ``rpk_<key id>_<secret>``: the id finds the stored record, the secret proves the
caller holds the key. Only a SHA-256 hash of the whole key is stored. A slow password hash
would add nothing here: the secret is 256 random bits, so no guessing attack can use a
fast hash, and every request would pay for a slow one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ulid import ULID

from app.domain.access import (
    LOCAL_OPERATOR,
    Caller,
    Permission,
    VisibilityMode,
    hierarchy_from_pairs,
    visible_owner_ids,
)
from app.domain.audit import AuditAction, audit_record, record_fields
from app.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from app.domain.model import EntityKind, PracticeRecordKind, TeamRole, now_iso
from app.repositories.access import Access
from app.repositories.audit import AuditTrail
from app.repositories.catalogue import Catalogue
from app.services.entities import EntityService, EntityServiceRepository

KEY_PREFIX = "rpk_"
_KEY = re.compile(r"^rpk_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$")
DEFAULT_VISIBILITY = VisibilityMode.open


class AccessServiceRepository(Access, AuditTrail, Catalogue, EntityServiceRepository, Protocol):
    """What the access service reads and writes (with the entity service, for team members)."""


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh (key id, key) pair; the key is shown once and never stored."""
    key_id = str(ULID())
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class IssuedKey:
    """A key as stored (no hash), and the key itself: shown to its holder this once."""

    api_key: dict[str, Any]
    key: str


class CallerCache:
    """Recently authenticated callers, so a read does not pay a store round trip for its key.

    Entries live ``ttl_s`` seconds; any successful write through this process clears them
    all, so a revoked key, a changed role or a new reports-to line takes effect at once here
    and within ``ttl_s`` in other API processes.
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self._max = max_entries
        self._entries: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> Caller | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: str, caller: Caller) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key_hash] = (time.monotonic() + self.ttl_s, caller)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class AccessService:
    """``entities`` makes the entity service that ``bootstrap_admin`` creates the first admin
    through (a factory: building a service per request, the API seldom needs it)."""

    def __init__(self, repository: AccessServiceRepository, entities: Callable[[], EntityService],
                 caller: Caller = LOCAL_OPERATOR, cache: CallerCache | None = None) -> None:
        self._repo = repository
        self._entities = entities
        self._caller = caller
        self._cache = cache

    # -- authentication ---------------------------------------------------------------
    def authenticate(self, token: str | None) -> Caller:
        """The caller a bearer key stands for; Unauthenticated (401) for anything else."""
        if not token:
            raise Unauthenticated("this endpoint needs an API key: send 'Authorization: Bearer <key>'")
        key_hash = hash_key(token)
        if self._cache is not None and (cached := self._cache.get(key_hash)) is not None:
            return cached
        match = _KEY.fullmatch(token)
        refused = Unauthenticated("the API key is not valid (unknown, revoked or malformed)")
        if match is None:
            raise refused
        row = self._repo.api_key_caller(match.group(1))
        if row is None:
            raise refused
        api_key, member = row.api_key, row.team_member
        if not hmac.compare_digest(api_key["hash"], key_hash) or api_key.get("revoked_at") or member is None:
            raise refused
        role = TeamRole(member["role"])
        mode = VisibilityMode(row.visibility or DEFAULT_VISIBILITY)
        caller = Caller(
            team_member_id=member["id"], name=member["name"], role=role, key_id=api_key["id"],
            visible_owner_ids=visible_owner_ids(member["id"], role, mode, hierarchy_from_pairs(row.hierarchy)),
        )
        if self._cache is not None:
            self._cache.put(key_hash, caller)
        return caller

    # -- keys -----------------------------------------------------------------------------
    def bootstrap_admin(self, *, name: str, email: str | None = None) -> IssuedKey | None:
        """On a fresh install: an admin team member and their first key. None (and nothing
        written) when an admin already holds an active key. Refused before anything is
        written to a caller who may not issue keys (no admin member is left without one)."""
        self._caller.require(Permission.administer, "make the first admin")
        if self._repo.active_admin_keys() > 0:
            return None
        # Through the entity service, so the team member gets the same checks and audit.
        entities = self._entities()
        data: dict[str, Any] = {"name": name, "role": TeamRole.admin.value}
        if email:
            data["email"] = email
        admin = entities.create(EntityKind.team_member, data)
        return self.issue_key(admin["id"], name=f"first admin key for {name}")

    def issue_key(self, team_member_id: str, *, name: str) -> IssuedKey:
        self._caller.require(Permission.administer, "issue API keys")
        if not name.strip():
            raise InvalidInput("a key needs a name saying what it is for", field="name")
        key_id, token = new_key()
        now = now_iso()
        properties = {
            "id": key_id, "name": name, "team_member_id": team_member_id, "hash": hash_key(token),
            "created_at": now, "created_by": self._caller.team_member_id,
        }
        audit = audit_record(self._caller, AuditAction.issue_key, PracticeRecordKind.api_key, key_id, before=None, after=properties, now=now)
        row = self._repo.create_api_key(team_member_id, properties, audit)
        if row is None:
            raise InvalidInput(f"team_member_id '{team_member_id}' does not name a team member", field="team_member_id")
        self._forget_callers()
        return IssuedKey(public_key(row.api_key), token)

    def revoke_key(self, key_id: str) -> dict[str, Any]:
        self._caller.require(Permission.administer, "revoke API keys")
        now = now_iso()
        audit = audit_record(
            self._caller, AuditAction.revoke_key, PracticeRecordKind.api_key, key_id,
            before={"revoked_at": None}, after={"revoked_at": now}, now=now,
        )
        row = self._repo.revoke_api_key(key_id, now=now, revoked_by=self._caller.team_member_id, audit=audit)
        if row is None:
            raise NotFound(f"no API key with id '{key_id}'")
        if not row.revoked:
            raise Conflict(f"API key '{key_id}' was already revoked at {row.api_key['revoked_at']}")
        self._forget_callers()
        return public_key(row.api_key)

    def keys(
        self, *, team_member_id: str | None = None, include_revoked: bool = False, after: str | None = None, limit: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        self._caller.require(Permission.administer, "list API keys")
        rows = self._repo.api_keys(team_member_id=team_member_id, include_revoked=include_revoked, after=after, limit=limit + 1)
        items = [{**row.api_key, "team_member_name": row.team_member_name, "role": row.role} for row in rows]
        return items[:limit], (items[limit - 1]["id"] if len(items) > limit else None)

    # -- practice settings ------------------------------------------------------------------
    def practice_settings(self) -> dict[str, Any]:
        stored = self._repo.practice_settings()
        return {"visibility": stored.get("visibility", DEFAULT_VISIBILITY.value), "updated_at": stored.get("updated_at")}

    def set_visibility(self, mode: VisibilityMode) -> dict[str, Any]:
        self._caller.require(Permission.administer, "change the practice's settings")
        before = self.practice_settings()
        now = now_iso()
        after = {"visibility": mode.value, "updated_at": now}
        audit = audit_record(
            self._caller, AuditAction.update, PracticeRecordKind.practice_settings, "practice",
            before={"visibility": before["visibility"]}, after={"visibility": mode.value}, now=now,
        )
        self._repo.update_practice_settings(after, audit)
        self._forget_callers()
        return self.practice_settings()

    # -- audit trail ---------------------------------------------------------------------------
    def audit_records(self, filters: dict[str, Any], *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        self._caller.require(Permission.read_audit, "read the audit trail")
        if filters.get("from") and filters.get("to") and filters["from"] >= filters["to"]:
            raise InvalidInput("'from' must be before 'to'")
        rows = self._repo.audit_records(filters, after=after, limit=limit + 1)
        items = [
            {**row, "before": record_fields(row.get("before")), "after": record_fields(row.get("after")),
             "changed": list(row.get("changed") or [])}
            for row in rows
        ]
        return items[:limit], (items[limit - 1]["id"] if len(items) > limit else None)

    def _forget_callers(self) -> None:
        if self._cache is not None:
            self._cache.clear()


def public_key(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored key without its hash."""
    return {name: value for name, value in stored.items() if name != "hash"}
