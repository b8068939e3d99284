"""The audit trail: every write leaves its records (who, when, what, before and after), a
refused write leaves none, the trail is filtered and paged, append-only, and each role may
make only its writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.helpers import (
    added_records,
    audit_ids,
    audit_trail,
    client_for_role,
    create_client,
    create_person,
    create_team_member,
    get,
    issue_key,
    ok,
    problem,
    sample_id,
    snapshot,
    walk,
)

Expected = list[tuple[str, str, str]]


def write_operations(client: TestClient) -> set[tuple[str, str]]:
    """(method, path) of every operation of the API that is not a read."""
    return {
        (method.upper(), path)
        for path, operations in client.app.openapi()["paths"].items()
        for method in operations if method != "get"
    }


class Writes:
    """Makes writes as one caller and checks that each left exactly the audit records expected,
    each naming that caller; remembers which operations it made."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.me = get(client, "/me")
        self.covered: set[tuple[str, str]] = set()

    def __call__(
        self, method: str, template: str, status: int, expect: Callable[[Any], Expected], *,
        json: Any = None, params: dict[str, Any] | None = None, **path: str,
    ) -> tuple[Any, list[dict[str, Any]]]:
        before = audit_ids(self.client)
        response = self.client.request(method, template.format(**path), json=json, params=params)
        assert response.status_code == status, f"{method} {template}: {response.status_code} {response.text}"
        body = response.json() if response.content else None
        records = added_records(self.client, before)
        assert sorted((r["action"], r["target_kind"], r["target_id"]) for r in records) == sorted(expect(body)), (
            f"{method} {template}")
        for record in records:
            assert (record["actor_id"], record["actor_name"], record["actor_key_id"]) == (
                self.me["team_member_id"], self.me["name"], self.me["key_id"])
            assert datetime.fromisoformat(record["at"]) > datetime.now().astimezone() - timedelta(minutes=5)
        self.covered.add((method, template))
        return body, records


def one(action: str, kind: str, target_id: str | None = None) -> Callable[[Any], Expected]:
    """One record; its target is ``target_id`` or, for a create, the new record's id."""
    return lambda body: [(action, kind, target_id if target_id is not None else body["id"])]


