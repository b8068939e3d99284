"""Influence analytics over the API, on the sample practice, with hand-checked answers.

The sample (app/services/sample.py) has 12 people, 5 clients and 3 providers who can be
influencers; John Elliott referred the Okafor Household (AUM 420,000), Grace Okafor
referred Sam Reid (revenue 2,100, AUM 150,000), Laura Harper introduced Smart Systems Ltd
(revenue 9,800, AUM 640,000), and Okafor Logistics reaches the practice only through David
Okafor.
"""

from __future__ import annotations

import pytest

from api.helpers import ok, problem
from app.services.sample import SAMPLE_ENTITY_COUNT


def _id(client, path: str, name: str) -> str:
    items = ok(client.get(path, params={"name": name}))["items"]
    assert len(items) == 1, f"expected one {name!r} in {path}"
    return items[0]["id"]


@pytest.fixture
def run(sample_client):
    return ok(sample_client.post("/analytics/runs", json={"betweenness_k": 64, "seed": 7}), 201)


def test_a_run_scores_every_possible_influencer_and_explains_each(sample_client, run):
    assert run["scored"] == 20  # people, clients and providers; not team members or divisions
    assert sum(run["segment_counts"].values()) == 20
    assert run["segment_counts"]["critical"] == 1  # the top 5% of 20
    assert run["parameters"]["betweenness_k"] == 64 and run["parameters"]["seed"] == 7
    assert set(run["timings"]) == {"read_s", "compute_s", "store_s"}

    pages, after = [], 0
    while after is not None:
        page = ok(sample_client.get(f"/analytics/runs/{run['id']}/scores", params={"after": after, "limit": 7}))
        pages.extend(page["items"])
        after = page["next_cursor"]
    assert [s["position"] for s in pages] == list(range(1, 21))
    composites = [s["composite"] for s in pages]
    assert composites == sorted(composites, reverse=True)
    top = pages[0]
    assert (top["name"], top["suggested_segment"]) == ("John Elliott", "critical")
    assert top["reasons"][0]["measure"] == "percentile" and top["reasons"][0]["met"]
    assert top["summary"].startswith("John Elliott: critical")
    assert 0 <= min(composites) and max(composites) <= 1


def test_runs_are_listed_read_and_deleted(sample_client, run):
    assert [r["id"] for r in ok(sample_client.get("/analytics/runs"))] == [run["id"]]
    assert ok(sample_client.get(f"/analytics/runs/{run['id']}"))["scored"] == 20
    assert sample_client.delete(f"/analytics/runs/{run['id']}").status_code == 204
    problem(sample_client.get(f"/analytics/runs/{run['id']}"), 404)
    problem(sample_client.get(f"/analytics/runs/{run['id']}/scores"), 404)


def test_differences_then_apply_is_recorded_and_changes_the_entities(sample_client, run):
    differences = ok(sample_client.get(f"/analytics/runs/{run['id']}/differences", params={"limit": 500}))["items"]
    suggested = [s for s in differences if s["suggested_segment"] is not None]
    assert len(differences) == run["differences"] == len(suggested) == 20 - run["segment_counts"]["none"]
    assert all(s["assigned_segment"] is None for s in differences)  # the sample assigns none

    application = ok(sample_client.post(f"/analytics/runs/{run['id']}/apply", json={}), 201)
    assert application["applied"] == application["requested"] == len(differences)
    john = _id(sample_client, "/people", "John Elliott")
    assert ok(sample_client.get(f"/people/{john}"))["influencer_segment"] == "critical"
    assert [a["id"] for a in ok(sample_client.get("/analytics/applications"))] == [application["id"]]

    again = problem(sample_client.post(f"/analytics/runs/{run['id']}/apply", json={}), 409)
    assert "already applied" in again["detail"]


def test_apply_to_chosen_entities_skips_hand_changed_ones(sample_client, run):
    differences = ok(sample_client.get(f"/analytics/runs/{run['id']}/differences", params={"limit": 500}))["items"]
    first, second = differences[0]["entity_id"], differences[1]["entity_id"]
    kind_path = {"person": "people", "client": "clients", "provider": "providers"}[differences[1]["kind"]]
    ok(sample_client.patch(f"/{kind_path}/{second}", json={"influencer_segment": "standard"}))
    application = ok(sample_client.post(f"/analytics/runs/{run['id']}/apply", json={"entity_ids": [first, second]}), 201)
    assert (application["requested"], application["applied"]) == (2, 1)
    assert [c["entity_id"] for c in application["changes"]] == [first]
    assert ok(sample_client.get(f"/{kind_path}/{second}"))["influencer_segment"] == "standard"


