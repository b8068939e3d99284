"""Fields as the API and the import take them: dates and instants as RFC 3339 text only,
with messages that say what is wrong; money bounded; bodies strict and closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from app.domain.fields import (
    MAX_MONEY,
    Choice,
    InputModel,
    IsoDate,
    IsoInstant,
    Money,
    Name,
)
from app.domain.model import ClientKind

DATE = TypeAdapter(IsoDate)
INSTANT = TypeAdapter(IsoInstant)
MONEY = TypeAdapter(Money)


def refusal(adapter: TypeAdapter, value: object) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python(value)
    (error,) = refused.value.errors()
    return error["type"], error["msg"]


def test_dates_are_read_from_yyyy_mm_dd_only():
    assert DATE.validate_python("1980-02-29") == date(1980, 2, 29)
    assert DATE.validate_json('"2999-12-31"') == date(2999, 12, 31)
    assert DATE.validate_python(date(2026, 1, 5)) == date(2026, 1, 5)  # a date given as one is kept


@pytest.mark.parametrize("text", ["0", "0.5", "1980-2-3", "19800203", "1980-02-03T00:00:00", " 1980-02-03", "1799-12-31", "3000-01-01"])
def test_other_text_is_no_date_and_the_message_gives_the_form_and_range(text):
    assert refusal(DATE, text) == ("date_parsing", "Input should be a date as YYYY-MM-DD, from 1800-01-01 to 2999-12-31")


@pytest.mark.parametrize("value", [0, 1.5, None, datetime(2026, 1, 5, tzinfo=UTC)])
def test_numbers_and_instants_are_no_dates(value):
    assert refusal(DATE, value)[0] == "date_parsing"


@pytest.mark.parametrize(("text", "message"), [
    ("1980-02-30", "1980-02-30 has no such day (February 1980 has 29 days)"),
    ("1981-02-29", "1981-02-29 has no such day (February 1981 has 28 days)"),
    ("2026-04-31", "2026-04-31 has no such day (April 2026 has 30 days)"),
    ("2026-01-00", "2026-01-00 has no such day (January 2026 has 31 days)"),
    ("2026-13-01", "2026-13-01 has no such month (months run from 01 to 12)"),
    ("2026-00-10", "2026-00-10 has no such month (months run from 01 to 12)"),
])
def test_a_date_of_the_right_form_that_names_no_day_says_why(text, message):
    assert refusal(DATE, text) == ("date_no_such_day", message)


def test_instants_need_an_offset_and_take_lowercase_t_and_z():
    assert INSTANT.validate_python("2024-05-01T09:30:00Z") == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert INSTANT.validate_python("2024-05-01t09:30:00.250z") == datetime(2024, 5, 1, 9, 30, 0, 250_000, tzinfo=UTC)
    east = INSTANT.validate_python("2024-05-01T09:30:00+02:00")
    assert east.utcoffset() == timedelta(hours=2)
    assert east == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
    kept = datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=-5)))
    assert INSTANT.validate_python(kept) is kept


@pytest.mark.parametrize("text", ["2024-05-01T09:30:00", "2024-05-01", "2024-05-01 09:30:00Z", "1700-05-01T09:30:00Z", "0"])
def test_instants_without_offset_or_out_of_range_are_refused_with_the_form(text):
    assert refusal(INSTANT, text) == (
        "datetime_parsing",
        "Input should be an instant as YYYY-MM-DDThh:mm:ss with Z or an offset, from 1800-01-01 to 2999-12-31",
    )


def test_an_instant_of_the_right_form_that_names_no_time_says_so():
    kind, message = refusal(INSTANT, "2024-02-30T09:30:00Z")
    assert kind == "datetime_parsing"
    assert message.startswith("Input should be a valid instant: ")
    assert "day is out of range" in message
    assert refusal(INSTANT, "2024-05-01T25:00:00Z")[0] == "datetime_parsing"


def test_money_is_finite_non_negative_and_at_most_a_thousand_trillion():
    assert MONEY.validate_python(0) == 0
    assert MONEY.validate_python(MAX_MONEY) == 1e15
    for bad in (-0.01, MAX_MONEY * 1.0001, float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            MONEY.validate_python(bad)


class Body(InputModel):
    name: Name
    kind: Choice[ClientKind]
    revenue: Money | None = None
    count: int | None = None
    flag: bool | None = None
    since: IsoDate | None = None


def errors_of(payload: str) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate_json(payload)
    return [(error["loc"], error["type"]) for error in refused.value.errors()]


def test_a_body_takes_each_field_in_its_own_json_type():
    body = Body.model_validate_json('{"name": "Oakley", "kind": "household", "revenue": 5, "count": 2, "since": "2020-01-01"}')
    assert body.kind is ClientKind.household
    assert body.revenue == 5.0  # an integer is a fine number
    assert body.since == date(2020, 1, 1)
    assert Body.model_validate({"name": "O", "kind": "business"}).kind is ClientKind.business  # a choice by value


@pytest.mark.parametrize(("payload", "error"), [
    ('{"name": "O", "kind": "household", "colour": "red"}', (("colour",), "extra_forbidden")),
    ('{"name": "O", "kind": "household", "revenue": true}', (("revenue",), "float_type")),
    ('{"name": "O", "kind": "household", "count": 1.0}', (("count",), "int_type")),
    ('{"name": "O", "kind": "household", "count": "1"}', (("count",), "int_type")),
    ('{"name": "O", "kind": "household", "flag": 0}', (("flag",), "bool_type")),
    ('{"name": "O", "kind": "household", "revenue": Infinity}', (("revenue",), "finite_number")),
    ('{"name": "O", "kind": "castle"}', (("kind",), "enum")),
    ('{"name": "", "kind": "household"}', (("name",), "string_too_short")),
    ('{"name": "O", "kind": "household", "since": "0"}', (("since",), "date_parsing")),
])
def test_a_body_refuses_unknown_fields_and_loose_types(payload, error):
    assert errors_of(payload) == [error]
