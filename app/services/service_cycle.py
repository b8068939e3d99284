"""The cycle of service: service-level templates per tier, touches and service requests
recorded against clients, important dates, the reports built on them, and household rollups."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, audit_record
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso
from app.domain.service_cycle import (
    DEFAULT_TEMPLATES,
    ImportantDateKind,
    ReviewFrequency,
    TouchKind,
    next_occurrence,
    next_review,
    touches_due_by,
    within,
)
from app.domain.tiers import Tier
from app.repositories.entities import EntityReads
from app.repositories.service_cycle import ServiceCycle
from app.repositories.tier_runs import TierMeasures
from app.repositories.visibility import VisibleEntities
from app.services.optimistic import write_attempts
from app.services.visibility import Visibility



class ServiceCycleServiceRepository(ServiceCycle, TierMeasures, EntityReads, VisibleEntities, Protocol):
    """What the cycle-of-service service reads and writes."""


class ServiceCycleService:
    def __init__(self, repository: ServiceCycleServiceRepository, caller: Caller) -> None:
        self._repo = repository
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- templates ------------------------------------------------------------------------------
    def templates(self) -> list[dict[str, Any]]:
        """Each tier's service level: the practice's edit, or the default."""
        stored = {row["tier"]: row for row in self._repo.service_templates()}
        return [_template_public(tier, stored.get(tier.value)) for tier in Tier]

    def template(self, tier: Tier) -> dict[str, Any]:
        return next(t for t in self.templates() if t["tier"] == tier.value)

    def set_template(self, tier: Tier, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some fields of a tier's template (the others keep their current values).
        Written only if the stored template is still the one just read, so the audit
        record's "before" is exact."""
        self._caller.require(Permission.administer, "change service templates")
        for _ in write_attempts():
            stored = next((row for row in self._repo.service_templates() if row["tier"] == tier.value), None)
            before = _template_public(tier, stored)
            now = now_iso()
            merged = {**before, **changes, "tier": tier.value, "updated_at": now}
            before.pop("edited")
            merged.pop("edited")
            audit = audit_record(self._caller, AuditAction.update, PracticeRecordKind.service_template, tier.value,
                                 before=before, after=merged, now=now)
            if self._repo.save_service_template(tier.value, merged, before=stored, audit=audit):
                return _template_public(tier, merged)
        raise Conflict(f"the {tier.value} service template was changed by someone else meanwhile; nothing was changed")

    # -- touches and service requests -------------------------------------------------------
    def record(self, kind: PracticeRecordKind, client_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Store a touch or a service request (``kind``)."""
        self._caller.require(Permission.write, f"record {kind.noun}s")
        self._require_visible(client_id, "client")
        now = now_iso()
        properties = {k: v for k, v in {**data, "id": new_entity_id(), "client_id": client_id,
                                        "created_at": now}.items() if v is not None}
        audit = audit_record(self._caller, AuditAction.create, kind, properties["id"],
                             before=None, after=properties, now=now)
        stored = self._repo.create_client_record(kind, properties, audit)
        if stored is None:
            if self._repo.get_entity(EntityKind.client, client_id) is None:
                raise NotFound(f"no client with id '{client_id}'")
            raise InvalidInput(f"team_member_id: no team member with id '{data.get('team_member_id')}'")
        return stored

    def records(self, kind: PracticeRecordKind, client_id: str, *, year: int | None = None) -> list[dict[str, Any]]:
        if self._repo.get_entity(EntityKind.client, client_id) is None:
            raise NotFound(f"no client with id '{client_id}'")
        self._require_visible(client_id, "client")
        start, end = (f"{year:04d}-01-01", f"{year:04d}-12-31") if year else ("0000-01-01", "9999-12-31")
        return self._repo.client_records(kind, client_id=client_id, date_from=start, date_to=end)

    # -- important dates ---------------------------------------------------------------------
    def add_important_date(self, entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        self._caller.require(Permission.write, "keep important dates")
        self._require_visible(entity_id, "client or person")
        entity = self._repo.get_entities([entity_id]).get(entity_id)
        if entity is None or entity["entity_kind"] not in (EntityKind.client.value, EntityKind.person.value):
            raise NotFound(f"no client or person with id '{entity_id}'")
        properties = {k: v for k, v in {**data, "id": new_entity_id(), "entity_id": entity_id,
                                        "entity_kind": entity["entity_kind"]}.items() if v is not None}
        audit = audit_record(self._caller, AuditAction.create, PracticeRecordKind.important_date, properties["id"],
                             before=None, after=properties, now=now_iso())
        row = self._repo.create_important_date(entity_id, properties, audit)
        if row is None:
            raise NotFound(f"no client or person with id '{entity_id}'")
        return {**row.important_date, "name": row.name}

    def important_dates(self, entity_id: str) -> list[dict[str, Any]]:
        if not self._repo.get_entities([entity_id]):
            raise NotFound(f"no client or person with id '{entity_id}'")
        self._require_visible(entity_id, "client or person")
        rows = self._repo.important_dates(entity_id)
        return sorted(({**r.important_date, "name": r.name} for r in rows), key=lambda d: (d["date"], d["id"]))

    def delete_important_date(self, important_date_id: str) -> None:
        self._caller.require(Permission.write, "delete important dates")
        missing = NotFound(f"no important date with id '{important_date_id}' (birthdays from birth dates change on the person)")
        important = self._repo.important_date(important_date_id)
        if important is None or not self._visibility.visible_ids([important["entity_id"]]):
            raise missing
        # Important dates are never changed, only added and deleted: "before" is what was read.
        audit = audit_record(self._caller, AuditAction.delete, PracticeRecordKind.important_date, important_date_id,
                             before=important, after=None, now=now_iso())
        if not self._repo.delete_important_date(important_date_id, audit):
            raise missing

    def upcoming_dates(self, *, days: int, today: date | None = None) -> list[dict[str, Any]]:
        """Important dates falling in the next ``days`` days (today included), soonest first;
        yearly ones (birthdays, anniversaries) on their next occurrence."""
        today = today or date.today()
        found = []
        rows = self._repo.important_dates()
        visible = self._visibility.visible_ids(row.important_date["entity_id"] for row in rows)
        for row in rows:
            important = row.important_date
            if important["entity_id"] not in visible:
                continue
            recurring = important.get("recurring", important["kind"] != ImportantDateKind.review)
            when = next_occurrence(date.fromisoformat(important["date"]), today, recurring=recurring)
            if when is not None and within(when, today, days):
                found.append({**important, "recurring": recurring, "name": row.name, "on": when.isoformat(),
                              "in_days": (when - today).days})
        return sorted(found, key=lambda d: (d["on"], d["name"] or "", d["id"]))

    # -- reports ---------------------------------------------------------------------------------
    def client_report(self, *, today: date | None = None, owner_id: str | None = None) -> list[dict[str, Any]]:
        """For each client with a tier or at stage client: touches due so far this year, due in the
        year and done, the last and next review, and whether it is overdue."""
        today = today or date.today()
        templates = {t["tier"]: t for t in self.templates()}
        clients = [row.client for row in self._repo.tier_clients(today=today.isoformat(), owners=self._visibility.owners)]
        since = date(today.year - 1, 1, 1).isoformat()
        touches_by_client: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for touch in self._repo.client_records(PracticeRecordKind.touch, client_id=None, date_from=since, date_to=today.isoformat()):
            touches_by_client[touch["client_id"]].append(touch)
        scheduled: dict[str, date] = {}
        for row in self._repo.important_dates():
            important = row.important_date
            if important["kind"] == ImportantDateKind.review and important["date"] >= today.isoformat():
                day = date.fromisoformat(important["date"])
                if important["entity_id"] not in scheduled or day < scheduled[important["entity_id"]]:
                    scheduled[important["entity_id"]] = day
        report = []
        year_start = date(today.year, 1, 1).isoformat()
        for client in clients:
            if client.get("tier") is None and client.get("stage") != "client":
                continue
            if owner_id is not None and client.get("owner_id") != owner_id:
                continue
            template = templates.get(client.get("tier"))
            touches = touches_by_client.get(client["id"], [])
            done = sum(1 for t in touches if t["date"] >= year_start)
            reviews = [t["date"] for t in touches if t["kind"] == TouchKind.review]
            last_review = date.fromisoformat(max(reviews)) if reviews else None
            planned = client.get("next_review_date")
            planned_day = date.fromisoformat(planned) if planned else scheduled.get(client["id"])
            if template is None:
                due_year = due_now = 0
                upcoming = planned_day
            else:
                due_year = template["touches_per_year"]
                due_now = touches_due_by(due_year, today)
                upcoming = next_review(last_review, ReviewFrequency(template["review_frequency"]), planned_day, today)
            reasons = []
            if done < due_now:
                reasons.append(f"{due_now - done} touches behind ({done} done of {due_now} due by now)")
            if upcoming is not None and upcoming <= today:
                reasons.append(f"review due since {upcoming.isoformat()}" if upcoming < today else "review due today")
            report.append({
                "client_id": client["id"], "name": client["name"], "owner_id": client.get("owner_id"),
                "tier": client.get("tier"), "stage": client.get("stage"), "touches_per_year": due_year,
                "touches_due_to_date": due_now, "touches_done": done,
                "last_review": last_review.isoformat() if last_review else None,
                "next_review": upcoming.isoformat() if upcoming else None,
                "overdue": bool(reasons), "overdue_reasons": reasons,
            })
        return report

    def overdue_by_owner(self, *, today: date | None = None, owner_id: str | None = None) -> list[dict[str, Any]]:
        """Each owner's overdue clients (clients without an owner under ``owner_id`` null)."""
        if owner_id is not None and self._repo.get_entity(EntityKind.team_member, owner_id) is None:
            raise NotFound(f"no team member with id '{owner_id}'")
        overdue = [row for row in self.client_report(today=today, owner_id=owner_id) if row["overdue"]]
        grouped: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for row in overdue:
            grouped[row["owner_id"]].append(row)
        owners = self._repo.get_entities([o for o in grouped if o is not None])
        return sorted(
            ({"owner_id": owner, "owner_name": owners[owner]["name"] if owner in owners else None, "clients": rows}
             for owner, rows in grouped.items()),
            key=lambda g: (g["owner_name"] is None, g["owner_name"] or ""),
        )

    # -- household rollups ---------------------------------------------------------------------
    def household_rollups(self, *, client_id: str | None = None) -> list[dict[str, Any]]:
        """Each household's (or one client's) revenue and assets with its members. A person in
        several clients is listed once under each, with their roles there and the number of
        clients they belong to (of those the caller sees)."""
        rows = self._repo.tier_clients(today=date.today().isoformat(), owners=self._visibility.owners)
        clients_of: dict[str, set[str]] = defaultdict(set)  # of the clients the caller sees
        for row in rows:
            for member in row.members:
                clients_of[member["id"]].add(row.client["id"])
        if client_id is not None and not any(row.client["id"] == client_id for row in rows):
            raise NotFound(f"no client with id '{client_id}'")
        rollups = []
        for row in rows:
            client = row.client
            if client_id is not None and client["id"] != client_id:
                continue
            if client_id is None and client["kind"] != "household":
                continue
            members: dict[str, dict[str, Any]] = {}
            for m in row.members:  # a person with two memberships of one client is one member
                member = members.setdefault(m["id"], {"person_id": m["id"], "name": m["name"], "roles": [],
                                                      "client_count": len(clients_of[m["id"]]), "share": None})
                if m["role"] and m["role"] not in member["roles"]:
                    member["roles"].append(m["role"])
                if m.get("share") is not None:  # the practice set this membership's share
                    member["share"] = min(1.0, (member["share"] or 0.0) + m["share"])
            for member in members.values():
                member["attributed_revenue"] = _part(member["share"], client.get("annual_revenue"))
                member["attributed_assets_under_management"] = _part(member["share"], client.get("assets_under_management"))
            rollups.append({
                "client_id": client["id"], "name": client["name"], "kind": client["kind"], "tier": client.get("tier"),
                "annual_revenue": client.get("annual_revenue"),
                "assets_under_management": client.get("assets_under_management"),
                "assets_held_elsewhere": client.get("assets_held_elsewhere"),
                "members": sorted(members.values(), key=lambda m: (m["name"], m["person_id"])),
            })
        return rollups


    def _require_visible(self, entity_id: str, what: str) -> None:
        """Refuse an entity the caller may not see exactly as one that does not exist."""
        if not self._visibility.visible_ids([entity_id]):
            raise NotFound(f"no {what} with id '{entity_id}'")


def _part(share: float | None, amount: float | None) -> float | None:
    return None if share is None or amount is None else share * amount


def _template_public(tier: Tier, stored: dict[str, Any] | None) -> dict[str, Any]:
    base = {**DEFAULT_TEMPLATES[tier], **(stored or {})}
    return {
        "tier": tier.value, "touches_per_year": int(base["touches_per_year"]),
        "review_frequency": ReviewFrequency(base["review_frequency"]).value,
        "appreciation_events": int(base["appreciation_events"]), "newsletters": bool(base["newsletters"]),
        "holiday_cards": bool(base["holiday_cards"]), "birthday_contact": bool(base["birthday_contact"]),
        "edited": stored is not None, "updated_at": (stored or {}).get("updated_at"),
    }
