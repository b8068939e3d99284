"""The cycle of service over the API on the sample practice: templates, touches, service
requests, important dates, the reports and household rollups, as of 2026-11-23."""

from __future__ import annotations

import pytest

from api.helpers import added_records, audit_ids, ok, problem

TODAY = "2026-11-23"


def _id(client, path: str, name: str) -> str:
    items = ok(client.get(path, params={"name": name}))["items"]
    assert len(items) == 1
    return items[0]["id"]


@pytest.fixture
def ids(sample_client):
    c = sample_client
    return {
        "elliott": _id(c, "/clients", "Elliott"), "smart": _id(c, "/clients", "Smart Systems"),
        "reid": _id(c, "/clients", "Sam Reid"), "okafor": _id(c, "/clients", "Okafor Household"),
        "anna": _id(c, "/team-members", "Anna"), "omar": _id(c, "/team-members", "Omar"),
        "john": _id(c, "/people", "John Elliott"), "jean": _id(c, "/people", "Jean Elliott"),
    }


def test_templates_have_defaults_and_can_be_edited(sample_client):
    templates = ok(sample_client.get("/service/templates"))
    assert [t["tier"] for t in templates] == ["AAA", "AA", "A", "B", "C", "D"]
    assert templates[0] == {"tier": "AAA", "touches_per_year": 24, "review_frequency": "quarterly",
                            "appreciation_events": 2, "newsletters": True, "holiday_cards": True,
                            "birthday_contact": True, "edited": False, "updated_at": None}
    changed = ok(sample_client.patch("/service/templates/B", json={"touches_per_year": 6, "birthday_contact": True}))
    assert (changed["touches_per_year"], changed["birthday_contact"], changed["review_frequency"]) == (6, True, "annual")
    assert changed["edited"] and changed["updated_at"]
    again = ok(sample_client.patch("/service/templates/B", json={"review_frequency": "semi_annual"}))
    assert (again["touches_per_year"], again["review_frequency"]) == (6, "semi_annual")
    assert ok(sample_client.get("/service/templates/B")) == again
    problem(sample_client.patch("/service/templates/B", json={"review_frequency": "monthly"}), 422)
    problem(sample_client.patch("/service/templates/B", json={"touches_per_year": -1}), 422)
    problem(sample_client.patch("/service/templates/Z", json={}), 422)
    problem(sample_client.patch("/service/templates/B", json={"colour": "red"}), 422)


def test_touches_and_service_requests_are_recorded_against_a_client(sample_client, ids):
    c = sample_client
    touch = ok(c.post(f"/clients/{ids['elliott']}/touches",
                      json={"date": "2026-03-02", "kind": "meeting", "team_member_id": ids["anna"],
                            "notes": "Annual review lunch \"with\" John"}), 201)
    assert (touch["client_id"], touch["kind"], touch["team_member_id"]) == (ids["elliott"], "meeting", ids["anna"])
    ok(c.post(f"/clients/{ids['elliott']}/touches", json={"date": "2025-12-20", "kind": "card"}), 201)
    assert [t["date"] for t in ok(c.get(f"/clients/{ids['elliott']}/touches"))] == ["2026-03-02", "2025-12-20"]
    assert [t["id"] for t in ok(c.get(f"/clients/{ids['elliott']}/touches", params={"year": 2026}))] == [touch["id"]]
    request = ok(c.post(f"/clients/{ids['reid']}/service-requests",
                        json={"date": "2026-10-01", "kind": "address_change", "notes": "New flat"}), 201)
    assert [r["id"] for r in ok(c.get(f"/clients/{ids['reid']}/service-requests"))] == [request["id"]]
    assert ok(c.get(f"/clients/{ids['elliott']}/service-requests")) == []

    problem(c.post("/clients/nobody/touches", json={"date": "2026-03-02", "kind": "call"}), 404)
    problem(c.post(f"/clients/{ids['john']}/touches", json={"date": "2026-03-02", "kind": "call"}), 404)  # a person
    problem(c.post(f"/clients/{ids['elliott']}/touches",
                   json={"date": "2026-03-02", "kind": "call", "team_member_id": ids["john"]}), 422)
    problem(c.post(f"/clients/{ids['elliott']}/touches", json={"date": "2026-03-02", "kind": "fax"}), 422)
    problem(c.post(f"/clients/{ids['elliott']}/service-requests", json={"kind": "question"}), 422)
    problem(c.get("/clients/nobody/touches"), 404)
    assert len(ok(c.get(f"/clients/{ids['elliott']}/touches"))) == 2


