"""The practice repository: every graph read and write Rapport makes, one query file each.

It speaks in plain dicts (node and relationship properties) and knows nothing of HTTP or
of the practice's rules beyond what must be checked inside the write itself to be atomic.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.domain.audit import CreationRecords
from app.domain.catalogue import PairRule
from app.domain.errors import DuplicateKey
from app.domain.model import PRACTICE_RECORD_KEYS, EntityKind, PracticeRecordKind
from app.repositories.store import Compaction, GraphStore, Row

ENTITY_FILTERS = (
    "kind", "stage", "segment", "source", "owner_id", "influencer_segment", "tier", "role", "reports_to_id", "name",
)


#: The property the work queue's index ranges over: an open service task's due date as the
#: number yyyymmdd; done and skipped tasks have none, so the queue's index holds open tasks
#: alone. A number because FalkorDB 4.16 answers range comparisons on an indexed text wrongly
#: (see schema.py) and on an indexed number rightly, and it answers ``assignee_id IN ... AND
#: queue_day <= ...`` from its two indexes at once. Set by every write of a task here and
#: taken out of every task read, so the services never see it.
QUEUE_DAY = "queue_day"
#: The graph label of each kind of record a client holds (the queries name it; services name the kind).
_CLIENT_RECORD_LABELS = {PracticeRecordKind.touch: "Touch", PracticeRecordKind.service_request: "ServiceRequest"}


def _day_number(day: str) -> int:
    """An ISO date as the number yyyymmdd (ordered as the dates are)."""
    return int(day[:4] + day[5:7] + day[8:10])


def _stored_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """A service task's properties as written: with its ``queue_day`` while it is open."""
    stored = {name: value for name, value in task.items() if name != QUEUE_DAY}
    if stored["status"] == "open":
        stored[QUEUE_DAY] = _day_number(stored["due"])
    return stored


def _read_task(task: Row) -> Row:
    task.pop(QUEUE_DAY, None)
    return task


def _first_with_task(rows: list[Row]) -> Row | None:
    """The first row of an answer about one task (its ``task`` read as above), if any."""
    if not rows:
        return None
    _read_task(rows[0]["task"])
    return rows[0]


def _owners(owners: Collection[str] | None) -> list[str] | None:
    """The ``$owners`` of a query with a ``// visible:`` line: whose clients the caller sees
    (None: everything, and the query is rendered without the filter)."""
    return None if owners is None else sorted(owners)


@dataclass(frozen=True)
class GuardedWrite:
    """What a write guarded inside its query did, and the counts that decided it."""

    done: bool
    row: Row


def _rule_params(rule: PairRule) -> dict[str, Any]:
    return {"symmetric": rule.symmetric, "singular_role": rule.singular_role}


def _role_types(type_code: str, rule: PairRule) -> list[str]:
    """The ``// each role_type`` block of a one-type query: there only when the type has a
    singular role (FalkorDB evaluates a role check that a CASE would skip)."""
    return [type_code] if rule.singular_role else []