def test_every_write_leaves_its_audit_records(client):
    write = Writes(client)

    # -- entities: create and change each kind ---------------------------------------------------
    mark, _ = write("POST", "/team-members", 201, one("create", "team_member"), json={"name": "Mark Davies", "role": "practice_manager"})
    anna, [record] = write("POST", "/team-members", 201, one("create", "team_member"), json={"name": "Anna Shaw", "role": "adviser"})
    assert record["before"] is None and record["after"]["name"] == "Anna Shaw" and record["after"]["version"] == 1
    assert {"name", "role", "id", "version"} <= set(record["changed"])
    _, [record] = write("PATCH", "/team-members/{entity_id}", 200, one("update", "team_member", anna["id"]),
                        json={"reports_to_id": mark["id"]}, entity_id=anna["id"])
    assert (record["before"]["version"], record["after"]["version"]) == (1, 2)
    assert "reports_to_id" not in record["before"] and record["after"]["reports_to_id"] == mark["id"]
    assert set(record["changed"]) == {"reports_to_id", "version", "updated_at"}
    household, _ = write("POST", "/clients", 201, one("create", "client"), json={
        "name": "Elliott Household", "kind": "household", "owner_id": anna["id"], "stage": "client", "annual_revenue": 14_500})
    _, [record] = write("PATCH", "/clients/{entity_id}", 200, one("update", "client", household["id"]),
                        json={"notes": "Prefers email"}, entity_id=household["id"])
    assert record["after"]["notes"] == "Prefers email" and record["changed"] == ["notes", "updated_at", "version"]
    john, _ = write("POST", "/people", 201, one("create", "person"), json={"first_name": "John", "last_name": "Elliott"})
    jean, _ = write("POST", "/people", 201, one("create", "person"), json={"first_name": "Jean", "last_name": "Elliott"})
    write("PATCH", "/people/{entity_id}", 200, one("update", "person", john["id"]), json={"email": "john@example.com"}, entity_id=john["id"])
    firm, _ = write("POST", "/providers", 201, one("create", "provider"), json={"name": "Harper & Cole", "kind": "law_firm"})
    write("PATCH", "/providers/{entity_id}", 200, one("update", "provider", firm["id"]), json={"notes": "Wills"}, entity_id=firm["id"])
    office, _ = write("POST", "/divisions", 201, one("create", "division"), json={"name": "London Office"})
    write("PATCH", "/divisions/{entity_id}", 200, one("update", "division", office["id"]), json={"description": "Head office"},
          entity_id=office["id"])

    # -- relationships ------------------------------------------------------------------------------
    contact, [record] = write("POST", "/relationships", 201, one("create", "relationship"), json={
        "type": "PRIMARY_CONTACT_AT", "from_id": john["id"], "to_id": household["id"], "since": "2015-06-01"})
    assert {k: record["after"][k] for k in ("type", "from_id", "to_id", "since", "version")} == {
        "type": "PRIMARY_CONTACT_AT", "from_id": john["id"], "to_id": household["id"], "since": "2015-06-01", "version": 1}
    _, [record] = write("PATCH", "/relationships/{relationship_id}", 200, one("update", "relationship", contact["id"]),
                        json={"strength": 0.8}, relationship_id=contact["id"])
    assert "strength" not in record["before"] and record["after"]["strength"] == 0.8
    assert set(record["changed"]) == {"strength", "version", "updated_at"} and record["before"]["type"] == "PRIMARY_CONTACT_AT"
    batch, records = write("POST", "/relationships/batch", 201, lambda body: [("create", "relationship", i) for i in body["ids"]], json={
        "relationships": [{"type": "SPOUSE_OF", "from_id": john["id"], "to_id": jean["id"]},
                          {"type": "PARTNER_CONTACT_AT", "from_id": jean["id"], "to_id": household["id"]},
                          {"type": "ADVISER_OF", "from_id": anna["id"], "to_id": household["id"]}]})
    assert {(r["after"]["type"], r["after"]["from_id"], r["after"]["to_id"]) for r in records} == {
        ("SPOUSE_OF", john["id"], jean["id"]), ("PARTNER_CONTACT_AT", jean["id"], household["id"]),
        ("ADVISER_OF", anna["id"], household["id"])}
    spouse = batch["ids"][0]
    _, [record] = write("DELETE", "/relationships/{relationship_id}", 204, one("delete", "relationship", spouse), relationship_id=spouse)
    assert record["after"] is None and (record["before"]["id"], record["before"]["type"]) == (spouse, "SPOUSE_OF")

    # -- merging a duplicate: the kept one's merge record, the duplicate's delete, each move -------
    twin, _ = write("POST", "/people", 201, one("create", "person"),
                    json={"first_name": "jean", "last_name": "elliott", "phone": "+44 20 7946 0000"})
    met, _ = write("POST", "/relationships", 201, one("create", "relationship"),
                   json={"type": "ACQUAINTANCE_OF", "from_id": twin["id"], "to_id": john["id"]})
    _, records = write("POST", "/people/{entity_id}/merge", 200, lambda _: [
        ("merge", "person", jean["id"]), ("delete", "person", twin["id"]), ("update", "relationship", met["id"])],
        json={"duplicate_id": twin["id"]}, entity_id=jean["id"])
    merged = next(r for r in records if r["action"] == "merge")
    assert twin["id"] in merged["note"] and met["id"] in merged["note"]
    assert set(merged["changed"]) == {"phone", "version", "updated_at"}
    assert next(r for r in records if r["target_id"] == met["id"])["after"]["from_id"] == jean["id"]
    write("DELETE", "/relationships/{relationship_id}", 204, one("delete", "relationship", met["id"]), relationship_id=met["id"])
    copy, _ = write("POST", "/clients", 201, one("create", "client"), json={"name": "elliott household", "kind": "household",
                                                                          "segment": "A"})
    _, [merged, _] = write("POST", "/clients/{entity_id}/merge", 200, lambda _: [
        ("merge", "client", household["id"]), ("delete", "client", copy["id"])],
        json={"duplicate_id": copy["id"]}, entity_id=household["id"])
    assert merged["after"]["segment"] == "A" and "segment" not in merged["before"]

    # -- the catalogue and the category lists ------------------------------------------------------
    trustee = {"code": "TRUSTEE_FOR", "phrase": "a Trustee for", "reverse_phrase": "has Trustee", "category": "professional",
               "from_kinds": ["person"], "to_kinds": ["client"]}
    _, [record] = write("POST", "/relationship-types", 201, one("create", "relationship_type", "TRUSTEE_FOR"), json=trustee)
    assert record["after"]["phrase"] == "a Trustee for"
    _, [record] = write("PATCH", "/relationship-types/{code}", 200, one("update", "relationship_type", "TRUSTEE_FOR"),
                        json={"weight": 0.5}, code="TRUSTEE_FOR")
    assert (record["before"]["weight"], record["after"]["weight"], record["changed"]) == (1.0, 0.5, ["weight"])
    write("DELETE", "/relationship-types/{code}", 204, one("delete", "relationship_type", "TRUSTEE_FOR"), code="TRUSTEE_FOR")
    _, [record] = write("POST", "/categories/{list_name}", 201, one("create", "category", "stages:dormant"),
                        json={"code": "dormant", "label": "Dormant"}, list_name="stages")
    assert record["after"]["position"] == max(c["position"] for c in get(client, "/categories/stages"))  # at the end
    _, [record] = write("PATCH", "/categories/{list_name}/{code}", 200, one("update", "category", "stages:dormant"),
                        json={"label": "Sleeping"}, list_name="stages", code="dormant")
    assert (record["before"]["label"], record["after"]["label"], record["changed"]) == ("Dormant", "Sleeping", ["label"])
    write("DELETE", "/categories/{list_name}/{code}", 204, one("delete", "category", "stages:dormant"), list_name="stages", code="dormant")

    # -- the cycle of service -------------------------------------------------------------------------
    touch, [record] = write("POST", "/clients/{client_id}/touches", 201, one("create", "touch"),
                            json={"date": "2026-03-02", "kind": "call"}, client_id=household["id"])
    assert record["after"]["client_id"] == household["id"]
    request, _ = write("POST", "/clients/{client_id}/service-requests", 201, one("create", "service_request"),
                       json={"date": "2026-03-03", "kind": "question"}, client_id=household["id"])
    review, _ = write("POST", "/clients/{entity_id}/important-dates", 201, one("create", "important_date"),
                      json={"kind": "review", "date": "2027-01-15"}, entity_id=household["id"])
    anniversary, _ = write("POST", "/people/{entity_id}/important-dates", 201, one("create", "important_date"),
                           json={"kind": "anniversary", "date": "1996-08-24"}, entity_id=john["id"])
    _, [record] = write("DELETE", "/service/important-dates/{important_date_id}", 204,
                        one("delete", "important_date", anniversary["id"]), important_date_id=anniversary["id"])
    assert record["before"]["date"] == "1996-08-24" and record["before"]["entity_kind"] == "person"
    _, [record] = write("PATCH", "/service/templates/{tier}", 200, one("update", "service_template", "A"),
                        json={"touches_per_year": 30}, tier="A")
    assert record["after"]["touches_per_year"] == 30 and "touches_per_year" in record["changed"]

    # -- runs and their application ------------------------------------------------------------------
    run, [record] = write("POST", "/analytics/runs", 201, one("create", "scoring_run"), json={"betweenness_k": 8})
    assert record["after"]["scored"] == run["scored"] and "scores" not in record["after"]  # the summary only
    application, records = write(
        "POST", "/analytics/runs/{run_id}/apply", 201,
        lambda body: [("apply", {john["id"]: "person", jean["id"]: "person", household["id"]: "client",
                                 firm["id"]: "provider"}[c["entity_id"]], c["entity_id"]) for c in body["changes"]],
        json={}, run_id=run["id"])
    assert application["applied"] == len(records) > 0
    for record, change in zip(sorted(records, key=lambda r: r["target_id"]),
                              sorted(application["changes"], key=lambda c: c["entity_id"]), strict=True):
        assert record["after"]["influencer_segment"] == change["to_segment"]
        assert record["after"]["version"] == record["before"]["version"] + 1
    write("DELETE", "/analytics/runs/{run_id}", 204, one("delete", "scoring_run", run["id"]), run_id=run["id"])
    tier_run, [record] = write("POST", "/tiers/runs", 201, one("create", "tier_run"), json={"as_of": "2026-11-23"})
    assert record["after"]["clients"] == 1 and "suggestions" not in record["after"]
    _, [record] = write("POST", "/tiers/runs/{run_id}/apply", 201, one("apply", "client", household["id"]), json={}, run_id=tier_run["id"])
    assert "tier" not in record["before"] and record["after"]["tier"] == "A" and record["note"].endswith(tier_run["id"])
    write("DELETE", "/tiers/runs/{run_id}", 204, one("delete", "tier_run", tier_run["id"]), run_id=tier_run["id"])

    # -- service plans and their tasks: one record per client whose plan changed, one per task change ----
    _, [record] = write("POST", "/service/plans", 200, one("update", "service_plan", household["id"]), json={"as_of": "2026-11-23"})
    tasks = get(client, f"/clients/{household['id']}/service-plan")
    assert record["note"] == f"plan 2026-11-23 to 2027-11-22: {len(tasks)} created, 0 changed, 0 deleted, 0 closed"
    assert record["before"] is None and len(record["after"]) == len(tasks)
    first, second, third = tasks[:3]
    done, [record] = write("POST", "/service/tasks/{task_id}/complete", 200, one("update", "service_task", first["id"]),
                           json={}, task_id=first["id"])
    assert (record["before"]["status"], record["after"]["status"], record["after"]["touch_id"]) == ("open", "done", done["touch_id"])
    write("POST", "/service/tasks/{task_id}/skip", 200, one("update", "service_task", second["id"]), json={"reason": "away"},
          task_id=second["id"])
    write("POST", "/service/tasks/{task_id}/reassign", 200, one("update", "service_task", third["id"]),
          json={"assignee_id": mark["id"]}, task_id=third["id"])

    # -- groups: each change one record of the group, its hand-picked members counted and named -----
    group, [record] = write("POST", "/groups", 201, one("create", "group"), json={"name": "Friends", "member_ids": [john["id"]]})
    assert record["after"]["member_count"] == 1 and record["note"] == f"added 1 member: {john['id']}"
    _, [record] = write("PATCH", "/groups/{group_id}", 200, one("update", "group", group["id"]),
                        json={"filter": {"stage": "client"}}, group_id=group["id"])
    assert record["after"]["filter_stage"] == "client" and "filter_stage" in record["changed"]
    _, [record] = write("POST", "/groups/{group_id}/members", 200, one("update", "group", group["id"]),
                        json={"entity_ids": [jean["id"]]}, group_id=group["id"])
    assert (record["before"]["member_count"], record["after"]["member_count"]) == (1, 2)
    write("DELETE", "/groups/{group_id}/members/{entity_id}", 200, one("update", "group", group["id"]), group_id=group["id"],
          entity_id=jean["id"])
    write("DELETE", "/groups/{group_id}", 204, one("delete", "group", group["id"]), group_id=group["id"])
    kept, _ = write("POST", "/groups", 201, one("create", "group"), json={"name": "Kept", "member_ids": [john["id"]]})

    # -- keys and settings -----------------------------------------------------------------------------
    key, [record] = write("POST", "/api-keys", 201, one("issue_key", "api_key"), json={"team_member_id": anna["id"], "name": "laptop"})
    assert key["key"] not in str(record) and "hash" not in record["after"]
    write("DELETE", "/api-keys/{key_id}", 200, one("revoke_key", "api_key", key["id"]), key_id=key["id"])
    write("PATCH", "/practice-settings", 200, one("update", "practice_settings", "practice"), json={"visibility": "owner_hierarchy"})

    # -- deletes: the cascades record what they delete and every reference they clear ---------------
    office_id, firm_id = office["id"], firm["id"]
    write("DELETE", "/divisions/{entity_id}", 204, one("delete", "division", office_id), entity_id=office_id)
    write("DELETE", "/providers/{entity_id}", 204, one("delete", "provider", firm_id), entity_id=firm_id)
    _, records = write("DELETE", "/team-members/{entity_id}", 204,
                       lambda _: [("delete", "team_member", mark["id"]), ("update", "team_member", anna["id"])],
                       params={"cascade": "true"}, entity_id=mark["id"])
    cleared = next(r for r in records if r["action"] == "update")
    assert cleared["before"]["reports_to_id"] == mark["id"] and "reports_to_id" in cleared["changed"]
    assert cleared["after"]["version"] == get(client, f"/team-members/{anna['id']}")["version"]
    adviser = batch["ids"][2]
    _, records = write("DELETE", "/team-members/{entity_id}", 204, lambda _: [
        ("delete", "team_member", anna["id"]), ("delete", "relationship", adviser), ("update", "client", household["id"])],
        params={"cascade": "true"}, entity_id=anna["id"])
    assert next(r for r in records if r["target_id"] == adviser)["before"]["type"] == "ADVISER_OF"
    assert get(client, f"/clients/{household['id']}")["owner_id"] is None
    # The client's touches, service requests and important dates go with it, each recorded.
    write("DELETE", "/clients/{entity_id}", 204, lambda _: [
        ("delete", "client", household["id"]), ("delete", "relationship", contact["id"]),
        ("delete", "relationship", batch["ids"][1]), ("delete", "touch", touch["id"]),
        ("delete", "service_request", request["id"]), ("delete", "important_date", review["id"]),
        ("delete", "touch", done["touch_id"]), *[("delete", "service_task", task["id"]) for task in tasks]],
        params={"cascade": "true"}, entity_id=household["id"])
    # A person leaves the groups that picked them, each group's change recorded.
    _, records = write("DELETE", "/people/{entity_id}", 204, lambda _: [
        ("delete", "person", john["id"]), ("update", "group", kept["id"])], entity_id=john["id"])
    record = next(r for r in records if r["target_kind"] == "person")
    assert record["before"]["email"] == "john@example.com" and record["after"] is None
    left = next(r for r in records if r["target_kind"] == "group")
    assert (left["before"]["member_count"], left["after"]["member_count"]) == (1, 0)

    assert write_operations(client) - write.covered == set(), "a write operation this test does not make"


