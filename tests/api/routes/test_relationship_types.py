"""/relationship-types: the catalogue administrators edit, and what relationships it allows."""

from __future__ import annotations


from api.helpers import (
    DEFAULT_TYPE_CODES,
    create_client,
    create_person,
    create_provider,
    create_relationship_type,
    get,
    ok,
    problem,
    relate,
    relationship_type_codes,
    snapshot,
)

NEW_TYPE = {"code": "TRUSTEE_FOR", "phrase": "a Trustee for", "reverse_phrase": "has Trustee", "category": "professional",
            "from_kinds": ["person"], "to_kinds": ["client"]}


def test_list_has_the_19_defaults(client):
    types = get(client, "/relationship-types")
    assert len(types) == 21 and {t["code"] for t in types} == DEFAULT_TYPE_CODES
    by_code = {t["code"]: t for t in types}
    assert by_code["PRIMARY_CONTACT_AT"] == {
        "code": "PRIMARY_CONTACT_AT", "phrase": "a Primary Contact at", "reverse_phrase": "has Primary Contact",
        "category": "membership", "from_kinds": ["person"], "to_kinds": ["client"], "weight": 1.0,
        "role": "primary_contact", "description": "", "symmetric": False}
    assert by_code["SPOUSE_OF"]["symmetric"] is True and by_code["PARENT_OF"]["symmetric"] is False
    assert {t["code"] for t in types if t["category"] == "membership"} == {
        "PRIMARY_CONTACT_AT", "PARTNER_CONTACT_AT", "DEPENDANT_IN", "DIRECTOR_AT", "EMPLOYEE_AT", "MEMBER_OF"}
    assert all((t["role"] is None) == (t["category"] != "membership") for t in types)


def test_get_one(client):
    assert get(client, "/relationship-types/ACCOUNTANT_FOR")["reverse_phrase"] == "has Accountant"


def test_get_unknown_is_404(client):
    for code in ("NOPE", "spouse_of", "SPOUSE-OF"):
        assert problem(client.get(f"/relationship-types/{code}"), 404)["detail"] == f"no relationship type '{code}'"


# -- create -------------------------------------------------------------------------------------
def test_create_and_use(client):
    created = create_relationship_type(client, weight=0.8, description="Trustee of a family trust")
    assert created == {**NEW_TYPE, "weight": 0.8, "role": None, "description": "Trustee of a family trust", "symmetric": False}
    assert get(client, "/relationship-types/TRUSTEE_FOR") == created
    assert "TRUSTEE_FOR" in relationship_type_codes(client)
    laura, household = create_person(client, "Laura", "Harper"), create_client(client)
    relationship = relate(client, "TRUSTEE_FOR", laura["id"], household["id"])
    assert relationship["sentence"] == "Laura Harper is a Trustee for Elliott Household"
    assert relationship["reverse_sentence"] == "Elliott Household has Trustee Laura Harper"
    assert relationship["category"] == "professional"


def test_create_membership_type_with_role(client):
    created = create_relationship_type(client, "TRUSTEE_AT", category="membership", role="member")
    assert created["role"] == "member"
    john, household = create_person(client), create_client(client)
    assert relate(client, "TRUSTEE_AT", john["id"], household["id"])["role"] == "member"
    assert get(client, f"/clients/{household['id']}")["members"][0]["role"] == "member"


def test_create_symmetric_type(client):
    created = create_relationship_type(client, "COUSIN_OF", phrase="the Cousin of", reverse_phrase="is the Cousin of",
                                       category="family", from_kinds=["person"], to_kinds=["person"])
    assert created["symmetric"] is True
    a, b = create_person(client, "Ann", "Lee"), create_person(client, "Bo", "Lee")
    relate(client, "COUSIN_OF", a["id"], b["id"])
    problem(client.post("/relationships", json={"type": "COUSIN_OF", "from_id": b["id"], "to_id": a["id"]}), 409)


def test_duplicate_code_is_a_conflict(client):
    before = snapshot(client)
    error = problem(client.post("/relationship-types", json={**NEW_TYPE, "code": "SPOUSE_OF"}), 409)
    assert error["detail"] == "relationship type 'SPOUSE_OF' already exists"
    assert snapshot(client) == before