def test_important_dates_on_people_and_clients_and_the_upcoming_ones(sample_client, ids):
    c = sample_client
    anniversary = ok(c.post(f"/people/{ids['john']}/important-dates",
                            json={"kind": "anniversary", "date": "1996-12-01", "notes": "Wedding"}), 201)
    assert (anniversary["entity_kind"], anniversary["name"]) == ("person", "John Elliott")
    review = ok(c.post(f"/clients/{ids['smart']}/important-dates", json={"kind": "review", "date": "2026-12-10"}), 201)
    ok(c.post(f"/clients/{ids['smart']}/important-dates", json={"kind": "review", "date": "2026-01-10"}), 201)
    problem(c.post("/clients/nobody/important-dates", json={"kind": "review", "date": "2026-12-10"}), 404)
    problem(c.post(f"/clients/{ids['smart']}/important-dates", json={"kind": "party", "date": "2026-12-10"}), 422)

    john = ok(c.get(f"/people/{ids['john']}/important-dates"))
    assert [(d["kind"], d["date"]) for d in john] == [("birthday", "1968-04-12"), ("anniversary", "1996-12-01")]
    upcoming = ok(c.get("/service/upcoming-dates", params={"days": 30, "today": TODAY}))
    assert [(d["name"], d["kind"], d["on"], d["in_days"]) for d in upcoming] == [
        ("John Elliott", "anniversary", "2026-12-01", 8), ("Smart Systems Ltd", "review", "2026-12-10", 17)]
    # Birthdays come from birth dates: Rose Elliott (17 February) and John (12 April).
    later = ok(c.get("/service/upcoming-dates", params={"days": 150, "today": TODAY}))
    assert [d["name"] for d in later if d["kind"] == "birthday"] == ["Rose Elliott", "John Elliott"]

    assert c.delete(f"/service/important-dates/{review['id']}").status_code == 204
    problem(c.delete(f"/service/important-dates/{review['id']}"), 404)
    assert [d["kind"] for d in ok(c.get("/service/upcoming-dates", params={"days": 30, "today": TODAY}))] == ["anniversary"]
    problem(c.get("/service/upcoming-dates", params={"days": 400}), 422)


