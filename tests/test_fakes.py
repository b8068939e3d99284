"""The in-memory ``FakePractice`` (tests/fakes.py) answers as the real repository does, on
both stores: the same practice written to each, the same questions asked of each. So the
unit tests that use the fake test the services against what the queries really answer."""

from __future__ import annotations

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.audit import AuditAction, audit_record
from app.domain.model import EntityKind as K
from app.domain.model import PracticeRecordKind
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.catalogue import CatalogueService
from tests.fakes import FakePractice

TODAY = "2026-06-01"


def _practice() -> FakePractice:
    practice = FakePractice()
    practice.add(K.team_member, "t1", external_id="T-1")
    practice.add(K.team_member, "t2")
    practice.add(K.client, "c1", "Birch", owner_id="t1", stage="client", external_id="C-1")
    practice.add(K.client, "c2", "Alder", owner_id="t2", stage="prospect")
    practice.add(K.client, "c3", "Cedar")
    for person in ("p1", "p2", "p3", "p4", "p5"):
        practice.add(K.person, person, external_id=f"P-{person}")
    practice.add(K.provider, "v1")
    practice.relate("PRIMARY_CONTACT_AT", "p1", "c1", since="2020-01-01", external_id="M-1")
    practice.relate("PARTNER_CONTACT_AT", "p2", "c1", until="2025-01-01")  # ended
    practice.relate("PRIMARY_CONTACT_AT", "p2", "c2", since="2027-01-01")  # upcoming
    practice.relate("DEPENDANT_IN", "p3", "c2")
    practice.relate("SPOUSE_OF", "p1", "p2", external_id="R-1")
    practice.relate("SPOUSE_OF", "p3", "p4", until="2026-01-01")
    practice.relate("REFERRER_OF", "p1", "c2", since="2026-02-01")
    practice.relate("REFERRER_OF", "c1", "p4")
    practice.relate("REFERRER_OF", "p3", "c3", since="2025-01-01", until="2026-01-01")  # ended
    practice.relate("ACQUAINTANCE_OF", "p5", "t1")
    practice.create_client_record(PracticeRecordKind.touch, {"id": "tc1", "client_id": "c1", "date": "2026-03-01"}, {})
    practice.create_client_record(PracticeRecordKind.touch, {"id": "tc2", "client_id": "c2", "date": "2025-03-01"}, {})
    return practice


def _written(fake: FakePractice, store: GraphStore) -> PracticeRepository:
    """The fake's practice written to the store through the real repository."""
    repo = PracticeRepository(store)
    CatalogueService(repo, LOCAL_OPERATOR).seed_defaults()

    def audit(kind: str, target: str) -> dict:
        return audit_record(LOCAL_OPERATOR, AuditAction.create, kind, target, before=None, after=None, now=TODAY)

    for entity in fake.entities.values():
        assert repo.create_entity(K(entity["entity_kind"]), entity, [], audit("entity", entity["id"]))
    for r in fake.relationships.values():
        spec = fake.type_spec(r["type"])
        assert repo.create_relationship(r["type"], r["from_id"], r["to_id"], r["relationship"], symmetric=spec.symmetric,
                                        singular_role=None, active=False, today=TODAY,
                                        audit=audit("relationship", r["relationship"]["id"])).created
    for label, records in fake.records.items():
        for record in records:
            assert repo.create_client_record(label, record, audit(label, record["id"]))
    return repo


