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
    # Each node says whether it is a converted client itself: the Okafors are prospects, Sam Reid a client.
    assert (tree["converted_client"], tree["children"][0]["converted_client"]) == (False, False)
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
    risk = ok(sample_client.get("/analytics/key-person-risk"))
    david = next(p for p in risk["key_people"] if p["name"] == "David Okafor")
    okafor_logistics = _id(sample_client, "/clients", "Okafor Logistics")
    assert david["clients_cut_off"] == 1 and david["cut_off_client_ids"] == [okafor_logistics]
    # Named as well, so a reader need not look each one up.
    assert david["cut_off_clients"] == [{"id": okafor_logistics, "name": "Okafor Logistics"}]
    for found in risk["key_people"] + risk["bridges"]:
        assert [c["id"] for c in found["cut_off_clients"]] == found["cut_off_client_ids"]
    assert risk["key_people"][0]["clients_cut_off"] >= 1
    assert risk["bridges"]


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