def test_apply_refuses_unknown_entities_and_segments_not_in_the_list(sample_client):
    rules = [{"segment": "gold-referrer", "order": 1, "min_reach": 1}]
    custom = ok(sample_client.post("/analytics/runs", json={"rules": rules, "betweenness_k": 16}), 201)
    assert custom["segment_counts"]["gold-referrer"] == 4  # John, Grace, Laura, David referred someone
    refused = problem(sample_client.post(f"/analytics/runs/{custom['id']}/apply", json={}), 409)
    assert refused["segments"] == ["gold-referrer"]
    problem(sample_client.post(f"/analytics/runs/{custom['id']}/apply", json={"entity_ids": ["nobody"]}), 422)
    ok(sample_client.post("/categories/influencer-segments", json={"code": "gold-referrer", "label": "Gold referrer"}), 201)
    assert ok(sample_client.post(f"/analytics/runs/{custom['id']}/apply", json={}), 201)["applied"] == 4


@pytest.mark.parametrize("body", [
    {"weights": {"pagerank": -1}},
    {"weights": {"charisma": 1}},
    {"betweenness_k": 0},
    {"normalisation": "zscore"},
    {"rules": [{"segment": "x"}]},  # a rule with no condition
    {"rules": [{"segment": "none", "min_reach": 1}]},
    {"rules": []},
    {"surprise": True},
])
def test_bad_scoring_parameters_are_refused_and_store_nothing(sample_client, body):
    problem(sample_client.post("/analytics/runs", json=body), 422)
    assert ok(sample_client.get("/analytics/runs")) == []


def test_an_entity_score_history_spans_runs(sample_client, run):
    ok(sample_client.post("/analytics/runs", json={"betweenness_k": 8}), 201)
    john = _id(sample_client, "/people", "John Elliott")
    history = ok(sample_client.get(f"/analytics/entities/{john}/scores"))
    assert len(history) == 2 and {h["name"] for h in history} == {"John Elliott"}


def test_referral_lineage_and_tree(sample_client):
    sam = _id(sample_client, "/clients", "Sam Reid")
    grace = _id(sample_client, "/people", "Grace Okafor")
    lineage = ok(sample_client.get(f"/analytics/referrals/{sam}/lineage"))
    assert [s["sentence"] for s in lineage["chain"]] == ["Grace Okafor is the Referrer of Sam Reid"]
    assert lineage["sources"] == [grace]
    assert lineage["chain"][0]["relationship_id"].startswith("REFERRER_OF-")

    john = _id(sample_client, "/people", "John Elliott")
    tree = ok(sample_client.get(f"/analytics/referrals/{john}/tree", params={"depth": 2}))
    assert (tree["downstream"], tree["attributable_assets_under_management"]) == (1, 420_000)
    assert [child["name"] for child in tree["children"]] == ["Okafor Household"]
    # Each node says whether it converted itself: John is a member of the Elliott Household (a
    # client), the Okafors are prospects, Sam Reid a client.
    assert (tree["converted_client"], tree["children"][0]["converted_client"]) == (True, False)
    from_grace = ok(sample_client.get(f"/analytics/referrals/{grace}/tree"))
    assert [(c["name"], c["converted_client"]) for c in from_grace["children"]] == [("Sam Reid", True)]
    assert from_grace["converted"] == 1
    problem(sample_client.get("/analytics/referrals/nobody/lineage"), 404)
    problem(sample_client.get(f"/analytics/referrals/{john}/tree", params={"depth": 0}), 422)


def test_top_referral_sources_rank_by_downstream_value(sample_client):
    sources = ok(sample_client.get("/analytics/referrals/top-sources", params={"n": 3}))["sources"]
    assert [(s["name"], s["value"]) for s in sources] == [
        ("Laura Harper", 9_800 + 640_000), ("John Elliott", 420_000), ("Grace Okafor", 2_100 + 150_000),
    ]