def _answers(repo) -> dict:
    ids = ["c1", "c2", "c3", "p1", "p2", "p3", "p4", "p5", "t1", "v1", "missing"]
    pairs = [{"from_id": f, "to_id": t, "type": code, "symmetric": symmetric} for f, t, code, symmetric in (
        ("p1", "p2", "SPOUSE_OF", True), ("p2", "p1", "SPOUSE_OF", True), ("p3", "p4", "SPOUSE_OF", True),
        ("c2", "p1", "REFERRER_OF", False), ("p1", "c2", "REFERRER_OF", False))]
    return {
        "visible": {owners: sorted(repo.visible_entities(ids, set(owners) if owners != "all" else None))
                    for owners in ("all", ("t1",), ("t2",), ())},
        "clients and people": {owners: sorted(repo.visible_clients_and_people(set(owners)))
                               for owners in (("t1",), ("t2",), ())},
        "pairs": sorted(repo.active_relationship_pairs(pairs, today=TODAY)),
        "pairs ignoring": sorted(repo.active_relationship_pairs(
            pairs, today=TODAY, ignoring={r.relationship["id"] for r in repo.relationships_by_external_id("SPOUSE_OF", ["R-1"])})),
        "role holders": sorted(repo.singular_role_holders(["c1", "c2", "c3"], "primary_contact", today=TODAY)),
        "entities": sorted(e["id"] for e in repo.get_entities(ids).values()),
        "entity": [repo.get_entity(K.client, "c1")["name"], repo.get_entity(K.person, "c1")],
        "by external id": sorted(e["id"] for e in repo.entities_by_external_id(["C-1", "P-p1", "T-1", "nope"])),
        "relationships by external id": [(r.from_id, r.to_id) for r in repo.relationships_by_external_id(
            "PRIMARY_CONTACT_AT", ["M-1", "R-1"])],
        "relationships by id": len(repo.relationships_by_id("SPOUSE_OF", [r.relationship["id"] for r in
                                                                         repo.relationships_by_external_id("SPOUSE_OF", ["R-1"])])),
        "count": [repo.count_relationships_of_type(code) for code in ("SPOUSE_OF", "REFERRER_OF", "SIBLING_OF")],
        "tier clients": [(row.client["id"], sorted((m["id"], m["role"]) for m in row.members))
                         for row in repo.tier_clients(today=TODAY)],
        "tier referrals": sorted((r.referrer_id, r.referred_id, r.since, r.kind, r.stage)
                                 for r in repo.tier_referrals(today=TODAY)),
        "touches": [r["id"] for r in repo.client_records(PracticeRecordKind.touch, client_id=None, date_from="2025-06-01", date_to=TODAY)],
        "types": sorted(t["code"] for t in repo.relationship_types()),
        "categories": [(c["list"], c["code"]) for c in repo.categories()],
    }


def test_the_fake_answers_as_the_store_does(store: GraphStore) -> None:
    fake = _practice()
    expected = _answers(_written(fake, store))
    assert _answers(fake) == expected
    # Not a comparison of two empty answers:
    assert expected["visible"][("t1",)] == ["c1", "p1", "p2", "p4", "p5", "t1", "v1"]
    assert expected["pairs"] == [("p1", "c2", "REFERRER_OF"), ("p1", "p2", "SPOUSE_OF"), ("p2", "p1", "SPOUSE_OF")]


@pytest.mark.parametrize("code", ["SPOUSE_OF", "PRIMARY_CONTACT_AT"])
def test_the_fake_knows_the_default_catalogue(code: str) -> None:
    assert FakePractice().type_spec(code).code == code


def _audit(n: int, action: AuditAction, target_kind: PracticeRecordKind, target_id: str) -> dict:
    """An audit record's properties: ids and instants increase with ``n``."""
    return {"id": f"A{n:06d}", "at": f"2026-11-23T10:00:{n:02d}.000Z", "actor_id": "a1", "actor_name": "Ada Admin",
            "action": action.value, "target_kind": target_kind.value, "target_id": target_id, "changed": ["revoked_at"]}


def _key_writes(repo) -> dict:
    """API keys issued and revoked and the practice's visibility set, the same on either: what each answers."""
    answers: dict = {"settings before": repo.practice_settings(), "admin keys": [repo.active_admin_keys()]}
    issued = []
    for n, (member, key_id) in enumerate((("nobody", "K0"), ("a1", "K1"), ("t1", "K2"), ("t1", "K3"), ("t3", "K4"),
                                          ("c1", "K5")), start=1):
        key = {"id": key_id, "name": f"key {n}", "team_member_id": member, "hash": f"h{n}", "created_at": f"n{n}",
               "created_by": "a1"}
        row = repo.create_api_key(member, key, _audit(n, AuditAction.issue_key, PracticeRecordKind.api_key, key_id))
        issued.append(row and (row.api_key, row.team_member_name))
    answers["issued"] = issued
    answers["admin keys"].append(repo.active_admin_keys())
    answers["settings"] = repo.update_practice_settings(
        {"visibility": "owner_hierarchy", "updated_at": "n7"},
        _audit(7, AuditAction.update, PracticeRecordKind.practice_settings, "practice"))
    revoked = []
    for n, key_id in enumerate(("K2", "K2", "K9", "K1"), start=8):
        row = repo.revoke_api_key(key_id, now=f"n{n}", revoked_by="a1",
                                  audit=_audit(n, AuditAction.revoke_key, PracticeRecordKind.api_key, key_id))
        revoked.append(row and (row.revoked, row.api_key))
    answers["revoked"] = revoked
    answers["admin keys"].append(repo.active_admin_keys())
    return answers


