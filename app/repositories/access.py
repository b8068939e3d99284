"""API keys, the practice settings, and the store's health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.repositories.base import Repository, all_as, first_as, result_of
from app.repositories.store import Row


@result_of("authenticate_api_key")
@dataclass(frozen=True)
class KeyHolder:
    """An API key with its team member (None if gone), the practice's visibility mode (None:
    the default) and the team hierarchy as ``[member_id, reports_to_id]`` pairs."""

    api_key: Row
    team_member: Row | None
    visibility: str | None
    hierarchy: list[list[str | None]]


@result_of("create_api_key")
@dataclass(frozen=True)
class KeyIssue:
    api_key: Row
    team_member_name: str


@result_of("revoke_api_key")
@dataclass(frozen=True)
class KeyRevocation:
    """``revoked`` is false if the key already was."""

    revoked: bool
    api_key: Row


@result_of("api_keys")
@dataclass(frozen=True)
class KeyListing:
    """An API key (without its hash) with its team member's name and role."""

    api_key: Row
    team_member_name: str | None
    role: str | None


@result_of("active_admin_keys")
@dataclass(frozen=True)
class KeyCount:
    keys: int


@result_of("practice_settings", "update_practice_settings")
@dataclass(frozen=True)
class PracticeSettings:
    """The practice's settings node (None before anything was set)."""

    settings: Row | None


@result_of("health")
@dataclass(frozen=True)
class Health:
    ok: int


class Access(Protocol):
    def api_key_caller(self, key_id: str) -> KeyHolder | None:
        """The key with this id and who holds it, or None."""

    def create_api_key(
        self, team_member_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> KeyIssue | None:
        """None when no such team member."""

    def revoke_api_key(
        self, key_id: str, *, now: str, revoked_by: str, audit: Mapping[str, Any]
    ) -> KeyRevocation | None:
        """None if unknown."""

    def api_keys(
        self, *, team_member_id: str | None, include_revoked: bool, after: str | None, limit: int
    ) -> list[KeyListing]:
        ...

    def active_admin_keys(self) -> int:
        ...

    def practice_settings(self) -> Row:
        ...

    def update_practice_settings(self, changes: Mapping[str, Any], audit: Mapping[str, Any]) -> Row:
        ...

    def health(self) -> bool:
        ...


class AccessRepository(Repository):
    def api_key_caller(self, key_id: str) -> KeyHolder | None:
        return first_as(KeyHolder, self._store.read(self._q("authenticate_api_key"), {"id": key_id}))

    def create_api_key(
        self, team_member_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> KeyIssue | None:
        rows = self._store.write(
            self._q("create_api_key"),
            {"team_member_id": team_member_id, "properties": dict(properties), "audit": dict(audit)},
        )
        return first_as(KeyIssue, rows)

    def revoke_api_key(
        self, key_id: str, *, now: str, revoked_by: str, audit: Mapping[str, Any]
    ) -> KeyRevocation | None:
        rows = self._store.write(
            self._q("revoke_api_key"), {"id": key_id, "now": now, "revoked_by": revoked_by, "audit": dict(audit)}
        )
        return first_as(KeyRevocation, rows)

    def api_keys(
        self, *, team_member_id: str | None, include_revoked: bool, after: str | None, limit: int
    ) -> list[KeyListing]:
        rows = self._store.read(
            self._q("api_keys"),
            {"team_member_id": team_member_id, "include_revoked": include_revoked, "after": after, "limit": limit},
        )
        return all_as(KeyListing, rows)

    def active_admin_keys(self) -> int:
        return KeyCount(**self._store.read(self._q("active_admin_keys"))[0]).keys

    def practice_settings(self) -> Row:
        return PracticeSettings(**self._store.read(self._q("practice_settings"))[0]).settings or {}

    def update_practice_settings(self, changes: Mapping[str, Any], audit: Mapping[str, Any]) -> Row:
        rows = self._store.write(self._q("update_practice_settings"), {"changes": dict(changes), "audit": dict(audit)})
        return PracticeSettings(**rows[0]).settings

    def health(self) -> bool:
        return Health(**self._store.read(self._q("health"))[0]).ok == 1