def _refusals(client: TestClient) -> list[tuple[str, str, dict[str, Any], int]]:
    """Requests the sample practice refuses, each with its status."""
    elliott = sample_id(client, "clients", "Elliott Household")
    john, jean = sample_id(client, "people", "John Elliott"), sample_id(client, "people", "Jean Elliott")
    spouse = next(r["relationship"]["id"] for r in get(client, f"/people/{john}/relationships") if r["relationship"]["type"] == "SPOUSE_OF")
    stale = {"If-Match": '"99"'}
    return [
        ("POST", "/relationships", {"json": {"type": "PRIMARY_CONTACT_AT", "from_id": jean, "to_id": elliott}}, 409),
        ("POST", "/relationships", {"json": {"type": "SPOUSE_OF", "from_id": jean, "to_id": john}}, 409),
        ("POST", "/relationships", {"json": {"type": "FRIEND_OF", "from_id": jean, "to_id": john}}, 422),
        ("POST", "/relationships/batch", {"json": {"relationships": [
            {"type": "ACQUAINTANCE_OF", "from_id": jean, "to_id": sample_id(client, "people", "Kim Lowe")},
            {"type": "ACQUAINTANCE_OF", "from_id": jean, "to_id": "nobody"}]}}, 422),
        ("PATCH", f"/clients/{elliott}", {"json": {"notes": "x"}, "headers": stale}, 412),
        ("DELETE", f"/clients/{elliott}", {"params": {"cascade": "true"}, "headers": stale}, 412),
        ("PATCH", f"/relationships/{spouse}", {"json": {"strength": 0.1}, "headers": stale}, 412),
        ("DELETE", f"/relationships/{spouse}", {"headers": stale}, 412),
        ("DELETE", f"/clients/{elliott}", {}, 409),
        ("PATCH", f"/clients/{elliott}", {"json": {"stage": "nowhere"}}, 422),
        ("DELETE", "/relationship-types/SPOUSE_OF", {}, 409),
        ("POST", "/relationship-types", {"json": {k: v for k, v in get(client, "/relationship-types/SPOUSE_OF").items()
                                                  if k != "symmetric"}}, 409),
        ("PATCH", "/relationship-types/NOPE", {"json": {"weight": 0.5}}, 404),
        ("DELETE", "/categories/stages/client", {}, 409),
        ("POST", "/categories/stages", {"json": {"code": "client", "label": "Again"}}, 409),
        ("PATCH", "/categories/stages/nowhere", {"json": {"label": "x"}}, 404),
        ("DELETE", "/people/nobody", {}, 404),
        ("POST", f"/people/{john}/merge", {"json": {"duplicate_id": "nobody"}}, 422),
        ("POST", f"/people/{john}/merge", {"json": {"duplicate_id": john}}, 422),
        ("POST", f"/people/{john}/merge", {"json": {"duplicate_id": jean, "expected_versions": {"duplicate": 99}}}, 412),
        ("DELETE", f"/relationships/SPOUSE_OF-{'0' * 26}", {}, 404),
        ("POST", f"/clients/{elliott}/touches", {"json": {"date": "2026-03-02", "kind": "call", "team_member_id": "nobody"}}, 422),
        ("POST", "/clients/nobody/important-dates", {"json": {"kind": "review", "date": "2027-01-15"}}, 404),
        ("DELETE", "/service/important-dates/nobody", {}, 404),
        ("DELETE", "/analytics/runs/nobody", {}, 404),
        ("DELETE", "/tiers/runs/nobody", {}, 404),
        ("POST", "/tiers/runs/nobody/apply", {"json": {}}, 404),
        ("POST", "/analytics/runs/nobody/apply", {"json": {}}, 404),
    ]


