from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

# The fields every body and import row shares are defined with the records, in the domain.
from app.domain.fields import (  # noqa: F401
    MAX_MONEY,
    CategoryCode,
    Choice,
    EntityId,
    InputModel,
    IsoDate,
    IsoInstant,
    Money,
    Name,
    Notes,
    ShortText,
)
from app.domain.model import EntityKind


def _whole(value: Any) -> Any:
    return int(value) if type(value) is float and value.is_integer() else value


#: An integer of a body. JSON Schema's integer is any number without a fractional part, so
#: 2.0 is one (as 2); 2.5, true and "2" are not. Bounds go before WHOLE, as in
#: ``Annotated[int, Field(ge=0), WHOLE]``: after it pydantic checks them but leaves them out
#: of the schema.
WHOLE = BeforeValidator(_whole)
Int = Annotated[int, WHOLE]


def _kept(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise PydanticCustomError("not_clearable", "{field} cannot be cleared: leave it out to keep it", {"field": info.field_name})
    return value


T = TypeVar("T")
#: A PATCH field that may be left out (unchanged) but not cleared: null is no value of it
#: (the schema says so: its type has no null). Give it ``omittable()`` as its default.
Kept = Annotated[T, BeforeValidator(_kept)]


def omittable() -> Any:
    """The default of a ``Kept`` field: none when left out, and none shown in the schema."""
    return Field(None, json_schema_extra=_no_default)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class QueryModel(BaseModel):
    """Query parameters declared as a model: unknown ones are an error. Their text is checked
    against its type by ``app.api.deps.check_query_parameters``."""

    model_config = ConfigDict(extra="forbid")


class Stored(BaseModel):
    """Fields every stored entity has."""

    id: str
    created_at: datetime
    updated_at: datetime
    version: int


class EntityRef(BaseModel):
    """Just enough to name an entity in a sentence, a path or a network."""

    id: str
    kind: EntityKind
    name: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    #: Pass as ``after`` to get the next page; null on the last page.
    next_cursor: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict] | None = None
