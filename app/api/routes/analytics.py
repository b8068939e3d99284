"""Routes for influence analytics and referral intelligence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from analytics import community
from analytics.influence import MAX_SEED
from analytics.introductions import DEFAULT_K, DEFAULT_MAX_HOPS
from app.api.deps import AnalyticsDep, ScoringDep
from app.api.routes.suggestion_runs import RunRoutes, add_run_routes
from app.schemas.analytics import (
    ApplySuggestions,
    CommunitiesPublic,
    InfluenceScorePublic,
    IntroductionsPublic,
    KeyPersonRiskPublic,
    ReferralLineagePublic,
    ReferralTreePublic,
    ScorePage,
    ScoringRunCreate,
    ScoringRunPublic,
    SegmentApplicationPublic,
    TopReferralSourcesPublic,
)
from app.services.scoring import SCORING, ScoringParameters

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.post("/runs", status_code=status.HTTP_201_CREATED, response_model=ScoringRunPublic,
             summary="Score every entity's influence and suggest influencer segments; the run is stored")
def create_run(body: ScoringRunCreate, service: ScoringDep) -> Any:
    return service.run_scoring(ScoringParameters.build(**body.model_dump()))


SCORING_ROUTES = RunRoutes(
    kind=SCORING, service=ScoringDep, base="", suggestions="scores", values="segments",
    run=ScoringRunPublic, page=ScorePage, application=SegmentApplicationPublic, apply_body=ApplySuggestions,
    summaries=("A run's scores, most influential first", "Where a run's suggested segment differs from the assigned one"),
    names=("list_runs", "read_run", "delete_run", "run_scores", "run_differences", "apply_suggestions", "list_applications"),
)
add_run_routes(router, SCORING_ROUTES)


@router.get("/entities/{entity_id}/scores", response_model=list[InfluenceScorePublic],
            summary="One entity's scores in every run, newest first")
def entity_scores(entity_id: str, service: ScoringDep) -> Any:
    return service.entity_scores(entity_id)


@router.get("/referrals/top-sources", response_model=TopReferralSourcesPublic,
            summary="Referral sources ranked by the revenue and assets downstream of them")
def top_sources(service: AnalyticsDep, n: Annotated[int, Query(ge=1, le=1000)] = 20) -> Any:
    return service.top_referral_sources(n=n)


@router.get("/referrals/{entity_id}/lineage", response_model=ReferralLineagePublic,
            summary="Who referred this entity, recursively, to the original source")
def referral_lineage(entity_id: str, service: AnalyticsDep) -> Any:
    return service.referral_lineage(entity_id)


@router.get("/referrals/{entity_id}/tree", response_model=ReferralTreePublic,
            summary="Everyone downstream of this entity in referral chains, with attributable value")
def referral_tree(entity_id: str, service: AnalyticsDep, depth: Annotated[int, Query(ge=1, le=10)] = 3) -> Any:
    return service.referral_tree(entity_id, depth=depth)


@router.get("/introductions", response_model=IntroductionsPublic,
            summary="The warmest chains of relationships to a person or prospect")
def introductions(
    service: AnalyticsDep,
    target_id: Annotated[str, Query(min_length=1, max_length=64)],
    from_id: Annotated[str | None, Query(max_length=64, description="default: every team member")] = None,
    k: Annotated[int, Query(ge=1, le=20)] = DEFAULT_K,
    max_hops: Annotated[int, Query(ge=1, le=6)] = DEFAULT_MAX_HOPS,
) -> Any:
    return service.introductions(target_id, from_id=from_id, k=k, max_hops=max_hops)


@router.get("/key-person-risk", response_model=KeyPersonRiskPublic,
            summary="People and relationships whose loss would cut clients off from the practice")
def key_person_risk(service: AnalyticsDep) -> Any:
    return service.key_person_risk()


@router.get("/communities", response_model=CommunitiesPublic,
            summary="Groups of closely related clients and people (Louvain)")
def list_communities(
    service: AnalyticsDep,
    resolution: Annotated[float, Query(gt=0, le=10)] = community.DEFAULT_RESOLUTION,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED, description="the same seed gives the same communities")] = community.DEFAULT_SEED,
    min_size: Annotated[int, Query(ge=1)] = 2,
) -> Any:
    return service.communities(resolution=resolution, seed=seed, min_size=min_size)
