"""Tier runs over the API on the sample practice, measured as of 2026-11-23 with the default
thresholds (revenue 10,000, capacity 250,000, one converted referral in 1095 days, B margin
20%, touch 150, service request 100).

Hand-checked on the sample: the Elliott Household earns 14,500 (A: revenue); Smart Systems
earns 9,800, within 20% of 10,000 (B); the Okafor Household is a prospect whose David referred
Okafor Logistics, still a prospect (B: a referral not yet converted); Sam Reid earns 2,100
(C: bought, no trait; Grace's referral of him in 2022 is outside the window anyway); Okafor
Logistics is a prospect with nothing (no tier).
"""

from __future__ import annotations

import pytest

from api.helpers import ok, problem

AS_OF = "2026-11-23"


def _client_id(client, name: str) -> str:
    items = ok(client.get("/clients", params={"name": name}))["items"]
    assert len(items) == 1
    return items[0]["id"]


def _suggestions(client, run_id: str, path: str = "suggestions") -> dict[str, dict]:
    items, after = [], 0
    while after is not None:
        page = ok(client.get(f"/tiers/runs/{run_id}/{path}", params={"after": after, "limit": 2}))
        items.extend(page["items"])
        after = page["next_cursor"]
    return {s["name"]: s for s in items}


@pytest.fixture
def run(sample_client):
    return ok(sample_client.post("/tiers/runs", json={"as_of": AS_OF}), 201)


def test_a_run_suggests_a_tier_for_every_client_with_reasons(sample_client, run):
    assert run["clients"] == 5 and run["as_of"] == AS_OF
    assert run["tier_counts"] == {"A": 1, "B": 2, "C": 1, "none": 1}
    assert run["differences"] == 4  # no client has a tier yet; Okafor Logistics: none suggested, none assigned
    assert run["settings"]["revenue_threshold"] == 10_000 and run["settings"]["b_margin"] == 0.2
    suggested = _suggestions(sample_client, run["id"])
    assert {name: s["suggested_tier"] for name, s in suggested.items()} == {
        "Elliott Household": "A", "Smart Systems Ltd": "B", "Okafor Household": "B", "Sam Reid": "C",
        "Okafor Logistics": None,
    }
    elliott = suggested["Elliott Household"]
    assert elliott["traits"] == ["significant_revenue"] and elliott["assigned_tier"] is None and elliott["differs"]
    revenue = next(r for r in elliott["reasons"] if r["measure"] == "revenue_threshold")
    assert (revenue["value"], revenue["threshold"], revenue["met"]) == (14_500, 10_000, True)
    smart = next(r for r in suggested["Smart Systems Ltd"]["reasons"] if r["measure"] == "revenue_threshold")
    assert (smart["value"], smart["met"], smart["near"]) == (9_800, False, True)
    okafor = next(r for r in suggested["Okafor Household"]["reasons"] if r["measure"] == "converted_referrals")
    assert (okafor["value"], okafor["near"]) == (0, True)
    assert suggested["Sam Reid"]["summary"] == "C: has bought and holds none of the traits"
    assert len(_suggestions(sample_client, run["id"], "differences")) == 4


def test_runs_are_listed_read_and_deleted(sample_client, run):
    assert [r["id"] for r in ok(sample_client.get("/tiers/runs"))] == [run["id"]]
    assert ok(sample_client.get(f"/tiers/runs/{run['id']}")) == run
    assert sample_client.delete(f"/tiers/runs/{run['id']}").status_code == 204
    problem(sample_client.get(f"/tiers/runs/{run['id']}"), 404)
    problem(sample_client.get(f"/tiers/runs/{run['id']}/suggestions"), 404)
    problem(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={}), 404)


