"""Dependencies the routes ask for, as ``Annotated`` aliases.

The providers only assemble objects (no I/O), so they are ``async def``: FastAPI runs them
on the event loop instead of sending each through the thread pool. They ask for as few other
dependencies as they can (the request and the caller): FastAPI walks every node of the
dependency tree on every request, tens of microseconds each even when cached, so the service
providers build their services themselves, through ``app.bootstrap.Services`` (GET /clients/{id}:
~30% less CPU than a tree of repository and catalogue dependencies).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from app.bootstrap import Services
from app.domain.access import Caller
from app.domain.errors import InvalidInput, PreconditionFailed
from app.domain.fields import MAX_PAGE_SIZE
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.access import AccessService, CallerCache, hash_key
from app.services.analytics import AnalyticsService
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.groups import GroupService
from app.services.mailing import MailingService
from app.services.relationships import RelationshipService
from app.services.service_cycle import ServiceCycleService
from app.services.service_plans import ServicePlanService
from app.services.scoring import ScoringService
from app.services.tiers import TierService


async def get_store(request: Request) -> GraphStore:
    return request.app.state.opened.store


StoreDep = Annotated[GraphStore, Depends(get_store)]


def _repository(request: Request) -> PracticeRepository:
    return PracticeRepository(request.app.state.opened.store)


async def get_repository(request: Request) -> PracticeRepository:
    return _repository(request)


RepositoryDep = Annotated[PracticeRepository, Depends(get_repository)]


_bearer = HTTPBearer(auto_error=False, description="An API key, shown once when issued: `Authorization: Bearer rpk_...`")


async def authenticate(request: Request, token: str | None) -> Caller:
    """The team member behind a bearer key (Unauthenticated without a valid one): from the
    cache on the event loop, or, on a miss, from the store off it."""
    cache: CallerCache = request.app.state.callers
    if token and (cached := cache.get(hash_key(token))) is not None:
        return cached
    return await run_in_threadpool(Services(_repository(request), callers=cache).access().authenticate, token)


#: Where the request gate (app.api.gate) keeps the caller it authenticated, before the body is read.
CALLER_SCOPE_KEY = "rapport.caller"


async def get_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The team member behind the request's API key (401 without a valid one): the one the
    request gate (app.api.gate) found before the body was read; checked here only for a
    request that did not pass the gate."""
    caller = request.scope.get(CALLER_SCOPE_KEY)
    if caller is not None:
        return caller
    return await authenticate(request, credentials.credentials if credentials else None)


CallerDep = Annotated[Caller, Depends(get_caller)]


def _services(request: Request, caller: Caller) -> Services:
    state = request.app.state
    return Services(_repository(request), caller, state.snapshots, state.callers)


async def get_access(request: Request, caller: CallerDep) -> AccessService:
    return _services(request, caller).access()


AccessDep = Annotated[AccessService, Depends(get_access)]


async def get_catalogue(request: Request, caller: CallerDep) -> CatalogueService:
    return _services(request, caller).catalogue()


CatalogueDep = Annotated[CatalogueService, Depends(get_catalogue)]


async def get_entities(request: Request, caller: CallerDep) -> EntityService:
    return _services(request, caller).entities()


EntitiesDep = Annotated[EntityService, Depends(get_entities)]


async def get_relationships(request: Request, caller: CallerDep) -> RelationshipService:
    return _services(request, caller).relationships()


RelationshipsDep = Annotated[RelationshipService, Depends(get_relationships)]


async def get_analytics(request: Request, caller: CallerDep) -> AnalyticsService:
    return _services(request, caller).analytics()


AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics)]


async def get_scoring(request: Request, caller: CallerDep) -> ScoringService:
    return _services(request, caller).scoring()


ScoringDep = Annotated[ScoringService, Depends(get_scoring)]

async def get_tiers(request: Request, caller: CallerDep) -> TierService:
    return _services(request, caller).tiers()


TiersDep = Annotated[TierService, Depends(get_tiers)]


