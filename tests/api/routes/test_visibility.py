"""Who sees what, on the sample practice, with the answers worked out by hand.

The team: Mark Davies (practice manager) with Anna Shaw, Omar Haddad (advisers) and Lee Chen
(analyst) reporting to him, and Priya Patel (client service) reporting to Anna; Ada Admin is
the admin whose key the fixtures send. Anna owns Elliott Household and Smart Systems Ltd;
Omar owns Okafor Household, Sam Reid and Okafor Logistics.

In owner-hierarchy mode Anna sees her two clients and the people related to them; Omar his
three and theirs (John Elliott too: he referred the Okafors); Priya and Lee own nothing and
have nobody below them who does, so they see no client and only the people tied to no
client (Nina Brooks, Kim Lowe); Mark and Ada see everything. In open mode everyone sees everything.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.helpers import SAMPLE_ALL_RELATIONSHIPS, as_caller, everything, ids, issue_key, ok, problem

ELLIOTT_PEOPLE = {"John Elliott", "Jean Elliott", "Rose Elliott", "James Elliott"}
#: Related to no client at all: in everyone's view, like the directory.
UNATTACHED_PEOPLE = {"Nina Brooks", "Kim Lowe"}
#: Anna's view: Tom Hughes works at Smart Systems; Laura Harper is the Elliotts' solicitor;
#: Ben Carter was their accountant (ended, still a relationship).
ANNA_PEOPLE = ELLIOTT_PEOPLE | {"Tom Hughes", "Laura Harper", "Ben Carter"} | UNATTACHED_PEOPLE
ANNA_CLIENTS = {"Elliott Household", "Smart Systems Ltd"}
OMAR_CLIENTS = {"Okafor Household", "Sam Reid", "Okafor Logistics"}
OMAR_PEOPLE = {"Grace Okafor", "David Okafor", "Sam Reid", "John Elliott"} | UNATTACHED_PEOPLE
EVERY_CLIENT = ANNA_CLIENTS | OMAR_CLIENTS
DIRECTORY = {
    "team-members": {"Mark Davies", "Anna Shaw", "Omar Haddad", "Priya Patel", "Lee Chen", "Ada Admin"},
    "providers": {"Harper & Cole Solicitors", "Brightside Accountants", "Atlas Life"},
    "divisions": {"London Office", "Leeds Office"},
}
UNKNOWN_ID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"


@pytest.fixture
def team(sample_client: TestClient) -> dict[str, TestClient]:
    """A client calling as each team member (and "admin" as Ada), in owner-hierarchy mode."""
    members = ids(sample_client, "team-members")
    callers = {
        first.lower(): as_caller(sample_client, issue_key(sample_client, members[name]))
        for name in DIRECTORY["team-members"] - {"Ada Admin"} for first in [name.split()[0]]
    }
    ok(sample_client.patch("/practice-settings", json={"visibility": "owner_hierarchy"}))
    return {**callers, "admin": sample_client}


def _names(client: TestClient, path: str) -> set[str]:
    return {item["name"] for item in everything(client, f"/{path}")}


def _hidden_from(response_text: str, names: set[str], entity_ids: set[str]) -> list[str]:
    """The names and ids in ``response_text`` that should not be there."""
    return sorted(word for word in names | entity_ids if word in response_text)


@pytest.mark.parametrize(("who", "clients", "people"), [
    ("anna", ANNA_CLIENTS, ANNA_PEOPLE),
    ("omar", OMAR_CLIENTS, OMAR_PEOPLE),
    ("priya", set(), UNATTACHED_PEOPLE),
    ("lee", set(), UNATTACHED_PEOPLE),
])
def test_each_adviser_lists_their_hierarchys_clients_and_people(team, who, clients, people):
    caller = team[who]
    assert _names(caller, "clients") == clients
    assert _names(caller, "people") == people
    for path, directory in DIRECTORY.items():
        assert _names(caller, path) == directory  # the directory is open to everyone


@pytest.mark.parametrize("who", ["mark", "admin"])
def test_practice_managers_and_admins_see_everything(team, who):
    assert _names(team[who], "clients") == EVERY_CLIENT
    assert len(everything(team[who], "/people")) == 12
    assert len(everything(team[who], "/relationships", include_ended="true")) == SAMPLE_ALL_RELATIONSHIPS


def test_open_mode_shows_everyone_everything(team):
    ok(team["admin"].patch("/practice-settings", json={"visibility": "open"}))
    for who in ("anna", "omar", "priya", "lee"):
        assert _names(team[who], "clients") == EVERY_CLIENT
        assert len(everything(team[who], "/people")) == 12
        assert ok(team[who].get("/me"))["sees_every_client"] is True


def test_a_manager_sees_what_the_people_below_them_own(team, sample_client):
    """Give Priya (below Anna) a client of her own: Anna sees it, Priya sees only it."""
    priya_id = ids(sample_client, "team-members")["Priya Patel"]
    ok(sample_client.post("/clients", json={"name": "Patel Trust", "kind": "individual", "owner_id": priya_id}), 201)
    assert _names(team["priya"], "clients") == {"Patel Trust"}
    assert _names(team["anna"], "clients") == ANNA_CLIENTS | {"Patel Trust"}
    assert "Patel Trust" not in _names(team["omar"], "clients")


def test_pages_of_a_restricted_list_are_full(team):
    page = ok(team["anna"].get("/people", params={"limit": 3}))
    assert len(page["items"]) == 3 and page["next_cursor"] is not None
    walked, after = [], None
    while True:
        page = ok(team["anna"].get("/people", params={"limit": 2, **({"after": after} if after else {})}))
        walked += [p["name"] for p in page["items"]]
        if page["next_cursor"] is None:
            break
        assert len(page["items"]) == 2
        after = page["next_cursor"]
    assert set(walked) == ANNA_PEOPLE and len(walked) == len(ANNA_PEOPLE)
    # Filters work within what the caller sees.
    assert {c["name"] for c in ok(team["anna"].get("/clients", params={"stage": "client"}))["items"]} == ANNA_CLIENTS
    assert ok(team["anna"].get("/clients", params={"name": "okafor"}))["items"] == []


def test_an_entity_the_caller_may_not_see_is_404_exactly_as_a_missing_one(team, sample_client):
    anna = team["anna"]
    clients, people = ids(sample_client, "clients"), ids(sample_client, "people")
    okafor, grace = clients["Okafor Household"], people["Grace Okafor"]
    for path, hidden in (("clients", okafor), ("people", grace)):
        for suffix in ("", "/relationships", "/network"):
            seen = problem(anna.get(f"/{path}/{hidden}{suffix}"), 404)
            missing = problem(anna.get(f"/{path}/{UNKNOWN_ID}{suffix}"), 404)
            assert seen["detail"] == missing["detail"].replace(UNKNOWN_ID, hidden)
    problem(anna.get(f"/people/{grace}/memberships"), 404)
    # Nor may they change or delete it: nothing is written.
    before = ok(sample_client.get(f"/clients/{okafor}"))
    problem(anna.patch(f"/clients/{okafor}", json={"segment": "A"}), 404)
    problem(anna.delete(f"/people/{grace}", params={"cascade": "true"}), 404)
    assert ok(sample_client.get(f"/clients/{okafor}")) == before
    ok(sample_client.get(f"/people/{grace}"))
    # What Anna sees, she reads as usual; her client's detail names its members.
    elliott = ok(anna.get(f"/clients/{clients['Elliott Household']}"))
    assert {m["person"]["name"] for m in elliott["members"]} == ELLIOTT_PEOPLE
    assert elliott["owner"]["name"] == "Anna Shaw"


def test_relationships_need_both_ends_visible(team, sample_client):
    anna, admin = team["anna"], team["admin"]
    every = everything(admin, "/relationships", include_ended="true")
    visible = ANNA_CLIENTS | ANNA_PEOPLE | DIRECTORY["team-members"] | DIRECTORY["providers"] | DIRECTORY["divisions"]
    expected = {r["id"] for r in every if r["from_entity"]["name"] in visible and r["to_entity"]["name"] in visible}
    assert {r["id"] for r in everything(anna, "/relationships", include_ended="true")} == expected
    referral = next(r for r in every if r["sentence"] == "John Elliott is the Referrer of Okafor Household")
    assert referral["id"] not in expected
    problem(anna.get(f"/relationships/{referral['id']}"), 404)
    problem(anna.patch(f"/relationships/{referral['id']}", json={"strength": 0.1}), 404)
    problem(anna.delete(f"/relationships/{referral['id']}"), 404)
    assert ok(admin.get(f"/relationships/{referral['id']}"))["strength"] == 0.9
    # John's relationships, as Anna reads them, leave the Okafors out.
    john = ids(sample_client, "people")["John Elliott"]
    assert "Okafor" not in anna.get(f"/people/{john}/relationships", params={"include_ended": "true"}).text


def test_an_ownership_shows_only_where_its_client_does(team, sample_client):
    anna, clients = ids(sample_client, "team-members")["Anna Shaw"], ids(sample_client, "clients")
    hidden_ids = {clients[name] for name in ANNA_CLIENTS}
    for path in (f"/team-members/{anna}/relationships", f"/team-members/{anna}/network?depth=2"):
        response = team["omar"].get(path)
        assert response.status_code == 200 and _hidden_from(response.text, ANNA_CLIENTS, hidden_ids) == []
    ownership = f"OWNER_OF-{clients['Elliott Household']}"
    for response in (team["omar"].get(f"/relationships/{ownership}"), team["omar"].delete(f"/relationships/{ownership}"),
                     team["omar"].patch(f"/relationships/{ownership}", json={"notes": "x"})):
        problem(response, 404)  # missing, exactly as an unknown id: not refused as an ownership
    owned = [item["other"]["name"] for item in ok(team["anna"].get(f"/team-members/{anna}/relationships"))
             if item["relationship"]["type"] == "OWNER_OF"]
    assert sorted(owned) == sorted(ANNA_CLIENTS)


def test_a_caller_cannot_link_to_what_they_cannot_see(team, sample_client):
    people = ids(sample_client, "people")
    before = len(everything(team["admin"], "/relationships", include_ended="true"))
    for end in ("from_id", "to_id"):
        ends = {"from_id": people["Jean Elliott"], "to_id": people["Tom Hughes"]}
        hidden = problem(team["anna"].post("/relationships", json={
            "type": "ACQUAINTANCE_OF", **ends, end: people["Grace Okafor"]}), 422)
        missing = problem(team["anna"].post("/relationships", json={"type": "ACQUAINTANCE_OF", **ends, end: UNKNOWN_ID}), 422)
        assert hidden["field"] == missing["field"] == end
        assert hidden["detail"] == missing["detail"].replace(UNKNOWN_ID, people["Grace Okafor"])
        batch = problem(team["anna"].post("/relationships/batch", json={"relationships": [
            {"type": "ACQUAINTANCE_OF", **ends, end: people["Grace Okafor"]}]}), 422)
        assert "does not name an entity" in batch["errors"][0]["message"]
    assert len(everything(team["admin"], "/relationships", include_ended="true")) == before
    ok(team["anna"].post("/relationships", json={"type": "ACQUAINTANCE_OF", "from_id": people["Jean Elliott"],
                                                "to_id": people["Tom Hughes"]}), 201)


def test_a_network_leaves_out_what_the_caller_may_not_see(team, sample_client):
    john = ids(sample_client, "people")["John Elliott"]
    for depth in (1, 2, 3):
        network = ok(team["anna"].get(f"/people/{john}/network", params={"depth": depth}))
        names = {node["name"] for node in network["nodes"]}
        assert names <= ANNA_CLIENTS | ANNA_PEOPLE | DIRECTORY["team-members"] | DIRECTORY["providers"] | DIRECTORY["divisions"]
        node_ids = {node["id"] for node in network["nodes"]}
        assert all(e["from_id"] in node_ids and e["to_id"] in node_ids for e in network["edges"])
    full = ok(team["admin"].get(f"/people/{john}/network", params={"depth": 1}))
    assert "Okafor Household" in {node["name"] for node in full["nodes"]}
    # Omar sees John (he referred the Okafors), but not the Elliotts around him.
    omar_view = ok(team["omar"].get(f"/people/{john}/network", params={"depth": 2}))
    assert {node["name"] for node in omar_view["nodes"]} & (ELLIOTT_PEOPLE | ANNA_CLIENTS) == {"John Elliott"}


def test_paths_and_chains_show_a_hidden_hop_unnamed(team, sample_client):
    people, clients = ids(sample_client, "people"), ids(sample_client, "clients")
    john = people["John Elliott"]
    # John referred the Okafor Household, which Anna may not see: her tree from John leaves it
    # out (it leads to nobody she sees) and counts nothing of it.
    tree = ok(team["anna"].get(f"/analytics/referrals/{john}/tree"))
    assert tree["children"] == []
    assert "Okafor" not in team["anna"].get(f"/analytics/referrals/{john}/tree").text
    full = ok(team["admin"].get(f"/analytics/referrals/{john}/tree"))
    assert full["children"][0]["name"] == "Okafor Household"
    assert full["downstream"] > 0 and full["attributable_revenue"] + full["attributable_assets_under_management"] > 0
    assert (tree["downstream"], tree["attributable_revenue"], tree["attributable_assets_under_management"],
            tree["converted"]) == (0, 0, 0, 0)
    # Introductions to John from every team member: for Omar, a chain through the Elliotts'
    # household (Anna's) shows that hop restricted; no name or id of it appears.
    intro = team["omar"].get("/analytics/introductions", params={"target_id": john, "k": 5})
    body = ok(intro)
    assert "Elliott Household" not in intro.text and clients["Elliott Household"] not in intro.text
    restricted = [p for p in body["paths"] if None in p["entity_ids"]]
    assert restricted, body
    for path in restricted:
        assert len(path["entity_ids"]) == path["hops"] + 1 == len(path["relationship_ids"]) + 1
        assert "a client you cannot see" in path["sentence"]
        # Named where shown, null where restricted.
        assert [e and e["id"] for e in path["entities"]] == path["entity_ids"]
    # The lineage of a visible entity names hidden referrers as restricted; a hidden one is 404.
    lineage = ok(team["anna"].get(f"/analytics/referrals/{clients['Smart Systems Ltd']}/lineage"))
    assert [s["sentence"] for s in lineage["chain"]] == ["Laura Harper is the Introducer of Smart Systems Ltd"]
    problem(team["anna"].get(f"/analytics/referrals/{clients['Sam Reid']}/lineage"), 404)
    problem(team["anna"].get("/analytics/introductions", params={"target_id": people["Grace Okafor"]}), 404)


def test_analytics_and_service_reads_leave_out_what_the_caller_may_not_see(team, sample_client):
    admin, anna = team["admin"], team["anna"]
    # The run Anna starts comes back as she would read it: no practice-wide totals.
    run = ok(anna.post("/analytics/runs", json={"betweenness_k": 64}), 201)
    assert (run["entities"], run["relationships"]) == (None, None) and run["timings"]
    assert {**run, "timings": None} == ok(anna.get(f"/analytics/runs/{run['id']}"))
    tier_run = ok(admin.post("/tiers/runs", json={}), 201)
    hidden_names = OMAR_CLIENTS | (OMAR_PEOPLE - {"John Elliott"} - UNATTACHED_PEOPLE)
    clients, people = ids(sample_client, "clients"), ids(sample_client, "people")  # "Sam Reid" is both
    hidden_ids = {every[name] for every in (clients, people) for name in hidden_names if name in every}
    every_id = {**clients, **people}
    urls = [
        f"/analytics/runs/{run['id']}/scores?limit=500", f"/analytics/runs/{run['id']}/differences?limit=500",
        "/analytics/referrals/top-sources", "/analytics/key-person-risk", "/analytics/communities?min_size=1",
        f"/tiers/runs/{tier_run['id']}/suggestions?limit=500", f"/tiers/runs/{tier_run['id']}/differences?limit=500",
        "/service/report", "/service/overdue", "/service/upcoming-dates?days=366", "/service/households",
    ]
    for url in urls:
        response = anna.get(url)
        assert response.status_code == 200, (url, response.text)
        assert not _hidden_from(response.text, hidden_names, hidden_ids), url
        # ... while the admin's answer names them (the check above can fail).
        if "scores" in url or "suggestions" in url or "households" in url:
            assert _hidden_from(admin.get(url).text, hidden_names, hidden_ids), url
    scores = ok(anna.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 3}))
    assert len(scores["items"]) == 3  # pages stay full
    suggestions = ok(anna.get(f"/tiers/runs/{tier_run['id']}/suggestions"))["items"]
    assert {s["name"] for s in suggestions} == ANNA_CLIENTS
    assert ok(anna.get(f"/analytics/entities/{every_id['Grace Okafor']}/scores")) == []
    problem(anna.get(f"/clients/{every_id['Okafor Household']}/touches"), 404)
    problem(anna.get(f"/people/{every_id['Grace Okafor']}/important-dates"), 404)
    problem(anna.post(f"/clients/{every_id['Okafor Household']}/touches", json={"date": "2026-01-05", "kind": "call"}), 404)
    assert ok(admin.get(f"/clients/{every_id['Okafor Household']}/touches")) == []
    problem(anna.get("/service/households", params={"client_id": every_id["Okafor Household"]}), 404)


def test_an_adviser_adds_a_person_to_their_own_client(team, sample_client):
    anna, omar = team["anna"], team["omar"]
    elliott = ids(sample_client, "clients")["Elliott Household"]
    grandma = ok(anna.post("/people", json={"first_name": "Edith", "last_name": "Elliott"}), 201)
    # Tied to no client yet: in everyone's view, so Anna can attach her.
    assert "Edith Elliott" in _names(omar, "people")
    ok(anna.post("/relationships", json={"type": "MEMBER_OF", "from_id": grandma["id"], "to_id": elliott}), 201)
    assert "Edith Elliott" in _names(anna, "people")
    assert "Edith Elliott" not in _names(omar, "people")
    problem(omar.get(f"/people/{grandma['id']}"), 404)


def test_counts_in_analytics_count_only_what_the_caller_sees(team, sample_client):
    """Key-person risk and community sizes count the clients and members the caller sees;
    counted otherwise, they would tell how many hidden ones there are."""
    admin, anna = team["admin"], team["anna"]
    people = ids(sample_client, "people")
    # A new client nobody owns (so Anna may not see it) hangs on Laura Harper alone, whom Anna
    # sees (she acts for the Elliotts).
    quiet = ok(admin.post("/clients", json={"name": "Quiet Ltd", "kind": "business"}), 201)
    ok(admin.post("/relationships", json={"type": "SOLICITOR_FOR", "from_id": people["Laura Harper"], "to_id": quiet["id"]}), 201)
    hidden = set(ids(admin, "clients").values()) - {ids(sample_client, "clients")[name] for name in ANNA_CLIENTS}
    risk, full = ok(anna.get("/analytics/key-person-risk")), ok(admin.get("/analytics/key-person-risk"))
    seen_names = {client_id: name for name, client_id in ids(anna, "clients").items()}
    for found in risk["key_people"] + risk["bridges"]:
        assert found["clients_cut_off"] == len(found["cut_off_client_ids"])
        assert not set(found["cut_off_client_ids"]) & hidden
        # The names listed are of the same clients: those Anna sees, named as she sees them.
        assert found["cut_off_clients"] == [{"id": c, "name": seen_names[c]} for c in found["cut_off_client_ids"]]
    assert any(found["cut_off_clients"] for found in risk["key_people"] + risk["bridges"])
    laura = {found["name"]: found for found in full["key_people"]}["Laura Harper"]
    assert (laura["clients_cut_off"], laura["cut_off_client_ids"]) == (1, [quiet["id"]])  # as the admin sees it
    assert laura["cut_off_clients"] == [{"id": quiet["id"], "name": "Quiet Ltd"}]
    # Laura cuts off only a client Anna may not see: for Anna she is no key person at all.
    assert "Laura Harper" not in {found["name"] for found in risk["key_people"]}
    shown = ok(anna.get("/analytics/communities", params={"min_size": 1}))["communities"]
    assert shown and all(group["size"] == len(group["members"]) for group in shown)  # all under 200
    every = ok(admin.get("/analytics/communities", params={"min_size": 1}))["communities"]
    assert sum(group["size"] for group in shown) < sum(group["size"] for group in every)


def test_a_hidden_clients_figures_reach_no_restricted_answer(client):
    """Issue 13's reproduction: an analyst who sees no client reads no figure of a hidden one."""
    adviser = ok(client.post("/team-members", json={"name": "Second Adviser", "role": "adviser"}), 201)
    analyst_member = ok(client.post("/team-members", json={"name": "An Analyst", "role": "analyst"}), 201)
    hidden = ok(client.post("/clients", json={
        "name": "Hidden Co", "kind": "business", "owner_id": adviser["id"], "stage": "client",
        "annual_revenue": 155001.51, "assets_under_management": 1550015.51}), 201)
    provider = ok(client.post("/providers", json={"name": "Visible Accountants", "kind": "accountancy"}), 201)
    ok(client.post("/relationships", json={"type": "INTRODUCER_OF", "from_id": provider["id"], "to_id": hidden["id"]}), 201)
    ok(client.patch("/practice-settings", json={"visibility": "owner_hierarchy"}))
    analyst = as_caller(client, issue_key(client, analyst_member["id"]))
    problem(analyst.get(f"/clients/{hidden['id']}"), 404)

    # As the admin sees it, then as the analyst: no source, as the only referral is hidden.
    [source] = ok(client.get("/analytics/referrals/top-sources"))["sources"]
    assert (source["revenue"], source["assets_under_management"], source["reach"]) == (155001.51, 1550015.51, 1)
    assert ok(analyst.get("/analytics/referrals/top-sources"))["sources"] == []
    tree = ok(analyst.get(f"/analytics/referrals/{provider['id']}/tree"))
    assert (tree["downstream"], tree["converted"], tree["attributable_revenue"], tree["children"]) == (0, 0, 0, [])

    run = ok(client.post("/analytics/runs", json={}), 201)
    tier_run = ok(client.post("/tiers/runs", json={}), 201)
    [admin_score] = [s for s in ok(client.get(f"/analytics/entities/{provider['id']}/scores"))]
    assert admin_score["raw"]["referred_revenue"] == 155001.51
    for response in (analyst.get(f"/analytics/entities/{provider['id']}/scores"),
                     analyst.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 500}),
                     analyst.get(f"/analytics/runs/{run['id']}/differences", params={"limit": 500}),
                     analyst.get(f"/analytics/runs/{run['id']}"), analyst.get("/analytics/runs"),
                     analyst.get(f"/tiers/runs/{tier_run['id']}"), analyst.get("/service/households")):
        assert response.status_code == 200, response.text
        for secret in ("155001", "1550015", hidden["id"], "Hidden Co"):
            assert secret not in response.text, (response.request.url, secret)
    [score] = ok(analyst.get(f"/analytics/entities/{provider['id']}/scores"))
    assert (score["position"], score["raw"], score["reasons"], score["figures_withheld"]) == (None, None, [], True)
    # Positions count only what the analyst sees (every team member, provider and division).
    scores = ok(analyst.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 500}))["items"]
    assert [s["position"] for s in scores] == list(range(1, len(scores) + 1))
    seen_run = ok(analyst.get(f"/analytics/runs/{run['id']}"))
    assert (seen_run["entities"], seen_run["relationships"], seen_run["scored"]) == (None, None, len(scores))
    assert sum(seen_run["segment_counts"].values()) == len(scores) < run["scored"]
    seen_tier_run = ok(analyst.get(f"/tiers/runs/{tier_run['id']}"))
    assert (seen_tier_run["clients"], seen_tier_run["tier_counts"], seen_tier_run["differences"]) == (0, {}, 0)