def _key_reads(repo) -> dict:
    def holder(key_id: str):
        row = repo.api_key_caller(key_id)
        return row and (row.api_key, row.team_member, row.visibility, sorted(row.hierarchy))

    listings = ((None, False, None, 10), (None, True, None, 10), ("t1", True, None, 10), (None, True, "K1", 2),
                ("t3", False, None, 10))
    trails = (({"target_kind": "api_key"}, None, 10), ({"target_id": "K2"}, None, 10),
              ({"actor_id": "a1", "action": "revoke_key"}, None, 10), ({"target_kind": "api_key"}, "A000003", 2),
              ({"from": "2026-11-23T10:00:03.000Z", "to": "2026-11-23T10:00:08.000Z"}, None, 10))
    return {
        "holders": {key_id: holder(key_id) for key_id in ("K1", "K3", "K4", "K9")},
        "listed": [[(row.api_key, row.team_member_name, row.role) for row in repo.api_keys(
            team_member_id=member, include_revoked=revoked, after=after, limit=limit)]
            for member, revoked, after, limit in listings],
        "audit": [[record["id"] for record in repo.audit_records(filters, after=after, limit=limit)]
                  for filters, after, limit in trails],
        "records": repo.audit_records({"actor_id": "a1"}, after=None, limit=20),
        "settings": repo.practice_settings(),
    }


def test_the_fake_keeps_api_keys_settings_and_their_audit_as_the_store_does(store: GraphStore) -> None:
    fake = FakePractice()
    fake.add(K.team_member, "a1", "Ada Admin", role="admin")
    fake.add(K.team_member, "t1", "Anna Shaw", role="adviser", reports_to_id="a1")
    fake.add(K.team_member, "t2", "Tom Reid", role="analyst", reports_to_id="t1")
    fake.add(K.team_member, "t3", "Gone Soon", role="adviser")
    fake.add(K.client, "c1", "Birch", owner_id="t1")
    repo = _written(fake, store)
    expected = _key_writes(repo)
    assert _key_writes(fake) == expected
    del fake.entities["t3"]
    gone = audit_record(LOCAL_OPERATOR, AuditAction.delete, "team_member", "t3", before=None, after=None, now=TODAY)
    assert repo.delete_entity(K.team_member, "t3", cascade=False, now=TODAY, expected_version=1, audits=[gone]).deleted
    expected_reads = _key_reads(repo)
    assert _key_reads(fake) == expected_reads
    # Not a comparison of two empty answers:
    assert expected["admin keys"] == [0, 1, 0]
    assert [row and row[1] for row in expected["issued"]] == [
        None, "Ada Admin", "Anna Shaw", "Anna Shaw", "Gone Soon", None]
    assert [row and row[0] for row in expected["revoked"]] == [True, False, None, True]
    assert expected_reads["holders"]["K4"][1] is None and expected_reads["holders"]["K3"][2] == "owner_hierarchy"
    assert [len(listed) for listed in expected_reads["listed"]] == [2, 4, 2, 2, 1]
    assert expected_reads["audit"][2:] == [["A000008", "A000011"], ["A000004", "A000005"],
                                           ["A000003", "A000004", "A000005", "A000007"]]


