"""/providers: kinds, contact fields, filters, and provider relationships."""

from __future__ import annotations

from api.helpers import (
    create_provider,
    everything,
    get,
    names,
    ok,
    problem,
    sample_id,
    sentences,
    snapshot,
)


def test_create_with_every_field(client):
    created = create_provider(client, "Harper & Cole Solicitors", "law_firm", email="office@harpercole.example",
                              phone="+44 113 496 0000", website="https://harpercole.example", notes="Wills and trusts")
    assert (created["kind"], created["email"], created["phone"]) == ("law_firm", "office@harpercole.example", "+44 113 496 0000")
    assert (created["website"], created["notes"]) == ("https://harpercole.example", "Wills and trusts")


def test_create_with_invalid_field_is_rejected(client):
    before = snapshot(client)
    for fields in ({"kind": "bank"}, {"kind": None}, {"website": "x" * 301}, {"email": "office"}):
        error = problem(client.post("/providers", json={"name": "Atlas Life", "kind": "product_provider", **fields}), 422)
        assert [e["location"] for e in error["errors"]] == [["body", *fields]]
    assert snapshot(client) == before


def test_list_filters(sample_client):
    for query, expected in [
        ({"kind": "accountancy"}, ["Brightside Accountants"]),
        ({"kind": "other"}, []),
        ({"name": "LIFE"}, ["Atlas Life"]),
        ({"name": "&"}, ["Harper & Cole Solicitors"]),
        ({"kind": "law_firm", "name": "atlas"}, []),
        ({"kind": "law_firm", "name": "HARPER"}, ["Harper & Cole Solicitors"]),
    ]:
        assert names(everything(sample_client, "/providers", **query)) == expected, query


def test_list_rejects_invalid_kind(client):
    problem(client.get("/providers", params={"kind": "bank"}), 422)


def test_patch_kind_and_clear_website(client):
    created = create_provider(client, website="https://brightside.example", notes="n")
    changed = ok(client.patch(f"/providers/{created['id']}", json={"kind": "other", "website": None}))
    assert (changed["kind"], changed["website"], changed["notes"], changed["version"]) == ("other", None, "n", 2)


def test_patch_invalid_change_is_rejected(client):
    created = create_provider(client)
    before = snapshot(client)
    for changes in ({"kind": None}, {"name": None}, {"kind": "bank"}, {"people": []}):
        problem(client.patch(f"/providers/{created['id']}", json={"notes": "changed", **changes}), 422)
    assert snapshot(client) == before


def test_relationships_are_phrased_from_the_provider(sample_client):
    brightside = sample_id(sample_client, "providers", "Brightside Accountants")
    assert sentences(sample_client, f"/providers/{brightside}/relationships") == [
        "Brightside Accountants has Staff Member Ben Carter",
        "Brightside Accountants is an Accountant for Smart Systems Ltd",
    ]


def test_delete_with_relationships_is_refused_then_cascades(sample_client):
    atlas = sample_id(sample_client, "providers", "Atlas Life")
    before = snapshot(sample_client)
    assert problem(sample_client.delete(f"/providers/{atlas}"), 409)["relationships"] == 1
    assert snapshot(sample_client) == before
    assert sample_client.delete(f"/providers/{atlas}", params={"cascade": "true"}).status_code == 204
    nina = sample_id(sample_client, "people", "Nina Brooks")
    assert get(sample_client, f"/people/{nina}/relationships") == []
    assert len(snapshot(sample_client)["relationships"]) == len(before["relationships"]) - 1