def test_code_must_be_an_identifier(client):
    before = snapshot(client)
    for code in ("trustee_for", "T", "1TRUSTEE", "_TRUSTEE", "TRUSTEE-FOR", "TRUSTEE FOR", "TRUSTEE`) DETACH DELETE",
                 "TRUSTÉE", "TRUSTEE\n", "T" * 64, ""):
        error = problem(client.post("/relationship-types", json={**NEW_TYPE, "code": code}), 422)
        assert "code" in error["detail"], code
    assert snapshot(client) == before


def test_longest_code_is_accepted(client):
    assert create_relationship_type(client, "T" * 63)["code"] == "T" * 63


INVALID_TYPES = [
    ({"category": "membership"}, "a membership relationship type needs a role"),
    ({"role": "partner"}, "only membership relationship types carry a role"),
    ({"category": "membership", "role": "chairman"}, "role"),
    ({"category": "romance"}, "category"),
    ({"from_kinds": []}, "from_kinds"),
    ({"to_kinds": ["household"]}, "to_kinds"),
    ({"weight": 10.5}, "weight"),
    ({"weight": -1}, "weight"),
    ({"phrase": ""}, "phrase"),
    ({"reverse_phrase": "x" * 121}, "reverse_phrase"),
    ({"symmetric": True}, "Extra inputs are not permitted"),
    ({"phrase": None}, "phrase"),
]


def test_invalid_type_is_rejected(client):
    before = snapshot(client)
    for fields, message in INVALID_TYPES:
        error = problem(client.post("/relationship-types", json={**NEW_TYPE, **fields}), 422)
        assert message in error["detail"], fields
    assert snapshot(client) == before


def test_missing_field_is_rejected(client):
    for missing in ("code", "phrase", "reverse_phrase", "category", "from_kinds", "to_kinds"):
        body = {k: v for k, v in NEW_TYPE.items() if k != missing}
        error = problem(client.post("/relationship-types", json=body), 422)
        assert [e["location"] for e in error["errors"]] == [["body", missing]]
    assert set(relationship_type_codes(client)) == DEFAULT_TYPE_CODES


# -- change ---------------------------------------------------------------------------------------
def test_patch_phrase_rephrases_existing_relationships(sample_client):
    changed = ok(sample_client.patch("/relationship-types/ACCOUNTANT_FOR",
                                     json={"phrase": "the Accountant of", "reverse_phrase": "keeps books with"}))
    assert (changed["phrase"], changed["reverse_phrase"], changed["category"]) == (
        "the Accountant of", "keeps books with", "professional")
    [relationship] = [r for r in get(sample_client, "/relationships", type="ACCOUNTANT_FOR")["items"]]
    assert relationship["sentence"] == "Brightside Accountants is the Accountant of Smart Systems Ltd"
    assert relationship["reverse_sentence"] == "Smart Systems Ltd keeps books with Brightside Accountants"


def test_patch_weight_and_description(client):
    changed = ok(client.patch("/relationship-types/REFERRER_OF", json={"weight": 2.5, "description": "Counts double"}))
    assert (changed["weight"], changed["description"]) == (2.5, "Counts double")
    assert get(client, "/relationship-types/REFERRER_OF") == changed


def test_patch_null_description_clears_it(client):
    changed = ok(client.patch("/relationship-types/RELATED_HOUSEHOLD_OF", json={"description": None}))
    assert changed["description"] == ""
    assert get(client, "/relationship-types/RELATED_HOUSEHOLD_OF")["description"] == ""


def test_patch_widening_kinds_allows_new_relationships(client):
    provider, household = create_provider(client), create_client(client)
    problem(client.post("/relationships", json={"type": "ADVISER_OF", "from_id": provider["id"], "to_id": household["id"]}), 422)
    changed = ok(client.patch("/relationship-types/ADVISER_OF", json={"from_kinds": ["team_member", "provider"]}))
    assert changed["from_kinds"] == ["team_member", "provider"]
    relate(client, "ADVISER_OF", provider["id"], household["id"])


def test_patch_narrowing_kinds_in_use_is_a_conflict(sample_client):
    before = snapshot(sample_client)
    error = problem(sample_client.patch("/relationship-types/ACCOUNTANT_FOR", json={"from_kinds": ["provider"], "weight": 3}), 409)
    assert error["detail"] == ("1 existing 'ACCOUNTANT_FOR' relationships join kinds the new from_kinds/to_kinds "
                               "would not allow")  # Ben Carter's ended one still counts
    problem(sample_client.patch("/relationship-types/SOLICITOR_FOR", json={"to_kinds": ["person"]}), 409)
    assert snapshot(sample_client) == before