def test_tier_suggestions_withhold_the_referral_trait_from_a_restricted_caller(team):
    run = ok(team["admin"].post("/tiers/runs", json={}), 201)
    full = {s["client_id"]: s for s in ok(team["admin"].get(f"/tiers/runs/{run['id']}/suggestions"))["items"]}
    seen = ok(team["anna"].get(f"/tiers/runs/{run['id']}/suggestions"))["items"]
    assert [s["position"] for s in seen] == list(range(1, len(seen) + 1)) and len(seen) == len(ANNA_CLIENTS)
    for suggestion in seen:
        assert suggestion["figures_withheld"] and suggestion["suggested_tier"] == full[suggestion["client_id"]]["suggested_tier"]
        assert "quality_referrals" not in suggestion["traits"]
        assert all(reason["trait"] != "quality_referrals" for reason in suggestion["reasons"])
        assert any(reason["trait"] == "quality_referrals" for reason in full[suggestion["client_id"]]["reasons"])
    # Paging counts what Anna sees: the second of two pages of one starts at position 2.
    first = ok(team["anna"].get(f"/tiers/runs/{run['id']}/suggestions", params={"limit": 1}))
    second = ok(team["anna"].get(f"/tiers/runs/{run['id']}/suggestions",
                                 params={"limit": 1, "after": first["next_cursor"]}))
    assert (first["next_cursor"], [s["position"] for s in second["items"]], second["next_cursor"]) == (1, [2], None)