def test_a_refused_write_leaves_no_record_and_changes_nothing(sample_client):
    before, trail = snapshot(sample_client), audit_ids(sample_client)
    for method, url, options, status in _refusals(sample_client):
        problem(sample_client.request(method, url, **options), status)
        assert added_records(sample_client, trail) == [], f"{method} {url}"
    assert snapshot(sample_client) == before


def test_a_delete_with_the_current_version_goes_through_with_its_record(sample_client):
    john = sample_id(sample_client, "people", "John Elliott")
    spouse = next(r["relationship"] for r in get(sample_client, f"/people/{john}/relationships")
                  if r["relationship"]["type"] == "SPOUSE_OF")
    trail = audit_ids(sample_client)
    response = sample_client.delete(f"/relationships/{spouse['id']}", headers={"If-Match": f'"{spouse["version"]}"'})
    assert response.status_code == 204
    [record] = added_records(sample_client, trail)
    assert (record["action"], record["target_id"], record["before"]["version"]) == ("delete", spouse["id"], spouse["version"])


def test_the_trail_is_filtered_by_target_actor_action_and_time_and_paged(client):
    me = get(client, "/me")["team_member_id"]
    manager_client, manager = client_for_role(client, "practice_manager")
    made = [create_client(client, name=f"Client {n}", kind="individual") for n in range(4)]
    by_manager = create_client(manager_client, name="Managed", kind="business")
    ok(client.patch(f"/clients/{made[0]['id']}", json={"notes": "changed"}))
    everything = audit_trail(client)

    assert [(r["action"], r["target_id"]) for r in audit_trail(client, target_id=made[0]["id"])] == [
        ("create", made[0]["id"]), ("update", made[0]["id"])]
    assert [r["target_id"] for r in audit_trail(client, actor_id=manager["id"])] == [by_manager["id"]]
    # Looked up by target (or actor) first, then filtered by the rest.
    assert [r["action"] for r in audit_trail(client, target_id=made[0]["id"], action="update")] == ["update"]
    assert audit_trail(client, target_id=made[0]["id"], actor_id=manager["id"]) == []
    assert [r["target_id"] for r in audit_trail(client, actor_id=manager["id"], target_kind="client")] == [by_manager["id"]]
    mine = audit_trail(client, actor_id=me)
    assert mine == [r for r in everything if r["actor_id"] == me] and by_manager["id"] not in {r["target_id"] for r in mine}
    assert [r["target_id"] for r in audit_trail(client, action="update")] == [made[0]["id"]]
    assert {r["target_kind"] for r in audit_trail(client, target_kind="client")} == {"client"}
    assert audit_trail(client, target_id="nobody") == []

    start, end = everything[2]["at"], everything[-1]["at"]
    window = audit_trail(client, **{"from": start, "to": end})
    assert window == [r for r in everything if start <= r["at"] < end] and 0 < len(window) < len(everything)
    problem(client.get("/audit-records", params={"from": end, "to": start}), 422)
    problem(client.get("/audit-records", params={"action": "steal"}), 422)

    assert walk(client, "/audit-records", 2) == everything  # pages of two, oldest first, none lost or repeated
    assert [r["id"] for r in everything] == sorted(r["id"] for r in everything)
    assert get(manager_client, "/audit-records", limit=500)["items"] == everything  # practice managers read it too


