"""Tier runs: measure every client's three traits, suggest a tier with its reasons, store the
run, compare it with the tiers assigned, and apply it only by an explicit, recorded action."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, application_records, audit_record
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso
from app.domain.tiers import CLIENT_STAGE, ClientTraits, TierSettings, Trait, classify, revenue_cut
from app.repositories.practice import PracticeRepository
from app.services.visibility import Visibility

def settings_from(values: dict[str, Any]) -> TierSettings:
    """Settings from the values given (the rest at their defaults); a threshold that cannot work
    is invalid input."""
    try:
        return TierSettings(**values)
    except TypeError as error:
        raise InvalidInput(f"invalid tier settings: {error}") from error


class TierService:
    def __init__(self, repository: PracticeRepository, caller: Caller) -> None:
        self._repo = repository
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- measuring --------------------------------------------------------------------------
    def measure(self, settings: TierSettings, as_of: date) -> tuple[list[dict[str, Any]], dict[str, ClientTraits]]:
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
            client = row["client"]
            referrer_clients[client["id"]].add(client["id"])
            if client.get("stage") == CLIENT_STAGE:
                converted_clients_of[client["id"]].add(client["id"])
            for member in row["members"]:
                referrer_clients[member["id"]].add(client["id"])
                if client.get("stage") == CLIENT_STAGE:
                    converted_clients_of[member["id"]].add(client["id"])

        window_start = (as_of - timedelta(days=settings.referral_window_days)).isoformat()
        converted: dict[str, set[str]] = defaultdict(set)
        unconverted: dict[str, set[str]] = defaultdict(set)
        undated: dict[str, set[str]] = defaultdict(set)
        for referral in referrals:
            since = referral["since"]
            if since is None:  # not known to fall in the window: left out, and the reason says so
                for client_id in referrer_clients.get(referral["referrer_id"], ()):
                    if referral["referred_id"] != client_id:
                        undated[client_id].add(referral["referred_id"])
                continue
            if not window_start <= since <= today:
                continue
            for client_id in referrer_clients.get(referral["referrer_id"], ()):
                became = converted_clients_of.get(referral["referred_id"], set()) - {client_id}
                if became:
                    converted[client_id] |= became
                elif referral["referred_id"] != client_id:
                    unconverted[client_id].add(referral["referred_id"])

        traits = {}
        for row in clients:
            client = row["client"]
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
            cut = revenue_cut([row["client"].get("annual_revenue") for row in clients], settings.revenue_percentile)
        run_id = new_entity_id()
        rows, counts = [], defaultdict(int)
        for position, row in enumerate(clients, start=1):
            client = row["client"]
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
        # The run's summary fields, not every suggestion.
        audit = audit_record(self._caller, AuditAction.create, PracticeRecordKind.tier_run, run_id, before=None, after=properties,
                             now=properties["finished_at"])
        self._repo.create_tier_run(properties, rows, audit)
        return self.get_run(run_id)

    def runs(self, *, limit: int = 100) -> list[dict[str, Any]]:
        return [self._run_seen(run) for run in self._repo.tier_runs(limit=limit)]

    def get_run(self, run_id: str) -> dict[str, Any]:
        runs = self._repo.tier_runs(run_id, limit=1)
        if not runs:
            raise NotFound(f"no tier run with id '{run_id}'")
        return self._run_seen(runs[0])

    def _run_seen(self, run: dict[str, Any]) -> dict[str, Any]:
        """A run's summary; a restricted caller's counts are of the clients they see, and the
        revenue cut (a percentile of every client's revenue) is not theirs to know."""
        public = _run_public(run)
        owners = self._visibility.owners
        if owners is None:
            return public
        rows = self._repo.tier_suggestion_counts(run["id"], no_tier=_NO_TIER, owners=owners)
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            counts[row["suggested"]] += row["clients"]
        return {**public, "revenue_percentile_cut": None, "clients": sum(counts.values()), "tier_counts": dict(counts),
                "differences": sum(row["clients"] for row in rows if row["differs"])}

    def delete_run(self, run_id: str) -> None:
        self._caller.require(Permission.write, "delete tier runs")
        runs = self._repo.tier_runs(run_id, limit=1)
        audit = audit_record(self._caller, AuditAction.delete, PracticeRecordKind.tier_run, run_id, before=runs[0] if runs else None,
                             after=None, now=now_iso())
        if self._repo.delete_tier_run(run_id, audit) is None:
            raise NotFound(f"no tier run with id '{run_id}'")

    def suggestions(
        self, run_id: str, *, after: int, limit: int, differing_only: bool = False
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a run's suggestions (or only those differing from the assigned tier), of the
        clients the caller sees."""
        self.get_run(run_id)
        rows, cursor = self._visibility.page_of_run(
            lambda after_position, skip, count: self._repo.tier_suggestions(
                run_id, after=after_position, skip=skip, limit=count, differing_only=differing_only,
                owners=self._visibility.owners,
            ),
            after=after, limit=limit,
        )
        return [_suggestion_public(row, practice_wide=self._visibility.sees_everything) for row in rows], cursor

    def apply(self, run_id: str, client_ids: Sequence[str] | None, *, applied_by: str | None = None) -> dict[str, Any]:
        """Give clients the tiers a run suggested: an explicit action, recorded with who did it
        and with an audit record per client changed."""
        self._caller.require(Permission.apply_suggestions, "apply suggested tiers")
        self.get_run(run_id)
        if applied_by is not None and self._repo.get_entity(EntityKind.team_member, applied_by) is None:
            raise InvalidInput(f"applied_by: no team member with id '{applied_by}'")
        wanted = set(client_ids) if client_ids is not None else None
        changes, after = [], 0
        while True:
            rows = self._repo.tier_suggestions(run_id, after=after, limit=5_000, differing_only=True)
            if not rows:
                break
            after = rows[-1]["position"]
            changes.extend(
                {"client_id": row["client_id"], "from": row.get("assigned"), "to": row.get("suggested")}
                for row in rows if wanted is None or row["client_id"] in wanted
            )
        if wanted is not None:
            unknown = sorted(wanted - {change["client_id"] for change in changes})
            if unknown:
                raise InvalidInput(
                    f"{len(unknown)} of the clients have no differing suggestion in this run: {', '.join(unknown[:10])}",
                    client_ids=unknown,
                )
        if not changes:
            raise Conflict("this run suggests no change to any assigned tier")
        now = now_iso()
        changes = application_records(
            self._caller, changes, self._repo.get_entities(change["client_id"] for change in changes),
            id_field="client_id", field="tier", note=f"applied from tier run {run_id}", now=now,
        )
        application = self._repo.apply_tiers(run_id, new_entity_id(), changes, applied_by=applied_by, now=now)
        if application is None:
            raise Conflict(
                "no client still has the tier it had when the run was made (already applied, or changed by hand "
                "since); nothing was applied"
            )
        return _application_public(application)

    def applications(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Applications of suggested tiers, listing only changes to clients the caller sees."""
        applications = [_application_public(row) for row in self._repo.tier_applications(limit=limit)]
        if self._visibility.sees_everything:
            return applications
        visible = self._visibility.visible_ids(c["client_id"] for a in applications for c in a["changes"])
        return [{**a, "changes": [c for c in a["changes"] if c["client_id"] in visible]} for a in applications]


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


def _application_public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "run_id": row["run_id"], "applied_at": row["applied_at"], "applied_by": row.get("applied_by"),
        "requested": row["requested"], "applied": row["applied"],
        "changes": [
            {"client_id": client_id, "from_tier": before or None, "to_tier": after or None}
            for client_id, before, after in zip(row["client_ids"], row["from_tiers"], row["to_tiers"], strict=True)
        ],
    }
