"""/categories/{stages|segments|sources|influencer-segments}: ordered lists that classify clients."""

from __future__ import annotations

import pytest

from api.helpers import CATEGORY_LISTS, category_codes, create_client, get, ok, problem, snapshot

DEFAULTS = {
    "stages": ["prospect", "client", "inactive", "for_sale"],
    "segments": ["A", "B", "C", "D"],
    "sources": ["referral", "bought_list", "event", "website_enquiry"],
    "influencer-segments": ["critical", "important", "standard"],
}
CLIENT_FIELD = {"stages": "stage", "segments": "segment", "sources": "source", "influencer-segments": "influencer_segment"}

lists = pytest.mark.parametrize("list_name", CATEGORY_LISTS)


@lists
def test_list_in_order(client, list_name):
    categories = get(client, f"/categories/{list_name}")
    assert [c["code"] for c in categories] == DEFAULTS[list_name]
    assert [c["position"] for c in categories] == list(range(len(DEFAULTS[list_name])))
    assert all(c["list"] == list_name and c["label"] for c in categories)


def test_defaults_have_labels_and_descriptions(client):
    critical = get(client, "/categories/influencer-segments")[0]
    assert critical["label"] == "Critical" and critical["description"].startswith("Most connected")
    assert get(client, "/categories/stages")[3]["label"] == "For sale"


def test_unknown_list_is_rejected(client):
    problem(client.get("/categories/colours"), 422)
    problem(client.post("/categories/colours", json={"code": "red", "label": "Red"}), 422)


@lists
def test_create_appends_at_the_end_and_can_be_used(client, list_name):
    created = ok(client.post(f"/categories/{list_name}", json={"code": "new-1", "label": "New one", "description": "Added"}), 201)
    assert created == {"list": list_name, "code": "new-1", "label": "New one", "description": "Added",
                       "position": len(DEFAULTS[list_name])}
    assert category_codes(client, list_name) == [*DEFAULTS[list_name], "new-1"]
    household = create_client(client, **{CLIENT_FIELD[list_name]: "new-1"})
    assert household[CLIENT_FIELD[list_name]] == "new-1"


def test_create_after_a_deletion_still_appends(client):
    assert client.delete("/categories/stages/inactive").status_code == 204
    created = ok(client.post("/categories/stages", json={"code": "lapsed", "label": "Lapsed"}), 201)
    assert created["position"] == 4
    assert category_codes(client, "stages") == ["prospect", "client", "for_sale", "lapsed"]


def test_create_at_a_position(client):
    created = ok(client.post("/categories/segments", json={"code": "BB", "label": "Between B and C", "position": 2}), 201)
    assert created["position"] == 2
    assert category_codes(client, "segments") == ["A", "B", "BB", "C", "D"]


def test_same_code_in_another_list_is_fine(client):
    ok(client.post("/categories/segments", json={"code": "client", "label": "Client segment"}), 201)


@lists
def test_duplicate_is_a_conflict(client, list_name):
    before = snapshot(client)
    code = DEFAULTS[list_name][0]
    error = problem(client.post(f"/categories/{list_name}", json={"code": code, "label": "Again"}), 409)
    assert error["detail"] == f"{list_name} already has '{code}'"
    assert snapshot(client) == before


def test_invalid_category_is_rejected(client):
    before = snapshot(client)
    for body in ({"code": "has space", "label": "x"}, {"code": "-lead", "label": "x"}, {"code": "x" * 41, "label": "x"},
                 {"code": "ok", "label": ""}, {"code": "ok", "label": "x" * 81}, {"code": "ok"}, {"label": "No code"},
                 {"code": "ok", "label": "x", "list": "sources"}, {"code": "ok", "label": "x", "position": -1},
                 {"code": "'}) MATCH (n) DETACH DELETE n //", "label": "x"}):
        problem(client.post("/categories/stages", json=body), 422)
    assert snapshot(client) == before


def test_patch_label_description_and_position(client):
    changed = ok(client.patch("/categories/stages/for_sale", json={"label": "For sale (agreed)", "description": "Book sold"}))
    assert (changed["code"], changed["label"], changed["description"], changed["position"]) == (
        "for_sale", "For sale (agreed)", "Book sold", 3)
    moved = ok(client.patch("/categories/stages/for_sale", json={"position": 10}))
    assert moved["position"] == 10 and moved["label"] == "For sale (agreed)"
    ok(client.patch("/categories/stages/prospect", json={"position": 20}))
    assert category_codes(client, "stages") == ["client", "inactive", "for_sale", "prospect"]


def test_patch_null_description_clears_it(client):
    ok(client.patch("/categories/segments/A", json={"description": None}))
    assert get(client, "/categories/segments")[0] == {
        "list": "segments", "code": "A", "label": "A", "description": "", "position": 0}


def test_patch_invalid_change_is_rejected(client):
    before = snapshot(client)
    for changes in ({"label": None}, {"position": None}, {"label": ""}, {"code": "other"}, {"list": "sources"},
                    {"position": 10_001}):
        problem(client.patch("/categories/stages/client", json={"description": "changed", **changes}), 422)
    assert snapshot(client) == before


def test_patch_unknown_is_404(client):
    error = problem(client.patch("/categories/stages/nope", json={"label": "Nope"}), 404)
    assert error["detail"] == "stages has no 'nope'"
    problem(client.patch("/categories/segments/prospect", json={"label": "x"}), 404)


@lists
def test_delete_in_use_is_a_conflict(client, list_name):
    code = DEFAULTS[list_name][1]
    create_client(client, **{CLIENT_FIELD[list_name]: code})
    before = snapshot(client)
    error = problem(client.delete(f"/categories/{list_name}/{code}"), 409)
    assert error["detail"] == f"1 entities still have {CLIENT_FIELD[list_name]} '{code}'; reclassify them first"
    assert snapshot(client) == before


@lists
def test_delete_unused_then_clients_cannot_use_it(client, list_name):
    code = DEFAULTS[list_name][-1]
    response = client.delete(f"/categories/{list_name}/{code}")
    assert response.status_code == 204 and response.content == b""
    assert category_codes(client, list_name) == DEFAULTS[list_name][:-1]
    error = problem(client.post("/clients", json={"name": "X", "kind": "household", CLIENT_FIELD[list_name]: code}), 422)
    assert error["allowed"] == DEFAULTS[list_name][:-1]
    problem(client.delete(f"/categories/{list_name}/{code}"), 404)


def test_delete_after_reclassifying(client):
    household = create_client(client, stage="inactive")
    problem(client.delete("/categories/stages/inactive"), 409)
    ok(client.patch(f"/clients/{household['id']}", json={"stage": "client"}))
    assert client.delete("/categories/stages/inactive").status_code == 204


def test_delete_unknown_is_404(client):
    problem(client.delete("/categories/stages/nope"), 404)
    problem(client.delete("/categories/sources/A"), 404)


def test_list_rejects_unknown_query_parameter(client):
    problem(client.get("/categories/stages", params={"limit": 2}), 422)