def test_the_trail_is_append_only(client):
    create_client(client)
    [record] = audit_trail(client, target_kind="client")
    for method in ("PATCH", "PUT", "DELETE", "POST"):
        for url in (f"/audit-records/{record['id']}", "/audit-records"):
            assert client.request(method, url, json={"note": "rewritten"}).status_code in (404, 405), (method, url)
    assert audit_trail(client, target_kind="client") == [record]


def test_an_adviser_may_not_read_the_trail_nor_change_the_catalogue_categories_or_team(sample_client):
    adviser, member = client_for_role(sample_client, "adviser")
    trail, before = audit_ids(sample_client), snapshot(sample_client)
    refused = [
        ("GET", "/audit-records", {}),
        ("POST", "/relationship-types", {"json": {"code": "TRUSTEE_FOR", "phrase": "a Trustee for", "reverse_phrase": "has Trustee",
                                                  "category": "professional", "from_kinds": ["person"], "to_kinds": ["client"]}}),
        ("PATCH", "/relationship-types/SPOUSE_OF", {"json": {"weight": 0.5}}),
        ("DELETE", "/relationship-types/SIBLING_OF", {}),
        ("POST", "/categories/stages", {"json": {"code": "dormant", "label": "Dormant"}}),
        ("PATCH", "/categories/stages/client", {"json": {"label": "Customer"}}),
        ("DELETE", "/categories/stages/lead", {}),
        ("POST", "/team-members", {"json": {"name": "New Hire", "role": "admin"}}),
        ("PATCH", f"/team-members/{member['id']}", {"json": {"role": "admin"}}),
        ("DELETE", f"/team-members/{sample_id(sample_client, 'team-members', 'Omar Haddad')}", {"params": {"cascade": "true"}}),
        ("PATCH", "/service/templates/A", {"json": {"touches_per_year": 1}}),
    ]
    for method, url, options in refused:
        body = problem(adviser.request(method, url, **options), 403)
        assert "adviser" in body["detail"], (method, url)
    assert added_records(sample_client, trail) == [] and snapshot(sample_client) == before
    # Their own writes are theirs, and recorded as theirs.
    person = ok(adviser.post("/people", json={"first_name": "Ada", "last_name": "Lovelace"}), 201)
    [record] = added_records(sample_client, trail)
    assert (record["actor_id"], record["target_id"]) == (member["id"], person["id"])


