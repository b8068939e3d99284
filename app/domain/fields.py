"""The fields of records as the API and the import take them: text, ids, money, choices,
dates, and the strict model every body and import row is validated with."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.domain.model import no_such_date

# Free text is stored exactly as given (quotes, backslashes, newlines, any unicode).
Name = Annotated[str, Field(min_length=1, max_length=300)]
ShortText = Annotated[str, Field(max_length=300)]
Notes = Annotated[str, Field(max_length=20_000)]
EntityId = Annotated[str, Field(min_length=1, max_length=64)]
#: The largest amount of money the API takes (a thousand trillion): sums over every client of
#: a practice stay finite, as the answers' numbers must (1e308 made costs of "inf").
MAX_MONEY = 1e15
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
CategoryCode = Annotated[str, Field(min_length=1, max_length=40)]
#: A page of a list: at most this many items, and this many when the caller names no limit.
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

E = TypeVar("E")
#: An enum field of a body, given by its value. Bodies are validated strictly (below), and
#: strict pydantic takes only enum members from Python objects; JSON gives the value.
Choice = Annotated[E, Strict(False)]

# -- dates and instants -------------------------------------------------------------------------
# JSON has no date type: dates are RFC 3339 text, and only that (pydantic alone reads "0" as
# 1970-01-01 and "0.5" as half a second past it). The years are bounded so that what the API
# works out from a date (a window of up to 100 years back, a year or a review interval on)
# is a date too: 0001-01-10 less a 365-day window was an OverflowError.
MIN_YEAR, MAX_YEAR = 1800, 2999
_YEAR = "(1[89]|2[0-9])[0-9]{2}"
_DATE = re.compile(rf"{_YEAR}-[0-9]{{2}}-[0-9]{{2}}")
_INSTANT = re.compile(rf"{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]+)?([Zz]|[+-][0-9]{{2}}:[0-9]{{2}})")
_RANGE = f"from {MIN_YEAR}-01-01 to {MAX_YEAR}-12-31"


def _date_text(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        problem = no_such_date(*(int(part) for part in value.split("-")))
        if problem is not None:
            raise PydanticCustomError("date_no_such_day", "{problem}", {"problem": problem})
        return date.fromisoformat(value)
    raise PydanticCustomError("date_parsing", f"Input should be a date as YYYY-MM-DD, {_RANGE}")


def _instant_text(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _INSTANT.fullmatch(value):
        try:
            return datetime.fromisoformat(value.upper())  # RFC 3339 allows t and z
        except ValueError as error:
            raise PydanticCustomError("datetime_parsing", "Input should be a valid instant: {error}", {"error": str(error)}) from error
    raise PydanticCustomError(
        "datetime_parsing", f"Input should be an instant as YYYY-MM-DDThh:mm:ss with Z or an offset, {_RANGE}",
    )


#: A date the API takes: ``YYYY-MM-DD``, from 1800-01-01 to 2999-12-31.
IsoDate = Annotated[date, BeforeValidator(_date_text), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": f"^{_DATE.pattern}$"}, mode="validation",
)]
#: An instant the API takes: RFC 3339 with its offset (``2024-05-01T09:30:00Z``), years as for dates.
IsoInstant = Annotated[datetime, BeforeValidator(_instant_text), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": f"^{_INSTANT.pattern}$"}, mode="validation",
)]


class InputModel(BaseModel):
    """Bodies the API accepts: unknown fields are an error, not silently dropped, and every
    field takes its own JSON type only (strict: no number from ``true``, no integer from
    ``1.0`` or ``"1"``, no flag from ``0``; an integer is a fine number). Infinity and NaN,
    which Python's JSON parser reads, are no numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def error_in_words(error: Mapping[str, Any]) -> str:
    """A pydantic error (one of ``ValidationError.errors()``) as a plain sentence, naming the value
    it refused: how the import's row errors and the command line's options say what is wrong."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "date_no_such_day":  # the right form, but no day of the calendar: the schema says which
        return error["msg"]
    if kind.startswith("date"):
        return f"'{value}' is not a date; write dates as YYYY-MM-DD"
    if kind.startswith(("float", "int")):
        return f"'{value}' is not a number"
    message = error["msg"].removeprefix("Value error, ")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        shown = repr(value) if len(str(value)) <= 60 else repr(f"{str(value)[:57]}...")
        return f"{message} (not {shown})"
    return message