def test_apply_is_explicit_recorded_and_changes_only_untouched_clients(sample_client, run):
    elliott, smart = _client_id(sample_client, "Elliott"), _client_id(sample_client, "Smart Systems")
    anna = ok(sample_client.get("/team-members", params={"name": "Anna"}))["items"][0]["id"]
    before = ok(sample_client.get(f"/clients/{elliott}"))
    assert before["tier"] is None  # a run alone changes nothing

    application = ok(sample_client.post(f"/tiers/runs/{run['id']}/apply",
                                        json={"client_ids": [elliott], "applied_by": anna}), 201)
    assert application["applied_by"] == anna and (application["requested"], application["applied"]) == (1, 1)
    assert application["changes"] == [{"client_id": elliott, "from_tier": None, "to_tier": "A"}]
    after = ok(sample_client.get(f"/clients/{elliott}"))
    assert after["tier"] == "A" and after["version"] == before["version"] + 1
    assert [a["id"] for a in ok(sample_client.get("/tiers/applications"))] == [application["id"]]

    # Already applied: nothing left to apply for Elliott.
    problem(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={"client_ids": [elliott]}), 409)
    # Set by hand since the run: skipped when everything is applied.
    ok(sample_client.patch(f"/clients/{smart}", json={"tier": "AA"}))
    everything = ok(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={}), 201)
    assert (everything["requested"], everything["applied"]) == (4, 2)  # Okafor Household B, Sam Reid C
    assert ok(sample_client.get(f"/clients/{smart}"))["tier"] == "AA"
    assert ok(sample_client.get(f"/clients/{_client_id(sample_client, 'Sam Reid')}"))["tier"] == "C"

    # A new run compares with the tiers now assigned.
    second = ok(sample_client.post("/tiers/runs", json={"as_of": AS_OF}), 201)
    assert second["differences"] == 1  # Smart Systems: AA by hand, B suggested
    assert list(_suggestions(sample_client, second["id"], "differences")) == ["Smart Systems Ltd"]


def test_apply_refusals(sample_client, run):
    elliott = _client_id(sample_client, "Elliott")
    body = problem(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={"client_ids": [elliott, "nobody"]}), 422)
    assert body["client_ids"] == ["nobody"]
    problem(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={"applied_by": elliott}), 422)
    problem(sample_client.post(f"/tiers/runs/{run['id']}/apply", json={"client_ids": []}), 422)
    assert ok(sample_client.get(f"/clients/{elliott}"))["tier"] is None


@pytest.mark.parametrize("body", [
    {"b_margin": 1}, {"revenue_threshold": None}, {"revenue_percentile": 2}, {"capacity_threshold": 0},
    {"colour": "blue"}, {"as_of": "2026-13-01"},
])
def test_settings_that_cannot_work_are_refused(sample_client, body):
    problem(sample_client.post("/tiers/runs", json=body), 422)
    assert ok(sample_client.get("/tiers/runs")) == []


def test_revenue_percentile_instead_of_a_threshold(sample_client):
    # Revenues 2,100, 9,800 and 14,500: the 60th percentile (nearest rank) is 9,800.
    run = ok(sample_client.post("/tiers/runs", json={"as_of": AS_OF, "revenue_threshold": None,
                                                     "revenue_percentile": 0.6}), 201)
    assert run["revenue_percentile_cut"] == 9_800
    suggested = _suggestions(sample_client, run["id"])
    assert suggested["Smart Systems Ltd"]["suggested_tier"] == "A"
    assert suggested["Elliott Household"]["suggested_tier"] == "A"