def test_warm_introductions_are_told_as_sentences(sample_client):
    grace = _id(sample_client, "/people", "Grace Okafor")
    found = ok(sample_client.get("/analytics/introductions", params={"target_id": grace}))
    paths = found["paths"]
    assert len(paths) == 3
    assert paths[0]["sentence"] == (
        "Omar Haddad is the Adviser of Okafor Household; Grace Okafor is a Primary Contact at Okafor Household"
    )
    assert paths[0]["source"]["name"] == "Omar Haddad" and paths[0]["hops"] == 2
    # Every entity of a chain named, in order (the map draws them).
    assert [e["name"] for e in paths[0]["entities"]] == ["Omar Haddad", "Okafor Household", "Grace Okafor"]
    assert all([e["id"] for e in p["entities"]] == p["entity_ids"] for p in paths)
    assert all(p["hops"] <= 4 for p in paths)

    anna = _id(sample_client, "/team-members", "Anna Shaw")
    from_anna = ok(sample_client.get("/analytics/introductions", params={"target_id": grace, "from_id": anna}))
    assert all(p["source"]["id"] == anna for p in from_anna["paths"])
    problem(sample_client.get("/analytics/introductions", params={"target_id": "nobody"}), 404)
    problem(sample_client.get("/analytics/introductions", params={"target_id": grace, "k": 0}), 422)
    problem(sample_client.get("/analytics/introductions"), 422)


def test_introductions_never_use_ended_relationships(sample_client):
    ben = _id(sample_client, "/people", "Ben Carter")
    anna = _id(sample_client, "/team-members", "Anna Shaw")
    paths = ok(sample_client.get("/analytics/introductions", params={"target_id": ben, "from_id": anna}))["paths"]
    # Ben was the Elliotts' accountant until 2023; that ended tie must not be a way in.
    assert all("Ben Carter is an Accountant for" not in p["sentence"] for p in paths)


def test_key_person_risk_names_who_would_cut_clients_off(sample_client):
    # Every sample client has an owner, linked to the team by that ownership (issue 14: David
    # Okafor was said to cut off Okafor Logistics, which Omar owns): no person cuts one off.
    risk = ok(sample_client.get("/analytics/key-person-risk"))
    assert [p["name"] for p in risk["key_people"] if p["clients_cut_off"]] == []
    # A client nobody owns, reached only through its director, who knows Laura Harper.
    loose = ok(sample_client.post("/clients", json={"name": "Loose Ltd", "kind": "business"}), 201)["id"]
    director = ok(sample_client.post("/people", json={"first_name": "Dee", "last_name": "Rector"}), 201)["id"]
    laura = _id(sample_client, "/people", "Laura Harper")
    for type_code, from_id, to_id in (("DIRECTOR_AT", director, loose), ("ACQUAINTANCE_OF", director, laura)):
        ok(sample_client.post("/relationships", json={"type": type_code, "from_id": from_id, "to_id": to_id}), 201)
    risk = ok(sample_client.get("/analytics/key-person-risk"))
    dee = next(p for p in risk["key_people"] if p["entity_id"] == director)
    assert (dee["clients_cut_off"], dee["cut_off_client_ids"]) == (1, [loose])
    # Named as well, so a reader need not look each one up.
    assert dee["cut_off_clients"] == [{"id": loose, "name": "Loose Ltd"}]
    for found in risk["key_people"] + risk["bridges"]:
        assert [c["id"] for c in found["cut_off_clients"]] == found["cut_off_client_ids"]
    assert risk["key_people"][0]["clients_cut_off"] >= 1
    assert risk["bridges"]
    # Once owned, it hangs on its owner: Dee cuts nobody off.
    anna = _id(sample_client, "/team-members", "Anna Shaw")
    ok(sample_client.patch(f"/clients/{loose}", json={"owner_id": anna}))
    risk = ok(sample_client.get("/analytics/key-person-risk"))
    assert director not in {p["entity_id"] for p in risk["key_people"]}


