"""Every query file in cypher/ runs on the store through the repository, and the code uses it."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from app.domain.audit import CreationRecords
from app.domain.catalogue import PairRule
from app.domain.model import EntityKind as K
from app.domain.model import PracticeRecordKind
from app.repositories.analytics import ActiveRelationships
from app.repositories.catalogue import CatalogueDeletion, CategoryCreation, RelationshipTypeChange
from app.repositories.relationships import Ownership
from app.repositories.cypher import QueryLibrary
from app.repositories.groups import GroupCreation, GroupRepository
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore, Row
from app.repositories.suggestion_runs import SCORING_RUNS, TIER_RUNS, SuggestionCount, SuggestionRunRepository

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-23"


class RecordingStore(GraphStore):
    """Delegates to a real store and records which query texts it ran."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.dialect = inner.dialect
        self.ran: list[str] = []

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.ran.append(query)
        return self._inner.read(query, params)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        self.ran.append(query)
        return self._inner.write(query, params)

    def ensure_schema(self) -> None:
        self._inner.ensure_schema()

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        self._inner.ensure_relationship_indexes(type_codes)

    def close(self) -> None:
        self._inner.close()


def _query_names(texts: list[str], library: QueryLibrary) -> set[str]:
    """Map executed texts back to their files by each file's first line (its comment)."""
    first_lines = {name: library._texts[name].splitlines()[0] for name in library.names()}
    return {name for text in texts for name, line in first_lines.items() if text.startswith(line)}