def _every_write(client: TestClient) -> list[tuple[str, str, str, dict[str, Any]]]:
    """A valid request for each write operation on the sample practice: (method, path, url, options)."""
    ids = {path: get(client, f"/{path}", limit=1)["items"][0]["id"] for path in ("clients", "people", "team-members", "providers", "divisions")}
    relationship = get(client, "/relationships", limit=1)["items"][0]["id"]
    people = [p["id"] for p in get(client, "/people", limit=2)["items"]]
    acquaintance = {"type": "ACQUAINTANCE_OF", "from_id": people[0], "to_id": people[1]}
    writes: list[tuple[str, str, str, dict[str, Any]]] = []
    bodies = {"clients": {"name": "X", "kind": "household"}, "people": {"first_name": "X", "last_name": "Y"},
              "team-members": {"name": "X", "role": "adviser"}, "providers": {"name": "X", "kind": "other"}, "divisions": {"name": "X"}}
    for path, body in bodies.items():
        writes += [("POST", f"/{path}", f"/{path}", {"json": body}),
                   ("PATCH", f"/{path}/{{entity_id}}", f"/{path}/{ids[path]}", {"json": {"name": "Renamed"} if path != "people" else {"notes": "x"}}),
                   ("DELETE", f"/{path}/{{entity_id}}", f"/{path}/{ids[path]}", {"params": {"cascade": "true"}})]
    writes += [
        ("POST", "/clients/{entity_id}/merge", f"/clients/{ids['clients']}/merge", {"json": {"duplicate_id": "x"}}),
        ("POST", "/people/{entity_id}/merge", f"/people/{people[0]}/merge", {"json": {"duplicate_id": people[1]}}),
        ("POST", "/relationships", "/relationships", {"json": acquaintance}),
        ("POST", "/relationships/batch", "/relationships/batch", {"json": {"relationships": [acquaintance]}}),
        ("PATCH", "/relationships/{relationship_id}", f"/relationships/{relationship}", {"json": {"strength": 0.1}}),
        ("DELETE", "/relationships/{relationship_id}", f"/relationships/{relationship}", {}),
        ("POST", "/relationship-types", "/relationship-types", {"json": {
            "code": "TRUSTEE_FOR", "phrase": "a Trustee for", "reverse_phrase": "has Trustee", "category": "professional",
            "from_kinds": ["person"], "to_kinds": ["client"]}}),
        ("PATCH", "/relationship-types/{code}", "/relationship-types/SIBLING_OF", {"json": {"weight": 0.5}}),
        ("DELETE", "/relationship-types/{code}", "/relationship-types/SIBLING_OF", {}),
        ("POST", "/categories/{list_name}", "/categories/stages", {"json": {"code": "dormant", "label": "Dormant"}}),
        ("PATCH", "/categories/{list_name}/{code}", "/categories/stages/lead", {"json": {"label": "x"}}),
        ("DELETE", "/categories/{list_name}/{code}", "/categories/stages/lead", {}),
        ("POST", "/analytics/runs", "/analytics/runs", {"json": {"betweenness_k": 8}}),
        ("DELETE", "/analytics/runs/{run_id}", "/analytics/runs/nobody", {}),
        ("POST", "/analytics/runs/{run_id}/apply", "/analytics/runs/nobody/apply", {"json": {}}),
        ("POST", "/tiers/runs", "/tiers/runs", {"json": {}}),
        ("DELETE", "/tiers/runs/{run_id}", "/tiers/runs/nobody", {}),
        ("POST", "/tiers/runs/{run_id}/apply", "/tiers/runs/nobody/apply", {"json": {}}),
        ("PATCH", "/service/templates/{tier}", "/service/templates/A", {"json": {"touches_per_year": 1}}),
        ("POST", "/clients/{client_id}/touches", f"/clients/{ids['clients']}/touches", {"json": {"date": "2026-03-02", "kind": "call"}}),
        ("POST", "/clients/{client_id}/service-requests", f"/clients/{ids['clients']}/service-requests",
         {"json": {"date": "2026-03-02", "kind": "question"}}),
        ("POST", "/clients/{entity_id}/important-dates", f"/clients/{ids['clients']}/important-dates",
         {"json": {"kind": "review", "date": "2027-01-15"}}),
        ("POST", "/people/{entity_id}/important-dates", f"/people/{ids['people']}/important-dates",
         {"json": {"kind": "review", "date": "2027-01-15"}}),
        ("DELETE", "/service/important-dates/{important_date_id}", "/service/important-dates/nobody", {}),
        ("POST", "/service/plans", "/service/plans", {"json": {}}),
        ("POST", "/service/tasks/{task_id}/complete", "/service/tasks/nobody/complete", {"json": {}}),
        ("POST", "/service/tasks/{task_id}/skip", "/service/tasks/nobody/skip", {"json": {"reason": "x"}}),
        ("POST", "/service/tasks/{task_id}/reassign", "/service/tasks/nobody/reassign",
         {"json": {"assignee_id": ids["team-members"]}}),
        ("POST", "/api-keys", "/api-keys", {"json": {"team_member_id": ids["team-members"], "name": "mine"}}),
        ("DELETE", "/api-keys/{key_id}", "/api-keys/nobody", {}),
        ("PATCH", "/practice-settings", "/practice-settings", {"json": {"visibility": "owner_hierarchy"}}),
        ("POST", "/groups", "/groups", {"json": {"name": "Mine", "member_ids": [ids["clients"]]}}),
        ("PATCH", "/groups/{group_id}", "/groups/nobody", {"json": {"name": "x"}}),
        ("DELETE", "/groups/{group_id}", "/groups/nobody", {}),
        ("POST", "/groups/{group_id}/members", "/groups/nobody/members", {"json": {"entity_ids": [ids["clients"]]}}),
        ("DELETE", "/groups/{group_id}/members/{entity_id}", f"/groups/nobody/members/{ids['clients']}", {}),
    ]
    return writes