def test_the_report_compares_touches_due_and_done_and_finds_overdue_clients(sample_client, ids):
    c = sample_client
    for client_id, tier in ((ids["elliott"], "AA"), (ids["smart"], "B"), (ids["reid"], "C")):
        ok(c.patch(f"/clients/{client_id}", json={"tier": tier}))
    # Elliott (AA: 12 a year, semi-annual reviews): 11 touches by 23 November, the last review in July.
    for month in range(1, 12):
        kind = "review" if month == 7 else "call"
        ok(c.post(f"/clients/{ids['elliott']}/touches", json={"date": f"2026-{month:02d}-05", "kind": kind}), 201)
    # Smart Systems (B: 4 a year, annual review): one touch, and never reviewed, so a review is due now.
    ok(c.post(f"/clients/{ids['smart']}/touches", json={"date": "2026-04-01", "kind": "call"}), 201)
    # Sam Reid (C: 2 a year, annual): reviewed in March, and a touch in August.
    ok(c.post(f"/clients/{ids['reid']}/touches", json={"date": "2026-03-01", "kind": "review"}), 201)
    ok(c.post(f"/clients/{ids['reid']}/touches", json={"date": "2026-08-01", "kind": "call"}), 201)
    ok(c.patch(f"/clients/{ids['reid']}", json={"next_review_date": "2027-03-01"}))

    report = {r["name"]: r for r in ok(c.get("/service/report", params={"today": TODAY}))}
    assert set(report) == {"Elliott Household", "Smart Systems Ltd", "Sam Reid"}  # prospects without a tier are left out
    elliott = report["Elliott Household"]
    assert (elliott["touches_per_year"], elliott["touches_due_to_date"], elliott["touches_done"]) == (12, 10, 11)
    assert (elliott["last_review"], elliott["next_review"], elliott["overdue"]) == ("2026-07-05", "2027-01-05", False)
    smart = report["Smart Systems Ltd"]
    assert (smart["touches_due_to_date"], smart["touches_done"], smart["next_review"]) == (3, 1, TODAY)
    assert smart["overdue"] and smart["overdue_reasons"] == ["2 touches behind (1 done of 3 due by now)", "review due today"]
    reid = report["Sam Reid"]
    assert (reid["touches_due_to_date"], reid["touches_done"], reid["next_review"], reid["overdue"]) == (
        1, 2, "2027-03-01", False)

    overdue = ok(c.get("/service/overdue", params={"today": TODAY}))
    assert [(o["owner_name"], [x["name"] for x in o["clients"]]) for o in overdue] == [("Anna Shaw", ["Smart Systems Ltd"])]
    assert ok(c.get("/service/overdue", params={"today": TODAY, "owner_id": ids["omar"]})) == []
    problem(c.get("/service/overdue", params={"owner_id": "nobody"}), 404)
    only_omar = ok(c.get("/service/report", params={"today": TODAY, "owner_id": ids["omar"]}))
    assert [r["name"] for r in only_omar] == ["Sam Reid"]
    problem(c.get("/service/report", params={"when": TODAY}), 422)

    # A review booked as an important date sets the next review.
    ok(c.post(f"/clients/{ids['smart']}/important-dates", json={"kind": "review", "date": "2026-12-10"}), 201)
    smart = next(r for r in ok(c.get("/service/report", params={"today": TODAY})) if r["client_id"] == ids["smart"])
    assert smart["next_review"] == "2026-12-10" and smart["overdue_reasons"] == ["2 touches behind (1 done of 3 due by now)"]


def test_household_rollups_show_revenue_and_assets_with_members(sample_client, ids):
    rollups = {r["name"]: r for r in ok(sample_client.get("/service/households"))}
    assert set(rollups) == {"Elliott Household", "Okafor Household"}
    elliott = rollups["Elliott Household"]
    assert (elliott["annual_revenue"], elliott["assets_under_management"]) == (14_500, 1_850_000)
    members = {m["name"]: m for m in elliott["members"]}
    assert list(members) == ["James Elliott", "Jean Elliott", "John Elliott", "Rose Elliott"]
    # Jean is also the primary contact and a director at Smart Systems: two clients, listed under each.
    assert (members["Jean Elliott"]["roles"], members["Jean Elliott"]["client_count"]) == (["partner"], 2)
    smart = ok(sample_client.get("/service/households", params={"client_id": ids["smart"]}))
    [jean] = [m for m in smart[0]["members"] if m["name"] == "Jean Elliott"]
    assert sorted(jean["roles"]) == ["director", "primary_contact"] and jean["client_count"] == 2
    problem(sample_client.get("/service/households", params={"client_id": "nobody"}), 404)