def _entity(kind: K, entity_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": entity_id, "entity_kind": kind.value, "name": name, "version": 1, **extra}


def _relationship(code: str, n: int, category: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"{code}-{n:026d}", "category": category, "version": 1, **extra}


def test_every_query_file_runs_on_the_store(store: GraphStore) -> None:
    recording = RecordingStore(store)
    repo = PracticeRepository(recording)
    types = [
        {"code": "PRIMARY_CONTACT_AT", "phrase": "a Primary Contact at", "reverse_phrase": "has Primary Contact",
         "category": "membership", "role": "primary_contact", "from_kinds": ["person"], "to_kinds": ["client"]},
        {"code": "SPOUSE_OF", "phrase": "the Spouse of", "reverse_phrase": "is the Spouse of",
         "category": "family", "from_kinds": ["person"], "to_kinds": ["person"]},
        {"code": "REFERRER_OF", "phrase": "the Referrer of", "reverse_phrase": "was Referred by",
         "category": "referral", "from_kinds": ["person"], "to_kinds": ["client"]},
    ]
    assert repo.seed_relationship_types(types, _audit("seed", "bulk_load", note="types added")) == 3
    assert repo.seed_relationship_types(types, _audit("seed", "bulk_load", note="types added")) == 0  # no record
    [seeded] = repo.audit_records({"target_id": "seed"}, after=None, limit=10)
    assert seeded["note"] == "3 types added"  # the query puts the count in front
    repo.ensure_relationship_indexes(t["code"] for t in types)
    assert [t["code"] for t in repo.relationship_types("SPOUSE_OF")] == ["SPOUSE_OF"]
    assert repo.create_relationship_type({**types[1], "code": "SIBLING_OF"}, _audit("SIBLING_OF", kind="relationship_type"))
    assert not repo.create_relationship_type({**types[1], "code": "SIBLING_OF"}, _audit("SIBLING_OF", kind="relationship_type"))
    sibling = repo.relationship_types("SIBLING_OF")[0]
    kinds = {"from_kinds": ["person"], "to_kinds": ["person"], "symmetric": True}
    stale = repo.update_relationship_type("SIBLING_OF", {"weight": 0.5}, **kinds, before={**sibling, "weight": 2.0},
                                          audit=_audit("SIBLING_OF", "update"))
    assert stale == RelationshipTypeChange(misfits=0, unchanged=False, relationship_type=sibling)
    changed = repo.update_relationship_type("SIBLING_OF", {"weight": 0.5}, **kinds, before=sibling,
                                            audit=_audit("SIBLING_OF", "update"))
    assert changed.unchanged and changed.relationship_type["weight"] == 0.5
    assert not repo.delete_relationship_type("SIBLING_OF", before=sibling, audit=_audit("SIBLING_OF", "delete")).unchanged
    assert repo.delete_relationship_type(
        "SIBLING_OF", before=changed.relationship_type, audit=_audit("SIBLING_OF", "delete")) == CatalogueDeletion(0, True)
    assert [r["action"] for r in repo.audit_records({"target_id": "SIBLING_OF"}, after=None, limit=10)] == [
        "create", "update", "delete"]  # refused writes left none

    client_stage = {"key": "stages:client", "list": "stages", "code": "client", "label": "Client", "position": 0}
    assert repo.seed_categories([client_stage], _audit("seed", "bulk_load", note="categories added")) == 1
    gone = {"key": "stages:gone", "list": "stages", "code": "gone", "label": "Gone", "position": 1}
    assert repo.create_category(gone, next_position=0, audit=_audit("stages:gone", kind="category")) == CategoryCreation(True, False)
    assert repo.create_category(gone, next_position=1, audit=_audit("stages:gone", kind="category")) == CategoryCreation(True, True)
    assert not repo.create_category(gone, next_position=None, audit=_audit("stages:gone", kind="category")).fresh
    assert [c["code"] for c in repo.categories("stages")] == ["client", "gone"]
    assert not repo.update_category("stages:gone", {"label": "Gone away"}, before=client_stage,
                                    audit=_audit("stages:gone", "update")).unchanged
    moved = repo.update_category("stages:gone", {"label": "Gone away"}, before=gone, audit=_audit("stages:gone", "update"))
    assert moved.unchanged and moved.category["label"] == "Gone away"
    assert repo.delete_category("stages:gone", "stage", before=moved.category,
                                audit=_audit("stages:gone", "delete")) == CatalogueDeletion(0, True)
    assert len(repo.audit_records({"target_id": "stages:gone"}, after=None, limit=10)) == 3

    assert repo.count_entities() == 0
    assert repo.create_entity(K.team_member, _entity(K.team_member, "t1", "Anna Shaw", role="adviser"), [], _audit("t1"))
    assert repo.create_entity(
        K.client, _entity(K.client, "c1", "Elliott Household", owner_id="t1", stage="client"), ["t1"], _audit("c1")
    )
    assert not repo.create_entity(K.client, _entity(K.client, "c2", "Orphan", owner_id="missing"), ["missing"], _audit("c2"))
    assert repo.ownership_ends() == ["t1 c1"]
    def pairs(found: list[Ownership]) -> list[tuple[str, str]]:
        return [(ownership.owner["id"], ownership.client["id"]) for ownership in found]

    assert pairs(repo.ownerships(client_ids=["c1", "c2"], owner_ids=["t1"], limit=5)) == [("t1", "c1")] * 2
    assert pairs(repo.ownerships(client_ids=["c1"], limit=5, owners=["t1"])) == [("t1", "c1")]
    assert pairs(repo.ownerships_page(after_client="c0", limit=5, owners=["t1"])) == [("t1", "c1")]
    assert repo.ownerships(owner_ids=["t1"], limit=5, owners=["t2"]) == repo.ownerships_page(after_client="c1", limit=5) == []
    for pid, name in (("p1", "John Elliott"), ("p2", "Jean Elliott")):
        assert repo.create_entity(K.person, _entity(K.person, pid, name), [], _audit(pid))
    assert repo.get_entity(K.client, "c1")["owner_id"] == "t1"
    assert set(repo.get_entities(["p1", "p2", "nope"])) == {"p1", "p2"}
    assert repo.visible_entities(["p1", "c1", "nope"], {"t2"}) == {"p1"}  # p1 related to no client yet: seen by all
    assert [e["id"] for e in repo.list_entities(K.person, {"name": "JEAN"}, after=None, limit=10)] == ["p2"]
    client = repo.get_entity(K.client, "c1")
    torn = {**client, "name": "Elliott Household (read while changing)"}  # the right version, other fields
    refused = repo.update_entity(K.client, "c1", {**client, "segment": "A"}, ["t1"], now="n", expected_version=1,
                                 before=torn, audit=_audit("c1", "update"))
    assert not refused.version_ok and repo.get_entity(K.client, "c1").get("segment") is None
    updated = repo.update_entity(K.client, "c1", {**client, "segment": "A"}, ["t1"], now="n", expected_version=1,
                                 before=client, audit=_audit("c1", "update"))
    assert updated.version_ok and updated.entity["version"] == 2 and updated.entity["segment"] == "A"
    stale = repo.update_entity(K.client, "c1", {**client, "segment": "B"}, [], now="n", expected_version=1,
                               before=client, audit=_audit("c1", "update"))
    assert not stale.version_ok and repo.get_entity(K.client, "c1")["segment"] == "A"
    # Guarded writes leave a record only when they write: two creates (of four) refused.
    assert [r["target_id"] for r in repo.audit_records({"action": "create", "target_kind": "entity"}, after=None, limit=10)] == ["t1", "c1", "p1", "p2"]
    # A merge of two people with nothing to move: the duplicate goes, the kept one is rewritten.
    for pid, name in (("pm1", "Merge Keep"), ("pm2", "Merge Duplicate")):
        assert repo.create_entity(K.person, _entity(K.person, pid, name), [], _audit(pid))
    keep, duplicate = repo.get_entity(K.person, "pm1"), repo.get_entity(K.person, "pm2")
    merged = repo.merge_entities(
        K.person, "pm1", "pm2", kept_before=keep, duplicate_before=duplicate,
        properties={**keep, "notes": "merged", "version": keep["version"] + 1}, relationships=[], own_records=[],
        moves={}, symmetric_types=[], singular_roles=[], today=TODAY, now="n", audits=[_audit("pm1", "merge")],
    )
    assert merged.merged and repo.get_entity(K.person, "pm2") is None
    kept = repo.get_entity(K.person, "pm1")
    assert kept["notes"] == "merged"
    assert repo.delete_entity(K.person, "pm1", cascade=False, now="n", expected_version=kept["version"], audits=[]).deleted
    assert len(repo.audit_records({"target_id": "c1"}, after=None, limit=10)) == 2
    _run_access_queries(repo)

    pc = _relationship("PRIMARY_CONTACT_AT", 1, "membership", role="primary_contact")
    first = repo.create_relationship("PRIMARY_CONTACT_AT", "p1", "c1", pc, symmetric=False,
                                     singular_role="primary_contact", active=True, today=TODAY, audit=_audit(pc["id"]))
    assert first.created
    second = repo.create_relationship("PRIMARY_CONTACT_AT", "p2", "c1", {**pc, "id": "PRIMARY_CONTACT_AT-2"},
                                      symmetric=False, singular_role="primary_contact", active=True, today=TODAY,
                                      audit=_audit("PRIMARY_CONTACT_AT-2"))
    assert not second.created and second.role_holders == 1
    assert repo.audit_records({"target_id": "PRIMARY_CONTACT_AT-2"}, after=None, limit=10) == []
    assert repo.singular_role_holders(["c1"], "primary_contact", today=TODAY) == {"c1"}
    spouse = _relationship("SPOUSE_OF", 1, "family")
    orphan = {"from_id": "p1", "to_id": "missing", "properties": {**spouse, "id": "SPOUSE_OF-0"}, "active": True}
    spouse_rule = {"SPOUSE_OF": PairRule(symmetric=True)}
    def batch_records(*targets: str) -> CreationRecords:
        own = [{"id": _audit(target)["id"], "target_id": target, "after": f'{{"id": "{target}"', "changed": 0} for target in targets]
        return CreationRecords({"actor_id": "t1", "action": "create", "target_kind": "relationship"}, own, [["id"]], ["}"])

    shared = {"category": spouse.pop("category"), "version": spouse.pop("version")}
    assert repo.create_relationships_batch(
        {"SPOUSE_OF": [{"from_id": "p1", "to_id": "p2", "properties": spouse, "active": True}, orphan]},
        {"SPOUSE_OF": shared}, batch_records(spouse["id"], "SPOUSE_OF-0"), rules=spouse_rule, today=TODAY,
    ) is None  # all or none, records included
    assert repo.create_relationships_batch(
        {"SPOUSE_OF": [{"from_id": "p1", "to_id": "p2", "properties": spouse, "active": True}]},
        {"SPOUSE_OF": shared}, batch_records(spouse["id"]), rules=spouse_rule, today=TODAY) == 0  # 0 clashes: written
    # The rules hold inside the write: the same pair, the other way round, clashes once;
    # a second primary contact at c1 clashes with the first; nothing is written.
    again = {**spouse, "id": "SPOUSE_OF-9"}
    assert repo.create_relationships_batch(
        {"SPOUSE_OF": [{"from_id": "p2", "to_id": "p1", "properties": again, "active": True}],
         "PRIMARY_CONTACT_AT": [{"from_id": "p2", "to_id": "c1", "properties": {"id": "PRIMARY_CONTACT_AT-9"}, "active": True}]},
        {"SPOUSE_OF": shared, "PRIMARY_CONTACT_AT": {"role": "primary_contact"}},
        batch_records("SPOUSE_OF-9", "PRIMARY_CONTACT_AT-9"),
        rules={**spouse_rule, "PRIMARY_CONTACT_AT": PairRule(symmetric=False, singular_role="primary_contact")},
        today=TODAY) == 2
    assert repo.get_relationship("SPOUSE_OF", "SPOUSE_OF-9") is None
    assert repo.audit_records({"target_id": "SPOUSE_OF-9"}, after=None, limit=10) == []
    assert repo.get_relationship("SPOUSE_OF", spouse["id"]).relationship.items() >= {**spouse, **shared}.items()
    [record] = repo.audit_records({"target_id": spouse["id"]}, after=None, limit=10)
    assert (record["actor_id"], record["target_kind"], record["changed"]) == ("t1", "relationship", ["id"])
    assert json.loads(record["after"]) == {"id": spouse["id"]}  # its own part, then its shape's tail
    assert repo.active_relationship_pairs(
        [{"from_id": "p2", "to_id": "p1", "type": "SPOUSE_OF", "symmetric": True}], today=TODAY
    ) == {("p2", "p1", "SPOUSE_OF")}
    assert repo.get_relationship("SPOUSE_OF", spouse["id"]).to_entity["id"] == "p2"
    assert {row.id for row in repo.analytics_entities()} >= {"p1", "p2"}
    p1 = repo.get_entity(K.person, "p1")
    assert [d.id for d in repo.likely_duplicates(K.person, {**p1, "id": "new", "name": p1["name"].upper()}, limit=5)] == ["p1"]
    active = repo.active_relationships("SPOUSE_OF", today=TODAY, with_ids=True, with_shares=True)
    assert active == ActiveRelationships(["p1 p2"], [None], [spouse["id"]], [None])  # none given: none stored
    stored_spouse = repo.get_relationship("SPOUSE_OF", spouse["id"]).relationship
    changed = repo.update_relationship("SPOUSE_OF", spouse["id"], {**spouse, "strength": 0.8}, symmetric=True,
                                       singular_role=None, active=True, today=TODAY, now="n", expected_version=1,
                                       before=stored_spouse, audit=_audit(spouse["id"], "update"))
    assert changed.updated and changed.relationship["strength"] == 0.8
    assert len(repo.list_relationships(after=None, limit=10, today=TODAY)) == 2
    assert {r.type for r in repo.entity_relationships("p1", today=TODAY)} == {"PRIMARY_CONTACT_AT", "SPOUSE_OF"}
    assert {r.neighbour["id"] for r in repo.neighbourhood(["p1"], today=TODAY, limit=10)} == {"c1", "p2"}
    detail = repo.client_detail("c1", today=TODAY)
    assert detail.owner["id"] == "t1" and [m["person"]["id"] for m in detail.members] == ["p1"]
    assert repo.delete_relationship("SPOUSE_OF", spouse["id"], expected_version=1, audit=_audit(spouse["id"], "delete")) is False
    assert repo.delete_relationship("SPOUSE_OF", spouse["id"], expected_version=2, audit=_audit(spouse["id"], "delete")) is True
    assert repo.delete_relationship("SPOUSE_OF", spouse["id"], expected_version=2, audit=_audit(spouse["id"], "delete")) is None
    assert [r["action"] for r in repo.audit_records({"target_id": spouse["id"]}, after=None, limit=10)] == [
        "create", "update", "delete"]
    refused = repo.delete_entity(K.team_member, "t1", cascade=False, now="n", expected_version=1, audits=[_audit("t1", "delete")])
    assert (refused.deleted, refused.unchanged, refused.owned_clients) == (False, True, 1)
    stale = repo.delete_entity(K.team_member, "t1", cascade=False, now="n", expected_version=2, audits=[_audit("t1", "delete")])
    assert not stale.deleted and not stale.unchanged
    c1 = repo.get_entity(K.client, "c1")
    cascade = {"cascade": True, "now": "n", "expected_version": 1, "audits": [_audit("t1", "delete"), _audit("c1", "update")]}
    moved = repo.delete_entity(K.team_member, "t1", holds={"owned": [f"c1:{c1['version'] - 1}"]}, **cascade)
    assert not moved.deleted and not moved.unchanged  # the owned client changed since it was read
    assert repo.delete_entity(K.team_member, "t1", holds={"owned": [f"c1:{c1['version']}"]}, **cascade).deleted
    assert "owner_id" not in repo.get_entity(K.client, "c1")
    assert [r["action"] for r in repo.audit_records({"target_id": "t1"}, after=None, limit=10)] == ["create", "delete"]
    assert repo.delete_entity(K.team_member, "t1", now="n", expected_version=1, audits=[], cascade=False) is None
    assert repo.health()
    _run_tier_queries(repo)
    _run_scoring_run_queries(repo)
    _run_bulk_transfer_queries(repo)
    _run_idempotency_queries(repo)
    _run_group_queries(repo)

    executed = _query_names(recording.ran, store.queries)
    missing = sorted(set(store.queries.names()) - executed)
    assert not missing, f"query files never executed: {missing}"


_audit_count = itertools.count(1)


def _audit(target_id: str, action: str = "create", *, note: str | None = None, kind: str = "entity") -> dict[str, Any]:
    """An audit record's properties; ids and instants increase with each call."""
    n = next(_audit_count)
    record = {"id": f"A{n:06d}", "at": f"2026-11-23T10:{n // 60 % 60:02d}:{n % 60:02d}.000Z", "actor_id": "t1",
              "actor_name": "Anna Shaw", "action": action, "target_kind": kind, "target_id": target_id, "changed": []}
    return record if note is None else {**record, "note": note}


def _run_access_queries(repo: PracticeRepository) -> None:
    """API keys, practice settings and the audit trail, with team member t1 (an adviser)."""
    key = {"id": "K1", "name": "laptop", "team_member_id": "t1", "hash": "h", "created_at": "n", "created_by": "t1"}
    assert repo.create_api_key("nobody", {**key, "id": "K0"}, _audit("K0", "issue_key")) is None
    assert repo.create_api_key("t1", key, _audit("K1", "issue_key")).team_member_name == "Anna Shaw"
    assert repo.active_admin_keys() == 0  # t1 is an adviser
    found = repo.api_key_caller("K1")
    assert found.api_key["hash"] == "h" and found.team_member["id"] == "t1" and found.visibility is None
    assert [member for member, _ in found.hierarchy] == ["t1"]
    assert repo.practice_settings() == {}
    assert repo.update_practice_settings({"visibility": "owner_hierarchy"}, _audit("practice", "update"))["visibility"] == "owner_hierarchy"
    assert repo.api_key_caller("K1").visibility == "owner_hierarchy"
    assert [row.api_key["id"] for row in repo.api_keys(team_member_id="t1", include_revoked=False, after=None, limit=5)] == ["K1"]
    assert "hash" not in repo.api_keys(team_member_id=None, include_revoked=False, after=None, limit=5)[0].api_key
    assert repo.revoke_api_key("K1", now="n2", revoked_by="t1", audit=_audit("K1", "revoke_key")).revoked
    assert not repo.revoke_api_key("K1", now="n3", revoked_by="t1", audit=_audit("K1", "revoke_key")).revoked
    assert repo.api_keys(team_member_id="t1", include_revoked=False, after=None, limit=5) == []
    assert [r["action"] for r in repo.audit_records({"target_id": "K1"}, after=None, limit=10)] == ["issue_key", "revoke_key"]
    at = {r["target_id"]: r["at"] for r in repo.audit_records({"action": "create", "target_kind": "entity"}, after=None, limit=10)}
    window = repo.audit_records({"from": at["t1"], "to": at["p1"]}, after=None, limit=10)
    assert [r["target_id"] for r in window] == ["t1", "c1"]


def _run_idempotency_queries(repo: PracticeRepository) -> None:
    """Claim, complete, release and take over an expired idempotency key record."""
    record = {"id": "K1:retry-1", "fingerprint": "f", "state": "in_progress", "claim": "c1", "created_at": "2026-11-23T10:00:00.000Z"}
    assert repo.claim_idempotency_key(record, expired_before="2026-11-22T10:00:00.000Z") is None
    held = repo.claim_idempotency_key({**record, "claim": "c2"}, expired_before="2026-11-22T10:00:00.000Z")
    assert (held["claim"], held["state"]) == ("c1", "in_progress")
    assert not repo.complete_idempotency_key("K1:retry-1", "c2", state="done", status=201, body="{}", headers="[]", now="n")
    assert repo.complete_idempotency_key("K1:retry-1", "c1", state="done", status=201, body='{"id": 1}', headers="[]", now="n")
    assert repo.claim_idempotency_key({**record, "claim": "c2"}, expired_before="2026-11-22T10:00:00.000Z")["body"] == '{"id": 1}'
    # Expired: taken over by the new claim, whose token alone may now release it.
    assert repo.claim_idempotency_key({**record, "claim": "c3"}, expired_before="2026-11-24T10:00:00.000Z") is None
    assert not repo.release_idempotency_key("K1:retry-1", "c1")
    assert repo.release_idempotency_key("K1:retry-1", "c3")
    assert repo.claim_idempotency_key({**record, "claim": "c4"}, expired_before="2026-11-22T10:00:00.000Z") is None
    assert repo.sweep_idempotency_keys(expired_before="2026-11-23T10:00:00.000Z", limit=10) == 0  # not yet
    assert repo.sweep_idempotency_keys(expired_before="2026-11-24T10:00:00.000Z", limit=10) == 1
    assert repo.claim_idempotency_key({**record, "claim": "c5"}, expired_before="2026-11-22T10:00:00.000Z") is None


def _run_bulk_transfer_queries(repo: PracticeRepository) -> None:
    """The queries of import, export, backup and restore, on the store left by the test above
    (client c1, people p1 and p2, p1 the primary contact of c1)."""
    pc_id = _relationship("PRIMARY_CONTACT_AT", 1, "membership")["id"]
    assert repo.singular_role_holders(["c1"], "primary_contact", today=TODAY, ignoring={pc_id}) == set()
    assert repo.active_relationship_pairs(
        [{"from_id": "p1", "to_id": "c1", "type": "PRIMARY_CONTACT_AT", "symmetric": False}], today=TODAY, ignoring={pc_id}
    ) == set()
    def load(note: str) -> dict[str, Any]:
        return _audit("load-1", "bulk_load", note=note)

    assert repo.create_entities(K.person, [_entity(K.person, "p3", "Rose Elliott", external_id="X-3")],
                                audit=load("people created")) == 1
    assert [e["id"] for e in repo.entities_by_external_id(["X-3", "nope"])] == ["p3"]
    rose = repo.get_entity(K.person, "p3")
    assert repo.update_entities([{"id": "p3", "version": 1, "properties": {**rose, "name": "Rosie Elliott", "version": 2}}],
                                audit=load("entities updated")) == 1
    assert repo.update_entities([{"id": "p3", "version": 1, "properties": {**rose, "version": 2}}],
                                audit=load("entities updated")) == 0  # stale
    assert repo.get_entity(K.person, "p3")["name"] == "Rosie Elliott"
    spouse = _relationship("SPOUSE_OF", 2, "family", external_id="R-1")
    rule = PairRule(symmetric=True)
    assert repo.create_relationships("SPOUSE_OF", [{"from_id": "p2", "to_id": "p3", "properties": spouse, "active": True},
                                                   {"from_id": "p2", "to_id": "missing", "properties": spouse, "active": True}],
                                     rule=rule, today=TODAY, audit=load("SPOUSE_OF relationships created")) == 1
    # Another writer's active relationship of the pair (either way round) keeps a row out.
    assert repo.create_relationships("SPOUSE_OF", [{"from_id": "p3", "to_id": "p2", "properties": {**spouse, "id": "SPOUSE_OF-7"},
                                                    "active": True}],
                                     rule=rule, today=TODAY, audit=load("SPOUSE_OF relationships created")) == 0
    found = repo.relationships_by_external_id("SPOUSE_OF", ["R-1"])
    assert [(r.from_id, r.to_id) for r in found] == [("p2", "p3")]
    assert repo.relationships_by_id("SPOUSE_OF", [spouse["id"]])[0].relationship["external_id"] == "R-1"
    assert repo.update_relationships("SPOUSE_OF", [{"id": spouse["id"], "version": 1, "active": False,
                                                    "properties": {**spouse, "until": "2020-01-01", "version": 2}}],
                                     rule=rule, today=TODAY, audit=load("SPOUSE_OF relationships updated")) == 1
    # One record per write that wrote something, saying how many (the stale update wrote none).
    assert [r["note"] for r in repo.audit_records({"target_id": "load-1"}, after=None, limit=10)] == [
        "1 people created", "1 entities updated", "1 SPOUSE_OF relationships created", "1 SPOUSE_OF relationships updated"]
    assert repo.relationships_by_id("SPOUSE_OF", [spouse["id"]])[0].relationship["until"] == "2020-01-01"
    assert repo.count_relationships_of_type("SPOUSE_OF") == 1
    # Several types at once: a directed type's pair counts one way round only, and an ended
    # relationship (the spouse above, until 2020) never clashes.
    assert repo.active_relationship_pairs([
        {"from_id": "p1", "to_id": "c1", "type": "PRIMARY_CONTACT_AT", "symmetric": False},
        {"from_id": "c1", "to_id": "p1", "type": "PRIMARY_CONTACT_AT", "symmetric": False},
        {"from_id": "p3", "to_id": "p2", "type": "SPOUSE_OF", "symmetric": True},
    ], today=TODAY) == {("p1", "c1", "PRIMARY_CONTACT_AT")}
    assert repo.practice_size() == (4, 2)
    first = repo.entities_page(after=None, limit=2)
    assert [e["id"] for e in first] == ["c1", "p1"]
    assert [e["id"] for e in repo.entities_page(after="p1", limit=5)] == ["p2", "p3"]
    outgoing = repo.outgoing_relationships(["p1", "p2"])
    assert sorted((r.type, r.from_external_id, r.to_external_id) for r in outgoing) == [
        ("PRIMARY_CONTACT_AT", "p1", "c1"), ("SPOUSE_OF", "p2", "X-3")]
    with repo.snapshot() as frozen:
        assert frozen.practice_size() == (4, 2)
    trail = len(repo.audit_records({}, after=None, limit=500))
    assert repo.delete_everything(limit=3, audit=load("records deleted")) == 3
    assert repo.delete_everything(limit=10_000, audit=load("records deleted")) > 0
    assert repo.delete_everything(limit=100, audit=load("records deleted")) == 0
    assert repo.practice_size() == (0, 0)
    # The audit trail stays, with a record of each deleting query; a restore adds back only
    # the records it lacks.
    kept = repo.audit_records({}, after=None, limit=500)
    assert len(kept) == trail + 2
    assert repo.restore_audit_records([kept[0], {**kept[0], "id": "A-restored"}], audit=load("audit records restored")) == 1
    assert len(repo.audit_records({}, after=None, limit=500)) == trail + 4
    assert repo.audit_records({"target_id": "load-1", "action": "bulk_load"}, after=None, limit=10)[-1]["note"] == (
        "1 audit records restored")


def test_first_lines_identify_query_files() -> None:
    """The mapping above relies on each file opening with its own comment line."""
    for dialect in ("falkordb", "neo4j"):
        library = QueryLibrary(dialect)
        firsts = [library._texts[name].splitlines()[0] for name in library.names()]
        assert all(line.startswith("// ") for line in firsts)
        assert len(set(firsts)) == len(firsts)


def test_every_query_file_is_used_by_the_code() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    names = {p.name.split(".")[0] for p in (ROOT / "cypher").glob("*.cypher")}
    unused = sorted(name for name in names if not re.search(rf"""self\._q\(\s*["']{name}["']""", source))
    assert not unused, f"query files no code runs: {unused}"


@pytest.mark.parametrize("bad", ["Client`) DETACH DELETE (n", "a b", "", "1abc", "x" * 64])
def test_unsafe_identifiers_never_reach_query_text(bad: str) -> None:
    from app.repositories.cypher import QueryTemplateError

    with pytest.raises(QueryTemplateError):
        QueryLibrary("falkordb")("get_entity", label=bad)


def _run_tier_queries(repo: PracticeRepository) -> None:
    """The queries of tier runs and the cycle of service, on client c1 (stage client, p1 its
    primary contact) and person p2; everything they add is removed again except records that
    are not entities."""
    referral = _relationship("REFERRER_OF", 1, "referral", since="2026-01-01")
    assert repo.create_relationship("REFERRER_OF", "p2", "c1", referral, symmetric=False, singular_role=None,
                                    active=True, today=TODAY, audit=_audit(referral["id"])).created
    [row] = repo.tier_clients(today=TODAY)
    assert row.client["id"] == "c1" and row.members == [
        {"id": "p1", "name": "John Elliott", "role": "primary_contact", "share": None}
    ]
    assert [(r.referrer_id, r.referred_id, r.since, r.stage) for r in repo.tier_referrals(today=TODAY)] == [
        ("p2", "c1", "2026-01-01", "client")]
    assert repo.delete_relationship("REFERRER_OF", referral["id"], expected_version=1, audit=_audit(referral["id"], "delete"))
    assert repo.tier_referrals(today=TODAY) == []

    runs = SuggestionRunRepository(repo.store, TIER_RUNS)
    suggestion = {"run_id": "tr1", "position": 1, "client_id": "c1", "suggested": "A", "differs": True, "details": "{}"}
    assert runs.create_run({"id": "tr1", "started_at": "2026-11-23T10:00:00Z"}, [suggestion], _audit("tr1")) == 1
    assert [run["id"] for run in runs.runs()] == ["tr1"] and runs.runs("nope") == []
    assert [s["client_id"] for s in runs.suggestions("tr1", after=0, limit=10, differing_only=True)] == ["c1"]
    assert runs.suggestions("tr1", after=1, limit=10) == []
    assert runs.suggestions("tr1", after=0, skip=1, limit=10) == []
    # c1 has no owner now: nobody with a restricted view sees it, nor counts it.
    assert runs.suggestion_counts("tr1", none="none", owners=["nobody"]) == []
    # Backup pages of a label keyed by a pair (run, position): one record a page, in order.
    assert runs.create_run({"id": "tr0", "started_at": "2026-11-22T10:00:00Z"},
                           [{**suggestion, "run_id": "tr0", "position": p} for p in (2, 1)], _audit("tr0")) == 2
    pages, last = [], None
    while page := repo.practice_records_page("TierSuggestion", after=last, limit=1):
        pages.append((page[0]["run_id"], page[0]["position"]))
        last = page[-1]
    assert pages == [("tr0", 1), ("tr0", 2), ("tr1", 1)]
    assert runs.delete_run("tr0", _audit("tr0", "delete")) == 2
    version = repo.get_entity(K.client, "c1")["version"]
    change = {"client_id": "c1", "from": None, "to": "A", "version": version, "audit": _audit("c1", "apply")}
    stale = {**change, "version": version - 1, "audit": _audit("c1", "apply")}
    assert runs.apply("tr1", "ta0", [stale], applied_by="t9", now="n") is None  # changed since it was read
    application = runs.apply("tr1", "ta1", [change], applied_by="t9", now="2026-11-23T10:00:01Z")
    assert (application["applied"], application["client_ids"], application["to_tiers"]) == (1, ["c1"], ["A"])
    assert (application["from_tiers"], application["applied_by"]) == ([""], "t9")
    assert repo.get_entity(K.client, "c1")["tier"] == "A"
    again = {**change, "version": version + 1, "audit": _audit("c1", "apply")}
    assert runs.apply("tr1", "ta2", [again], applied_by=None, now="n") is None  # no longer untiered
    assert [a["id"] for a in runs.applications()] == ["ta1"]
    assert len(repo.audit_records({"target_id": "c1", "action": "apply"}, after=None, limit=10)) == 1
    assert runs.delete_run("tr1", _audit("tr1", "delete")) == 1 and runs.runs() == []
    assert runs.delete_run("tr1", _audit("tr1", "delete")) is None
    assert [r["action"] for r in repo.audit_records({"target_id": "tr1"}, after=None, limit=10)] == ["create", "delete"]

    assert repo.service_templates() == []
    assert repo.save_service_template("AAA", {"tier": "AAA", "touches_per_year": 30}, before=None, audit=_audit("AAA"))
    assert repo.service_templates() == [{"tier": "AAA", "touches_per_year": 30}]
    assert not repo.save_service_template("AAA", {"tier": "AAA", "touches_per_year": 20}, before=None,
                                          audit=_audit("AAA", "update"))  # there is one now
    assert repo.save_service_template("AAA", {"tier": "AAA", "touches_per_year": 20},
                                      before={"tier": "AAA", "touches_per_year": 30}, audit=_audit("AAA", "update"))
    assert repo.service_templates() == [{"tier": "AAA", "touches_per_year": 20}]
    assert len(repo.audit_records({"target_id": "AAA"}, after=None, limit=10)) == 2

    touch = {"id": "tc1", "client_id": "c1", "date": "2026-03-01", "kind": "call"}
    assert repo.create_client_record(PracticeRecordKind.touch, touch, _audit("tc1"))["id"] == "tc1"
    assert repo.create_client_record(PracticeRecordKind.touch, {**touch, "id": "tc2", "team_member_id": "missing"}, _audit("tc2")) is None
    assert repo.create_client_record(PracticeRecordKind.service_request, {**touch, "id": "sr1", "client_id": "missing"}, _audit("sr1")) is None
    assert repo.create_client_record(PracticeRecordKind.service_request, {**touch, "id": "sr1", "kind": "question"}, _audit("sr1"))["kind"] == "question"
    assert [len(repo.audit_records({"target_id": i}, after=None, limit=10)) for i in ("tc1", "tc2", "sr1")] == [1, 0, 1]
    assert [t["id"] for t in repo.client_records(PracticeRecordKind.touch, client_id="c1", date_from="2026-01-01", date_to=TODAY)] == ["tc1"]
    assert repo.client_records(PracticeRecordKind.touch, client_id=None, date_from="2026-04-01", date_to=TODAY) == []
    assert len(repo.client_records(PracticeRecordKind.service_request, client_id=None, date_from="2026-01-01", date_to=TODAY)) == 1

    anniversary = {"id": "d1", "entity_id": "c1", "entity_kind": "client", "kind": "anniversary", "date": "2015-06-01"}
    assert repo.create_important_date("c1", anniversary, _audit("d1")).important_date["entity_kind"] == "client"
    assert repo.create_important_date("missing", {**anniversary, "id": "d2"}, _audit("d2")) is None
    assert repo.create_important_date("c1", {**anniversary, "id": "d2", "entity_kind": "person"}, _audit("d2")) is None
    assert repo.important_date("d1") == anniversary and repo.important_date("d2") is None
    jean = repo.get_entity(K.person, "p2")
    repo.update_entity(K.person, "p2", {**jean, "birth_date": "1970-09-30"}, [],
                       now="n", expected_version=1, before=jean, audit=_audit("p2", "update"))
    found = {(r.important_date["entity_id"], r.important_date["kind"], r.name) for r in repo.important_dates()}
    assert found == {("c1", "anniversary", "Elliott Household"), ("p2", "birthday", "Jean Elliott")}
    assert [r.important_date["id"] for r in repo.important_dates("c1")] == ["d1"]
    assert repo.delete_important_date("d1", _audit("d1", "delete"))
    assert not repo.delete_important_date("d1", _audit("d1", "delete"))
    assert [r["action"] for r in repo.audit_records({"target_id": "d1"}, after=None, limit=10)] == ["create", "delete"]
    assert repo.audit_records({"target_id": "d2"}, after=None, limit=10) == []
    repo.create_important_date("c1", {**anniversary, "id": "d3"}, _audit("d3"))
    _run_service_plan_queries(repo)
    owned = {(own.kind, own.record["id"]) for own in repo.entity_own_records("c1")}
    assert owned == {("touch", "tc1"), ("touch", "tc9"), ("touch", "tc11"), ("service_request", "sr1"),
                     ("important_date", "d3"), ("service_task", "st1")}


def _run_service_plan_queries(repo: PracticeRepository) -> None:
    """Service plans, tasks and the work queue on client c1 (p1 its primary contact, d3 its
    anniversary), with team members t5 and t6 (reporting to t5)."""
    for member in ("t5", "t6"):
        assert repo.create_entity(K.team_member, _entity(K.team_member, member, member.upper(), role="adviser",
                                                         **({"reports_to_id": "t5"} if member == "t6" else {})),
                                  [], _audit(member))
    assert [(m.id, m.reports_to_id) for m in repo.team_hierarchy()] == [("t5", None), ("t6", "t5")]
    assert [(m.id, m.name, m.reports_to_id) for m in repo.team_subtree("t5")] == [("t5", "T5", None), ("t6", "T6", "t5")]
    assert [m.id for m in repo.team_subtree("t6")] == ["t6"] and repo.team_subtree("c1") == []
    [row] = repo.service_plan_inputs(["c1", "nobody"], today=TODAY)
    assert (row.client["id"], [p["id"] for p in row.people], row.tasks, row.last_review) == ("c1", ["p1"], [], None)
    assert "c1" in repo.service_plan_clients() and "p1" not in repo.service_plan_clients()
    assert [r.important_date["id"] for r in repo.yearly_dates(["c1", "p1"])] == ["d3"]
    version = repo.get_entity(K.client, "c1")["version"]
    task = {"id": "st1", "key": "c1/touch:2027:1", "client_id": "c1", "kind": "touch", "due": "2027-01-16",
            "assignee_id": "t6", "status": "open", "source": "s", "version": 1}
    other = {**task, "id": "st2", "key": "c1/touch:2027:2", "due": "2027-02-15"}
    write = {"client_id": "c1", "client_version": version, "held": [], "create": [task, other], "update": [], "delete": [],
             "audit": _audit("c1", "update", kind="service_plan")}
    assert repo.write_service_plans([{**write, "client_version": version - 1}]) == ["c1"]  # changed since read
    assert repo.write_service_plans([write]) == []
    assert repo.write_service_plans([write]) == ["c1"]  # it holds tasks now: nothing written twice
    assert [t["id"] for t in repo.service_tasks("c1")] == ["st1", "st2"]
    held = ["st1:1", "st2:1"]
    moved = {**task, "due": "2027-01-20", "version": 2}
    assert repo.write_service_plans([{**write, "held": held, "create": [], "update": [moved], "delete": ["st2"],
                                      "audit": _audit("c1", "update", kind="service_plan")}]) == []
    assert repo.service_tasks("c1") == [moved] and repo.service_tasks("c1", status="done") == []
    assert len(repo.audit_records({"target_id": "c1", "target_kind": "service_plan"}, after=None, limit=10)) == 2
    assert repo.service_task("st1").client == {"id": "c1", "name": "Elliott Household", "owner_id": None}
    window = {"kind": None, "client_id": None, "today": "2027-01-20", "week_end": "2027-01-24", "horizon": "2027-02-20",
              "listed": (None, "2027-02-20"), "after": None, "limit": 5}
    queue = repo.work_queue(["t5", "t6"], **window)
    assert queue["counts"] == {"overdue": 0, "this_week": 1, "coming_up": 0}
    assert [(r["task"], r["client_name"]) for r in queue["rows"]] == [(moved, "Elliott Household")]
    assert repo.work_queue(["t5"], **window) == {"counts": {"overdue": 0, "this_week": 0, "coming_up": 0}, "rows": []}
    hidden = repo.work_queue(["t6"], **window, owners=["t5"])  # c1 has no owner
    assert hidden == {"counts": {"overdue": 0, "this_week": 0, "coming_up": 0}, "rows": []}
    assert repo.work_queue(["t6"], **{**window, "after": ("2027-01-20", "st1")})["rows"] == []
    assert repo.work_queue(["t6"], **{**window, "listed": ("2027-01-21", "2027-02-20")})["rows"] == []
    reassigned = {**moved, "assignee_id": "t5", "version": 3}
    assert not repo.change_service_task("st1", version=2, properties=reassigned, new_assignee="nobody",
                                        audit=_audit("st1", "update")).allowed
    assert not repo.change_service_task("st1", version=1, properties=reassigned, new_assignee="t5",
                                        audit=_audit("st1", "update")).unchanged
    assert repo.change_service_task("st1", version=2, properties=reassigned, new_assignee="t5",
                                    audit=_audit("st1", "update")).task == reassigned
    done = {**reassigned, "status": "done", "version": 4}
    touch = {"id": "tc9", "client_id": "c1", "date": "2027-01-21", "kind": "call", "team_member_id": "t5"}
    assert repo.complete_service_task("missing", version=3, properties=done, touch=touch, audit=_audit("st1", "update")) is None
    completed = repo.complete_service_task("st1", version=3, properties=done, touch=touch, audit=_audit("st1", "update"))
    assert completed.allowed and completed.task["status"] == "done"
    assert not repo.complete_service_task("st1", version=4, properties=done, touch={**touch, "id": "tc10"},
                                          audit=_audit("st1", "update")).unchanged  # done already
    assert [t["id"] for t in repo.client_records(PracticeRecordKind.touch, client_id="c1", date_from="2027-01-01", date_to="2027-12-31")] == ["tc9"]
    assert [r["action"] for r in repo.audit_records({"target_id": "st1"}, after=None, limit=10)] == ["update", "update"]
    [row] = repo.service_plan_inputs(["c1"], today=TODAY)
    assert [t["id"] for t in row.tasks] == ["st1"]
    repo.create_client_record(PracticeRecordKind.touch, {**touch, "id": "tc11", "kind": "review"}, _audit("tc11"))
    assert repo.service_plan_inputs(["c1"], today=TODAY)[0].last_review == "2027-01-21"
    for member in ("t6", "t5"):
        assert repo.delete_entity(K.team_member, member, cascade=False, now="n", expected_version=1,
                                  audits=[_audit(member, "delete")]).deleted


def _run_scoring_run_queries(repo: PracticeRepository) -> None:
    """The queries that store, read and apply influence scoring runs."""
    runs = SuggestionRunRepository(repo.store, SCORING_RUNS)
    assert runs.create_run({"id": "run1", "status": "storing", "started_at": "2026-11-23T10:00:00Z"}, [],
                           _audit("run1")) == 0
    assert runs.runs() == []  # not listed until complete
    rows = [
        {"run_id": "run1", "position": 1, "position_key": "run1:000000001", "entity_id": "p1",
         "suggested": "critical", "differs": True, "details": "{}"},
        {"run_id": "run1", "position": 2, "position_key": "run1:000000002", "entity_id": "p2",
         "differs": False, "details": "{}"},
    ]
    assert runs.store_suggestions(rows) == 2
    assert runs.complete_run("run1", now="2026-11-23T10:00:01Z")["status"] == "complete"
    assert [run["id"] for run in runs.runs()] == ["run1"]
    assert [s["entity_id"] for s in runs.suggestions_by_key(["run1:000000002", "run1:000000001"])] == ["p1", "p2"]
    assert [s["run_id"] for s in repo.entity_influence_scores("p1")] == ["run1"]
    assert [s["entity_id"] for s in runs.suggestions("run1", after=0, limit=10, differing_only=True)] == ["p1"]
    assert [s["entity_id"] for s in runs.suggestions("run1", after=0, limit=10)] == ["p1", "p2"]
    # p1 is the primary contact of c1, which has no owner; p2 is related to no client.
    assert [s["entity_id"] for s in runs.suggestions("run1", after=0, skip=0, limit=10, owners=["nobody"])] == ["p2"]
    assert runs.suggestion_counts("run1", none="none", owners=["nobody"]) == [
        SuggestionCount(suggested="none", differs=False, subjects=1)]
    assert {"p2"} <= repo.visible_clients_and_people(["nobody"]) and not {"p1", "c1"} & repo.visible_clients_and_people(["nobody"])
    version = repo.get_entity(K.person, "p1")["version"]
    change = {"entity_id": "p1", "from": None, "to": "critical", "version": version, "audit": _audit("p1", "apply")}
    application = runs.apply("run1", "app1", [change], applied_by=None, now="2026-11-23T10:00:02Z")
    assert (application["applied"], application["entity_ids"], application["to_segments"]) == (1, ["p1"], ["critical"])
    assert "applied_by" not in application  # no property for no one
    assert repo.get_entity(K.person, "p1")["influencer_segment"] == "critical"
    again = {**change, "version": version + 1, "audit": _audit("p1", "apply")}
    assert runs.apply("run1", "app2", [again], applied_by=None, now="n") is None  # no longer at its old segment
    assert len(repo.audit_records({"target_id": "p1", "action": "apply"}, after=None, limit=10)) == 1
    assert [a["id"] for a in runs.applications()] == ["app1"]
    records = repo.practice_records_page("ScoringRun", after=None, limit=10)
    assert [r["id"] for r in records] == ["run1"]
    assert repo.practice_records_page("ScoringRun", after=records[0], limit=10) == []
    assert repo.create_practice_records("Touch", [{"id": "t-1", "client_id": "c1", "date": "2026-11-01"}],
                                        audit=_audit("restore-1", "bulk_load", note="Touch records restored")) == 1
    assert "t-1" in [r["id"] for r in repo.practice_records_page("Touch", after=None, limit=10)]
    assert repo.audit_records({"target_id": "restore-1"}, after=None, limit=10)[0]["note"] == "1 Touch records restored"
    assert runs.delete_run("run1", _audit("run1", "delete")) == 2
    assert runs.delete_run("run1", _audit("run1", "delete")) is None
    assert [r["action"] for r in repo.audit_records({"target_id": "run1"}, after=None, limit=10)] == ["create", "delete"]
    assert runs.runs() == []


def _run_group_queries(repo: PracticeRepository) -> None:
    """Groups and mailings: household h1 (owned by nobody) with its primary contact q1 and a
    newsletter task, q2 related to no client."""
    repo.seed_relationship_types([{  # the store was emptied above
        "code": "PRIMARY_CONTACT_AT", "phrase": "a Primary Contact at", "reverse_phrase": "has Primary Contact",
        "category": "membership", "role": "primary_contact", "from_kinds": ["person"], "to_kinds": ["client"]}],
        _audit("seed", "bulk_load", note="types added"))
    household = {**_entity(K.client, "h1", "Reid Household"), "kind": "household"}
    assert repo.create_entity(K.client, household, [], _audit("h1"))
    for pid in ("q1", "q2"):
        assert repo.create_entity(K.person, _entity(K.person, pid, pid.upper()), [], _audit(pid))
    membership = _relationship("PRIMARY_CONTACT_AT", 77, "membership", role="primary_contact")
    assert repo.create_relationship("PRIMARY_CONTACT_AT", "q1", "h1", membership, symmetric=False, singular_role=None,
                                    active=True, today=TODAY, audit=_audit(membership["id"])).created
    task = {"id": "st7", "key": "h1/newsletter:2027:1", "client_id": "h1", "kind": "newsletter", "due": "2027-02-15",
            "status": "open", "source": "s", "subject_id": "q1", "version": 1}
    assert repo.write_service_plans([{"client_id": "h1", "client_version": 1, "held": [], "create": [task], "update": [],
                                      "delete": [], "audit": _audit("h1", "update", kind="service_plan")}]) == []
    groups = GroupRepository(repo.store)
    group = {"id": "g1", "name": "Friends", "name_key": "friends", "member_ids": ["q1"], "version": 1}
    assert groups.create_group(group, ["q1", "missing"], _audit("g1", kind="group")) == GroupCreation(found=False, fresh=True)
    assert groups.create_group(group, ["q1"], _audit("g1", kind="group")) == GroupCreation(found=True, fresh=True)
    assert groups.create_group({**group, "id": "g2"}, [], _audit("g2", kind="group")) == GroupCreation(found=True, fresh=False)
    assert groups.get_group("g1") == group and groups.get_group("g2") is None
    assert groups.list_groups(after=None, limit=5) == [group] and groups.list_groups(after="g1", limit=5) == []
    changed = {**group, "member_ids": ["q1", "q2"], "version": 2}
    stale = groups.update_group("g1", changed, ["q2"], before={**group, "version": 0}, audit=_audit("g1", "update"))
    assert (stale.fresh, stale.found, stale.unchanged) == (True, True, False)
    assert groups.update_group("g1", changed, ["q2"], before=group, audit=_audit("g1", "update")).group == changed
    assert groups.update_group("missing", changed, [], before=group, audit=_audit("g1", "update")) is None
    assert [e["id"] for e in groups.picked_members("g1", after=None, limit=5)] == ["q1", "q2"]
    assert [e["id"] for e in groups.picked_members("g1", after="q1", limit=5)] == ["q2"]
    assert [e["id"] for e in groups.picked_members("g1", after=None, limit=5, owners=["t9"])] == ["q2"]  # q1: h1's
    assert [g["id"] for g in groups.groups_holding("q2")] == ["g1"] and groups.groups_holding("h1") == []
    assert groups.count_selected(K.client, {"kind": "household"}) == 1
    assert groups.count_selected(K.client, {"kind": "household"}, owners=["t9"]) == 0  # h1 has no owner
    assert groups.count_selected(K.client, {"kind": "household", "tier": "A"}) == 0
    held = [(r.person["id"], r.client["id"], r.role) for r in groups.household_memberships(people=["q1"], today=TODAY)]
    assert held == [("q1", "h1", "primary_contact")]
    assert [r.person["id"] for r in groups.household_memberships(households=["h1"], today=TODAY)] == ["q1"]
    assert groups.household_memberships(people=["q1"], households=["h1"], today=TODAY, owners=["t9"]) == []
    tasks = groups.mailing_tasks(kind="newsletter", start="2027-01-01", end="2027-12-31", status="open")
    assert [(r.task["id"], r.client["id"], r.subject["id"]) for r in tasks] == [("st7", "h1", "q1")]
    assert groups.mailing_tasks(kind="newsletter", start="2027-03-01", end="2027-12-31", status=None) == []
    assert groups.mailing_tasks(kind="newsletter", start="2027-01-01", end="2027-12-31", status="done") == []
    assert groups.mailing_tasks(kind="newsletter", start="2027-01-01", end="2027-12-31", status=None, owners=["t9"]) == []
    assert groups.delete_group("g1", expected_version=1, audit=_audit("g1", "delete")) is False
    assert groups.delete_group("g1", expected_version=2, audit=_audit("g1", "delete")) is True
    assert groups.delete_group("g1", expected_version=2, audit=_audit("g1", "delete")) is None
    assert [r["action"] for r in repo.audit_records({"target_id": "g1"}, after=None, limit=10)] == ["create", "update", "delete"]