def test_patch_narrowing_kinds_not_in_use_is_allowed(sample_client):
    changed = ok(sample_client.patch("/relationship-types/SOLICITOR_FOR", json={"from_kinds": ["person"]}))
    assert changed["from_kinds"] == ["person"]


def test_patch_invalid_change_is_rejected(client):
    before = snapshot(client)
    for changes in ({"code": "OTHER"}, {"category": "family"}, {"role": "partner"}, {"phrase": None},
                    {"from_kinds": None}, {"weight": None}, {"from_kinds": []}, {"weight": 11}, {"to_kinds": ["castle"]}):
        problem(client.patch("/relationship-types/SPOUSE_OF", json={"description": "changed", **changes}), 422)
    assert snapshot(client) == before


def test_patch_unknown_is_404(client):
    problem(client.patch("/relationship-types/NOPE", json={"weight": 2}), 404)


def test_patch_symmetric_type_used_in_reverse(client):
    create_relationship_type(client, "CO_TRUSTEE_WITH", phrase="a Co-Trustee with", reverse_phrase="is a Co-Trustee with",
                             category="other", from_kinds=["person"], to_kinds=["provider"])
    laura, firm = create_person(client, "Laura", "Harper"), create_provider(client, "Harper & Cole", "law_firm")
    assert relate(client, "CO_TRUSTEE_WITH", firm["id"], laura["id"])["sentence"] == "Harper & Cole is a Co-Trustee with Laura Harper"
    assert ok(client.patch("/relationship-types/CO_TRUSTEE_WITH", json={"weight": 2}))["weight"] == 2


def test_a_membership_type_joins_person_to_client_only(client):
    """Memberships are how people belong to clients: a client-to-client membership type (which
    once made clients unreadable) is refused, and nothing is added."""
    before = snapshot(client)
    error = problem(client.post("/relationship-types", json={
        "code": "SUBSIDIARY_OF", "phrase": "a Subsidiary of", "reverse_phrase": "has Subsidiary",
        "category": "membership", "role": "member", "from_kinds": ["client"], "to_kinds": ["client"]}), 422)
    assert "a membership relationship type joins person to client" in error["detail"]
    assert snapshot(client) == before


# -- delete ---------------------------------------------------------------------------------------
def test_delete_in_use_is_a_conflict(sample_client):
    before = snapshot(sample_client)
    error = problem(sample_client.delete("/relationship-types/SPOUSE_OF"), 409)
    assert error["detail"] == "relationship type 'SPOUSE_OF' is used by 2 relationships; end or delete them first"
    assert snapshot(sample_client) == before


def test_delete_used_only_by_history_is_a_conflict(client):
    ben, household = create_person(client, "Ben", "Carter"), create_client(client)
    relate(client, "ACCOUNTANT_FOR", ben["id"], household["id"], until="2023-03-31")
    problem(client.delete("/relationship-types/ACCOUNTANT_FOR"), 409)


def test_delete_unused_then_it_cannot_be_used(client):
    response = client.delete("/relationship-types/SIBLING_OF")
    assert response.status_code == 204 and response.content == b""
    problem(client.get("/relationship-types/SIBLING_OF"), 404)
    assert len(get(client, "/relationship-types")) == 20
    a, b = create_person(client, "Ann", "Lee"), create_person(client, "Bo", "Lee")
    error = problem(client.post("/relationships", json={"type": "SIBLING_OF", "from_id": a["id"], "to_id": b["id"]}), 422)
    assert "SIBLING_OF" not in error["allowed"] and "SPOUSE_OF" in error["allowed"]
    problem(client.delete("/relationship-types/SIBLING_OF"), 404)


def test_delete_after_its_relationships_are_gone(client):
    created = create_relationship_type(client)
    laura, household = create_person(client, "Laura", "Harper"), create_client(client)
    relationship = relate(client, "TRUSTEE_FOR", laura["id"], household["id"])
    problem(client.delete("/relationship-types/TRUSTEE_FOR"), 409)
    assert client.delete(f"/relationships/{relationship['id']}").status_code == 204
    assert client.delete(f"/relationship-types/{created['code']}").status_code == 204
    assert ok(client.post("/relationship-types", json=NEW_TYPE), 201)["code"] == "TRUSTEE_FOR"


def test_delete_unknown_is_404(client):
    problem(client.delete("/relationship-types/NOPE"), 404)


def test_list_rejects_unknown_query_parameter(client):
    problem(client.get("/relationship-types", params={"category": "family"}), 422)