def test_edge_cases_on_hand_made_clients(sample_client):
    """A centre of influence who only refers, a large prospect, a D client and a client whose
    capacity is held elsewhere, added to the sample."""
    c = sample_client

    def new_client(name: str, **fields) -> str:
        return ok(c.post("/clients", json={"name": name, "kind": "individual", **fields}), 201)["id"]

    # The centre of influence: earns nothing, but its person referred a client who bought.
    centre = new_client("Harper Introductions", stage="prospect")
    holly = ok(c.post("/people", json={"first_name": "Holly", "last_name": "Harper"}), 201)["id"]
    ok(c.post("/relationships", json={"type": "PRIMARY_CONTACT_AT", "from_id": holly, "to_id": centre}), 201)
    referred = new_client("Quinn Family", stage="client", annual_revenue=3_000)
    ok(c.post("/relationships", json={"type": "REFERRER_OF", "from_id": holly, "to_id": referred,
                                      "since": "2025-05-01"}), 201)
    # An old referral, outside the window, does not count.
    old = new_client("Old Referral", stage="client", annual_revenue=1_000)
    ok(c.post("/relationships", json={"type": "REFERRER_OF", "from_id": centre, "to_id": old,
                                      "since": "2019-05-01"}), 201)
    # The large prospect.
    prospect = new_client("Big Prospect", stage="prospect")
    ok(c.patch(f"/clients/{prospect}", json={"estimated_size": 3_000_000}))
    # The D client: revenue 400 against 3 touches (450) and a service request (100) this year.
    costly = new_client("Costly Client", stage="client", annual_revenue=400)
    for day in ("2026-02-01", "2026-05-01", "2026-08-01"):
        ok(c.post(f"/clients/{costly}/touches", json={"date": day, "kind": "call"}), 201)
    ok(c.post(f"/clients/{costly}/service-requests", json={"date": "2026-09-01", "kind": "complaint"}), 201)
    # A touch outside the cost window does not count.
    ok(c.post(f"/clients/{referred}/touches", json={"date": "2024-01-01", "kind": "call"}), 201)
    # Capacity held elsewhere, and the flag.
    wealthy = new_client("Wealthy Elsewhere", stage="client", annual_revenue=20_000)
    ok(c.patch(f"/clients/{wealthy}", json={"assets_held_elsewhere": 900_000}))
    flagged = new_client("Flagged", stage="client", annual_revenue=20_000)
    ok(c.patch(f"/clients/{flagged}", json={"able_to_buy_more": True}))

    run = ok(c.post("/tiers/runs", json={"as_of": AS_OF}), 201)
    suggested = _suggestions(c, run["id"])
    assert suggested["Harper Introductions"]["suggested_tier"] == "A"
    assert suggested["Harper Introductions"]["traits"] == ["quality_referrals"]
    referral = next(r for r in suggested["Harper Introductions"]["reasons"] if r["measure"] == "converted_referrals")
    assert referral["value"] == 1  # Quinn Family; Old Referral is outside the window
    assert suggested["Big Prospect"]["suggested_tier"] == "A"
    assert suggested["Big Prospect"]["traits"] == ["able_to_buy_more"]
    assert suggested["Costly Client"]["suggested_tier"] == "D"
    assert suggested["Costly Client"]["service_cost"] == 550
    assert suggested["Quinn Family"]["service_cost"] == 0
    assert suggested["Quinn Family"]["suggested_tier"] == "C"
    assert suggested["Wealthy Elsewhere"]["suggested_tier"] == "AA"
    assert suggested["Flagged"]["suggested_tier"] == "AA"
    # The costs are the practice's to set: at 1,000 a touch the same client costs 3,100.
    dear = ok(c.post("/tiers/runs", json={"as_of": AS_OF, "touch_cost": 1_000}), 201)
    assert _suggestions(c, dear["id"])["Costly Client"]["service_cost"] == 3_100


def test_a_client_cannot_be_given_an_unknown_tier(sample_client):
    elliott = _client_id(sample_client, "Elliott")
    problem(sample_client.patch(f"/clients/{elliott}", json={"tier": "AAAA"}), 422)
    assert ok(sample_client.patch(f"/clients/{elliott}", json={"tier": "B"}))["tier"] == "B"
    assert ok(sample_client.patch(f"/clients/{elliott}", json={"tier": None}))["tier"] is None


def test_clients_can_be_listed_by_tier(sample_client):
    elliott = sample_client.get("/clients", params={"name": "Elliott Household"}).json()["items"][0]
    assert sample_client.patch(f"/clients/{elliott['id']}", json={"tier": "AA"}).status_code == 200
    listed = sample_client.get("/clients", params={"tier": "AA"}).json()["items"]
    assert [c["name"] for c in listed] == ["Elliott Household"]
    assert sample_client.get("/clients", params={"tier": "AAAA"}).status_code == 422
