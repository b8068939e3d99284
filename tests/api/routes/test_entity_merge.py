"""POST /people/{id}/merge and /clients/{id}/merge (app/api/routes/entities.py): a duplicate's
relationships, records and missing fields go to the entity kept, in one audited write, or
nothing changes."""

from __future__ import annotations

import pytest

from api.helpers import (
    added_records,
    audit_ids,
    create_client,
    create_person,
    create_provider,
    create_team_member,
    client_for_role,
    everything,
    get,
    ids,
    issue_key,
    as_caller,
    ok,
    problem,
    relate,
    snapshot,
)
from app.repositories.practice import PracticeRepository

PAST = "2020-01-01"


def merge(client, path: str, kept_id: str, duplicate_id: str, status: int = 200, **body):
    response = client.post(f"/{path}/{kept_id}/merge", json={"duplicate_id": duplicate_id, **body})
    return ok(response) if status == 200 else problem(response, status)


def relationship_ends(client, relationship_id: str) -> tuple[str, str]:
    found = get(client, f"/relationships/{relationship_id}")
    return found["from_entity"]["id"], found["to_entity"]["id"]


def test_a_client_merge_moves_relationships_and_records_fills_empty_fields_and_is_audited(client):
    anna = create_team_member(client)
    kept = create_client(client, "Elliott Household", stage="client", notes="Kept notes")
    duplicate = create_client(client, "elliott household", segment="A", annual_revenue=5000.0, owner_id=anna["id"],
                              stage="prospect", notes="Duplicate notes")
    john, jean, tom = (create_person(client, first, "Elliott") for first in ("John", "Jean", "Tom"))
    other = create_client(client, "Okafor Household")
    accountants = create_provider(client)
    relate(client, "PRIMARY_CONTACT_AT", john["id"], kept["id"])
    partner = relate(client, "PARTNER_CONTACT_AT", jean["id"], duplicate["id"], since="2019-05-01", notes="joint")
    ended = relate(client, "PRIMARY_CONTACT_AT", tom["id"], duplicate["id"], until=PAST)  # history: never clashes
    introduced = relate(client, "INTRODUCER_OF", accountants["id"], duplicate["id"])
    related = relate(client, "RELATED_HOUSEHOLD_OF", duplicate["id"], other["id"], strength=0.5)
    between = relate(client, "RELATED_HOUSEHOLD_OF", kept["id"], duplicate["id"])
    touch = ok(client.post(f"/clients/{duplicate['id']}/touches", json={"date": "2026-03-02", "kind": "call"}), 201)
    request = ok(client.post(f"/clients/{duplicate['id']}/service-requests", json={"date": "2026-03-03", "kind": "question"}), 201)
    review = ok(client.post(f"/clients/{duplicate['id']}/important-dates", json={"kind": "review", "date": "2026-12-10"}), 201)
    audits_before = audit_ids(client)

    response = client.post(f"/clients/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]})
    merged = ok(response)
    moved = {partner["id"], ended["id"], introduced["id"], related["id"]}
    assert (merged["duplicate_id"], merged["filled"]) == (duplicate["id"], ["annual_revenue", "owner_id", "segment"])
    assert set(merged["moved_relationships"]) == moved and merged["dropped_relationships"] == [between["id"]]
    assert {(r["kind"], r["id"]) for r in merged["moved_records"]} == {
        ("touch", touch["id"]), ("service_request", request["id"]), ("important_date", review["id"])}
    now = merged["kept"]
    assert response.headers["ETag"] == f'"{now["version"]}"' and now["version"] == kept["version"] + 1
    # Filled where empty; never overwritten.
    assert (now["segment"], now["annual_revenue"], now["owner_id"]) == ("A", 5000.0, anna["id"])
    assert (now["stage"], now["notes"], now["name"]) == ("client", "Kept notes", "Elliott Household")
    assert get(client, f"/clients/{kept['id']}")["owner"]["id"] == anna["id"]

    problem(client.get(f"/clients/{duplicate['id']}"), 404)
    # Same ids, types and fields, now on the kept client, both directions, ended ones too.
    for relationship in (partner, ended, introduced, related):
        now_rel = get(client, f"/relationships/{relationship['id']}")
        ends = (now_rel["from_entity"]["id"], now_rel["to_entity"]["id"])
        expected = tuple(kept["id"] if end == duplicate["id"] else end
                         for end in (relationship["from_entity"]["id"], relationship["to_entity"]["id"]))
        assert ends == expected
        assert {k: now_rel.get(k) for k in ("type", "since", "until", "notes", "strength", "active")} == {
            k: relationship.get(k) for k in ("type", "since", "until", "notes", "strength", "active")}
        assert now_rel["version"] == relationship["version"] + 1
    problem(client.get(f"/relationships/{between['id']}"), 404)
    shown = {r["relationship"]["id"] for r in get(client, f"/clients/{kept['id']}/relationships", include_ended="true")}
    assert shown == moved | {r["id"] for r in everything(client, "/relationships") if kept["id"] in
                             (r["from_entity"]["id"], r["to_entity"]["id"]) and r["id"] not in moved}
    assert [t["id"] for t in ok(client.get(f"/clients/{kept['id']}/touches"))] == [touch["id"]]
    assert [r["id"] for r in ok(client.get(f"/clients/{kept['id']}/service-requests"))] == [request["id"]]
    assert review["id"] in {d["id"] for d in ok(client.get(f"/clients/{kept['id']}/important-dates"))}

    records = added_records(client, audits_before)
    by_target = {(r["action"], r["target_id"]): r for r in records}
    merge_record = by_target[("merge", kept["id"])]
    assert duplicate["id"] in merge_record["note"] and all(i in merge_record["note"] for i in moved | {touch["id"]})
    assert set(merge_record["changed"]) == {"annual_revenue", "owner_id", "segment", "version", "updated_at"}
    assert by_target[("delete", duplicate["id"])]["before"]["notes"] == "Duplicate notes"
    assert by_target[("delete", between["id"])]["before"]["to_id"] == duplicate["id"]
    for relationship_id in moved:
        record = by_target[("update", relationship_id)]
        assert duplicate["id"] in (record["before"]["from_id"], record["before"]["to_id"])
        assert kept["id"] in (record["after"]["from_id"], record["after"]["to_id"])
    assert by_target[("update", touch["id"])]["after"]["client_id"] == kept["id"]
    assert len(records) == 2 + len(moved) + 1 + 3


def test_a_person_merge_fills_the_name_and_keeps_directions(client):
    kept = create_person(client, "Jonathan", "Elliott", phone="+44 20 7946 0012")
    duplicate = create_person(client, "jonathan", "elliott", preferred_name="Jon", email="jon@example.com",
                              phone="+44 20 7946 9999")
    child, referrer, spouse, household = (
        create_person(client, "Rose", "Elliott"), create_person(client, "Tom", "Hughes"),
        create_person(client, "Jean", "Elliott"), create_client(client))
    parent = relate(client, "PARENT_OF", duplicate["id"], child["id"])
    referral = relate(client, "REFERRER_OF", referrer["id"], duplicate["id"])
    # Not clashes: the kept one referred Tom (the other way round), and was Jean's spouse (ended).
    relate(client, "REFERRER_OF", kept["id"], referrer["id"])
    relate(client, "SPOUSE_OF", spouse["id"], kept["id"], until=PAST)
    married = relate(client, "SPOUSE_OF", duplicate["id"], spouse["id"])
    member = relate(client, "MEMBER_OF", duplicate["id"], household["id"])
    birthday = ok(client.post(f"/people/{duplicate['id']}/important-dates", json={"kind": "anniversary", "date": "1996-12-01"}), 201)

    merged = merge(client, "people", kept["id"], duplicate["id"])
    assert merged["filled"] == ["email", "preferred_name"]
    assert (merged["kept"]["name"], merged["kept"]["phone"], merged["kept"]["email"]) == (
        "Jon Elliott", "+44 20 7946 0012", "jon@example.com")
    assert relationship_ends(client, parent["id"]) == (kept["id"], child["id"])
    assert relationship_ends(client, referral["id"]) == (referrer["id"], kept["id"])
    assert relationship_ends(client, married["id"]) == (kept["id"], spouse["id"])
    assert [m["other"]["id"] for m in get(client, f"/people/{kept['id']}/memberships")] == [household["id"]]
    assert member["id"] in merged["moved_relationships"]
    assert [d["id"] for d in ok(client.get(f"/people/{kept['id']}/important-dates")) if d["kind"] == "anniversary"] == [birthday["id"]]
    assert get(client, f"/people/{kept['id']}")["name"] == "Jon Elliott"


def _clash_case(client, case: str) -> tuple[str, str, str]:
    """(path, kept id, duplicate id) of two entities whose merge breaks a rule."""
    if case == "primary contact":
        kept, duplicate = create_client(client), create_client(client, "elliott household")
        relate(client, "PRIMARY_CONTACT_AT", create_person(client, "John", "Elliott")["id"], kept["id"])
        relate(client, "PRIMARY_CONTACT_AT", create_person(client, "Jean", "Elliott")["id"], duplicate["id"])
        return "clients", kept["id"], duplicate["id"]
    kept, duplicate = create_person(client), create_person(client, "john", "elliott")
    other = create_client(client) if case == "same pair" else create_person(client, "Jean", "Elliott")
    if case == "same pair":
        relate(client, "MEMBER_OF", kept["id"], other["id"])
        relate(client, "MEMBER_OF", duplicate["id"], other["id"])
    else:  # a symmetric type, written the other way round
        relate(client, "SPOUSE_OF", kept["id"], other["id"])
        relate(client, "SPOUSE_OF", other["id"], duplicate["id"])
    return "people", kept["id"], duplicate["id"]


@pytest.mark.parametrize(("case", "words"), [
    ("same pair", "is a Member of"), ("symmetric pair", "the Spouse of"), ("primary contact", "active primary contact"),
])
def test_a_merge_that_would_break_a_relationship_rule_is_refused_and_changes_nothing(client, case, words):
    path, kept_id, duplicate_id = _clash_case(client, case)
    before, audits = snapshot(client), audit_ids(client)
    body = merge(client, path, kept_id, duplicate_id, 409)
    assert words in body["detail"] and "Nothing was changed" in body["detail"]
    assert len(body["clashes"]) == 1 and body["clashes"][0]["relationship_id"]
    assert snapshot(client) == before and audit_ids(client) == audits
    # Once the duplicate's relationship has ended it is history, and moves.
    ok(client.patch(f"/relationships/{body['clashes'][0]['relationship_id']}", json={"until": PAST}))
    assert merge(client, path, kept_id, duplicate_id)["moved_relationships"] == [body["clashes"][0]["relationship_id"]]


def test_bad_merges_are_refused_and_change_nothing(client):
    kept, duplicate = create_person(client), create_person(client, "john", "elliott")
    household = create_client(client)
    before = snapshot(client)
    assert "itself" in merge(client, "people", kept["id"], kept["id"], 422)["detail"]
    # The path names the kept one (404 when missing); the body the duplicate (422: bad input).
    merge(client, "people", kept["id"], household["id"], 422)  # another kind
    merge(client, "clients", household["id"], kept["id"], 422)
    merge(client, "people", kept["id"], "01JZZZZZZZZZZZZZZZZZZZZZZZ", 422)
    merge(client, "people", "01JZZZZZZZZZZZZZZZZZZZZZZZ", kept["id"], 404)
    problem(client.post(f"/team-members/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]}), 404)
    merge(client, "people", kept["id"], duplicate["id"], 422, colour="red")
    merge(client, "people", kept["id"], duplicate["id"], 422, expected_versions={"kept": "1"})
    stale = merge(client, "people", kept["id"], duplicate["id"], 412, expected_versions={"kept": 1, "duplicate": 2})
    assert duplicate["id"] in stale["detail"] and stale["current_version"] == 1
    analyst, _ = client_for_role(client, "analyst")
    merge(analyst, "people", kept["id"], duplicate["id"], 403)
    assert snapshot(client) == {**before, "team-members": everything(client, "/team-members")}
    assert merge(client, "people", kept["id"], duplicate["id"], expected_versions={"kept": 1, "duplicate": 1})["kept"]["version"] == 2


def test_a_change_between_read_and_write_is_read_again_or_refused(client, monkeypatch):
    """The write is guarded by what was read: a field changed meanwhile is merged from the
    newer state, unless the caller named the versions it expects."""
    kept, duplicate = create_person(client), create_person(client, "john", "elliott")
    original = PracticeRepository.merge_entities
    meanwhile = [lambda: ok(client.patch(f"/people/{duplicate['id']}", json={"email": "late@example.com"}))]

    def interleaved(self, *args, **kwargs):
        if meanwhile:
            meanwhile.pop()()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PracticeRepository, "merge_entities", interleaved)
    assert merge(client, "people", kept["id"], duplicate["id"])["kept"]["email"] == "late@example.com"

    duplicate = create_person(client, "john", "elliott")
    meanwhile.append(lambda: ok(client.patch(f"/people/{duplicate['id']}", json={"notes": "changed"})))
    meanwhile.append(lambda: ok(client.patch(f"/people/{duplicate['id']}", json={"notes": "changed"})))
    merge(client, "people", kept["id"], duplicate["id"], 412, expected_versions={"duplicate": 1})
    assert get(client, f"/people/{duplicate['id']}")["notes"] == "changed"


@pytest.mark.parametrize("case", ["same pair", "primary contact"])
def test_a_clash_made_between_read_and_write_is_caught_by_the_write(client, monkeypatch, case):
    """The rules are checked again in the write query itself, after its locks."""
    path, kept_id, duplicate_id = _clash_case(client, case)
    clash = merge(client, path, kept_id, duplicate_id, 409)["clashes"][0]
    kept_relationship = clash["kept_relationship_id"]
    ok(client.patch(f"/relationships/{kept_relationship}", json={"until": PAST}))  # no clash when read
    original = PracticeRepository.merge_entities

    def interleaved(self, *args, **kwargs):
        ok(client.patch(f"/relationships/{kept_relationship}", json={"until": None}))  # active again
        before.append(snapshot(client))
        row = original(self, *args, **kwargs)
        assert not row.merged and row.unchanged and row.pair_clashes + row.role_clashes >= 1
        monkeypatch.setattr(PracticeRepository, "merge_entities", original)
        return row

    monkeypatch.setattr(PracticeRepository, "merge_entities", interleaved)
    before: list[dict] = []
    assert merge(client, path, kept_id, duplicate_id, 409)["clashes"] == [clash]
    assert [snapshot(client)] == before


@pytest.fixture
def anna(sample_client):
    """Anna Shaw (adviser, owns Elliott Household and Smart Systems Ltd) in owner-hierarchy mode."""
    caller = as_caller(sample_client, issue_key(sample_client, ids(sample_client, "team-members")["Anna Shaw"]))
    ok(sample_client.patch("/practice-settings", json={"visibility": "owner_hierarchy"}))
    return caller


def test_a_hidden_entity_answers_as_a_missing_one(sample_client, anna):
    clients = ids(sample_client, "clients")
    elliott, okafor = clients["Elliott Household"], clients["Okafor Household"]
    unknown = "01JZZZZZZZZZZZZZZZZZZZZZZZ"
    before = snapshot(sample_client)
    for kept_id, duplicate_id, missing_id, status in ((elliott, okafor, okafor, 422), (okafor, elliott, okafor, 404)):
        hidden = merge(anna, "clients", kept_id, duplicate_id, status)
        absent = merge(anna, "clients", kept_id.replace(okafor, unknown), duplicate_id.replace(okafor, unknown), status)
        assert hidden["detail"].replace(missing_id, unknown) == absent["detail"]
    assert snapshot(sample_client) == before


def test_a_restricted_caller_may_not_merge_a_duplicate_related_to_records_outside_their_view(sample_client, anna):
    clients = ids(sample_client, "clients")
    smart, okafor = clients["Smart Systems Ltd"], clients["Okafor Logistics"]
    duplicate = ok(anna.post("/clients", json={"name": "smart systems ltd", "kind": "business",
                                               "owner_id": get(sample_client, f"/clients/{smart}")["owner_id"]}), 201)
    relate(sample_client, "BUSINESS_GROUP_WITH", duplicate["id"], okafor)
    before = snapshot(sample_client)
    body = merge(anna, "clients", smart, duplicate["id"], 409)
    assert "outside your view" in body["detail"] and okafor not in str(body) and "Okafor" not in str(body)
    assert snapshot(sample_client) == before
    # Whoever sees the whole practice may.
    assert merge(sample_client, "clients", smart, duplicate["id"])["moved_relationships"]