def test_a_restricted_caller_may_not_delete_what_is_related_to_records_outside_their_view(team, sample_client):
    """Issue 13: adviser A1's client M is related to a client A1 cannot see. A1 reads no such
    relationship, so a delete must neither count it nor remove it: it is refused, naming
    nothing; whoever sees the whole practice may delete M with its relationships."""
    clients = ids(sample_client, "clients")
    anna, admin = team["anna"], team["admin"]
    smart, okafor = clients["Smart Systems Ltd"], clients["Okafor Logistics"]
    ok(admin.post("/relationships", json={"type": "BUSINESS_GROUP_WITH", "from_id": okafor, "to_id": smart}), 201)
    assert okafor not in anna.get(f"/clients/{smart}/relationships", params={"include_ended": "true"}).text
    before = len(ok(admin.get(f"/clients/{smart}/relationships", params={"include_ended": "true"})))
    for params in ({}, {"cascade": "true"}):
        body = problem(anna.delete(f"/clients/{smart}", params=params), 409)
        assert "outside your view" in body["detail"] and okafor not in str(body) and "Okafor" not in str(body)
        assert not any(str(n) in body["detail"].replace(smart, "") for n in range(1, 10))  # no count
    assert len(ok(admin.get(f"/clients/{smart}/relationships", params={"include_ended": "true"}))) == before
    assert admin.delete(f"/clients/{smart}", params={"cascade": "true"}).status_code == 204


def test_likely_duplicates_name_only_what_the_caller_sees(team):
    body = {"first_name": "grace", "last_name": "OKAFOR"}
    anna = team["anna"].post("/people", json=body)  # Grace is Omar's clients' person: not in Anna's view
    assert ok(anna, 201).get("likely_duplicates") is None and "Warning" not in anna.headers
    assert "Grace" not in anna.text.replace("grace", "")
    omar = ok(team["omar"].post("/people", json=body), 201)
    # Omar sees his clients' Grace, and Anna's new one: tied to no client yet, in everyone's view.
    assert [d["name"] for d in omar["likely_duplicates"]] == ["Grace Okafor", "grace OKAFOR"]
    assert ok(team["anna"].post("/clients", json={"name": "okafor household", "kind": "household"}), 201).get("likely_duplicates") is None
    assert [d["name"] for d in ok(team["mark"].post("/clients", json={"name": "okafor household", "kind": "household"}),
                                   201)["likely_duplicates"]] == ["Okafor Household", "okafor household"]
