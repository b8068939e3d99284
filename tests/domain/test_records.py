"""What a new record holds: the create bodies' field rules (emails, phones, postcodes,
countries) and a relationship's own checks (dates in order, two different ends)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from app.domain.model import ClientKind, TeamRole
from app.domain.records import (
    ClientCreate,
    PersonCreate,
    RelationshipCreate,
    TeamMemberCreate,
    check_dates,
)


def refusals(model: type, body: dict) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return [(error["loc"], error["msg"]) for error in refused.value.errors()]


def test_a_client_takes_its_fields_from_every_part():
    client = ClientCreate.model_validate({
        "name": "Oakley Household", "kind": "household", "stage": "client", "tier": "AA",
        "annual_revenue": 12_000, "next_review_date": "2027-01-05", "postcode": "LS1 4AB", "country": "GB",
    })
    assert client.kind is ClientKind.household
    assert client.tier.value == "AA"
    assert client.next_review_date == date(2027, 1, 5)
    assert (client.postcode, client.country) == ("LS1 4AB", "GB")


def test_a_client_needs_a_name_and_a_kind():
    assert {loc for loc, _ in refusals(ClientCreate, {})} == {("name",), ("kind",)}


@pytest.mark.parametrize(("country", "message"), [
    ("UK", "'UK' is not an ISO 3166-1 alpha-2 country code: did you mean GB?"),
    ("QQ", "'QQ' is not an ISO 3166-1 alpha-2 country code (two capital letters, such as GB, IE or US)"),
])
def test_a_country_must_be_an_iso_code_and_the_message_helps(country, message):
    assert refusals(ClientCreate, {"name": "O", "kind": "household", "country": country}) == [(("country",), message)]


@pytest.mark.parametrize("postcode", ["LS1 4AB", "D02 X285", "90210", "10115-1234"])
def test_postcodes_of_several_countries_are_taken(postcode):
    assert PersonCreate.model_validate({"first_name": "J", "last_name": "E", "postcode": postcode}).postcode == postcode


@pytest.mark.parametrize("postcode", ["", " LS1", "-LS1", "LS1_4AB", "X" * 21])
def test_postcodes_start_with_a_letter_or_digit_and_hold_no_symbols(postcode):
    assert refusals(PersonCreate, {"first_name": "J", "last_name": "E", "postcode": postcode})[0][0] == ("postcode",)


@pytest.mark.parametrize("email", ["jean@example.com", "jean.elliott+work@mail.example.co.uk"])
def test_emails_are_taken(email):
    assert TeamMemberCreate.model_validate({"name": "Jean", "role": "adviser", "email": email}).email == email


@pytest.mark.parametrize("email", ["jean", "jean@example", "jean@@example.com", "jean @example.com", "@example.com",
                                   "jean@exam\tple.com", "a" * 310 + "@example.com"])
def test_emails_without_one_at_and_a_dotted_domain_are_refused(email):
    assert refusals(TeamMemberCreate, {"name": "Jean", "role": "adviser", "email": email})[0][0] == ("email",)


def test_phones_take_digits_and_the_usual_marks_only():
    member = TeamMemberCreate.model_validate({"name": "J", "role": "analyst", "phone": "+44 (0)113 496-0000 ext 12"})
    assert member.role is TeamRole.analyst
    for bad in ("12", "call me", "0113#4960000", "1" * 41):
        assert refusals(TeamMemberCreate, {"name": "J", "role": "analyst", "phone": bad})[0][0] == ("phone",)


RELATIONSHIP = {"type": "SPOUSE_OF", "from_id": "p1", "to_id": "p2"}


def test_a_relationship_s_dates_may_be_equal_or_in_order():
    assert RelationshipCreate.model_validate(RELATIONSHIP | {"since": "2020-01-01", "until": "2020-01-01"})
    assert RelationshipCreate.model_validate(RELATIONSHIP | {"since": "2020-01-01", "until": "2021-01-01"})
    assert RelationshipCreate.model_validate(RELATIONSHIP | {"until": "2021-01-01"})  # either may be missing


def test_a_relationship_may_not_end_before_it_starts():
    assert refusals(RelationshipCreate, RELATIONSHIP | {"since": "2021-01-01", "until": "2020-12-31"}) == [
        ((), "Value error, until must not be before since"),
    ]
    with pytest.raises(ValueError, match="until must not be before since"):
        check_dates(date(2021, 1, 2), date(2021, 1, 1))
    check_dates(None, date(2021, 1, 1))


def test_a_relationship_joins_two_different_entities():
    assert refusals(RelationshipCreate, {"type": "SPOUSE_OF", "from_id": "p1", "to_id": "p1"}) == [
        ((), "Value error, a relationship joins two different entities: from_id and to_id are the same"),
    ]


@pytest.mark.parametrize(("field", "value"), [("strength", 1.01), ("strength", -0.1), ("share", 2), ("type", "")])
def test_a_relationship_s_strength_and_share_lie_between_0_and_1(field, value):
    assert refusals(RelationshipCreate, RELATIONSHIP | {field: value})[0][0] == (field,)
