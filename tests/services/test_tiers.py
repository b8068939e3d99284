"""Tier measurement (``TierService.measure``, then ``app.domain.tiers.classify``) against an
in-memory practice: whose referrals count for a client, which fall in the window, which
converted, and what the service cost counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.model import EntityKind as K
from app.domain.tiers import ClientTraits, Tier, TierSettings, classify
from app.domain.model import PracticeRecordKind
from app.repositories.suggestion_runs import RunStorage, SuggestionRunRepository
from app.services.tiers import TierService

TOUCH, SERVICE_REQUEST = PracticeRecordKind.touch, PracticeRecordKind.service_request
from tests.fakes import FakePractice

AS_OF = date(2026, 6, 1)
SETTINGS = TierSettings()
WINDOW_START = (AS_OF - timedelta(days=SETTINGS.referral_window_days)).isoformat()
COST_FROM = (AS_OF - timedelta(days=SETTINGS.cost_window_days - 1)).isoformat()


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice()
    practice.add(K.client, "oak", "Oak Household", stage="client", annual_revenue=12_000.0)
    practice.add(K.person, "ann", "Ann Oak")
    practice.relate("PRIMARY_CONTACT_AT", "ann", "oak", since="2015-01-01")
    practice.add(K.person, "old", "Old Oak")
    practice.relate("PARTNER_CONTACT_AT", "old", "oak", until="2025-01-01")  # no longer a member
    practice.add(K.person, "soon", "Soon Oak")
    practice.relate("DEPENDANT_IN", "soon", "oak", since="2027-01-01")  # not a member yet
    for client, stage in (("birch", "client"), ("cedar", "client"), ("elm", "client"), ("fir", "prospect"),
                          ("gum", "client"), ("hazel", "client"), ("ivy", "prospect")):
        practice.add(K.client, client, client.title(), stage=stage)
    practice.add(K.person, "pat", "Pat Cedar")
    practice.relate("PRIMARY_CONTACT_AT", "pat", "cedar")  # referring pat brought cedar
    practice.add(K.person, "dan", "Dan")  # a person who is no client's member
    return practice


def _refer(practice: FakePractice, referrer: str, referred: str, since: str | None, **properties) -> None:
    practice.relate("REFERRER_OF", referrer, referred, **({"since": since} if since else {}), **properties)


def _no_runs(storage: RunStorage) -> SuggestionRunRepository:
    raise AssertionError("measuring reads no suggestion runs")


def _traits(practice: FakePractice) -> dict[str, ClientTraits]:
    clients, traits = TierService(practice, _no_runs, LOCAL_OPERATOR).measure(SETTINGS, AS_OF)
    assert [row.client["id"] for row in clients] == sorted(traits, key=lambda c: practice.entities[c]["name"])
    return traits


def test_referrals_count_for_the_client_and_its_active_members(practice):
    _refer(practice, "ann", "birch", "2025-01-01")  # a member's referral, now a client
    _refer(practice, "oak", "pat", "2026-01-01")  # the client's own, of a person whose client converted
    _refer(practice, "ann", "dan", "2026-02-01")  # not (yet) a client
    _refer(practice, "ann", "ivy", "2026-02-01")  # a prospect
    _refer(practice, "old", "elm", "2026-01-01")  # by a former member: not oak's
    _refer(practice, "soon", "gum", "2026-01-01")  # by a member-to-be: not oak's yet
    _refer(practice, "ann", "oak", "2026-01-01")  # a member referring its own client counts for nothing
    oak = _traits(practice)["oak"]
    assert (oak.converted_referrals, oak.unconverted_referrals, oak.undated_referrals) == (2, 2, 0)
    assert _traits(practice)["birch"] == ClientTraits(stage="client")


def test_the_referral_window_and_undated_referrals(practice):
    _refer(practice, "ann", "birch", WINDOW_START)  # the window's first day
    _refer(practice, "ann", "cedar", (date.fromisoformat(WINDOW_START) - timedelta(days=1)).isoformat())
    _refer(practice, "ann", "gum", (AS_OF + timedelta(days=1)).isoformat())  # after the day measured
    _refer(practice, "ann", "hazel", "2026-01-01", until="2026-05-01")  # ended: not counted
    _refer(practice, "ann", "fir", None)
    _refer(practice, "ann", "elm", None)
    oak = _traits(practice)["oak"]
    assert (oak.converted_referrals, oak.unconverted_referrals, oak.undated_referrals) == (1, 0, 2)


def test_the_service_cost_counts_touches_and_requests_in_its_window(practice):
    for record_id, label, day in (("t1", TOUCH, AS_OF.isoformat()), ("t2", TOUCH, COST_FROM),
                                  ("t3", TOUCH, (date.fromisoformat(COST_FROM) - timedelta(days=1)).isoformat()),
                                  ("t4", TOUCH, (AS_OF + timedelta(days=1)).isoformat()),
                                  ("s1", SERVICE_REQUEST, "2026-03-01")):
        assert practice.create_client_record(label, {"id": record_id, "client_id": "oak", "date": day}, {})
    practice.create_client_record(TOUCH, {"id": "t5", "client_id": "birch", "date": "2026-03-01"}, {})
    traits = _traits(practice)
    assert (traits["oak"].touches, traits["oak"].service_requests) == (2, 1)
    assert (traits["birch"].touches, traits["birch"].service_requests) == (1, 0)


def test_measured_traits_give_the_tier(practice):
    _refer(practice, "ann", "birch", "2025-01-01")
    practice.entities["birch"].update(annual_revenue=500.0)
    for n in range(5):
        practice.create_client_record(TOUCH, {"id": f"b{n}", "client_id": "birch", "date": "2026-03-01"}, {})
    traits = _traits(practice)
    assert classify(traits["oak"], SETTINGS).tier is Tier.AA  # revenue and a quality referral
    assert classify(traits["birch"], SETTINGS).tier is Tier.D  # costs more to serve than it earns