def test_membership_shares_attribute_a_household_to_its_members(sample_client):
    elliott = sample_client.get("/clients", params={"name": "Elliott Household"}).json()["items"][0]
    detail = sample_client.get(f"/clients/{elliott['id']}").json()
    john = next(m for m in detail["members"] if m["person"]["name"] == "John Elliott")
    jean = next(m for m in detail["members"] if m["person"]["name"] == "Jean Elliott")
    for member, share in ((john, 0.6), (jean, 0.4)):
        changed = sample_client.patch(f"/relationships/{member['relationship_id']}", json={"share": share})
        assert changed.status_code == 200 and changed.json()["share"] == share
    rollup = sample_client.get("/service/households", params={"client_id": elliott["id"]}).json()[0]
    by_name = {m["name"]: m for m in rollup["members"]}
    assert by_name["John Elliott"]["attributed_revenue"] == pytest.approx(0.6 * 14_500)
    assert by_name["Jean Elliott"]["attributed_assets_under_management"] == pytest.approx(0.4 * 1_850_000)
    assert by_name["Rose Elliott"]["share"] is None and by_name["Rose Elliott"]["attributed_revenue"] is None
    assert by_name["Jean Elliott"]["client_count"] == 2  # also Smart Systems Ltd, counted there too


def test_a_share_belongs_to_memberships_only(sample_client):
    john = sample_client.get("/people", params={"name": "John Elliott"}).json()["items"][0]
    jean = sample_client.get("/people", params={"name": "Jean Elliott"}).json()["items"][0]
    spouse = next(r for r in sample_client.get(f"/people/{john['id']}/relationships").json()
                  if r["relationship"]["type"] == "SPOUSE_OF")
    refused = sample_client.patch(f"/relationships/{spouse['relationship']['id']}", json={"share": 0.5})
    assert refused.status_code == 422 and "memberships only" in refused.json()["detail"]
    created = sample_client.post("/relationships", json={"type": "ACQUAINTANCE_OF", "from_id": john["id"],
                                                         "to_id": jean["id"], "share": 0.5})
    assert created.status_code == 422
    assert sample_client.patch(f"/relationships/{spouse['relationship']['id']}", json={"share": 1.5}).status_code == 422


def test_a_deleted_client_or_person_takes_its_touches_requests_and_dates_with_it(sample_client, ids):
    """A client's history is its own: deleting it leaves nothing behind in practice-wide
    reports or the store, and each removed record has its audit record."""
    c = sample_client
    touch = ok(c.post(f"/clients/{ids['reid']}/touches", json={"date": "2026-03-02", "kind": "call"}), 201)
    request = ok(c.post(f"/clients/{ids['reid']}/service-requests", json={"date": "2026-10-01", "kind": "question"}), 201)
    review = ok(c.post(f"/clients/{ids['reid']}/important-dates", json={"kind": "review", "date": "2026-12-10"}), 201)
    kept = ok(c.post(f"/clients/{ids['elliott']}/touches", json={"date": "2026-03-03", "kind": "call"}), 201)
    before = audit_ids(c)
    assert c.delete(f"/clients/{ids['reid']}", params={"cascade": "true"}).status_code == 204

    removed = {(r["target_kind"], r["target_id"]): r for r in added_records(c, before) if r["action"] == "delete"}
    for kind, record in (("touch", touch), ("service_request", request), ("important_date", review)):
        assert removed[(kind, record["id"])]["before"]["id"] == record["id"]
    assert ("client", ids["reid"]) in removed
    store = c.app.state.opened.store
    left = store.read("MATCH (r) WHERE r.client_id = $id OR r.entity_id = $id RETURN count(r) AS n", {"id": ids["reid"]})
    assert left == [{"n": 0}]
    assert [t["id"] for t in ok(c.get(f"/clients/{ids['elliott']}/touches"))] == [kept["id"]]

    anniversary = ok(c.post(f"/people/{ids['jean']}/important-dates", json={"kind": "anniversary", "date": "1996-12-01"}), 201)
    assert c.delete(f"/people/{ids['jean']}", params={"cascade": "true"}).status_code == 204
    assert store.read("MATCH (d:ImportantDate {id: $id}) RETURN count(d) AS n", {"id": anniversary["id"]}) == [{"n": 0}]