def test_an_analyst_may_make_no_write_at_all(sample_client):
    analyst, _ = client_for_role(sample_client, "analyst")
    writes = _every_write(sample_client)
    assert {(method, path) for method, path, _, _ in writes} == write_operations(sample_client)
    trail, before = audit_ids(sample_client), snapshot(sample_client)
    for method, _, url, options in writes:
        body = problem(analyst.request(method, url, **options), 403)
        assert "analyst" in body["detail"], (method, url)
    assert added_records(sample_client, trail) == [] and snapshot(sample_client) == before
    assert get(analyst, "/clients")["items"]  # reads are theirs


@pytest.mark.parametrize("role", ["adviser", "client_service"])
def test_only_admins_and_practice_managers_apply_suggestions(sample_client, role):
    caller, _ = client_for_role(sample_client, role)
    run = ok(caller.post("/tiers/runs", json={"as_of": "2026-11-23"}), 201)  # starting a run is a write they may make
    trail = audit_ids(sample_client)
    problem(caller.post(f"/tiers/runs/{run['id']}/apply", json={}), 403)
    assert added_records(sample_client, trail) == []
    manager, member = client_for_role(sample_client, "practice_manager")
    trail = audit_ids(sample_client)
    application = ok(manager.post(f"/tiers/runs/{run['id']}/apply", json={}), 201)
    records = added_records(sample_client, trail)
    assert len(records) == application["applied"] > 0 and {r["actor_id"] for r in records} == {member["id"]}


def test_a_keys_issue_record_holds_neither_the_key_nor_its_hash(client, store):
    anna = create_team_member(client)
    key = issue_key(client, anna["id"])
    stored = store.read("MATCH (k:ApiKey {team_member_id: $id}) RETURN k.hash AS hash", {"id": anna["id"]})[0]["hash"]
    [record] = [r for r in audit_trail(client, action="issue_key") if r["after"]["team_member_id"] == anna["id"]]
    assert key not in str(record) and stored not in str(record) and record["after"]["team_member_id"] == anna["id"]


def test_the_sample_practice_is_recorded_as_made_by_the_command_line(sample_client):
    person = create_person(sample_client, "Grace", "Hopper")
    records = audit_trail(sample_client)
    loaded = [r for r in records if r["actor_id"] == "local-operator"]
    # Seeding the catalogue, the sample's entities and relationships, the first admin and their key.
    assert {r["action"] for r in loaded} == {"bulk_load", "create", "issue_key"}
    assert any(r["target_kind"] == "relationship" for r in loaded)
    assert records[-1]["target_id"] == person["id"] and records[-1]["actor_id"] != "local-operator"
