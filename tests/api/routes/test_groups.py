"""Groups over the API, on the sample practice (see tests/api/routes/test_visibility.py for
who sees what): Anna Shaw owns Elliott Household and Smart Systems Ltd, Omar Haddad the
Okafor Household, Sam Reid and Okafor Logistics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.helpers import added_records, as_caller, audit_ids, everything, ids, issue_key, ok, problem, snapshot


@pytest.fixture
def found(sample_client: TestClient) -> dict[str, str]:
    c = sample_client
    return {**ids(c, "people"), **ids(c, "team-members"), **ids(c, "clients")}  # Sam Reid: the client


def create_group(client: TestClient, **body) -> dict:
    response = client.post("/groups", json=body)
    group = ok(response, 201)
    assert response.headers["location"] == f"/groups/{group['id']}"
    assert response.headers["etag"] == f'"{group["version"]}"'
    return group


def member_names(client: TestClient, group_id: str) -> list[tuple[str, bool, bool]]:
    return sorted((m["name"], m["hand_picked"], m["by_filter"]) for m in everything(client, f"/groups/{group_id}/members"))


def test_a_group_of_hand_picked_members_and_a_filter(sample_client, found):
    c, f = sample_client, found
    before = audit_ids(c)
    group = create_group(c, name="Business owners", description="Directors and their firms",
                         member_ids=[f["Jean Elliott"], f["Tom Hughes"], f["Smart Systems Ltd"]],
                         filter={"kind": "business"})
    assert group["filter"] == {"entity_kind": "client", "kind": "business", "tier": None, "stage": None,
                               "segment": None, "owner_id": None, "influencer_segment": None}
    assert (group["hand_picked"], group["members"], group["version"]) == (3, 4, 1)
    assert member_names(c, group["id"]) == [
        ("Jean Elliott", True, False), ("Okafor Logistics", False, True), ("Smart Systems Ltd", True, True),
        ("Tom Hughes", True, False)]
    [record] = added_records(c, before)
    assert (record["action"], record["target_kind"], record["target_id"]) == ("create", "group", group["id"])
    assert record["after"]["member_count"] == 3 and f["Tom Hughes"] in record["note"]

    # The filter is read with the practice as it is: a client becoming a business joins.
    ok(c.patch(f"/clients/{f['Sam Reid']}", json={"kind": "business"}))
    assert ok(c.get(f"/groups/{group['id']}"))["members"] == 5

    # Rename, add, remove: each one versioned, audited write.
    renamed = ok(c.patch(f"/groups/{group['id']}", json={"name": "Owners of businesses"}, headers={"If-Match": '"1"'}))
    assert (renamed["name"], renamed["version"]) == ("Owners of businesses", 2)
    added = ok(c.post(f"/groups/{group['id']}/members", json={"entity_ids": [f["John Elliott"], f["Tom Hughes"]]}))
    assert (added["hand_picked"], added["version"]) == (4, 3)
    again = ok(c.post(f"/groups/{group['id']}/members", json={"entity_ids": [f["John Elliott"]]}))
    assert again["version"] == 3  # already a member: nothing written
    # A member the filter selects leaves by a change of the filter, not by hand.
    body = problem(c.delete(f"/groups/{group['id']}/members/{f['Okafor Logistics']}"), 409)
    assert "by its filter, not picked by hand" in body["detail"]
    removed = ok(c.delete(f"/groups/{group['id']}/members/{f['Tom Hughes']}"))
    assert (removed["hand_picked"], removed["version"]) == (3, 4)
    unfiltered = ok(c.patch(f"/groups/{group['id']}", json={"filter": None}))
    assert unfiltered["filter"] is None and unfiltered["members"] == 3
    records = [r for r in added_records(c, before) if r["target_kind"] == "group"]
    assert [r["action"] for r in records] == ["create", "update", "update", "update", "update"]
    assert records[3]["note"] == f"removed 1 member: {f['Tom Hughes']}"

    assert [g["name"] for g in everything(c, "/groups")] == ["Owners of businesses"]
    deleted = added_records(c, before)
    assert c.delete(f"/groups/{group['id']}", headers={"If-Match": '"5"'}).status_code == 204
    problem(c.get(f"/groups/{group['id']}"), 404)
    [record] = [r for r in added_records(c, before) if r not in deleted]
    assert (record["action"], record["target_id"], record["before"]["name"]) == ("delete", group["id"], "Owners of businesses")


def test_bad_input_is_refused_and_changes_nothing(sample_client, found):
    c, f = sample_client, found
    group = create_group(c, name="Retirees 2027", member_ids=[f["John Elliott"]])
    state, groups, trail = snapshot(c), everything(c, "/groups"), audit_ids(c)
    unknown = "01JZZZZZZZZZZZZZZZZZZZZZZZ"
    for method, url, body, status, detail in (
        ("post", "/groups", {"name": "retirees  2027"}, 409, "a group named 'retirees  2027' exists already"),
        ("post", "/groups", {"name": "X", "member_ids": [unknown]}, 404, f"no client or person with id '{unknown}'"),
        ("post", "/groups", {"name": "X", "member_ids": [f["Anna Shaw"]]}, 422, "is a team member: a group holds"),
        ("post", "/groups", {"name": "X", "filter": {"stage": "retired"}}, 422, "filter.unknown stage 'retired'"),
        ("post", "/groups", {"name": "X", "filter": {}}, 422, "filter: name at least one of"),
        ("post", "/groups", {"name": "X", "filter": {"entity_kind": "person", "tier": "A"}}, 422,
         "selects by influencer_segment, not by tier"),
        ("post", "/groups", {"name": "X", "filter": {"owner_id": f["John Elliott"]}}, 422, "does not name a team member"),
        ("post", "/groups", {"name": "X", "filter": {"tier": "Z"}}, 422, None),
        ("post", "/groups", {"name": ""}, 422, None),
        ("post", "/groups", {"name": "X", "colour": "red"}, 422, None),
        ("patch", f"/groups/{group['id']}", {"name": None}, 422, None),
        ("patch", f"/groups/{unknown}", {"name": "Y"}, 404, f"no group with id '{unknown}'"),
        ("post", f"/groups/{group['id']}/members", {"entity_ids": []}, 422, None),
        ("post", f"/groups/{group['id']}/members", {"entity_ids": [unknown]}, 404, None),
    ):
        body_problem = problem(getattr(c, method)(url, json=body), status)
        assert detail is None or detail in body_problem["detail"], body_problem
    for url, status in ((f"/groups/{group['id']}/members/{f['Jean Elliott']}", 404), (f"/groups/{unknown}", 404)):
        problem(c.delete(url), status)
    problem(c.patch(f"/groups/{group['id']}", json={"name": "Y"}, headers={"If-Match": '"7"'}), 412)
    problem(c.delete(f"/groups/{group['id']}", headers={"If-Match": '"7"'}), 412)
    assert (snapshot(c), everything(c, "/groups"), audit_ids(c)) == (state, groups, trail)


def test_deleting_an_entity_takes_it_out_of_its_groups(sample_client, found):
    c, f = sample_client, found
    group = create_group(c, name="Friends", member_ids=[f["Kim Lowe"], f["Nina Brooks"]])
    other = create_group(c, name="Also Kim", member_ids=[f["Kim Lowe"]])
    before = audit_ids(c)
    assert c.delete(f"/people/{f['Kim Lowe']}", params={"cascade": "true"}).status_code == 204
    after = ok(c.get(f"/groups/{group['id']}"))
    assert (after["hand_picked"], after["version"]) == (1, 2)
    assert ok(c.get(f"/groups/{other['id']}"))["hand_picked"] == 0
    assert member_names(c, group["id"]) == [("Nina Brooks", True, False)]
    records = [r for r in added_records(c, before) if r["target_kind"] == "group"]
    assert sorted(r["target_id"] for r in records) == sorted([group["id"], other["id"]])
    assert all(r["after"]["member_count"] == r["before"]["member_count"] - 1 for r in records)


@pytest.fixture
def team(sample_client: TestClient, found) -> dict[str, TestClient]:
    callers = {name.split()[0].lower(): as_caller(sample_client, issue_key(sample_client, found[name]))
               for name in ("Anna Shaw", "Omar Haddad", "Lee Chen")}
    ok(sample_client.patch("/practice-settings", json={"visibility": "owner_hierarchy"}))
    return {**callers, "admin": sample_client}


def test_a_restricted_caller_sees_and_counts_only_the_members_they_may_see(team, found):
    f, anna, omar = found, team["anna"], team["omar"]
    group = create_group(team["admin"], name="Everyone at the client stage", filter={"stage": "client"},
                         member_ids=[f["Grace Okafor"], f["Rose Elliott"]])
    assert (group["members"], group["hand_picked"]) == (5, 2)
    seen = ok(anna.get(f"/groups/{group['id']}"))
    assert (seen["members"], seen["hand_picked"]) == (3, 1)
    assert member_names(anna, group["id"]) == [
        ("Elliott Household", False, True), ("Rose Elliott", True, False), ("Smart Systems Ltd", False, True)]
    listed = omar.get(f"/groups/{group['id']}/members", params={"limit": 500}).text
    assert "Rose Elliott" not in listed and f["Rose Elliott"] not in listed
    assert ok(omar.get("/groups"))["items"][0]["members"] == 2  # Sam Reid (at the client stage), Grace Okafor (picked)
    # Anna may not pick, remove or delete by what she cannot see.
    problem(anna.post(f"/groups/{group['id']}/members", json={"entity_ids": [f["Grace Okafor"]]}), 404)
    problem(anna.delete(f"/groups/{group['id']}/members/{f['Grace Okafor']}"), 404)
    body = problem(anna.delete(f"/groups/{group['id']}"), 409)
    assert "outside your view" in body["detail"] and f["Grace Okafor"] not in body["detail"]
    # Lee (analyst) reads but may not write.
    assert ok(team["lee"].get(f"/groups/{group['id']}"))["members"] == 0
    problem(team["lee"].post("/groups", json={"name": "Mine"}), 403)
    # Her own group she changes and deletes.
    mine = create_group(anna, name="Anna's households", member_ids=[f["Elliott Household"]])
    assert anna.delete(f"/groups/{mine['id']}").status_code == 204


# -- mailing lists ------------------------------------------------------------------------------------
ELLIOTT_HOME = {"address_line1": "12 Elm Road", "address_line2": "Roundhay", "locality": "Leeds", "postcode": "LS8 2AB",
                "country": "GB"}


@pytest.fixture
def addressed(sample_client: TestClient, found) -> dict[str, str]:
    """Addresses on the Elliott Household, Smart Systems Ltd and Rose Elliott (away at university);
    none on anyone else. Plans made as of 23 November 2026, with the tiers of tests/api/routes/test_work.py."""
    c, f = sample_client, found
    ok(c.patch(f"/clients/{f['Elliott Household']}", json={**ELLIOTT_HOME, "tier": "AA"}))
    ok(c.patch(f"/clients/{f['Smart Systems Ltd']}", json={
        "address_line1": "Unit 4, Canal Wharf", "locality": "Leeds", "postcode": "LS11 5PS", "country": "GB", "tier": "B",
        "salutation": "Jean and the Smart Systems team"}))
    ok(c.patch(f"/clients/{f['Sam Reid']}", json={"tier": "C"}))
    ok(c.patch(f"/people/{f['Rose Elliott']}", json={"address_line1": "Flat 2, 9 Quay St", "locality": "Bristol",
                                                     "country": "GB", "title": "Ms"}))
    ok(c.post("/service/plans", json={"as_of": "2026-11-23"}))
    return f


def test_a_groups_mailing_writes_to_each_household_once(sample_client, addressed):
    c, f = sample_client, addressed
    # A name a spreadsheet would run as a formula is written as text.
    sneaky = ok(c.post("/people", json={"first_name": "=HYPERLINK(\"http://x.example\")", "last_name": "-Smith",
                                        "address_line1": "@1 High St", "locality": "York"}), 201)
    group = create_group(c, name="Summer party", member_ids=[
        f["John Elliott"], f["Jean Elliott"], f["James Elliott"], f["Rose Elliott"], f["Smart Systems Ltd"], f["Kim Lowe"],
        sneaky["id"]])
    mailing = ok(c.get(f"/groups/{group['id']}/mailing"))
    assert [(r["name"], r["salutation"], r["locality"]) for r in mailing["rows"]] == [
        ("=HYPERLINK(\"http://x.example\") -Smith", "=HYPERLINK(\"http://x.example\") -Smith", "York"),
        ("John and Jean Elliott", "John and Jean Elliott", "Leeds"),
        ("Ms Rose Elliott", "Ms Elliott", "Bristol"),
        ("Smart Systems Ltd", "Jean and the Smart Systems team", "Leeds"),
    ]
    assert mailing["without_address"] == [{"id": f["Kim Lowe"], "kind": "person", "name": "Kim Lowe"}]

    response = c.get(f"/groups/{group['id']}/mailing.csv")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["mailing-without-address"] == "1"
    assert response.text.splitlines() == [
        "name,salutation,address_line1,address_line2,locality,region,postcode,country",
        "\"'=HYPERLINK(\"\"http://x.example\"\") -Smith\",\"'=HYPERLINK(\"\"http://x.example\"\") -Smith\",'@1 High St,,York,,,",
        "John and Jean Elliott,John and Jean Elliott,12 Elm Road,Roundhay,Leeds,,LS8 2AB,GB",
        "Ms Rose Elliott,Ms Elliott,\"Flat 2, 9 Quay St\",,Bristol,,,GB",
        "Smart Systems Ltd,Jean and the Smart Systems team,\"Unit 4, Canal Wharf\",,Leeds,,LS11 5PS,GB",
    ]


def test_a_mailing_of_tasks_writes_to_each_client_or_birthday_person_once(sample_client, addressed, team):
    c, f = sample_client, addressed
    cards = ok(c.get("/service/tasks/mailing", params={"kind": "holiday_card", "from": "2026-11-23", "to": "2027-12-31"}))
    # Two cards each (2026 and 2027), one row each; Sam Reid's tier C sends no card.
    assert [r["name"] for r in cards["rows"]] == ["John and Jean Elliott", "Smart Systems Ltd"]
    birthdays = ok(c.get("/service/tasks/mailing", params={"kind": "birthday", "from": "2027-01-01", "to": "2027-12-31"}))
    assert [(r["name"], r["locality"]) for r in birthdays["rows"]] == [
        ("James Elliott", "Leeds"), ("Jean Elliott", "Leeds"), ("John Elliott", "Leeds"), ("Ms Rose Elliott", "Bristol")]
    csv_text = c.get("/service/tasks/mailing.csv", params={"kind": "birthday", "from": "2027-01-01", "to": "2027-03-01"}).text
    assert csv_text.splitlines()[1:] == ["Ms Rose Elliott,Ms Elliott,\"Flat 2, 9 Quay St\",,Bristol,,,GB"]
    assert ok(c.get("/service/tasks/mailing", params={"kind": "holiday_card", "from": "2026-11-23", "to": "2027-12-31",
                                                       "status": "done"}))["rows"] == []
    # A restricted caller's mailing holds only their clients: Omar's send no cards.
    assert ok(team["omar"].get("/service/tasks/mailing", params={"kind": "holiday_card", "from": "2026-11-23",
                                                                  "to": "2027-12-31"})) == {"rows": [], "without_address": []}
    assert len(ok(team["anna"].get("/service/tasks/mailing", params={
        "kind": "holiday_card", "from": "2026-11-23", "to": "2027-12-31"}))["rows"]) == 2
    # So does their group mailing: Sam Reid (Omar's, at the client stage) has no address.
    group = create_group(c, name="Clients", filter={"stage": "client"})
    assert [r["name"] for r in ok(team["anna"].get(f"/groups/{group['id']}/mailing"))["rows"]] == [
        "John and Jean Elliott", "Smart Systems Ltd"]
    assert ok(team["omar"].get(f"/groups/{group['id']}/mailing")) == {
        "rows": [], "without_address": [{"id": f["Sam Reid"], "kind": "client", "name": "Sam Reid"}]}
    problem(team["anna"].get("/groups/01JZZZZZZZZZZZZZZZZZZZZZZZ/mailing.csv"), 404)
    for params, status in (({"kind": "holiday_card", "from": "2027-01-01", "to": "2026-01-01"}, 422),
                           ({"kind": "card", "from": "2027-01-01", "to": "2027-02-01"}, 422),
                           ({"kind": "birthday", "from": "2027-01-01"}, 422),
                           ({"kind": "birthday", "from": "01/01/2027", "to": "2027-02-01"}, 422)):
        problem(c.get("/service/tasks/mailing.csv", params=params), status)


def test_members_added_at_once_are_all_kept(client):
    """20 people picked into one group from 8 threads (the app's thread pool interleaves their
    reads and guarded writes): none is lost, and each addition has its own version and record."""
    from concurrent.futures import ThreadPoolExecutor

    from api.helpers import create_person

    people = [create_person(client, first_name=f"P{i}", last_name="Test")["id"] for i in range(20)]
    group = create_group(client, name="Crowd")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda pid: client.post(f"/groups/{group['id']}/members", json={"entity_ids": [pid]}), people))
    assert [a.status_code for a in answers] == [200] * 20
    final = ok(client.get(f"/groups/{group['id']}"))
    assert (final["hand_picked"], final["version"]) == (20, 21)
    assert sorted(a.json()["version"] for a in answers) == list(range(2, 22))