def test_a_team_member_reaches_clients_through_those_they_own(sample_client):
    """Issue 14: Priya owns Oakley Household; Olivia, its primary contact, knows Victor. The
    warmest route from Priya to Victor runs through her own client."""
    priya = ok(sample_client.post("/team-members", json={"name": "Priya Shah", "role": "adviser"}), 201)["id"]
    oakley = ok(sample_client.post("/clients", json={"name": "Oakley Household", "kind": "household",
                                                     "owner_id": priya}), 201)["id"]
    olivia, victor = (ok(sample_client.post("/people", json={"first_name": first, "last_name": last}), 201)["id"]
                      for first, last in (("Olivia", "Oakley"), ("Victor", "Vance")))
    ok(sample_client.post("/relationships", json={"type": "PRIMARY_CONTACT_AT", "from_id": olivia, "to_id": oakley}), 201)
    ok(sample_client.post("/relationships", json={"type": "ACQUAINTANCE_OF", "from_id": olivia, "to_id": victor}), 201)
    [path] = ok(sample_client.get("/analytics/introductions", params={"target_id": victor, "from_id": priya, "k": 1}))["paths"]
    assert path["steps"][0] == "Priya Shah is the Owner of Oakley Household"
    assert path["entity_ids"] == [priya, oakley, olivia, victor]
    assert path["relationship_ids"][0] == f"OWNER_OF-{oakley}"
    problem(sample_client.post("/relationship-types", json={
        "code": "OWNER_OF", "phrase": "the Owner of", "reverse_phrase": "has Owner", "category": "professional",
        "from_kinds": ["team_member"], "to_kinds": ["client"]}), 409)


def test_communities_partition_the_practice(sample_client):
    found = ok(sample_client.get("/analytics/communities", params={"min_size": 1}))
    assert 0 < found["modularity"] <= 1
    members = [m["id"] for c in found["communities"] for m in c["members"]]
    # Every entity in exactly one community: the sample practice and the admin calling.
    assert len(members) == len(set(members)) == SAMPLE_ENTITY_COUNT + 1
    problem(sample_client.get("/analytics/communities", params={"resolution": 0}), 422)
    # A seed the random generator cannot take is refused, not a 500 (found by schemathesis).
    for seed in (-1, 2**32):
        problem(sample_client.get("/analytics/communities", params={"seed": seed}), 422)
        problem(sample_client.post("/analytics/runs", json={"seed": seed}), 422)
    problem(sample_client.post("/analytics/runs", json={"weights": {"pagerank": 1e308, "reach": 1e308}}), 422)
    problem(sample_client.post("/analytics/runs", json={"betweenness_k": 1}), 422)


def test_a_write_shows_in_the_next_answer(sample_client):
    """The cached graph is refreshed by any successful write through the API."""
    sam = _id(sample_client, "/clients", "Sam Reid")
    before = ok(sample_client.get(f"/analytics/referrals/{sam}/tree"))["downstream"]
    newcomer = ok(sample_client.post("/clients", json={"name": "Reid Family Trust", "kind": "business"}), 201)
    ok(sample_client.post("/relationships", json={"type": "REFERRER_OF", "from_id": sam, "to_id": newcomer["id"]}), 201)
    assert ok(sample_client.get(f"/analytics/referrals/{sam}/tree"))["downstream"] == before + 1


def test_one_meaning_of_a_converted_referral_in_trees_sources_scores_and_tiers(client):
    """Issue 14: Tom referred Nora; Nora is the primary contact of Fox Household (a client,
    revenue 5,000). Every answer counts that referral as converted, bringing Fox's revenue;
    the tier run credits Tom's household with it. Jean, in two clients, refers for both."""
    def person(first: str) -> str:
        return ok(client.post("/people", json={"first_name": first, "last_name": "Test"}), 201)["id"]

    def household(name: str, **fields) -> str:
        return ok(client.post("/clients", json={"name": name, "kind": "household", **fields}), 201)["id"]

    def relate(type_code: str, from_id: str, to_id: str, **fields) -> None:
        ok(client.post("/relationships", json={"type": type_code, "from_id": from_id, "to_id": to_id, **fields}), 201)

    tom, nora, jean, ivy = person("Tom"), person("Nora"), person("Jean"), person("Ivy")
    fox = household("Fox Household", stage="client", annual_revenue=5_000)
    toms = household("Hughes Household", stage="client", annual_revenue=20_000)
    jeans_home = household("Elliott Household", stage="client", annual_revenue=1_000)
    smart = ok(client.post("/clients", json={"name": "Smart Systems", "kind": "business", "stage": "client"}), 201)["id"]
    ivys = household("Ivy Household", stage="client", annual_revenue=800)
    relate("PRIMARY_CONTACT_AT", nora, fox)
    relate("PRIMARY_CONTACT_AT", tom, toms)
    relate("PRIMARY_CONTACT_AT", jean, jeans_home)
    relate("DIRECTOR_AT", jean, smart)
    relate("PRIMARY_CONTACT_AT", ivy, ivys)
    relate("REFERRER_OF", tom, nora, since="2026-01-10")
    relate("REFERRER_OF", jean, ivy, since="2026-02-01")

    tree = ok(client.get(f"/analytics/referrals/{tom}/tree"))
    assert (tree["downstream"], tree["converted"], tree["attributable_revenue"]) == (1, 1, 5_000)
    [child] = tree["children"]
    assert (child["entity_id"], child["converted_client"]) == (nora, True)
    sources = {s["entity_id"]: s for s in ok(client.get("/analytics/referrals/top-sources"))["sources"]}
    assert (sources[tom]["converted_reach"], sources[tom]["revenue"]) == (1, 5_000)
    ok(client.post("/analytics/runs", json={}), 201)
    [score] = ok(client.get(f"/analytics/entities/{tom}/scores"))
    assert (score["raw"]["converted_reach"], score["raw"]["referred_revenue"]) == (1, 5_000)

    run = ok(client.post("/tiers/runs", json={"as_of": "2026-06-01"}), 201)
    suggestions = {s["client_id"]: s for s in ok(client.get(f"/tiers/runs/{run['id']}/suggestions"))["items"]}
    for client_id in (toms, jeans_home, smart):  # Jean's one referral credits both her clients
        [referrals] = [r for r in suggestions[client_id]["reasons"] if r["trait"] == "quality_referrals"]
        assert (referrals["value"], referrals["met"]) == (1, True), client_id
    [fox_referrals] = [r for r in suggestions[fox]["reasons"] if r["trait"] == "quality_referrals"]
    assert fox_referrals["value"] == 0  # the client brought in is not credited with its own referral


