"""Salutations, addresses and who a mailing writes to, worked out by hand."""

from __future__ import annotations

import pytest

from app.domain.mailing import (
    Household,
    Member,
    addressee,
    country_problem,
    mailing_list,
    postal_address,
    salutation,
    spreadsheet_safe,
)

HOME = {"address_line1": "12 Elm Road", "locality": "Leeds", "postcode": "LS1 4AB", "country": "GB"}


def person(pid: str, first: str, last: str, **fields) -> dict:
    return {"id": pid, "entity_kind": "person", "first_name": first, "last_name": last,
            "name": f"{fields.get('preferred_name') or first} {last}", **fields}


def client(cid: str, name: str, kind: str, **fields) -> dict:
    return {"id": cid, "entity_kind": "client", "name": name, "kind": kind, **fields}


JOHN, JEAN = person("p1", "John", "Elliott"), person("p2", "Jean", "Elliott", preferred_name="Jeannie")
ROSE = person("p3", "Rose", "Elliott")
ELLIOTTS = client("c1", "Elliott Household", "household", **HOME)
FAMILY = [Member(ROSE, "dependant"), Member(JEAN, "partner"), Member(JOHN, "primary_contact")]


@pytest.mark.parametrize(("entity", "members", "greeting", "envelope"), [
    (JOHN, (), "John Elliott", "John Elliott"),
    (JEAN, (), "Jeannie Elliott", "Jean Elliott"),  # the name she goes by greets her; the envelope is formal
    (person("p4", "Grace", "Okafor", title="Dr"), (), "Dr Okafor", "Dr Grace Okafor"),
    (person("p5", "Sam", "Reid", salutation="Sam"), (), "Sam", "Sam Reid"),
    (ELLIOTTS, FAMILY, "John and Jeannie Elliott", "John and Jeannie Elliott"),
    (ELLIOTTS, [Member(ROSE, "dependant")], "The Elliott Household", "The Elliott Household"),
    (client("c2", "The Okafors", "household"), (), "The Okafors", "The Okafors"),
    (client("c3", "Okafor Household", "household"),
     [Member(person("p6", "Grace", "Okafor"), "primary_contact"), Member(person("p7", "David", "Adeyemi"), "partner")],
     "Grace Okafor and David Adeyemi", "Grace Okafor and David Adeyemi"),
    (client("c4", "Smart Systems Ltd", "business"), (), "Smart Systems Ltd", "Smart Systems Ltd"),
    (client("c5", "Smart Systems Ltd", "business", salutation="Jean and the Smart Systems team"), (),
     "Jean and the Smart Systems team", "Smart Systems Ltd"),
])
def test_salutations_and_envelopes(entity, members, greeting, envelope):
    assert salutation(entity, members) == greeting
    assert addressee(entity, members) == envelope


def test_a_postal_address_needs_a_first_line_and_a_locality_or_postcode():
    assert postal_address({"address_line1": "1 High St", "postcode": "AB1 2CD"}).line1 == "1 High St"
    assert postal_address({"address_line1": "1 High St", "locality": "York"}) is not None
    assert postal_address({"address_line1": "1 High St"}) is None
    assert postal_address({"address_line1": "  ", "locality": "York"}) is None
    assert postal_address({}) is None


def test_country_codes():
    assert country_problem("GB") is None and country_problem("IE") is None
    assert country_problem("UK") == "'UK' is not an ISO 3166-1 alpha-2 country code: did you mean GB?"
    assert country_problem("us") == "'us' is not an ISO 3166-1 alpha-2 country code: did you mean US?"
    assert "two capital letters" in country_problem("QQ")


def test_a_household_is_written_to_once_however_many_members_are_in_the_mailing():
    home = [Household(ELLIOTTS, FAMILY)]
    moved_out = {**ROSE, "address_line1": "Flat 2, 9 Quay St", "locality": "Bristol"}
    same_as_home = {**JOHN, **HOME, "address_line1": "12  elm road"}
    lone = person("p9", "Kim", "Lowe")
    mailing = mailing_list([JOHN, JEAN, ELLIOTTS, moved_out, same_as_home, lone],
                           members_of={"c1": FAMILY}, households_of={"p1": home, "p2": home, "p3": home})
    assert [(r["id"], r["name"], r["salutation"], r["locality"]) for r in mailing.rows] == [
        ("c1", "John and Jeannie Elliott", "John and Jeannie Elliott", "Leeds"),
        ("p3", "Rose Elliott", "Rose Elliott", "Bristol"),
    ]
    assert mailing.without_address == [{"id": "p9", "kind": "person", "name": "Kim Lowe"}]


def test_personal_mail_goes_to_the_person_at_their_households_address():
    home = [Household(ELLIOTTS, FAMILY)]
    mailing = mailing_list([ROSE, JOHN, ROSE], members_of={"c1": FAMILY}, households_of={"p1": home, "p3": home},
                           fold_households=False)
    assert [(r["name"], r["address_line1"]) for r in mailing.rows] == [("John Elliott", "12 Elm Road"),
                                                                        ("Rose Elliott", "12 Elm Road")]


def test_team_members_and_providers_are_passed_over():
    assert mailing_list([{"id": "t", "entity_kind": "team_member", "name": "Anna", **HOME}], members_of={},
                        households_of={}).rows == []


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+44 20", "'+44 20"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Smith = Jones", "Smith = Jones"), (None, ""), ("O'Neil", "O'Neil"),
])
def test_cells_a_spreadsheet_would_run_get_an_apostrophe(value, cell):
    assert spreadsheet_safe(value) == cell
