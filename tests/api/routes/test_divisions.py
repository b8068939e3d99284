"""/divisions: parts of the practice, and who is in them."""

from __future__ import annotations

from api.helpers import (
    create_division,
    everything,
    get,
    names,
    ok,
    problem,
    sample_id,
    sentences,
    snapshot,
)


def test_create_with_description(client):
    created = create_division(client, "Leeds Office", description="Opened 2021.\nTwo advisers.")
    assert created["description"] == "Opened 2021.\nTwo advisers."


def test_create_with_invalid_field_is_rejected(client):
    before = snapshot(client)
    for fields in ({"description": "x" * 20_001}, {"name": None}, {"kind": "office"}):
        error = problem(client.post("/divisions", json={"name": "Leeds Office", **fields}), 422)
        assert [e["location"] for e in error["errors"]] == [["body", *fields]]
    assert snapshot(client) == before


def test_list_name_filter(sample_client):
    assert names(everything(sample_client, "/divisions", name="OFFICE")) == ["Leeds Office", "London Office"]
    assert names(everything(sample_client, "/divisions", name="lond")) == ["London Office"]


def test_list_rejects_filters_divisions_do_not_have(client):
    problem(client.get("/divisions", params={"kind": "office"}), 422)


def test_patch_clears_description(client):
    created = create_division(client, description="Head office")
    changed = ok(client.patch(f"/divisions/{created['id']}", json={"description": None}))
    assert changed["description"] is None and changed["name"] == "London Office" and changed["version"] == 2


def test_relationships_are_phrased_from_the_division(sample_client):
    london = sample_id(sample_client, "divisions", "London Office")
    assert sentences(sample_client, f"/divisions/{london}/relationships") == ["London Office includes Anna Shaw"]


def test_delete_with_members_is_refused_then_cascades(sample_client):
    leeds = sample_id(sample_client, "divisions", "Leeds Office")
    before = snapshot(sample_client)
    assert problem(sample_client.delete(f"/divisions/{leeds}"), 409)["relationships"] == 1
    assert snapshot(sample_client) == before
    assert sample_client.delete(f"/divisions/{leeds}", params={"cascade": "true"}).status_code == 204
    omar = sample_id(sample_client, "team-members", "Omar Haddad")
    assert "Omar Haddad is in Leeds Office" not in sentences(sample_client, f"/team-members/{omar}/relationships")
    assert get(sample_client, f"/team-members/{omar}")["version"] == 1