def test_ranks_count_only_what_is_ranked(sample_client):
    """Issue 14: ranks counted team members and divisions the list leaves out (position 57, rank 58)."""
    run = ok(sample_client.post("/analytics/runs", json={}), 201)
    items = ok(sample_client.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 500}))["items"]
    assert len(items) == run["scored"]
    for item in items:
        assert item["rank"] == 1 + sum(other["composite"] > item["composite"] for other in items)
        assert item["rank"] <= item["position"]


def test_introductions_keep_the_strength_the_api_accepts(client):
    """Issue 14: strengths were rounded to hundredths (0.125 cost 7.69, 0.004 no path at all)."""
    member = ok(client.post("/team-members", json={"name": "Ann Adviser", "role": "adviser"}), 201)["id"]
    people = [ok(client.post("/people", json={"first_name": name, "last_name": "Test"}), 201)["id"] for name in ("Bo", "Cy")]
    weights = {spec["code"]: spec["weight"] for spec in ok(client.get("/relationship-types"))}
    for target, strength in zip(people, (0.125, 0.004), strict=True):
        ok(client.post("/relationships", json={"type": "ACQUAINTANCE_OF", "from_id": member, "to_id": target,
                                               "strength": strength}), 201)
        [path] = ok(client.get("/analytics/introductions", params={"target_id": target, "from_id": member}))["paths"]
        assert path["cost"] == pytest.approx(1 / (weights["ACQUAINTANCE_OF"] * strength))
        assert path["score"] == pytest.approx(1 / path["cost"])


def test_degree_weighting_and_who_passes_pagerank_on_are_parameters(sample_client):
    """Issue 14: degree ignored weights while PageRank used them, and team members passed
    PageRank on though never scored. Defaults: degree counts, team members and divisions
    pass nothing on; both are parameters, stored with the run."""
    default = ok(sample_client.post("/analytics/runs", json={}), 201)
    assert (default["parameters"]["degree_weighted"], default["parameters"]["pagerank_through"]) == (
        False, ["client", "person", "provider"])
    chosen = ok(sample_client.post("/analytics/runs", json={
        "degree_weighted": True, "pagerank_through": ["client", "person", "provider", "team_member", "division"]}), 201)
    by_run = {}
    for run in (default, chosen):
        items = ok(sample_client.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 500}))["items"]
        by_run[run["id"]] = {item["entity_id"]: item["raw"] for item in items}
    first, second = by_run[default["id"]], by_run[chosen["id"]]
    assert all(float(raw["degree"]).is_integer() for raw in first.values())
    assert any(first[e]["degree"] != second[e]["degree"] for e in first)  # weights below 1 count for less
    assert any(first[e]["pagerank"] != pytest.approx(second[e]["pagerank"]) for e in first)
    problem(sample_client.post("/analytics/runs", json={"pagerank_through": ["nobody"]}), 422)