async def get_service_cycle(request: Request, caller: CallerDep) -> ServiceCycleService:
    return _services(request, caller).service_cycle()


ServiceCycleDep = Annotated[ServiceCycleService, Depends(get_service_cycle)]


async def get_service_plans(request: Request, caller: CallerDep) -> ServicePlanService:
    return _services(request, caller).service_plans()


ServicePlansDep = Annotated[ServicePlanService, Depends(get_service_plans)]


async def get_groups(request: Request, caller: CallerDep) -> GroupService:
    return _services(request, caller).groups()


GroupsDep = Annotated[GroupService, Depends(get_groups)]


async def get_mailing(request: Request, caller: CallerDep) -> MailingService:
    return _services(request, caller).mailing()


MailingDep = Annotated[MailingService, Depends(get_mailing)]

# -- versions: ETag and If-Match ---------------------------------------------------------
# An entity's or relationship's ETag names its stored version: ``"3"`` (a strong tag). It is
# for ``If-Match`` on PATCH and DELETE; a client's detail embeds its owner and members, which
# change without changing the client's version, so it is no cache validator for those.


def etag(version: int) -> str:
    return f'"{version}"'


def _response_header(name: str, description: str) -> dict[str, Any]:
    """A text response header, as the OpenAPI schema shows it (a route's ``responses``)."""
    return {name: {"description": description, "schema": {"type": "string"}}}


#: The Warning header of a create that found likely duplicates.
LIKELY_DUPLICATES_HEADER = _response_header(
    "Warning",
    'Only when the body\'s `likely_duplicates` is not empty: `299 rapport "N likely duplicates: '
    'see likely_duplicates"` (the created record stands).',
)


def likely_duplicates_warning(count: int) -> str:
    """The ``Warning`` header (RFC 7234's form, code 299) of a create that found likely duplicates."""
    return f'299 rapport "{count} likely duplicate{"" if count == 1 else "s"}: see likely_duplicates"'


#: The ETag response header.
ETAG_HEADER = _response_header(
    "ETag",
    'The stored version of the record, as a strong tag (`"3"`); send it back in `If-Match` '
    "to change or delete the record only if nobody changed it since.",
)

# RFC 9110: If-Match = "*" / #entity-tag; entity-tag = [ W/ ] DQUOTE *etagc DQUOTE.
_ENTITY_TAG = re.compile(r'[\s,]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)')


@dataclass(frozen=True)
class IfMatch:
    """The request's ``If-Match`` precondition: none, ``*`` (any stored version), or the
    versions its strong tags name (weak tags and other tags never match, per RFC 9110)."""

    versions: frozenset[int] | None = None
    present: bool = False

    def expected_version(self, current: Callable[[], int]) -> int | None:
        """The ``expected_version`` for a service's write: None without a precondition or
        for ``*``; the version named; with several (or none that could match), the current
        one if it is among them, else PreconditionFailed (412). ``current`` reads it."""
        if not self.present or self.versions is None:
            return None
        if len(self.versions) == 1:
            return next(iter(self.versions))
        version = current()
        if version not in self.versions:
            raise PreconditionFailed(
                f"the record is at version {version}, not one of those If-Match names; read it again and retry",
                current_version=version,
            )
        return version


def parse_if_match(value: str | None) -> IfMatch:
    """A malformed header is refused (422) rather than ignored: ignoring it would let a
    write the client meant to make conditional overwrite someone else's change."""
    if value is None:
        return IfMatch()
    if value.strip() == "*":
        return IfMatch(None, present=True)
    versions: set[int] = set()
    text, position, tags = value.strip(), 0, 0
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None:
            break
        tags += 1
        weak, opaque = match.group(1), match.group(2)
        # Strong comparison is character by character: "01" is not the tag of version 1.
        if not weak and opaque.isascii() and opaque.isdigit() and len(opaque) <= 18 and str(int(opaque)) == opaque:
            versions.add(int(opaque))
        position = match.end()
    if not tags or position < len(text):
        raise InvalidInput(
            'If-Match must be * or a list of entity tags, such as "3" (with the quotes) or "3", "4": '
            "send back the ETag a read returned",
            field="If-Match",
        )
    return IfMatch(frozenset(versions), present=True)


