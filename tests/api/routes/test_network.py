"""GET /{kind}/{id}/network: the ego network within 1 to 3 active relationships."""

from __future__ import annotations

from api.helpers import create_person, get, ok, problem, relate, sample_id

JEAN_DEPTH_1 = {"Elliott Household", "Smart Systems Ltd", "John Elliott"}
JEAN_DEPTH_2 = {"Anna Shaw", "Rose Elliott", "James Elliott", "Laura Harper", "Tom Hughes",
                "Brightside Accountants", "Okafor Household"}


def network(client, path, name, **params):
    return get(client, f"/{path}/{sample_id(client, path, name)}/network", **params)


def depths(result):
    return {node["name"]: node["depth"] for node in result["nodes"]}


def check_edges(result):
    """Every edge joins two nodes of the network and reads as a sentence between their names."""
    by_id = {node["id"]: node["name"] for node in result["nodes"]}
    assert len({edge["id"] for edge in result["edges"]}) == len(result["edges"])
    for edge in result["edges"]:
        assert edge["from_id"] in by_id and edge["to_id"] in by_id
        assert edge["sentence"].startswith(by_id[edge["from_id"]] + " is ")
        assert edge["sentence"].endswith(" " + by_id[edge["to_id"]])


def test_depth_1(sample_client):
    result = network(sample_client, "people", "Jean Elliott", depth=1)
    assert result["center"]["name"] == "Jean Elliott" and result["center"]["kind"] == "person"
    assert result["depth"] == 1 and result["truncated"] is False
    assert depths(result) == {"Jean Elliott": 0, **{name: 1 for name in JEAN_DEPTH_1}}
    assert sorted(edge["sentence"] for edge in result["edges"]) == [
        "Jean Elliott is a Director at Smart Systems Ltd",
        "Jean Elliott is a Partner Contact at Elliott Household",
        "Jean Elliott is a Primary Contact at Smart Systems Ltd",
        "John Elliott is the Spouse of Jean Elliott",
    ]
    check_edges(result)


def test_nodes_carry_segment_stage_and_tier(sample_client):
    """What the workspace's map colours and badges nodes by."""
    elliott = sample_id(sample_client, "clients", "Elliott Household")
    ok(sample_client.patch(f"/clients/{elliott}", json={"tier": "AA", "influencer_segment": "critical"}))
    result = network(sample_client, "people", "Jean Elliott", depth=1)
    nodes = {node["name"]: node for node in result["nodes"]}
    assert {k: nodes["Elliott Household"][k] for k in ("influencer_segment", "stage", "segment", "tier")} == {
        "influencer_segment": "critical", "stage": "client", "segment": "A", "tier": "AA"}
    assert {k: nodes["John Elliott"][k] for k in ("influencer_segment", "stage", "segment", "tier")} == {
        "influencer_segment": None, "stage": None, "segment": None, "tier": None}
    assert nodes["Jean Elliott"]["depth"] == 0 and nodes["Jean Elliott"]["tier"] is None


def test_depth_defaults_to_1(sample_client):
    assert depths(network(sample_client, "people", "Jean Elliott")) == depths(
        network(sample_client, "people", "Jean Elliott", depth=1))


def test_depth_2(sample_client):
    result = network(sample_client, "people", "Jean Elliott", depth=2)
    assert depths(result) == {"Jean Elliott": 0, **{n: 1 for n in JEAN_DEPTH_1}, **{n: 2 for n in JEAN_DEPTH_2}}
    edge = next(e for e in result["edges"] if e["type"] == "REFERRER_OF")
    assert edge["sentence"] == "John Elliott is the Referrer of Okafor Household"
    assert edge["category"] == "referral" and edge["strength"] == 0.9
    check_edges(result)


def test_depth_3(sample_client):
    result = network(sample_client, "people", "Jean Elliott", depth=3)
    found = depths(result)
    for name in ("London Office", "Grace Okafor", "David Okafor", "Omar Haddad", "Harper & Cole Solicitors",
                 "Kim Lowe", "Ben Carter"):
        assert found[name] == 3, name
    assert {n for n, d in found.items() if d < 3} == {"Jean Elliott"} | JEAN_DEPTH_1 | JEAN_DEPTH_2
    assert "Mark Davies" not in found  # no relationships at all
    check_edges(result)


def test_ended_relationships_are_not_in_the_network(sample_client):
    result = network(sample_client, "clients", "Elliott Household", depth=1)
    assert "Ben Carter" not in depths(result)
    assert all(edge["type"] != "ACCOUNTANT_FOR" for edge in result["edges"])
    assert depths(network(sample_client, "people", "Ben Carter", depth=1)) == {
        "Ben Carter": 0, "Brightside Accountants": 1}


def test_network_follows_an_ending(client):
    a, b = create_person(client, "Ann", "A"), create_person(client, "Bob", "B")
    link = relate(client, "ACQUAINTANCE_OF", a["id"], b["id"])
    assert len(get(client, f"/people/{a['id']}/network")["nodes"]) == 2
    ok(client.patch(f"/relationships/{link['id']}", json={"until": "2021-01-01"}))
    result = get(client, f"/people/{a['id']}/network", depth=3)
    assert result["nodes"] == [{"id": a["id"], "kind": "person", "name": "Ann A", "depth": 0, "influencer_segment": None,
                                "stage": None, "segment": None, "tier": None}]
    assert result["edges"] == [] and result["truncated"] is False


def test_max_nodes_truncates(sample_client):
    full = network(sample_client, "people", "Jean Elliott", depth=2)
    assert len(full["nodes"]) == 11
    exact = network(sample_client, "people", "Jean Elliott", depth=2, max_nodes=11)
    assert exact["truncated"] is False and len(exact["nodes"]) == 11
    cut = network(sample_client, "people", "Jean Elliott", depth=2, max_nodes=5)
    assert cut["truncated"] is True and len(cut["nodes"]) == 5
    assert depths(cut)["Jean Elliott"] == 0
    check_edges(cut)
    alone = network(sample_client, "people", "Jean Elliott", max_nodes=1)
    assert alone["truncated"] is True and alone["edges"] == [] and len(alone["nodes"]) == 1


def test_network_of_every_kind(sample_client):
    for path, kind, name, neighbours in [
        # A client's owner is a neighbour (its owner_id, read as an Owner relationship).
        ("clients", "client", "Okafor Logistics", {"David Okafor", "Omar Haddad"}),
        ("team-members", "team_member", "Omar Haddad", {"Okafor Household", "Sam Reid", "Okafor Logistics", "Leeds Office"}),
        ("providers", "provider", "Harper & Cole Solicitors", {"Laura Harper"}),
        ("divisions", "division", "London Office", {"Anna Shaw"}),
        ("team-members", "team_member", "Mark Davies", set()),
    ]:
        result = network(sample_client, path, name, depth=1)
        assert result["center"] == {"id": sample_id(sample_client, path, name), "kind": kind, "name": name}
        assert depths(result) == {name: 0, **{n: 1 for n in neighbours}}
        check_edges(result)


def test_invalid_depth_or_max_nodes_is_rejected(sample_client):
    jean = sample_id(sample_client, "people", "Jean Elliott")
    for params in ({"depth": 0}, {"depth": 4}, {"depth": -1}, {"depth": "deep"}, {"max_nodes": 0}, {"max_nodes": 2001}):
        error = problem(sample_client.get(f"/people/{jean}/network", params=params), 422)
        assert error["errors"][0]["location"] == ["query", *params]
