"""Who an API key stands for, and who may hand keys out (app/services/access.py), against an
in-memory practice: a key's shape, an unknown, wrong, revoked or orphaned key, the cache of
recent callers, the first admin of a fresh install, issuing, revoking and listing keys, and
the practice's visibility mode. What the queries do is tested against both stores
(tests/repositories, tests/test_fakes.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from app.domain.access import LOCAL_OPERATOR, Caller, VisibilityMode
from app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from app.domain.model import EntityKind as K
from app.domain.model import TeamRole
from app.services import access
from app.services.access import AccessService, CallerCache, hash_key
from tests.fakes import FakePractice

ADMIN = Caller(team_member_id="a1", name="Ada Admin", role=TeamRole.admin, key_id="KA")
NOT_ADMINS = [role for role in TeamRole if role is not TeamRole.admin]


def _caller(role: TeamRole) -> Caller:
    return Caller(team_member_id="t9", name="Someone", role=role)


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice()
    practice.add(K.team_member, "a1", "Ada Admin", role="admin")
    practice.add(K.team_member, "t0", "Mark Davies", role="practice_manager")
    practice.add(K.team_member, "t1", "Anna Shaw", role="adviser", reports_to_id="t0")
    practice.add(K.team_member, "t2", "Tom Reid", role="client_service", reports_to_id="t1")
    practice.add(K.team_member, "t3", "Una Ward", role="adviser")
    practice.add(K.client, "c1", "Birch", owner_id="t1")
    return practice


class EntitiesStandIn:
    """The entity service ``bootstrap_admin`` creates the first admin through: it records each
    ``create`` and adds the team member to the practice, as the real one would."""

    def __init__(self, practice: FakePractice) -> None:
        self.practice = practice
        self.created: list[tuple[K, dict[str, Any]]] = []

    def create(self, kind: K, data: dict[str, Any]) -> dict[str, Any]:
        self.created.append((kind, dict(data)))
        return self.practice.add(kind, f"new{len(self.created)}", **data)


def _service(practice: FakePractice, caller: Caller = ADMIN, cache: CallerCache | None = None,
             entities: Callable[[], Any] | None = None) -> AccessService:
    return AccessService(practice, entities or (lambda: EntitiesStandIn(practice)), caller, cache)


def _key(practice: FakePractice, member: str = "t1") -> str:
    return _service(practice).issue_key(member, name="laptop").key


# -- authentication ----------------------------------------------------------------------------
def test_a_key_stands_for_its_team_member_with_their_role_and_sees_every_client_by_default(practice):
    token = _key(practice)
    key_id = token.split("_")[1]
    assert _service(practice).authenticate(token) == Caller(
        team_member_id="t1", name="Anna Shaw", role=TeamRole.adviser, key_id=key_id, visible_owner_ids=None)


def test_in_owner_hierarchy_mode_a_key_sees_its_holders_clients_and_those_below_them(practice):
    _service(practice).set_visibility(VisibilityMode.owner_hierarchy)
    assert _service(practice).authenticate(_key(practice, "t1")).visible_owner_ids == {"t1", "t2"}
    assert _service(practice).authenticate(_key(practice, "t3")).visible_owner_ids == {"t3"}
    assert _service(practice).authenticate(_key(practice, "t0")).visible_owner_ids is None  # a practice manager


@pytest.mark.parametrize("token", [None, ""])
def test_no_key_is_refused_as_needing_one(practice, token):
    with pytest.raises(Unauthenticated, match="needs an API key"):
        _service(practice).authenticate(token)


@pytest.mark.parametrize("change", [
    lambda t: t.replace("rpk_", "rpx_", 1),  # another prefix
    lambda t: t[:-1],  # a secret one character short
    lambda t: t + "A",  # one too long
    lambda t: t.replace("_", "-", 2),  # no separators
    lambda t: t[:4] + t[4:30].lower() + t[30:],  # an id in lower case: not a ULID as issued
    lambda t: f" {t}",
])
def test_a_key_of_the_wrong_shape_is_refused_without_asking_the_store(practice, change):
    token = change(_key(practice))
    practice.calls.clear()
    with pytest.raises(Unauthenticated, match="not valid"):
        _service(practice).authenticate(token)
    assert practice.calls == []


def test_an_unknown_key_is_refused(practice):
    token = _key(practice)
    unknown = f"rpk_{'0' * 26}{token[30:]}"
    with pytest.raises(Unauthenticated, match="not valid"):
        _service(practice).authenticate(unknown)
    assert practice.calls[-1] == "api_key_caller"


def test_a_known_key_id_with_the_wrong_secret_is_refused(practice):
    token = _key(practice)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthenticated, match="not valid"):
        _service(practice).authenticate(forged)


def test_a_revoked_key_is_refused(practice):
    issued = _service(practice).issue_key("t1", name="laptop")
    _service(practice).revoke_key(issued.api_key["id"])
    with pytest.raises(Unauthenticated, match="not valid"):
        _service(practice).authenticate(issued.key)


def test_the_key_of_a_deleted_team_member_is_refused(practice):
    """The query finds the key but no team member: there is no "inactive" member to check."""
    token = _key(practice, "t3")
    del practice.entities["t3"]
    with pytest.raises(Unauthenticated, match="not valid"):
        _service(practice).authenticate(token)


# -- the cache of recent callers ------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(access, "time", SimpleNamespace(monotonic=clock))
    return clock


def test_a_cached_caller_is_answered_without_the_store_until_its_time_runs_out(practice, clock):
    token = _key(practice)
    service = _service(practice, cache=CallerCache(ttl_s=30))
    caller = service.authenticate(token)
    practice.calls.clear()
    clock.now += 30
    assert service.authenticate(token) == caller and practice.calls == []
    clock.now += 0.5
    assert service.authenticate(token) == caller and practice.calls == ["api_key_caller"]


def test_a_cached_caller_outlives_a_revocation_made_elsewhere_until_the_cache_is_cleared(practice, clock):
    issued = _service(practice).issue_key("t1", name="laptop")
    cache = CallerCache(ttl_s=30)
    _service(practice, cache=cache).authenticate(issued.key)
    _service(practice).revoke_key(issued.api_key["id"])  # another process: this cache is not told
    assert _service(practice, cache=cache).authenticate(issued.key).team_member_id == "t1"
    cache.clear()
    with pytest.raises(Unauthenticated):
        _service(practice, cache=cache).authenticate(issued.key)


def test_a_revocation_through_this_process_takes_effect_at_once(practice, clock):
    issued = _service(practice).issue_key("t1", name="laptop")
    cache = CallerCache(ttl_s=30)
    _service(practice, cache=cache).authenticate(issued.key)
    _service(practice, cache=cache).revoke_key(issued.api_key["id"])
    with pytest.raises(Unauthenticated):
        _service(practice, cache=cache).authenticate(issued.key)


@pytest.mark.parametrize("write", [
    lambda service: service.issue_key("t3", name="spare"),
    lambda service: service.set_visibility(VisibilityMode.owner_hierarchy),
])
def test_issuing_a_key_or_changing_the_visibility_clears_the_cache(practice, clock, write):
    token = _key(practice)
    cache = CallerCache(ttl_s=30)
    _service(practice, cache=cache).authenticate(token)
    write(_service(practice, cache=cache))
    practice.calls.clear()
    _service(practice, cache=cache).authenticate(token)
    assert practice.calls == ["api_key_caller"]


def test_a_cache_with_no_time_to_live_keeps_nothing(practice):
    token = _key(practice)
    service = _service(practice, cache=CallerCache(ttl_s=0))
    service.authenticate(token)
    service.authenticate(token)
    assert practice.calls.count("api_key_caller") == 2


def test_a_full_cache_starts_again_empty(clock):
    cache = CallerCache(ttl_s=30, max_entries=2)
    cache.put("h1", ADMIN)
    cache.put("h2", ADMIN)
    assert cache.get("h1") == cache.get("h2") == ADMIN
    cache.put("h3", ADMIN)
    assert (cache.get("h1"), cache.get("h2"), cache.get("h3")) == (None, None, ADMIN)


# -- the first admin ---------------------------------------------------------------------------------
def test_a_fresh_install_gets_an_admin_and_their_first_key(practice):
    entities = EntitiesStandIn(practice)
    issued = _service(practice, LOCAL_OPERATOR, entities=lambda: entities).bootstrap_admin(name="Root", email="r@x.org")
    assert entities.created == [(K.team_member, {"name": "Root", "role": "admin", "email": "r@x.org"})]
    assert issued.api_key["team_member_id"] == "new1" and issued.api_key["name"] == "first admin key for Root"
    assert _service(practice).authenticate(issued.key).role is TeamRole.admin


def test_the_first_admin_needs_no_email(practice):
    entities = EntitiesStandIn(practice)
    _service(practice, LOCAL_OPERATOR, entities=lambda: entities).bootstrap_admin(name="Root", email="")
    assert entities.created == [(K.team_member, {"name": "Root", "role": "admin"})]


def test_no_second_first_admin_while_an_admin_holds_an_active_key(practice):
    _key(practice, "a1")
    trail = list(practice.audit_trail)
    made: list[int] = []
    service = _service(practice, LOCAL_OPERATOR, entities=lambda: made.append(1) or EntitiesStandIn(practice))
    assert service.bootstrap_admin(name="Root") is None
    assert made == [] and len(practice.api_keys_stored) == 1 and practice.audit_trail == trail


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_an_admin_may_make_the_first_admin_and_a_refusal_writes_nothing(practice, role):
    made: list[int] = []
    service = _service(practice, _caller(role), entities=lambda: made.append(1) or EntitiesStandIn(practice))
    with pytest.raises(Forbidden):
        service.bootstrap_admin(name="Root")
    assert made == [] and practice.api_keys_stored == {} and practice.audit_trail == []


def test_a_first_admin_may_be_made_again_once_every_admin_key_is_revoked(practice):
    issued = _service(practice).issue_key("a1", name="old")
    _key(practice, "t0")  # a practice manager's key does not count
    _service(practice).revoke_key(issued.api_key["id"])
    assert _service(practice, LOCAL_OPERATOR).bootstrap_admin(name="Root").api_key["team_member_id"] == "new1"


# -- issuing, revoking and listing keys --------------------------------------------------------------
@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_an_admin_may_issue_revoke_or_list_keys(practice, role):
    issued = _service(practice).issue_key("t1", name="laptop")
    service = _service(practice, _caller(role))
    for attempt in (lambda: service.issue_key("t1", name="laptop"), lambda: service.revoke_key(issued.api_key["id"]),
                    lambda: service.keys()):
        with pytest.raises(Forbidden):
            attempt()
    assert len(practice.api_keys_stored) == 1 and "revoked_at" not in practice.api_keys_stored[issued.api_key["id"]]


def test_an_issued_key_is_shown_once_and_only_its_hash_is_kept(practice):
    issued = _service(practice).issue_key("t1", name="laptop")
    assert access._KEY.fullmatch(issued.key) and issued.key.split("_")[1] == issued.api_key["id"]
    stored = practice.api_keys_stored[issued.api_key["id"]]
    assert stored["hash"] == hash_key(issued.key) and "hash" not in issued.api_key
    assert issued.api_key == {name: value for name, value in stored.items() if name != "hash"}
    assert issued.api_key["created_by"] == "a1" and issued.api_key["team_member_id"] == "t1"
    assert issued.key not in json.dumps([practice.api_keys_stored, practice.audit_trail])
    assert _service(practice).issue_key("t1", name="laptop").key != issued.key


def test_issuing_a_key_is_audited_without_its_hash(practice):
    issued = _service(practice).issue_key("t1", name="laptop")
    [record] = practice.audit_trail
    assert {name: record[name] for name in ("action", "target_kind", "target_id", "actor_id", "actor_key_id")} == {
        "action": "issue_key", "target_kind": "api_key", "target_id": issued.api_key["id"], "actor_id": "a1",
        "actor_key_id": "KA"}
    assert json.loads(record["after"]) == issued.api_key and "before" not in record


def test_a_key_needs_a_name(practice):
    with pytest.raises(InvalidInput) as refused:
        _service(practice).issue_key("t1", name="  ")
    assert refused.value.extra == {"field": "name"} and practice.api_keys_stored == {}


@pytest.mark.parametrize("holder", ["nobody", "c1"])
def test_a_key_is_issued_only_to_a_team_member(practice, holder):
    with pytest.raises(InvalidInput, match=f"'{holder}' does not name a team member") as refused:
        _service(practice).issue_key(holder, name="laptop")
    assert refused.value.extra == {"field": "team_member_id"}
    assert practice.api_keys_stored == {} and practice.audit_trail == []


def test_revoking_a_key_marks_it_and_is_audited(practice):
    issued = _service(practice).issue_key("t1", name="laptop")
    revoked = _service(practice).revoke_key(issued.api_key["id"])
    assert revoked["revoked_by"] == "a1" and revoked["revoked_at"] and "hash" not in revoked
    record = practice.audit_trail[-1]
    assert (record["action"], record["target_id"], record["changed"]) == (
        "revoke_key", issued.api_key["id"], ["revoked_at"])
    assert json.loads(record["after"]) == {"revoked_at": revoked["revoked_at"]}


def test_a_revoked_key_cannot_be_revoked_again_nor_an_unknown_one(practice):
    issued = _service(practice).issue_key("t1", name="laptop")
    revoked = _service(practice).revoke_key(issued.api_key["id"])
    with pytest.raises(Conflict, match=f"already revoked at {revoked['revoked_at']}"):
        _service(practice).revoke_key(issued.api_key["id"])
    with pytest.raises(NotFound):
        _service(practice).revoke_key("K-unknown")
    assert [record["action"] for record in practice.audit_trail] == ["issue_key", "revoke_key"]


def test_keys_are_listed_a_page_at_a_time_with_their_holders(practice):
    ids = sorted(_service(practice).issue_key(member, name=member).api_key["id"] for member in ("t1", "t0", "a1"))
    page, cursor = _service(practice).keys(limit=2)
    assert [key["id"] for key in page] == ids[:2] and cursor == ids[1]
    assert all("hash" not in key for key in page)
    page, cursor = _service(practice).keys(after=cursor, limit=2)
    assert [key["id"] for key in page] == ids[2:] and cursor is None
    assert [(key["team_member_name"], key["role"]) for key in _service(practice).keys(team_member_id="t0")[0]] == [
        ("Mark Davies", "practice_manager")]


def test_a_full_last_page_has_no_cursor_and_revoked_keys_are_listed_when_asked(practice):
    ids = sorted(_service(practice).issue_key("t1", name=name).api_key["id"] for name in ("one", "two"))
    page, cursor = _service(practice).keys(limit=2)
    assert [key["id"] for key in page] == ids and cursor is None
    _service(practice).revoke_key(ids[0])
    assert [key["id"] for key in _service(practice).keys()[0]] == ids[1:]
    assert [key["id"] for key in _service(practice).keys(include_revoked=True)[0]] == ids


# -- the practice's settings and the audit trail ------------------------------------------------------
def test_a_practice_is_open_until_set_otherwise(practice):
    settings = _service(practice, _caller(TeamRole.analyst)).practice_settings()
    assert settings == {"visibility": "open", "updated_at": None}


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_an_admin_may_change_the_visibility(practice, role):
    with pytest.raises(Forbidden):
        _service(practice, _caller(role)).set_visibility(VisibilityMode.owner_hierarchy)
    assert practice.settings == {} and practice.audit_trail == []


def test_changing_the_visibility_is_kept_and_audited(practice):
    settings = _service(practice).set_visibility(VisibilityMode.owner_hierarchy)
    assert settings["visibility"] == "owner_hierarchy" and settings["updated_at"]
    assert _service(practice).practice_settings() == settings
    [record] = practice.audit_trail
    assert (record["action"], record["target_kind"], record["target_id"]) == ("update", "practice_settings", "practice")
    assert (json.loads(record["before"]), json.loads(record["after"])) == (
        {"visibility": "open"}, {"visibility": "owner_hierarchy"})


@pytest.mark.parametrize("role", [TeamRole.adviser, TeamRole.client_service, TeamRole.analyst])
def test_only_those_who_may_read_the_audit_trail_read_it(practice, role):
    with pytest.raises(Forbidden):
        _service(practice, _caller(role)).audit_records({}, after=None, limit=10)


def test_the_audit_trail_is_read_a_page_at_a_time_with_its_changes_as_maps(practice):
    _service(practice).set_visibility(VisibilityMode.owner_hierarchy)
    _service(practice).set_visibility(VisibilityMode.open)
    manager = _service(practice, _caller(TeamRole.practice_manager))
    page, cursor = manager.audit_records({"target_kind": "practice_settings"}, after=None, limit=1)
    assert len(page) == 1 and cursor == page[0]["id"] and page[0]["changed"] == ["visibility"]
    rest, cursor = manager.audit_records({"target_kind": "practice_settings"}, after=cursor, limit=1)
    assert len(rest) == 1 and cursor is None
    # Both made within a millisecond or two: their ULIDs need not be in the order they were made.
    assert sorted((r["before"]["visibility"], r["after"]["visibility"]) for r in page + rest) == [
        ("open", "owner_hierarchy"), ("owner_hierarchy", "open")]


@pytest.mark.parametrize(("start", "end"), [("2026-06-02", "2026-06-01"), ("2026-06-01", "2026-06-01")])
def test_an_audit_window_must_start_before_it_ends(practice, start, end):
    with pytest.raises(InvalidInput, match="'from' must be before 'to'"):
        _service(practice).audit_records({"from": start, "to": end}, after=None, limit=10)