class PracticeRepository:
    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._q = store.queries

    @property
    def store(self) -> GraphStore:
        """The store it reads and writes (for the repositories of other parts: groups)."""
        return self._store

    # -- entities ---------------------------------------------------------------------
    def count_entities(self) -> int:
        return self._store.read(self._q("count_entities"))[0]["entities"]

    def create_entity(
        self, kind: EntityKind, properties: Mapping[str, Any], references: Sequence[str], audit: Mapping[str, Any],
        *, categories: Sequence[str] = (),
    ) -> bool:
        """Create it unless an entity in ``references`` or a category key in ``categories`` is missing."""
        rows = self._store.write(
            self._q("create_entity", label=kind.label),
            {"properties": dict(properties), "references": list(references), "categories": list(categories),
             "audit": dict(audit)},
        )
        return bool(rows[0]["created"])

    def get_entity(self, kind: EntityKind, entity_id: str) -> Row | None:
        rows = self._store.read(self._q("get_entity", label=kind.label), {"id": entity_id})
        return rows[0]["entity"] if rows else None

    def get_entities(self, ids: Iterable[str]) -> dict[str, Row]:
        rows = self._store.read(self._q("get_entities"), {"ids": list(set(ids))})
        return {row["entity"]["id"]: row["entity"] for row in rows}

    def update_entity(
        self, kind: EntityKind, entity_id: str, properties: Mapping[str, Any], references: Sequence[str],
        *, now: str, expected_version: int, before: Mapping[str, Any], audit: Mapping[str, Any],
        categories: Sequence[str] = (),
    ) -> Row | None:
        """Replace the entity's properties if it is still at ``expected_version`` (and, as for
        ``create_entity``, its references and categories exist)."""
        rows = self._store.write(
            self._q("update_entity", label=kind.label),
            {"id": entity_id, "properties": dict(properties), "references": list(references),
             "categories": list(categories), "before": dict(before), "now": now,
             "expected_version": expected_version, "audit": dict(audit)},
        )
        return rows[0] if rows else None

    def delete_entity(
        self, kind: EntityKind, entity_id: str, *, cascade: bool, now: str, expected_version: int,
        holds: Mapping[str, Sequence[str]] | None = None, own_records: Sequence[str] = (),
        groups: Sequence[str] = (), audits: Sequence[Mapping[str, Any]],
    ) -> Row | None:
        """Row ``{deleted, unchanged, relationships, owned_clients, reports, own_records}``; None
        if no such entity.

        ``holds`` (for a cascade): the ``"id:version"`` of each relationship, owned client and
        report (``relationships``, ``owned``, ``reports``) the service read and ``audits`` describe.
        ``own_records``: the ids of the records it owns (``entity_own_records``), deleted with it.
        ``groups``: the ``"id:version"`` of each group holding it (``groups_holding``), which it leaves.
        """
        holds = holds or {}
        rows = self._store.write(
            self._q("delete_entity", label=kind.label),
            {"id": entity_id, "cascade": cascade, "now": now, "expected_version": expected_version,
             "relationships": list(holds.get("relationships", ())), "owned": list(holds.get("owned", ())),
             "reports": list(holds.get("reports", ())), "own_records": list(own_records), "groups": list(groups),
             "audits": [dict(audit) for audit in audits]},
        )
        return rows[0] if rows else None

    def merge_entities(
        self, kind: EntityKind, kept_id: str, duplicate_id: str, *, kept_before: Mapping[str, Any],
        duplicate_before: Mapping[str, Any], properties: Mapping[str, Any], relationships: Sequence[str],
        own_records: Sequence[str], moves: Mapping[str, Mapping[str, Sequence[str]]], symmetric_types: Collection[str],
        singular_roles: Collection[str], today: str, now: str, audits: Sequence[Mapping[str, Any]],
    ) -> Row | None:
        """Merge the duplicate into the kept entity (see the query): row ``{merged, unchanged,
        pair_clashes, role_clashes}``; None if either is gone.

        ``relationships``: the duplicate's, ``"id:version"`` each, as read; ``own_records``:
        the ids of the records it owns; ``moves``: by type code, the ids of the relationships
        to move, ``{"outgoing": [...], "incoming": [...]}``; ``properties``: the kept
        entity's whole new property map."""
        rows = self._store.write(
            self._q("merge_entities", label=kind.label, rel_type=sorted(moves)),
            {"kept_id": kept_id, "duplicate_id": duplicate_id, "kept_before": dict(kept_before),
             "duplicate_before": dict(duplicate_before), "properties": dict(properties),
             "relationships": list(relationships), "own_records": list(own_records),
             "moves": {code: {"outgoing": list(m["outgoing"]), "incoming": list(m["incoming"])} for code, m in moves.items()},
             "symmetric_types": sorted(symmetric_types), "singular_roles": sorted(singular_roles), "today": today,
             "now": now, "audits": [dict(audit) for audit in audits]},
        )
        return rows[0] if rows else None

    def entity_own_records(self, entity_id: str) -> list[Row]:
        """Rows ``{kind, record}``: the touches, service requests and important dates an entity
        owns, which go when it goes."""
        rows = self._store.read(self._q("entity_own_records"), {"id": entity_id})
        for row in rows:
            if row["kind"] == "service_task":
                _read_task(row["record"])
        return rows

    def list_entities(
        self, kind: EntityKind, filters: Mapping[str, Any], *, after: str | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        """One page; with ``owners``, only entities a caller who sees those owners' clients may see."""
        unknown = set(filters) - set(ENTITY_FILTERS)
        if unknown:
            raise ValueError(f"unknown filters {sorted(unknown)}")
        params = {name: filters.get(name) for name in ENTITY_FILTERS}
        rows = self._store.read(
            self._q("list_entities", label=kind.label, restricted=owners is not None),
            {**params, "after": after, "limit": limit, "owners": _owners(owners)},
        )
        return [row["entity"] for row in rows]

    def likely_duplicates(
        self, kind: EntityKind, entity: Mapping[str, Any], *, limit: int, owners: Collection[str] | None = None,
    ) -> list[Row]:
        """``{id, kind, name}`` of the other entities of ``kind`` with ``entity``'s name in any case and no
        differing email (see the query), those a caller who sees ``owners``' clients may see."""
        return self._store.read(
            self._q("likely_duplicates", label=kind.label, restricted=owners is not None),
            {"id": entity["id"], "name": entity["name"], "email": entity.get("email"), "limit": limit,
             "owners": _owners(owners)},
        )

    def visible_entities(self, ids: Iterable[str], owners: Collection[str] | None) -> set[str]:
        """Which of ``ids`` name entities a caller who sees ``owners``' clients may see."""
        rows = self._store.read(
            self._q("visible_entities", restricted=owners is not None), {"ids": list(set(ids)), "owners": _owners(owners)}
        )
        return {row["id"] for row in rows}

    def visible_clients_and_people(self, owners: Collection[str]) -> set[str]:
        """The ids of every client and person a caller who sees ``owners``' clients may see."""
        rows = self._store.read(self._q("visible_clients_and_people", restricted=True), {"owners": _owners(owners)})
        return {row["id"] for row in rows}

    def client_detail(self, client_id: str, *, today: str) -> Row | None:
        rows = self._store.read(self._q("client_detail"), {"id": client_id, "today": today})
        return rows[0] if rows else None

    def entity_relationships(
        self, entity_id: str, *, today: str, category: str | None = None, include_ended: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        return self._store.read(
            self._q("entity_relationships", restricted=owners is not None),
            {"id": entity_id, "today": today, "category": category, "include_ended": include_ended,
             "owners": _owners(owners)},
        )

    def neighbourhood(
        self, frontier: Iterable[str], *, today: str, limit: int, owners: Collection[str] | None = None
    ) -> list[Row]:
        """Active relationships around ``frontier``; with ``owners``, only to visible neighbours."""
        return self._store.read(
            self._q("neighbourhood", restricted=owners is not None),
            {"frontier": list(frontier), "today": today, "limit": limit, "owners": _owners(owners)},
        )

    # -- relationships ----------------------------------------------------------------
    def create_relationship(
        self, type_code: str, from_id: str, to_id: str, properties: Mapping[str, Any], *,
        symmetric: bool, singular_role: str | None, active: bool, today: str, audit: Mapping[str, Any],
    ) -> GuardedWrite | None:
        rows = self._store.write(
            self._q("create_relationship", rel_type=type_code),
            {"type_code": type_code, "from_id": from_id, "to_id": to_id, "properties": dict(properties), "symmetric": symmetric,
             "singular_role": singular_role, "active": active, "today": today, "audit": dict(audit)},
        )
        return GuardedWrite(bool(rows[0]["created"]), rows[0]) if rows else None

    def get_relationship(self, type_code: str, relationship_id: str) -> Row | None:
        rows = self._store.read(self._q("get_relationship", rel_type=type_code), {"id": relationship_id})
        return rows[0] if rows else None

    def update_relationship(
        self, type_code: str, relationship_id: str, properties: Mapping[str, Any], *, symmetric: bool,
        singular_role: str | None, active: bool, today: str, now: str, expected_version: int,
        before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> GuardedWrite | None:
        """Replace the relationship's properties if it is still at ``expected_version``."""
        rows = self._store.write(
            self._q("update_relationship", rel_type=type_code),
            {"id": relationship_id, "properties": dict(properties), "symmetric": symmetric,
             "singular_role": singular_role, "active": active, "today": today, "now": now,
             "expected_version": expected_version, "before": dict(before), "audit": dict(audit)},
        )
        return GuardedWrite(bool(rows[0]["updated"]), rows[0]) if rows else None

    def delete_relationship(
        self, type_code: str, relationship_id: str, *, expected_version: int, audit: Mapping[str, Any]
    ) -> bool | None:
        """Whether it was deleted (false: no longer at ``expected_version``); None if unknown."""
        rows = self._store.write(
            self._q("delete_relationship", rel_type=type_code),
            {"id": relationship_id, "expected_version": expected_version, "audit": dict(audit)},
        )
        return bool(rows[0]["deleted"]) if rows else None

    def list_relationships(
        self, *, after: str | None, limit: int, today: str, type_code: str | None = None,
        category: str | None = None, include_ended: bool = False, owners: Collection[str] | None = None,
    ) -> list[Row]:
        return self._store.read(
            self._q("list_relationships", restricted=owners is not None),
            {"after": after, "limit": limit, "today": today, "type": type_code, "category": category,
             "include_ended": include_ended, "owners": _owners(owners)},
        )

    def create_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> int | None:
        """Create validated rows ``{from_id, to_id, properties, active}`` of each type, each
        with the properties its type shares, and their audit records, all or none: 0 when
        written; else how many active relationships or role holders in the store the active
        rows would repeat under each type's rule (nothing written); None when an end or a
        type is missing (nothing written)."""
        return self.prepare_relationships_batch(rows_by_type, shared_by_type, audits, rules=rules, today=today)()

    def prepare_relationships_batch(
        self, rows_by_type: Mapping[str, Sequence[Mapping[str, Any]]], shared_by_type: Mapping[str, Mapping[str, Any]],
        audits: CreationRecords, *, rules: Mapping[str, PairRule], today: str,
    ) -> Callable[[], int | None]:
        """``create_relationships_batch`` made ready to send: the returned function writes it."""
        endpoint_ids = sorted({end for rows in rows_by_type.values() for row in rows for end in (row["from_id"], row["to_id"])})
        # Rows name their ends by place in endpoint_ids (the query looks each end up once).
        place = {endpoint_id: index for index, endpoint_id in enumerate(endpoint_ids)}
        placed: dict[str, list[dict[str, Any]]] = {}
        checks: dict[str, dict[str, Any]] = {}
        for type_code, rows in rows_by_type.items():
            placed[type_code] = [{"from_index": place[row["from_id"]], "to_index": place[row["to_id"]],
                                  "properties": row["properties"]} for row in rows]
            checks[type_code] = {**_rule_params(rules[type_code]), "rows": [
                {"from_index": place[row["from_id"]], "to_index": place[row["to_id"]]} for row in rows if row["active"]]}
        write = self._store.prepare_write(
            self._q("create_relationships_batch", rel_type=sorted(rows_by_type),
                    role_type=sorted(code for code in rows_by_type if rules[code].singular_role)),
            {"type_codes": sorted(rows_by_type), "endpoint_ids": endpoint_ids, "rows_by_type": placed,
             "checks_by_type": checks, "today": today, "shared_by_type": shared_by_type,
             "audits": audits.own, "audit_shared": audits.shared, "audit_changed": audits.changed_sets,
             "audit_after_tails": audits.after_tails},
        )

        def send() -> int | None:
            rows = write()
            return rows[0]["clashes"] if rows else None
        return send

    def active_relationship_pairs(
        self, pairs: Sequence[Mapping[str, Any]], *, today: str, ignoring: Collection[str] = ()
    ) -> set[tuple[str, str, str]]:
        """The (from, to, type) pairs already joined by an active relationship not in ``ignoring``."""
        # One query per type (a typed expand), its pairs grouped by their from end.
        by_type: dict[str, tuple[bool, dict[str, list[str]]]] = {}
        for pair in pairs:
            symmetric, groups = by_type.setdefault(pair["type"], (bool(pair["symmetric"]), {}))
            groups.setdefault(pair["from_id"], []).append(pair["to_id"])
        found: set[tuple[str, str, str]] = set()
        for type_code, (symmetric, groups) in by_type.items():
            rows = self._store.read(
                self._q("active_relationship_pairs", rel_type=type_code),
                {"groups": [{"from_id": from_id, "to_ids": to_ids} for from_id, to_ids in groups.items()],
                 "symmetric": symmetric, "today": today},
            )
            found |= {(row["from_id"], row["to_id"], type_code) for row in rows if row["relationship_id"] not in ignoring}
        return found

    def singular_role_holders(
        self, client_ids: Iterable[str], role: str, *, today: str, ignoring: Collection[str] = ()
    ) -> set[str]:
        """The clients with an active holder of ``role``, leaving out the relationships in ``ignoring``."""
        rows = self._store.read(
            self._q("singular_role_holders"), {"client_ids": list(set(client_ids)), "role": role, "today": today}
        )
        return {row["client_id"] for row in rows if row["relationship_id"] not in ignoring}

    # -- relationship-type catalogue ---------------------------------------------------
    def relationship_types(self, code: str | None = None) -> list[Row]:
        return [row["relationship_type"] for row in self._store.read(self._q("relationship_types"), {"code": code})]

    def seed_relationship_types(self, types: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        """Add the types whose code is missing; how many. ``audit["note"]`` follows that count in the record."""
        return self._store.write(self._q("seed_relationship_types"), {"types": list(types), "audit": dict(audit)})[0]["added"]

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        self._store.ensure_relationship_indexes(type_codes)

    def create_relationship_type(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> bool:
        rows = self._store.write(self._q("create_relationship_type"), {"properties": dict(properties), "audit": dict(audit)})
        created = bool(rows[0]["created"])
        if created:
            self._store.ensure_relationship_indexes([properties["code"]])
        return created

    def update_relationship_type(
        self, code: str, changes: Mapping[str, Any], *, from_kinds: Sequence[str], to_kinds: Sequence[str],
        symmetric: bool, before: Mapping[str, Any], audit: Mapping[str, Any],
    ) -> Row | None:
        """Row ``{misfits, unchanged, relationship_type}``: changed only if still ``before`` and no misfits."""
        rows = self._store.write(
            self._q("update_relationship_type", rel_type=code),
            {"code": code, "changes": dict(changes), "from_kinds": list(from_kinds), "to_kinds": list(to_kinds),
             "symmetric": symmetric, "kinds_changed": bool(changes.keys() & {"from_kinds", "to_kinds"}),
             "before": dict(before), "audit": dict(audit)},
        )
        return rows[0] if rows else None

    def delete_relationship_type(self, code: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]) -> Row | None:
        """Row ``{uses, unchanged}``: deleted only if unused and still ``before``; None if unknown."""
        rows = self._store.write(
            self._q("delete_relationship_type", rel_type=code), {"code": code, "before": dict(before), "audit": dict(audit)}
        )
        return rows[0] if rows else None

    # -- categories -------------------------------------------------------------------
    def categories(self, list_name: str | None = None) -> list[Row]:
        return [row["category"] for row in self._store.read(self._q("categories"), {"list": list_name})]

    def seed_categories(self, categories: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]) -> int:
        """Add the categories whose key is missing; how many (``audit`` as for relationship types)."""
        return self._store.write(self._q("seed_categories"), {"categories": list(categories), "audit": dict(audit)})[0]["added"]

    def create_category(self, properties: Mapping[str, Any], *, next_position: int | None, audit: Mapping[str, Any]) -> Row:
        """Row ``{fresh, unchanged}``: created when both (its key was free; appended at
        ``next_position``, when given, and that is still the end of its list)."""
        rows = self._store.write(
            self._q("create_category"),
            {"properties": dict(properties), "next_position": next_position, "audit": dict(audit)},
        )
        return rows[0]

    def update_category(
        self, key: str, changes: Mapping[str, Any], *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row | None:
        """Row ``{unchanged, category}``: changed only if still ``before``; None if unknown."""
        rows = self._store.write(
            self._q("update_category"), {"key": key, "changes": dict(changes), "before": dict(before), "audit": dict(audit)}
        )
        return rows[0] if rows else None

    def delete_category(
        self, key: str, client_field: str, *, before: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row | None:
        """Row ``{uses, unchanged}``: deleted only if unused and still ``before``; None if unknown."""
        rows = self._store.write(
            self._q("delete_category", field=client_field), {"key": key, "before": dict(before), "audit": dict(audit)}
        )
        return rows[0] if rows else None

    # -- analytics reads -----------------------------------------------------------------
    def analytics_entities(self) -> list[Row]:
        return self._store.read(self._q("analytics_entities"))

    def active_relationship_ends(
        self, type_code: str, *, today: str, with_ids: bool = False, with_shares: bool = False
    ) -> tuple[list[str], list[float | None], list[str], list[float | None]]:
        """Active relationships of one type: their ends as ``"from_id to_id"``, their stored
        strengths (None where none is), and, in the same order when asked, their ids and
        membership shares (None where none is)."""
        rows = self._store.read(
            self._q("analytics_relationships", rel_type=type_code),
            {"today": today, "with_ids": with_ids, "with_shares": with_shares},
        )
        if not rows:
            return [], [], [], []
        row = rows[0]
        return (row["ends"], [None if s < 0 else s for s in row["strengths"]], row["ids"],
                [None if s < 0 else s for s in row["shares"]])

    def ownership_ends(self) -> list[str]:
        """Every owned client as ``"owner_id client_id"``, for the analytics' ownership relationships."""
        rows = self._store.read(self._q("analytics_ownership"), {})
        return rows[0]["ends"] if rows else []

    # -- scoring runs ----------------------------------------------------------------------
    def create_scoring_run(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> None:
        self._store.write(self._q("create_scoring_run"), {"properties": dict(properties), "audit": dict(audit)})

    def store_influence_scores(self, rows: Sequence[Mapping[str, Any]]) -> int:
        return self._store.write(self._q("store_influence_scores"), {"rows": list(rows)})[0]["stored"]

    def complete_scoring_run(self, run_id: str, *, now: str) -> Row | None:
        rows = self._store.write(self._q("complete_scoring_run"), {"id": run_id, "now": now})
        return rows[0]["run"] if rows else None

    def scoring_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        return [row["run"] for row in self._store.read(self._q("scoring_runs"), {"id": run_id, "limit": limit})]

    def delete_scoring_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        rows = self._store.write(self._q("delete_scoring_run"), {"id": run_id, "audit": dict(audit)})
        return rows[0]["scores"] if rows else None

    def influence_scores(self, position_keys: Sequence[str]) -> list[Row]:
        return [row["score"] for row in self._store.read(self._q("influence_scores"), {"keys": list(position_keys)})]

    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        return [row["score"] for row in self._store.read(self._q("entity_influence_scores"), {"entity_id": entity_id})]

    def influence_scores_after(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool,
        owners: Collection[str] | None,
    ) -> list[Row]:
        """A page of a run's scores after position ``after`` and ``skip`` rows (all, or only
        differing ones), of entities visible to ``owners`` (None: every entity)."""
        rows = self._store.read(
            self._q("influence_scores_after", restricted=owners is not None),
            {"run_id": run_id, "after": after, "skip": skip, "limit": limit, "differing_only": differing_only,
             "owners": _owners(owners)},
        )
        return [row["score"] for row in rows]

    def influence_score_counts(self, run_id: str, *, no_segment: str, owners: Collection[str]) -> list[Row]:
        """``{suggested, differs, entities}`` rows: a run's scored entities visible to ``owners``."""
        return self._store.read(self._q("influence_score_counts", restricted=True),
                                {"run_id": run_id, "no_segment": no_segment, "owners": _owners(owners)})

    def influence_segment_differences(self, run_id: str, *, after: int, limit: int) -> list[Row]:
        rows = self._store.read(
            self._q("influence_segment_differences"), {"run_id": run_id, "after": after, "limit": limit}
        )
        return [row["score"] for row in rows]

    def apply_influencer_segments(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, now: str
    ) -> Row | None:
        """``changes``: ``{entity_id, version, from, to, audit}``, each applied (with its audit
        record) only if the entity is still at that version and segment."""
        rows = self._store.write(
            self._q("apply_influencer_segments"),
            {"run_id": run_id, "id": application_id, "changes": list(changes), "now": now},
        )
        return rows[0]["application"] if rows else None

    def segment_applications(self, *, limit: int = 100) -> list[Row]:
        return [row["application"] for row in self._store.read(self._q("segment_applications"), {"limit": limit})]

    # -- API keys, practice settings, audit trail ------------------------------------------
    def api_key_caller(self, key_id: str) -> Row | None:
        """Row ``{api_key, team_member, visibility, hierarchy}`` for a key id, or None."""
        rows = self._store.read(self._q("authenticate_api_key"), {"id": key_id})
        return rows[0] if rows else None

    def create_api_key(self, team_member_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> Row | None:
        """Row ``{api_key, team_member_name}``; None when no such team member."""
        rows = self._store.write(
            self._q("create_api_key"),
            {"team_member_id": team_member_id, "properties": dict(properties), "audit": dict(audit)},
        )
        return rows[0] if rows else None

    def revoke_api_key(self, key_id: str, *, now: str, revoked_by: str, audit: Mapping[str, Any]) -> Row | None:
        """Row ``{revoked, api_key}`` (revoked is false if it already was); None if unknown."""
        rows = self._store.write(
            self._q("revoke_api_key"), {"id": key_id, "now": now, "revoked_by": revoked_by, "audit": dict(audit)}
        )
        return rows[0] if rows else None

    def api_keys(
        self, *, team_member_id: str | None, include_revoked: bool, after: str | None, limit: int
    ) -> list[Row]:
        return self._store.read(
            self._q("api_keys"),
            {"team_member_id": team_member_id, "include_revoked": include_revoked, "after": after, "limit": limit},
        )

    def active_admin_keys(self) -> int:
        return self._store.read(self._q("active_admin_keys"))[0]["keys"]

    def practice_settings(self) -> Row:
        return self._store.read(self._q("practice_settings"))[0]["settings"] or {}

    def update_practice_settings(self, changes: Mapping[str, Any], audit: Mapping[str, Any]) -> Row:
        rows = self._store.write(self._q("update_practice_settings"), {"changes": dict(changes), "audit": dict(audit)})
        return rows[0]["settings"]

    def audit_records(self, filters: Mapping[str, Any], *, after: str | None, limit: int) -> list[Row]:
        params = {name: filters.get(name) for name in ("target_id", "target_kind", "actor_id", "action", "from", "to")}
        params.update(after=after, limit=limit)
        # Looked up by an indexed property first when there is one to look up by (see the file).
        anchors = [name for name in ("target_id", "actor_id") if params[name] is not None][:1]
        params["anchor"] = params[anchors[0]] if anchors else None
        rows = self._store.read(self._q("audit_records", anchor=anchors), params)
        return [row["record"] for row in rows]

    def health(self) -> bool:
        return self._store.read(self._q("health"))[0]["ok"] == 1

    # -- idempotency keys -------------------------------------------------------------
    def claim_idempotency_key(self, record: Mapping[str, Any], *, expired_before: str) -> Row | None:
        """Create the key's record unless a live one exists; that one (None if claimed)."""
        params = {"id": record["id"], "record": dict(record), "expired_before": expired_before}
        try:
            row = self._store.write(self._q("claim_idempotency_key"), params)[0]
        except DuplicateKey:
            # Two claims of a new key at once: on Neo4j both saw none, and the uniqueness
            # constraint refused the second create. Asked again, it sees the first's record.
            row = self._store.write(self._q("claim_idempotency_key"), params)[0]
        return None if row["claimed"] else row["existing"]

    def complete_idempotency_key(
        self, record_id: str, claim: str, *, state: str, status: int, body: str, headers: str, now: str
    ) -> bool:
        rows = self._store.write(
            self._q("complete_idempotency_key"),
            {"id": record_id, "claim": claim, "state": state, "status": status, "body": body, "headers": headers, "now": now},
        )
        return rows[0]["completed"] > 0

    def release_idempotency_key(self, record_id: str, claim: str) -> bool:
        return self._store.write(self._q("release_idempotency_key"), {"id": record_id, "claim": claim})[0]["released"] > 0

    def sweep_idempotency_keys(self, *, expired_before: str, limit: int) -> int:
        """Delete up to ``limit`` records created before ``expired_before``; how many went."""
        rows = self._store.write(self._q("sweep_idempotency_keys"), {"expired_before": expired_before, "limit": limit})
        return rows[0]["swept"] if rows else 0

    # -- bulk transfer: import, generated practices, export, backup, restore -------------
    @contextmanager
    def snapshot(self) -> Iterator[PracticeRepository]:
        """The practice at one instant, for reading all of it (see ``GraphStore.snapshot``)."""
        with self._store.snapshot() as frozen:
            yield PracticeRepository(frozen)

    @property
    def snapshots_are_point_in_time(self) -> bool:
        return self._store.snapshots_are_point_in_time

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around a bulk load, which ``compact_storage`` follows (see ``GraphStore.bulk_load``)."""
        with self._store.bulk_load():
            yield

    def compact_storage(self) -> Compaction | None:
        """After a bulk load: make the store's on-disk log compact (see ``GraphStore.compact``)."""
        return self._store.compact()

    # The bulk writes below each add one audit record (``audit``, a bulk_load whose note the
    # query prefixes with the count written), not one per row.
    def create_entities(
        self, kind: EntityKind, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        audit: Mapping[str, Any],
    ) -> int:
        """Create entities of one kind from property maps, each completed by ``shared``
        (which must hold no nulls); all or none."""
        params = {"rows": list(rows), "shared": dict(shared or {}), "audit": dict(audit)}
        return self._store.write(self._q("create_entities", label=kind.label), params)[0]["created"]

    def update_entities(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Replace properties from ``{id, version, properties}`` rows where the stored version is
        still ``version``; returns how many were replaced."""
        return self._store.write(self._q("update_entities"), {"rows": list(rows), "audit": dict(audit)})[0]["updated"]

    def create_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        """Create relationships of one type from ``{from_id, to_id, properties, active}`` rows,
        their properties completed by ``shared`` (no nulls); returns how many were created (an
        active row that ``rule`` refuses at write time is left out)."""
        params = {"rows": list(rows), "shared": dict(shared or {}), "type_code": type_code, "today": today,
                  **_rule_params(rule), "audit": dict(audit)}
        return self._store.write(self._q("create_relationships", rel_type=type_code, role_type=_role_types(type_code, rule)),
                                 params)[0]["created"]

    def update_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], *, rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        """As ``update_entities``, for relationships of one type, from ``{id, version,
        properties, active}`` rows; an active row that ``rule`` refuses is left out."""
        params = {"rows": list(rows), "today": today, **_rule_params(rule), "audit": dict(audit)}
        return self._store.write(self._q("update_relationships", rel_type=type_code, role_type=_role_types(type_code, rule)),
                                 params)[0]["updated"]

    def entity_by_id_or_external_id(self, kind: EntityKind, reference: str) -> Row | None:
        """The entity of this kind whose id is ``reference``, else the one with that external
        id (an imported record's id in its source system), else None."""
        found = self.get_entity(kind, reference)
        if found is None:
            found = next((e for e in self.entities_by_external_id([reference]) if e["entity_kind"] == kind.value), None)
        return found

    def entities_by_external_id(self, external_ids: Iterable[str]) -> list[Row]:
        rows = self._store.read(self._q("entities_by_external_id"), {"external_ids": list(external_ids)})
        return [row["entity"] for row in rows]

    def relationships_by_external_id(self, type_code: str, external_ids: Iterable[str]) -> list[Row]:
        """Rows ``{relationship, from_id, to_id}``."""
        return self._store.read(
            self._q("relationships_by_external_id", rel_type=type_code), {"external_ids": list(external_ids)}
        )

    def relationships_by_id(self, type_code: str, ids: Iterable[str]) -> list[Row]:
        """Rows ``{relationship, from_id, to_id}``."""
        return self._store.read(self._q("relationships_by_id", rel_type=type_code), {"ids": list(ids)})

    def count_relationships_of_type(self, type_code: str) -> int:
        return self._store.read(self._q("count_relationships_of_type", rel_type=type_code))[0]["relationships"]

    def practice_size(self) -> tuple[int, int]:
        """(entities, relationships) in the store."""
        row = self._store.read(self._q("practice_size"))[0]
        return row["entities"], row["relationships"]

    def entities_page(self, *, after: str | None, limit: int) -> list[Row]:
        return [row["entity"] for row in self._store.read(self._q("entities_page"), {"after": after, "limit": limit})]

    def outgoing_relationships(self, entity_ids: Iterable[str]) -> list[Row]:
        """Rows ``{relationship, type, from_id, to_id, from_external_id, to_external_id}``."""
        return self._store.read(self._q("outgoing_relationships"), {"ids": list(entity_ids)})

    def practice_records_page(self, label: str, *, after: Mapping[str, Any] | None, limit: int) -> list[Row]:
        """The properties of records of one label, in key order, after record ``after`` (the
        last of the page before; None for the first page)."""
        key, *tiebreak = PRACTICE_RECORD_KEYS[label]
        rows = self._store.read(
            self._q("practice_records_page", label=label, key=key, tiebreak=tiebreak),
            {"after_key": after[key] if after else "", "after_tiebreak": after[tiebreak[0]] if after and tiebreak else None,
             "limit": limit},
        )
        return [row["properties"] for row in rows]

    def create_practice_records(self, label: str, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Restore records of one label (audit records go through ``restore_audit_records``)."""
        params = {"rows": list(rows), "audit": dict(audit)}
        return self._store.write(self._q("create_practice_records", label=label), params)[0]["created"]

    def restore_audit_records(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Add backed-up audit records the trail does not hold yet (by id); how many."""
        params = {"rows": list(rows), "audit": dict(audit)}
        return self._store.write(self._q("restore_audit_records"), params)[0]["restored"]

    def delete_everything(self, *, limit: int, audit: Mapping[str, Any]) -> int:
        """Delete up to ``limit`` nodes (any kind but audit records, with their relationships);
        returns how many."""
        return self._store.write(self._q("delete_everything"), {"limit": limit, "audit": dict(audit)})[0]["deleted"]

    # -- client tiers and the cycle of service ---------------------------------------------
    def tier_clients(self, *, today: str) -> list[Row]:
        """Rows ``{client, members}``: every client and its active members ``{id, name, role}``."""
        return self._store.read(self._q("tier_clients"), {"today": today})

    def tier_referrals(self, *, today: str) -> list[Row]:
        """Rows ``{referrer_id, referred_id, since, kind, stage}`` of active referrals."""
        return self._store.read(self._q("tier_referrals"), {"today": today})

    def create_tier_run(
        self, properties: Mapping[str, Any], suggestions: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]
    ) -> int:
        rows = self._store.write(
            self._q("create_tier_run"),
            {"properties": dict(properties), "suggestions": list(suggestions), "audit": dict(audit)},
        )
        return rows[0]["stored"] if rows else 0

    def tier_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        return [row["run"] for row in self._store.read(self._q("tier_runs"), {"id": run_id, "limit": limit})]

    def tier_suggestions(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        """A page of a run's suggestions after position ``after`` and ``skip`` rows; with
        ``owners``, only of clients visible to them."""
        rows = self._store.read(
            self._q("tier_suggestions", restricted=owners is not None),
            {"run_id": run_id, "after": after, "skip": skip, "limit": limit, "differing_only": differing_only,
             "owners": _owners(owners)},
        )
        return [row["suggestion"] for row in rows]

    def tier_suggestion_counts(self, run_id: str, *, no_tier: str, owners: Collection[str]) -> list[Row]:
        """``{suggested, differs, clients}`` rows: a tier run's clients visible to ``owners``."""
        return self._store.read(self._q("tier_suggestion_counts", restricted=True),
                                {"run_id": run_id, "no_tier": no_tier, "owners": _owners(owners)})

    def delete_tier_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        rows = self._store.write(self._q("delete_tier_run"), {"id": run_id, "audit": dict(audit)})
        return rows[0]["suggestions"] if rows else None

    def apply_tiers(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, applied_by: str | None, now: str
    ) -> Row | None:
        """``changes``: ``{client_id, version, from, to, audit}``, as for ``apply_influencer_segments``."""
        rows = self._store.write(
            self._q("apply_tiers"),
            {"run_id": run_id, "id": application_id, "changes": list(changes), "applied_by": applied_by, "now": now},
        )
        return rows[0]["application"] if rows else None

    def tier_applications(self, *, limit: int = 100) -> list[Row]:
        return [row["application"] for row in self._store.read(self._q("tier_applications"), {"limit": limit})]

    def service_templates(self) -> list[Row]:
        return [row["template"] for row in self._store.read(self._q("service_templates"))]

    def save_service_template(
        self, tier: str, properties: Mapping[str, Any], *, before: Mapping[str, Any] | None, audit: Mapping[str, Any]
    ) -> bool:
        """Store a tier's template if the stored one is still ``before`` (None: there was none)."""
        rows = self._store.write(
            self._q("save_service_template"),
            {"tier": tier, "properties": dict(properties), "before": None if before is None else dict(before),
             "audit": dict(audit)},
        )
        return bool(rows[0]["unchanged"])

    def create_client_record(
        self, kind: PracticeRecordKind, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row | None:
        """Store a touch or a service request; None if its client or team member is unknown."""
        rows = self._store.write(
            self._q("create_client_record", label=_CLIENT_RECORD_LABELS[kind]),
            {"client_id": properties["client_id"], "team_member_id": properties.get("team_member_id"),
             "properties": dict(properties), "audit": dict(audit)},
        )
        return rows[0]["record"] if rows else None

    def client_records(
        self, kind: PracticeRecordKind, *, client_id: str | None, date_from: str, date_to: str, limit: int = 100_000
    ) -> list[Row]:
        rows = self._store.read(
            self._q("client_records", label=_CLIENT_RECORD_LABELS[kind]),
            {"client_id": client_id, "from": date_from, "to": date_to, "limit": limit},
        )
        return [row["record"] for row in rows]

    def create_important_date(self, entity_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> Row | None:
        """Rows ``{important_date, name}``; None if no client or person has that id (and the
        ``entity_kind`` in ``properties``)."""
        rows = self._store.write(
            self._q("create_important_date"),
            {"entity_id": entity_id, "properties": dict(properties), "audit": dict(audit)},
        )
        return rows[0] if rows else None

    def important_dates(self, entity_id: str | None = None) -> list[Row]:
        """Rows ``{important_date, name}``, people's birth dates included as birthdays."""
        return self._store.read(self._q("important_dates"), {"entity_id": entity_id})

    def important_date(self, important_date_id: str) -> Row | None:
        rows = self._store.read(self._q("important_date"), {"id": important_date_id})
        return rows[0]["important_date"] if rows else None

    def delete_important_date(self, important_date_id: str, audit: Mapping[str, Any]) -> bool:
        rows = self._store.write(self._q("delete_important_date"), {"id": important_date_id, "audit": dict(audit)})
        return rows[0]["deleted"] > 0

    # -- service plans and the work queue ----------------------------------------------------
    def service_plan_clients(self) -> list[str]:
        """Every client's id, in id order."""
        return [row["id"] for row in self._store.read(self._q("service_plan_clients"))]

    def service_plan_inputs(self, client_ids: Sequence[str], *, today: str) -> list[Row]:
        """Rows ``{client, people, last_review, tasks}`` for these clients, in id order (an
        id that names no client gives no row)."""
        rows = self._store.read(self._q("service_plan_inputs"), {"ids": list(client_ids), "today": today})
        for row in rows:
            for task in row["tasks"]:
                _read_task(task)
        return rows

    def yearly_dates(self, entity_ids: Iterable[str]) -> list[Row]:
        """Rows ``{important_date, name}``: the recurring important dates kept on these entities."""
        return self._store.read(self._q("yearly_dates"), {"ids": sorted(set(entity_ids))})

    def team_subtree(self, member_id: str) -> list[Row]:
        """Rows ``{id, name, role, reports_to_id}`` of a team member and everyone below them
        (read level by level: a loop in stored data ends the reading); none if no team
        member has that id."""
        member = self.get_entity(EntityKind.team_member, member_id)
        if member is None:
            return []
        found = {member_id: {name: member.get(name) for name in ("id", "name", "role", "reports_to_id")}}
        level = [member_id]
        while level:
            reports = [row for row in self._store.read(self._q("team_reports"), {"ids": level}) if row["id"] not in found]
            found.update((row["id"], row) for row in reports)
            level = [row["id"] for row in reports]
        return list(found.values())

    def team_hierarchy(self) -> list[Row]:
        """Rows ``{id, name, role, reports_to_id}`` of every team member."""
        return self._store.read(self._q("team_hierarchy"))

    def write_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Apply ``{client_id, client_version, held, create, update, delete, audit}`` rows, each
        client all or nothing; returns the clients left as they were (changed meanwhile)."""
        return self.prepare_service_plans(rows)()

    def prepare_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> Callable[[], list[str]]:
        """``write_service_plans`` made ready to send: the returned function writes it."""
        if not rows:
            return list
        write = self._store.prepare_write(self._q("write_service_plans"), {"rows": [
            {**row, "create": [_stored_task(task) for task in row["create"]],
             "update": [_stored_task(task) for task in row["update"]]} for row in rows]})

        def send() -> list[str]:
            fresh = {row["client_id"] for row in write() if row["fresh"]}
            return [row["client_id"] for row in rows if row["client_id"] not in fresh]
        return send

    def service_tasks(self, client_id: str, *, status: str | None = None, kind: str | None = None) -> list[Row]:
        rows = self._store.read(self._q("service_tasks"), {"client_id": client_id, "status": status, "kind": kind})
        return [_read_task(row["task"]) for row in rows]

    def service_task(self, task_id: str) -> Row | None:
        """Row ``{task, client}`` (the client's id, name and owner)."""
        return _first_with_task(self._store.read(self._q("service_task"), {"id": task_id}))

    def complete_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], touch: Mapping[str, Any],
        audit: Mapping[str, Any],
    ) -> Row | None:
        """Row ``{unchanged, allowed, task}``; None if the task is gone."""
        rows = self._store.write(
            self._q("complete_service_task"),
            {"id": task_id, "version": version, "properties": _stored_task(properties), "touch": dict(touch),
             "team_member_id": touch.get("team_member_id"), "audit": dict(audit)},
        )
        return _first_with_task(rows)

    def change_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], new_assignee: str | None,
        audit: Mapping[str, Any],
    ) -> Row | None:
        """Row ``{unchanged, allowed, task}``; None if the task is gone. ``new_assignee`` must
        name a team member for the change to be allowed (None: no assignee is being set)."""
        rows = self._store.write(
            self._q("change_service_task"),
            {"id": task_id, "version": version, "properties": _stored_task(properties), "assignee_id": new_assignee,
             "audit": dict(audit)},
        )
        return _first_with_task(rows)

    def work_queue(
        self, assignees: Collection[str], *, kind: str | None, client_id: str | None, today: str, week_end: str,
        horizon: str, listed: tuple[str | None, str], after: tuple[str, str] | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> Row:
        """``{counts, rows}`` of the open tasks assigned to ``assignees`` due up to ``horizon``
        (with the filters ``kind`` and ``client_id``): ``counts`` ``{overdue, this_week,
        coming_up}`` and ``rows`` ``{task, client_name}``, a page of those due from
        ``listed[0]`` (None: any day) to ``listed[1]``, by due date and id, after ``(due, id)``."""
        since, until = listed
        rows = self._store.read(
            self._q("work_queue", restricted=owners is not None),
            {"assignees": sorted(assignees), "kind": kind, "client_id": client_id, "today_day": _day_number(today),
             "week_end_day": _day_number(week_end), "horizon_day": _day_number(horizon),
             "from_day": _day_number(since) if since else 0, "to_day": _day_number(until),
             "after_due": after[0] if after else None, "after_id": after[1] if after else None, "limit": limit,
             "owners": _owners(owners)},
        )
        return {"counts": {name: rows[0][name] for name in ("overdue", "this_week", "coming_up")},
                "rows": [{"task": _read_task(row["task"]), "client_name": row["client_name"]}
                         for row in rows if row["task"] is not None]}
