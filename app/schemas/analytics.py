"""Bodies for influence scoring, segment suggestions, referral chains and introductions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from analytics.influence import DEFAULT_BETWEENNESS_K, DEFAULT_SEED, MAX_BETWEENNESS_K, MAX_SEED, MIN_BETWEENNESS_K
from app.schemas.common import WHOLE, EntityRef, InputModel, Int, Money

PartName = Literal[
    "pagerank", "reach", "converted_reach", "betweenness", "degree",
    "referred_revenue", "referred_assets_under_management", "assets_under_management",
]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class SegmentRuleIn(InputModel):
    """When to suggest a segment; the first rule (lowest order) whose conditions hold wins."""

    segment: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")]
    order: Int = 0
    min_percentile: Fraction | None = None
    min_score: Fraction | None = None
    min_reach: Annotated[int, Field(ge=0), WHOLE] | None = None
    min_converted_reach: Annotated[int, Field(ge=0), WHOLE] | None = None
    min_degree: Annotated[int, Field(ge=0), WHOLE] | None = None
    min_assets_under_management: Money | None = None
    min_referred_assets_under_management: Money | None = None
    match: Literal["all", "any"] = "all"
    description: Annotated[str, Field(max_length=200)] = ""


class ScoringRunCreate(InputModel):
    #: Weights of the normalised parts in the composite (divided by their sum); default
    #: pagerank 0.35, reach 0.15, converted reach 0.15, betweenness 0.20, degree 0.15.
    #: Relative, so bounded: weights near the float limit overflowed their sum (found by schemathesis).
    weights: dict[PartName, Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]] | None = None
    #: Sampled sources for betweenness; null for exact (slow on large practices).
    #: At least 2: from one sampled source betweenness is undefined (NaN, as in networkx).
    betweenness_k: Annotated[int, Field(ge=MIN_BETWEENNESS_K, le=MAX_BETWEENNESS_K), WHOLE] | None = DEFAULT_BETWEENNESS_K
    #: Seeds the sampled betweenness sources: the same seed gives the same run.
    seed: Annotated[int, Field(ge=0, le=MAX_SEED), WHOLE] = DEFAULT_SEED
    normalisation: Literal["percentile", "max", "log"] = "percentile"
    #: Degree as the sum of type weight x strength rather than a count of related entities
    #: (default false: connectedness is breadth; strength already counts in PageRank).
    degree_weighted: bool | None = None
    #: The entity kinds that pass PageRank on (default client, person and provider: team
    #: members and divisions are never scored and would carry rank between the clients they serve).
    pagerank_through: Annotated[list[Literal["client", "person", "team_member", "provider", "division"]],
                                Field(min_length=1, max_length=5)] | None = None
    #: Replace the default rules (critical top 5%, important next 15%, standard: referred
    #: someone or 3+ connections); include those to extend them.
    rules: Annotated[list[SegmentRuleIn], Field(min_length=1, max_length=50)] | None = None


class ScoringRunPublic(BaseModel):
    id: str
    started_at: str
    finished_at: str | None
    graph_read_at: str
    parameters: dict[str, Any]
    #: The practice's totals when the run was made: null for a caller with a restricted view,
    #: whose ``scored``, ``segment_counts`` and ``differences`` count the entities they see.
    entities: int | None
    relationships: int | None
    scored: int
    segment_counts: dict[str, int]
    #: Entities whose suggested segment differs from the one assigned when the run was made.
    differences: int
    #: Seconds spent reading, computing and storing (only on the response that made the run).
    timings: dict[str, float] | None = None


class ReasonPublic(BaseModel):
    measure: str
    value: float
    threshold: float | None
    met: bool
    text: str


class InfluenceScorePublic(BaseModel):
    """One entity's score in a run. A caller with a restricted view gets positions counted
    among the entities they see (none on an entity's own scores) and, with
    ``figures_withheld``, no ``rank``, ``composite``, ``percentile``, ``parts``, ``raw``,
    ``summary`` or ``reasons``: each is computed over the whole practice, entities they may
    not see included. The suggested segment is the practice's, shown as an applied one is."""

    run_id: str
    #: 1 for the highest composite of the run; positions are unique, ranks share ties.
    position: int | None
    rank: int | None = None
    entity_id: str
    name: str
    kind: str
    composite: float | None = None
    percentile: float | None = None
    parts: dict[str, float] | None = None
    raw: dict[str, float] | None = None
    suggested_segment: str | None
    assigned_segment: str | None
    differs: bool
    rule: str | None
    summary: str | None = None
    reasons: list[ReasonPublic] = []
    figures_withheld: bool = False


class ScorePage(BaseModel):
    items: list[InfluenceScorePublic]
    #: Pass as ``after`` for the next page; null on the last one.
    next_cursor: int | None


class ApplySuggestions(InputModel):
    #: Only these entities; default every entity whose suggestion differs.
    entity_ids: Annotated[list[str], Field(min_length=1, max_length=100_000)] | None = None


class SegmentChange(BaseModel):
    entity_id: str
    from_segment: str | None
    to_segment: str | None


class SegmentApplicationPublic(BaseModel):
    id: str
    run_id: str
    applied_at: str
    requested: int
    #: Fewer than requested when someone changed a segment by hand after the run.
    applied: int
    changes: list[SegmentChange]


class ReferralStepPublic(BaseModel):
    #: Null for an entity the caller may not see (the sentence calls it "a client you cannot
    #: see" or "a person you cannot see"); the relationship id is null too then.
    referrer_id: str | None
    referred_id: str | None
    relationship_id: str | None
    depth: int
    sentence: str


class ReferralLineagePublic(BaseModel):
    entity_id: str
    #: The first referrer at each step up to the original source.
    chain: list[ReferralStepPublic]
    #: Every upstream referral, breadth first.
    referrers: list[ReferralStepPublic]
    #: The original sources: upstream entities nobody referred.
    sources: list[str]
    graph_read_at: str


class ReferralTreePublic(BaseModel):
    #: Entities the caller may not see, and referrals through them, are not in their tree;
    #: its counts and sums are of what the caller sees.
    entity_id: str
    name: str
    kind: str
    stage: str | None
    depth: int
    relationship_id: str | None
    annual_revenue: float | None
    assets_under_management: float | None
    downstream: int
    converted: int
    attributable_revenue: float
    attributable_assets_under_management: float
    truncated: bool
    children: list[ReferralTreePublic]
    #: The entity itself converted: a client at stage ``client``, or a person who is an
    #: active member of one (``analytics.referral_credit``).
    converted_client: bool = False
    graph_read_at: str | None = None


class ReferralSourcePublic(BaseModel):
    rank: int
    entity_id: str
    name: str
    kind: str
    reach: int
    converted_reach: int
    revenue: float
    assets_under_management: float
    value: float


class TopReferralSourcesPublic(BaseModel):
    sources: list[ReferralSourcePublic]
    graph_read_at: str


class IntroductionPathPublic(BaseModel):
    source: EntityRef
    #: Null for an entity the caller may not see, and for the relationships to it; the steps
    #: call it "a client you cannot see" or "a person you cannot see".
    entity_ids: list[str | None]
    #: The same entities named, for drawing the chain; null where the id is null.
    entities: list[EntityRef | None]
    relationship_ids: list[str | None]
    hops: int
    cost: float
    score: float
    steps: list[str]
    sentence: str


class IntroductionsPublic(BaseModel):
    target: EntityRef
    paths: list[IntroductionPathPublic]
    graph_read_at: str


class ClientNamed(BaseModel):
    id: str
    name: str


class KeyPersonPublic(BaseModel):
    entity_id: str
    name: str
    kind: str
    pieces: int
    clients_cut_off: int
    #: The first 50 of them (of those the caller sees), by id and then named.
    cut_off_client_ids: list[str]
    cut_off_clients: list[ClientNamed]


class BridgePublic(BaseModel):
    relationship_id: str
    from_id: str
    to_id: str
    sentence: str
    clients_cut_off: int
    cut_off_client_ids: list[str]
    cut_off_clients: list[ClientNamed]


class KeyPersonRiskPublic(BaseModel):
    key_people: list[KeyPersonPublic]
    bridges: list[BridgePublic]
    graph_read_at: str


class CommunityPublic(BaseModel):
    size: int
    #: The first 200 members.
    members: list[EntityRef]


class CommunitiesPublic(BaseModel):
    modularity: float
    communities: list[CommunityPublic]
    graph_read_at: str
