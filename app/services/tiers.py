"""Tier runs: measure every client's three traits, suggest a tier with its reasons, store the
run, compare it with the tiers assigned, and apply it only by an explicit, recorded action."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.errors import InvalidInput
from app.domain.model import PracticeRecordKind, new_entity_id, now_iso
from app.domain.tiers import CLIENT_STAGE, ClientTraits, TierSettings, Trait, classify, revenue_cut
from app.repositories.service_cycle import ClientRecords
from app.repositories.suggestion_runs import TIER_RUNS
from app.repositories.tier_runs import TierClient, TierMeasures
from app.services.suggestion_runs import RunKind, RunsOf, SuggestionRuns, SuggestionRunsRepository

class TierServiceRepository(SuggestionRunsRepository, TierMeasures, ClientRecords, Protocol):
    """What the tier service reads and writes."""


def settings_from(values: dict[str, Any]) -> TierSettings:
    """Settings from the values given (the rest at their defaults); a threshold that cannot work
    is invalid input."""
    try:
        return TierSettings(**values)
    except TypeError as error:
        raise InvalidInput(f"invalid tier settings: {error}") from error


class TierService(SuggestionRuns):
    """Tier runs: measured and made here, read, paged, applied and deleted as every suggestion run."""

    _repo: TierServiceRepository

    def __init__(self, repository: TierServiceRepository, runs: RunsOf, caller: Caller) -> None:
        super().__init__(repository, runs, caller, TIERS)

    # -- measuring --------------------------------------------------------------------------
    def measure(self, settings: TierSettings, as_of: date) -> tuple[list[TierClient], dict[str, ClientTraits]]:
        """Every client, and the traits the rules need for each, as of a day."""
        today = as_of.isoformat()
        clients = self._repo.tier_clients(today=today)
        referrals = self._repo.tier_referrals(today=today)
        cost_from = (as_of - timedelta(days=settings.cost_window_days - 1)).isoformat()
        touches = _count_by_client(self._repo.client_records(PracticeRecordKind.touch, client_id=None, date_from=cost_from, date_to=today))
        requests = _count_by_client(
            self._repo.client_records(PracticeRecordKind.service_request, client_id=None, date_from=cost_from, date_to=today)
        )

        # Who refers on a client's behalf: the client itself and its active members.
        referrer_clients: dict[str, set[str]] = defaultdict(set)
        converted_clients_of: dict[str, set[str]] = defaultdict(set)  # entity -> clients at stage client it leads to
        for row in clients:
            client = row.client
            referrer_clients[client["id"]].add(client["id"])
            if client.get("stage") == CLIENT_STAGE:
                converted_clients_of[client["id"]].add(client["id"])
            for member in row.members:
                referrer_clients[member["id"]].add(client["id"])
                if client.get("stage") == CLIENT_STAGE:
                    converted_clients_of[member["id"]].add(client["id"])

        window_start = (as_of - timedelta(days=settings.referral_window_days)).isoformat()
        converted: dict[str, set[str]] = defaultdict(set)
        unconverted: dict[str, set[str]] = defaultdict(set)
        undated: dict[str, set[str]] = defaultdict(set)
        for referral in referrals:
            since = referral.since
            if since is None:  # not known to fall in the window: left out, and the reason says so
                for client_id in referrer_clients.get(referral.referrer_id, ()):
                    if referral.referred_id != client_id:
                        undated[client_id].add(referral.referred_id)
                continue
            if not window_start <= since <= today:
                continue
            for client_id in referrer_clients.get(referral.referrer_id, ()):
                became = converted_clients_of.get(referral.referred_id, set()) - {client_id}
                if became:
                    converted[client_id] |= became
                elif referral.referred_id != client_id:
                    unconverted[client_id].add(referral.referred_id)

        traits = {}
        for row in clients:
            client = row.client
            cid = client["id"]
            traits[cid] = ClientTraits(
                stage=client.get("stage"), annual_revenue=client.get("annual_revenue"),
                converted_referrals=len(converted[cid]), unconverted_referrals=len(unconverted[cid]),
                undated_referrals=len(undated[cid]),
                able_to_buy_more=client.get("able_to_buy_more"), assets_held_elsewhere=client.get("assets_held_elsewhere"),
                estimated_size=client.get("estimated_size"), touches=touches.get(cid, 0), service_requests=requests.get(cid, 0),
            )
        return clients, traits

    # -- runs ---------------------------------------------------------------------------------
    def run(self, settings: TierSettings, *, as_of: date | None = None) -> dict[str, Any]:
        """Suggest a tier for every client and store the run with its suggestions (one write)."""
        self._caller.require(Permission.write, "start tier runs")
        as_of = as_of or date.today()
        started_at = now_iso()
        clients, traits = self.measure(settings, as_of)
        cut = None
        if settings.revenue_percentile is not None:
            cut = revenue_cut([row.client.get("annual_revenue") for row in clients], settings.revenue_percentile)
        run_id = new_entity_id()
        rows, counts = [], defaultdict(int)
        for position, row in enumerate(clients, start=1):
            client = row.client
            suggestion = classify(traits[client["id"]], settings, revenue_percentile_cut=cut)
            suggested = suggestion.tier.value if suggestion.tier else None
            assigned = client.get("tier")
            counts[suggested or _NO_TIER] += 1
            rows.append({k: v for k, v in {
                "run_id": run_id, "position": position, "client_id": client["id"], "suggested": suggested,
                "assigned": assigned, "differs": suggested != assigned,
                "details": json.dumps({
                    "name": client["name"], "owner_id": client.get("owner_id"), "stage": client.get("stage"),
                    "traits": [t.value for t in suggestion.traits], "service_cost": suggestion.service_cost,
                    "summary": suggestion.summary, "reasons": [asdict(r) for r in suggestion.reasons],
                }),
            }.items() if v is not None})
        properties = {k: v for k, v in {
            "id": run_id, "started_at": started_at, "finished_at": now_iso(), "as_of": as_of.isoformat(),
            "settings": json.dumps(asdict(settings)), "revenue_percentile_cut": cut, "clients": len(rows),
            "tier_counts": json.dumps(dict(counts)), "differences": sum(1 for r in rows if r["differs"]),
        }.items() if v is not None}
        return self._store(properties, rows)  # its audit record has the run's summary fields, not every suggestion


def _count_by_client(records: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        counts[record["client_id"]] += 1
    return counts


def _run_public(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"], "started_at": run["started_at"], "finished_at": run.get("finished_at"), "as_of": run["as_of"],
        "settings": json.loads(run["settings"]), "revenue_percentile_cut": run.get("revenue_percentile_cut"),
        "clients": run["clients"], "tier_counts": json.loads(run["tier_counts"]), "differences": run["differences"],
    }


#: How a run counts the clients it suggests no tier for.
_NO_TIER = "none"


def _suggestion_public(row: dict[str, Any], *, practice_wide: bool = True) -> dict[str, Any]:
    """A stored suggestion. Without ``practice_wide`` (a caller with a restricted view), the
    referral trait is withheld, its reason, its place among the traits and the summary that
    names it: its counts are of referred entities across the practice, some of which the
    caller may not see. The tier suggested is the practice's, shown as an applied tier is."""
    details = json.loads(row["details"])
    if not practice_wide:
        details = {
            **details, "figures_withheld": True,
            "traits": [trait for trait in details["traits"] if trait != Trait.quality_referrals],
            "reasons": [reason for reason in details["reasons"] if reason["trait"] != Trait.quality_referrals],
            "summary": f"{row.get('suggested') or 'no tier'}: from the whole practice's records; the referral "
                       "trait is withheld, as its counts include clients you cannot see",
        }
    return {
        "run_id": row["run_id"], "position": row["position"], "client_id": row["client_id"],
        "suggested_tier": row.get("suggested"), "assigned_tier": row.get("assigned"), "differs": row["differs"],
        **details,
    }


def _withheld(public: dict[str, Any], counts: dict[str, int], differences: int) -> dict[str, Any]:
    """A run as a restricted caller sees it: counts of the clients they see; the revenue cut
    (a percentile of every client's revenue) is not theirs to know."""
    return {**public, "revenue_percentile_cut": None, "clients": sum(counts.values()), "tier_counts": counts,
            "differences": differences}


TIERS = RunKind(
    storage=TIER_RUNS, name="tier run", subject="client", subjects="clients", value="tier", total="clients",
    none=_NO_TIER, public=_run_public, withheld=_withheld, suggestion=_suggestion_public, summary=dict,
)
