"""Bodies for client tiers and the cycle of service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field

from app.domain.service_cycle import ImportantDateKind, ReviewFrequency, ServiceRequestKind, TouchKind
from app.domain.tiers import Tier, TierSettings
from app.schemas.common import MAX_MONEY, WHOLE, Choice, EntityId, InputModel, IsoDate, Money, Notes

Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
#: The defaults are the domain's (``TierSettings``), written there once; the CLI reads them too.
_DEFAULTS = TierSettings()
Days = Annotated[int, Field(ge=1, le=36_500), WHOLE]


# -- tier runs ------------------------------------------------------------------------------------
class TierRunCreate(InputModel):
    """Thresholds for a run; any left out take their defaults (shown in the schema)."""

    #: Referred entities that became clients within the window.
    min_quality_referrals: Annotated[int, Field(ge=1, le=10_000), WHOLE] = _DEFAULTS.min_quality_referrals
    #: How far back a referral's start date counts, in days.
    referral_window_days: Days = _DEFAULTS.referral_window_days
    #: Annual revenue for the revenue trait (null: use the percentile only).
    revenue_threshold: Money | None = _DEFAULTS.revenue_threshold
    #: Or the percentile (0-1) of clients' revenue at or above which the trait holds.
    revenue_percentile: Fraction | None = _DEFAULTS.revenue_percentile
    #: Assets held elsewhere, or a prospect's estimated size, for the able-to-buy-more trait.
    capacity_threshold: Annotated[float, Field(gt=0, le=MAX_MONEY, allow_inf_nan=False)] = _DEFAULTS.capacity_threshold
    #: Below every threshold but within this fraction of one: a B.
    b_margin: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = _DEFAULTS.b_margin
    #: Cost of a logged touch and of a service request, against revenue.
    touch_cost: Money = _DEFAULTS.touch_cost
    service_request_cost: Money = _DEFAULTS.service_request_cost
    #: How far back touches and service requests count toward the cost, in days.
    cost_window_days: Days = _DEFAULTS.cost_window_days
    #: The day the run measures as of (default today).
    as_of: IsoDate | None = None


class TierRunPublic(BaseModel):
    id: str
    started_at: str
    finished_at: str | None
    as_of: str
    settings: dict[str, Any]
    #: The revenue at the settings' percentile, when one was set (null for a caller with a
    #: restricted view, whose ``clients``, ``tier_counts`` and ``differences`` count the
    #: clients they see).
    revenue_percentile_cut: float | None = None
    clients: int
    #: Suggested tiers and how many clients got each ("none": no tier).
    tier_counts: dict[str, int]
    #: Clients whose suggested tier differs from the tier assigned when the run was made.
    differences: int


class TierReasonPublic(BaseModel):
    trait: str
    measure: str
    value: float
    threshold: float | None
    met: bool
    near: bool
    text: str


class TierSuggestionPublic(BaseModel):
    run_id: str
    position: int
    client_id: str
    name: str
    owner_id: str | None = None
    stage: str | None = None
    suggested_tier: Tier | None
    assigned_tier: Tier | None
    differs: bool
    traits: list[str]
    service_cost: float
    summary: str
    reasons: list[TierReasonPublic]
    #: True for a caller with a restricted view: the referral trait (its reason, its place in
    #: ``traits`` and the summary naming it) is left out, as its counts include referred
    #: entities across the practice. Positions count the clients they see.
    figures_withheld: bool = False


class TierSuggestionPage(BaseModel):
    items: list[TierSuggestionPublic]
    next_cursor: int | None = None


class ApplyTiers(InputModel):
    #: Only these clients (each must have a differing suggestion); null: every difference.
    client_ids: Annotated[list[EntityId], Field(min_length=1, max_length=50_000)] | None = None
    #: The team member applying the suggestions, recorded with the application.
    applied_by: EntityId | None = None


class TierChangePublic(BaseModel):
    client_id: str
    from_tier: Tier | None
    to_tier: Tier | None


class TierApplicationPublic(BaseModel):
    id: str
    run_id: str
    applied_at: str
    applied_by: str | None = None
    requested: int
    applied: int
    changes: list[TierChangePublic]


# -- cycle of service ---------------------------------------------------------------------------
class ServiceTemplatePublic(BaseModel):
    tier: Tier
    touches_per_year: int
    review_frequency: ReviewFrequency
    appreciation_events: int
    newsletters: bool
    holiday_cards: bool
    birthday_contact: bool
    #: False while the tier has the default template.
    edited: bool
    updated_at: str | None = None


class ServiceTemplateUpdate(InputModel):
    touches_per_year: Annotated[int, Field(ge=0, le=365), WHOLE] | None = None
    review_frequency: Choice[ReviewFrequency] | None = None
    appreciation_events: Annotated[int, Field(ge=0, le=100), WHOLE] | None = None
    newsletters: bool | None = None
    holiday_cards: bool | None = None
    birthday_contact: bool | None = None


#: The kinds of a client record: ``TouchKind`` or ``ServiceRequestKind`` (a body's as ``Choice``).
K = TypeVar("K")


class ClientRecordCreate(InputModel, Generic[K]):
    """A touch or service request to log on a client."""

    date: IsoDate
    kind: K
    team_member_id: EntityId | None = None
    notes: Notes | None = None


class ClientRecordPublic(BaseModel, Generic[K]):
    """A touch or service request as logged."""

    id: str
    client_id: str
    date: date
    kind: K
    team_member_id: str | None = None
    notes: str | None = None
    created_at: str


class TouchCreate(ClientRecordCreate[Choice[TouchKind]]):
    pass


class TouchPublic(ClientRecordPublic[TouchKind]):
    pass


class ServiceRequestCreate(ClientRecordCreate[Choice[ServiceRequestKind]]):
    pass


class ServiceRequestPublic(ClientRecordPublic[ServiceRequestKind]):
    pass


class ImportantDateCreate(InputModel):
    kind: Choice[ImportantDateKind]
    date: IsoDate
    #: Yearly (birthdays, anniversaries) or once (a review date); default: yearly except reviews.
    recurring: bool | None = None
    notes: Notes | None = None


class ImportantDatePublic(BaseModel):
    id: str
    entity_id: str
    entity_kind: str
    name: str | None = None
    kind: ImportantDateKind
    date: date
    recurring: bool | None = None
    notes: str | None = None


class UpcomingDatePublic(ImportantDatePublic):
    #: The day it next falls on, and how many days from today.
    on: date
    in_days: int


class ClientServicePublic(BaseModel):
    client_id: str
    name: str
    owner_id: str | None = None
    tier: Tier | None = None
    stage: str | None = None
    touches_per_year: int
    touches_due_to_date: int
    touches_done: int
    last_review: date | None = None
    next_review: date | None = None
    overdue: bool
    overdue_reasons: list[str]


class OwnerOverduePublic(BaseModel):
    owner_id: str | None
    owner_name: str | None
    clients: list[ClientServicePublic]


class RollupMemberPublic(BaseModel):
    person_id: str
    name: str
    #: The person's roles in this client (sorted as recorded).
    roles: list[str]
    #: How many clients the person belongs to; they are listed under each.
    client_count: int
    #: The share of this client the practice set on the person's membership (null: not set).
    share: float | None = None
    #: The client's revenue and assets times that share (null without a share).
    attributed_revenue: float | None = None
    attributed_assets_under_management: float | None = None


class HouseholdRollupPublic(BaseModel):
    client_id: str
    name: str
    kind: str
    tier: Tier | None = None
    annual_revenue: float | None = None
    assets_under_management: float | None = None
    assets_held_elsewhere: float | None = None
    members: list[RollupMemberPublic]