#: What If-Match takes, as the OpenAPI schema shows it: ``*`` or entity tags (strong or weak)
#: separated by commas (parse_if_match also takes the spaces and empty items RFC 9110 allows).
IF_MATCH_PATTERN = r'^(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)$'


async def get_if_match(
    if_match: Annotated[str | None, Header(
        description='Change or delete only if the record is still at this version: the ETag a read returned '
                    '(`"3"`), a list of them, or `*`. A stale one is refused with 412 and nothing changes; '
                    "a malformed one with 422.",
        json_schema_extra={"pattern": IF_MATCH_PATTERN},
    )] = None,
) -> IfMatch:
    return parse_if_match(if_match)


IfMatchDep = Annotated[IfMatch, Depends(get_if_match)]

#: Cursor pagination: pass a page's ``next_cursor`` as ``after``.
AfterQuery = Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
#: Cursor of pages in rank order (runs' scores and suggestions): the last position seen.
PositionQuery = Annotated[int, Query(ge=0, description="next_cursor of the previous page")]


async def check_query_parameters(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown parameters are a 422.
    Nor is a parameter's text read loosely: a number or flag is taken only as JSON spells it
    (``5``, ``-2``, ``0.5``, ``1e3``, ``true``, ``false``; not ``5.0`` for an integer, `` 5``,
    ``1_000``, ``nan`` or ``yes``), and a parameter that takes one value comes once. Dates
    and instants are checked by their types (``IsoDate``, ``IsoInstant``)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _DECLARED_QUERY.get(route.unique_id)
    if declared is None:
        declared = _DECLARED_QUERY[route.unique_id] = _declared_query(route)
    params = request.query_params
    unknown = sorted(set(params) - declared.keys())
    if unknown:
        raise InvalidInput(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"this endpoint takes {', '.join(sorted(declared)) or 'none'}",
            allowed=sorted(declared),
            errors=[{"location": ["query", name], "message": "unknown query parameter", "type": "extra_forbidden"} for name in unknown],
        )
    errors = []
    for name in params:
        kind = declared[name]
        values = params.getlist(name)
        if kind is not list and len(values) > 1:
            errors.append({"location": ["query", name], "message": f"send {name} once, not {len(values)} times",
                           "type": "duplicate_parameter"})
        elif kind in _SPELLING and not all(_SPELLING[kind][0].fullmatch(value) for value in values):
            errors.append({"location": ["query", name], "message": _SPELLING[kind][1], "type": f"{kind.__name__}_parsing"})
    if errors:
        summary = "; ".join(f"query.{e['location'][1]}: {e['message']}" for e in errors[:5])
        raise InvalidInput(f"invalid request: {summary}", errors=errors)


#: How a number or a flag is spelt in a query string: as in JSON.
_SPELLING: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"true|false"), "Input should be true or false"),
    int: (re.compile(r"-?(0|[1-9][0-9]*)"), "Input should be an integer, in digits"),
    float: (re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?"), "Input should be a number, as JSON writes one"),
}
#: Each route's query parameters and the kind of value each takes (bool, int, float, list or None).
_DECLARED_QUERY: dict[str, dict[str, type | None]] = {}


def _declared_query(route: APIRoute) -> dict[str, type | None]:
    declared: dict[str, type | None] = {}
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):  # a query-parameter model
                declared.update({info.alias or name: _kind(info.annotation) for name, info in model.model_fields.items()})
            else:
                declared[field.alias] = _kind(model)
    return declared


def _kind(annotation: object) -> type | None:
    """bool, int or float for a parameter of that type (optional or not), list for a list."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        kinds = {_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if get_origin(annotation) in (list, set, tuple, frozenset):
        return list
    return annotation if annotation in (bool, int, float) else None