def _catalogue_writes(repo) -> dict:
    """The catalogue's writes, made and refused (in use, misfits, changed meanwhile, unknown),
    then the catalogue as they left it."""
    def audit(kind: str, target: str, action: AuditAction = AuditAction.update) -> dict:
        return audit_record(LOCAL_OPERATOR, action, kind, target, before=None, after=None, now=TODAY)

    def entry(code: str) -> dict:
        return repo.relationship_types(code)[0]

    def category(key: str) -> dict:
        return next(c for c in repo.categories() if c["key"] == key)

    cousin = {"code": "COUSIN_OF", "phrase": "the Cousin of", "reverse_phrase": "is the Cousin of",
              "category": "family", "from_kinds": ["person"], "to_kinds": ["person"], "weight": 0.5, "role": None,
              "description": "Kin"}
    created = [repo.create_relationship_type(cousin, audit("relationship_type", "COUSIN_OF", AuditAction.create))
               for _ in range(2)]

    def update(code: str, changes: dict, *, symmetric: bool, before: dict | None = None, **kinds: list[str]):
        stored = entry(code)
        kinds = {"from_kinds": stored["from_kinds"], "to_kinds": stored["to_kinds"], **kinds}
        return repo.update_relationship_type(code, changes, **kinds, symmetric=symmetric, before=before or stored,
                                             audit=audit("relationship_type", code))

    updates = [
        update("REFERRER_OF", {"to_kinds": ["client"]}, symmetric=False, to_kinds=["client"]),  # c1 -> p4 misfits
        update("REFERRER_OF", {"weight": 2.0}, symmetric=False, to_kinds=["client"]),  # kinds kept: not counted
        update("ACQUAINTANCE_OF", {"from_kinds": ["team_member"], "to_kinds": ["person"]}, symmetric=False,
               from_kinds=["team_member"], to_kinds=["person"]),  # p5 -> t1 only fits the other way round
        update("ACQUAINTANCE_OF", {"from_kinds": ["team_member"], "to_kinds": ["person"]}, symmetric=True,
               from_kinds=["team_member"], to_kinds=["person"]),
        update("COUSIN_OF", {"weight": 0.9}, symmetric=True, before={**cousin, "weight": 0.4}),  # stale
        update("COUSIN_OF", {"weight": 0.9, "description": None}, symmetric=True),  # a null clears
        repo.update_relationship_type("NOPE_OF", {"weight": 1.0}, from_kinds=["person"], to_kinds=["person"],
                                      symmetric=True, before=cousin, audit=audit("relationship_type", "NOPE_OF")),
        # Now team member to person, symmetric: p5 -> t1 fits only while the type stays symmetric.
        update("ACQUAINTANCE_OF", {"reverse_phrase": "is known by"}, symmetric=False),
        update("ACQUAINTANCE_OF", {"phrase": "a Friend of", "reverse_phrase": "is a Friend of"}, symmetric=True),
    ]
    deletions = [repo.delete_relationship_type(code, before=before,
                                               audit=audit("relationship_type", code, AuditAction.delete))
                 for code, before in (("SPOUSE_OF", entry("SPOUSE_OF")), ("COUSIN_OF", cousin),
                                      ("COUSIN_OF", entry("COUSIN_OF")), ("COUSIN_OF", cousin))]

    def new(code: str, **extra) -> dict:
        return {"key": f"stages:{code}", "list": "stages", "code": code, "label": code.title(), **extra}

    creations = [repo.create_category(properties, next_position=next_position,
                                      audit=audit("category", properties["key"], AuditAction.create))
                 for properties, next_position in (
                     (new("lapsed", position=3), 3),  # the list ends at 4: stale
                     (new("lapsed", position=4), 4), (new("archived", position=0), None),
                     (new("lapsed", position=9), None))]
    category_updates = [
        repo.update_category("stages:client", {"label": "Won"}, before=category("stages:prospect"),
                             audit=audit("category", "stages:client")),  # stale
        repo.update_category("segments:A", {"label": "Top", "description": None}, before=category("segments:A"),
                             audit=audit("category", "segments:A")),
        repo.update_category("stages:nope", {"label": "Nope"}, before={}, audit=audit("category", "stages:nope")),
    ]
    category_deletions = [
        repo.delete_category(key, field, before=before, audit=audit("category", key, AuditAction.delete))
        for key, field, before in (("stages:client", "stage", category("stages:client")),
                                   ("segments:D", "segment", category("segments:A")),
                                   ("segments:D", "segment", category("segments:D")),
                                   ("segments:D", "segment", {}))]
    return {"created": created, "updates": updates, "deletions": deletions, "creations": creations,
            "category updates": category_updates, "category deletions": category_deletions,
            "types": repo.relationship_types(), "categories": repo.categories()}


def test_the_fakes_catalogue_writes_answer_as_the_stores_do(store: GraphStore) -> None:
    """Each catalogue write the fake takes answers as the real repository's query does on each
    store, refusals included, and the catalogue reads the same after them."""
    fake = _practice()
    expected = _catalogue_writes(_written(fake, store))
    assert _catalogue_writes(fake) == expected
    # Hand-checked, so not two answers equally wrong:
    assert expected["created"] == [True, False]
    assert [(u.misfits, u.unchanged) if u else None for u in expected["updates"]] == [
        (1, True), (0, True), (1, True), (0, True), (0, False), (0, True), None, (1, True), (0, True)]
    assert expected["updates"][5].relationship_type["weight"] == 0.9
    assert "description" not in expected["updates"][5].relationship_type and expected["updates"][6] is None
    assert [(d.uses, d.unchanged) if d else None for d in expected["deletions"]] == [
        (2, True), (0, False), (0, True), None]
    assert [(c.fresh, c.unchanged) for c in expected["creations"]] == [
        (True, False), (True, True), (True, True), (False, True)]
    assert [(d.uses, d.unchanged) if d else None for d in expected["category deletions"]] == [
        (1, True), (0, False), (0, True), None]
    assert [c["code"] for c in expected["categories"] if c["list"] == "stages"] == [
        "archived", "prospect", "client", "inactive", "for_sale", "lapsed"]
