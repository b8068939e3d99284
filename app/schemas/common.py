from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.domain.model import EntityKind

# Free text is stored exactly as given (quotes, backslashes, newlines, any unicode).
Name = Annotated[str, Field(min_length=1, max_length=300)]
ShortText = Annotated[str, Field(max_length=300)]
Notes = Annotated[str, Field(max_length=20_000)]
EntityId = Annotated[str, Field(min_length=1, max_length=64)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
CategoryCode = Annotated[str, Field(min_length=1, max_length=40)]


class InputModel(BaseModel):
    """Bodies the API accepts: unknown fields are an error, not silently dropped."""

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


T = TypeVar("T")


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
