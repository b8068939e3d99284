"""Influence scoring runs, segment suggestions and their application, referral chains,
warm introductions, key-person risk and communities: the analytics package over the
practice's graph, with results stored and explained."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from analytics import (
    DEFAULT_RULES,
    KINDS,
    PARTS,
    SegmentRule,
    communities,
    influence_scores,
    key_person_risk,
    referral_lineage,
    referral_tree,
    suggest_influencer_segments,
    top_referral_sources,
    warm_introductions,
)
from analytics.graph import RelationshipGraph
from analytics.influence import DEFAULT_BETWEENNESS_K, DEFAULT_SEED
from analytics.segments import NO_SEGMENT
from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, application_records, audit_record
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso
from app.repositories.practice import PracticeRepository
from app.services.catalogue import CatalogueService
from app.services.practice_graph import GraphSnapshots, PracticeGraph, read_practice_graph
from app.services.visibility import Visibility

#: Scores are written in batches of this many rows (one query each); the run becomes
#: visible only when all are stored.
SCORE_BATCH = 20_000

Progress = Callable[[str, int, int], None]


#: The kinds that pass PageRank on by default: not team members or divisions. They are never
#: scored, and an adviser serving 300 clients (or a division holding them) would carry rank
#: between clients who have nothing to do with each other, so a client's PageRank would say
#: who serves it rather than whom it influences.
PAGERANK_THROUGH: tuple[str, ...] = (EntityKind.client.value, EntityKind.person.value, EntityKind.provider.value)


@dataclass(frozen=True)
class ScoringParameters:
    """What a scoring run computes with; stored with the run so runs can be compared."""

    weights: dict[str, float] | None = None
    betweenness_k: int | None = DEFAULT_BETWEENNESS_K
    seed: int = DEFAULT_SEED
    normalisation: str = "percentile"
    rules: tuple[SegmentRule, ...] = field(default=DEFAULT_RULES)
    #: Degree as the sum of type weight x strength instead of a count of related entities;
    #: off by default: connectedness is breadth, and strength already counts in PageRank.
    degree_weighted: bool = False
    pagerank_through: tuple[str, ...] = PAGERANK_THROUGH

    @classmethod
    def build(cls, *, rules: Sequence[dict[str, Any]] | None = None, **values: Any) -> ScoringParameters:
        """Parameters from plain values (None: the default); a rule that cannot work is invalid input."""
        try:
            built = tuple(SegmentRule(**rule) for rule in rules) if rules else DEFAULT_RULES
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"invalid segment rule: {error}") from error
        given = {name: value for name, value in values.items() if value is not None or name == "betweenness_k"}
        if "pagerank_through" in given:
            given["pagerank_through"] = tuple(given["pagerank_through"])
        return cls(rules=built, **given)

    def to_json(self) -> str:
        return json.dumps({
            "weights": self.weights, "betweenness_k": self.betweenness_k, "seed": self.seed,
            "normalisation": self.normalisation, "rules": [asdict(rule) for rule in self.rules],
            "degree_weighted": self.degree_weighted, "pagerank_through": list(self.pagerank_through),
        })


class AnalyticsService:
    def __init__(
        self, repository: PracticeRepository, catalogue: CatalogueService, snapshots: GraphSnapshots, caller: Caller
    ) -> None:
        self._repo = repository
        self._catalogue = catalogue
        self._snapshots = snapshots
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- the graph ----------------------------------------------------------------------------
    def practice_graph(self) -> PracticeGraph:
        return self._snapshots.get(lambda: read_practice_graph(self._repo, self._catalogue))

    # -- scoring runs ---------------------------------------------------------------------------
    def run_scoring(self, parameters: ScoringParameters, progress: Progress | None = None) -> dict[str, Any]:
        """Read the graph, score and suggest, store the run; returns the stored run."""
        self._caller.require(Permission.write, "start scoring runs")
        report = progress or (lambda step, done, total: None)
        timings: dict[str, float] = {}
        started_at, clock = now_iso(), time.perf_counter()
        report("reading the graph", 0, 1)
        practice = read_practice_graph(self._repo, self._catalogue, with_relationship_ids=False)
        timings["read_s"] = time.perf_counter() - clock
        report("reading the graph", 1, 1)

        clock = time.perf_counter()
        report("scoring", 0, 1)
        try:
            scores = influence_scores(
                practice.graph, weights=parameters.weights, betweenness_k=parameters.betweenness_k,
                seed=parameters.seed, normalisation=parameters.normalisation,
                degree_weight="weight" if parameters.degree_weighted else None,
                pagerank_through=parameters.pagerank_through,
            )
            suggestions = suggest_influencer_segments(scores, rules=parameters.rules)
        except ValueError as error:  # bad weights or normalisation: the caller's input
            raise InvalidInput(str(error)) from error
        timings["compute_s"] = time.perf_counter() - clock
        report("scoring", 1, 1)

        clock = time.perf_counter()
        run_id = new_entity_id()
        rows = _score_rows(run_id, practice, scores, suggestions)
        counts = suggestions.counts()
        properties = {
            "id": run_id, "status": "storing", "started_at": started_at, "graph_read_at": practice.read_at,
            "parameters": parameters.to_json(), "entities": practice.graph.n_entities,
            "relationships": int(practice.graph.n_relationships), "scored": len(rows),
            "segment_counts": json.dumps(counts), "differences": sum(1 for row in rows if row["differs"]),
        }
        # The run's summary, not its scores: those are the run's output, not the practice's data.
        audit = audit_record(self._caller, AuditAction.create, PracticeRecordKind.scoring_run, run_id, before=None,
                             after=_run_summary(properties), now=now_iso())
        self._repo.create_scoring_run(properties, audit)
        for start in range(0, len(rows), SCORE_BATCH):
            self._repo.store_influence_scores(rows[start:start + SCORE_BATCH])
            report("storing scores", min(start + SCORE_BATCH, len(rows)), len(rows))
        timings["store_s"] = time.perf_counter() - clock
        run = self._repo.complete_scoring_run(run_id, now=now_iso())
        return {**_run_public(run), "timings": timings}

    def runs(self, *, limit: int = 100) -> list[dict[str, Any]]:
        return [self._run_seen(run) for run in self._repo.scoring_runs(limit=limit)]

    def run(self, run_id: str) -> dict[str, Any]:
        runs = self._repo.scoring_runs(run_id, limit=1)
        if not runs:
            raise NotFound(f"no scoring run with id '{run_id}'")
        return self._run_seen(runs[0])

    def _run_seen(self, run: dict[str, Any]) -> dict[str, Any]:
        """A run's summary; a restricted caller's counts are of the entities they see, and the
        practice's entity and relationship totals are not theirs to know."""
        public = _run_public(run)
        owners = self._visibility.owners
        if owners is None:
            return public
        rows = self._repo.influence_score_counts(run["id"], no_segment=NO_SEGMENT, owners=owners)
        counts = {segment: 0 for segment in public["segment_counts"]}
        for row in rows:
            counts[row["suggested"]] = counts.get(row["suggested"], 0) + row["entities"]
        return {**public, "entities": None, "relationships": None, "scored": sum(counts.values()),
                "segment_counts": counts, "differences": sum(row["entities"] for row in rows if row["differs"])}

    def delete_run(self, run_id: str) -> None:
        self._caller.require(Permission.write, "delete scoring runs")
        runs = self._repo.scoring_runs(run_id, limit=1)
        audit = audit_record(self._caller, AuditAction.delete, PracticeRecordKind.scoring_run, run_id,
                             before=_run_summary(runs[0]) if runs else None, after=None, now=now_iso())
        if self._repo.delete_scoring_run(run_id, audit) is None:
            raise NotFound(f"no scoring run with id '{run_id}'")

    def scores(self, run_id: str, *, after: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a run's scores, best first; the cursor is the last position."""
        run = self.run(run_id)
        if not self._visibility.sees_everything:
            return self._scores_seen(run_id, after=after, limit=limit, differing_only=False)
        keys = [_position_key(run_id, position) for position in range(after + 1, min(after + limit, run["scored"]) + 1)]
        items = [_score_public(row) for row in self._repo.influence_scores(keys)]
        last = after + len(items)
        return items, (last if last < run["scored"] else None)

    def entity_scores(self, entity_id: str) -> list[dict[str, Any]]:
        """An entity's score in every run; a restricted caller gets no position (it would count
        the entities ranked above that they may not see) and no practice-wide figures."""
        if not self._visibility.visible_ids([entity_id]):
            return []  # as for an id naming no entity
        practice_wide = self._visibility.sees_everything
        return [
            {**_score_public(row, practice_wide=practice_wide), **({} if practice_wide else {"position": None})}
            for row in self._repo.entity_influence_scores(entity_id)
        ]

    def differences(self, run_id: str, *, after: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
        """Where a run's suggestion differs from the segment assigned when it ran."""
        self.run(run_id)
        if not self._visibility.sees_everything:
            return self._scores_seen(run_id, after=after, limit=limit, differing_only=True)
        rows = self._repo.influence_segment_differences(run_id, after=after, limit=limit + 1)
        items = [_score_public(row) for row in rows[:limit]]
        return items, (items[-1]["position"] if len(rows) > limit else None)

    def apply(self, run_id: str, entity_ids: Sequence[str] | None) -> dict[str, Any]:
        """Give entities the segments a run suggested: an explicit, recorded action, with an
        audit record per entity changed."""
        self._caller.require(Permission.apply_suggestions, "apply suggested influencer segments")
        self.run(run_id)
        wanted = set(entity_ids) if entity_ids is not None else None
        changes, after = [], 0
        while True:
            rows = self._repo.influence_segment_differences(run_id, after=after, limit=5_000)
            if not rows:
                break
            after = rows[-1]["position"]
            changes.extend(
                {"entity_id": row["entity_id"], "from": row.get("assigned"), "to": row.get("suggested")}
                for row in rows if wanted is None or row["entity_id"] in wanted
            )
        if wanted is not None:
            unknown = sorted(wanted - {change["entity_id"] for change in changes})
            if unknown:
                raise InvalidInput(
                    f"{len(unknown)} of the entities have no differing suggestion in this run: {', '.join(unknown[:10])}",
                    entity_ids=unknown,
                )
        if not changes:
            raise Conflict("this run suggests no change to any assigned influencer segment")
        known = set(self._catalogue.category_codes()[CategoryList.influencer_segments])
        missing = sorted({change["to"] for change in changes if change["to"] is not None} - known)
        if missing:
            raise Conflict(
                f"suggested segments {', '.join(missing)} are not in the influencer-segments list; add them first",
                segments=missing,
            )
        now = now_iso()
        changes = application_records(
            self._caller, changes, self._repo.get_entities(change["entity_id"] for change in changes),
            id_field="entity_id", field="influencer_segment", note=f"applied from scoring run {run_id}", now=now,
        )
        application = self._repo.apply_influencer_segments(run_id, new_entity_id(), changes, now=now)
        self._snapshots.invalidate()
        if application is None:
            raise Conflict(
                "no entity still has the segment it had when the run was made (already applied, or changed by "
                "hand since); nothing was applied"
            )
        return _application_public(application)

    def applications(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Applications of suggested segments, listing only changes to entities the caller sees."""
        applications = [_application_public(row) for row in self._repo.segment_applications(limit=limit)]
        if self._visibility.sees_everything:
            return applications
        visible = self._visibility.visible_ids(c["entity_id"] for a in applications for c in a["changes"])
        return [{**a, "changes": [c for c in a["changes"] if c["entity_id"] in visible]} for a in applications]

    def _scores_seen(
        self, run_id: str, *, after: int, limit: int, differing_only: bool
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A restricted caller's full page of the scores of entities they see (filtered in the
        query), numbered among those, without the practice-wide figures."""
        rows, cursor = self._visibility.page_of_run(
            lambda after_position, skip, count: self._repo.influence_scores_after(
                run_id, after=after_position, skip=skip, limit=count, differing_only=differing_only,
                owners=self._visibility.owners,
            ),
            after=after, limit=limit,
        )
        return [_score_public(row, practice_wide=False) for row in rows], cursor

    # -- referral chains, introductions, risk, communities ------------------------------------
    def referral_lineage(self, entity_id: str) -> dict[str, Any]:
        practice = self.practice_graph()
        graph = self._graph_seen(practice, chains=True)
        self._visible_position(graph, entity_id)
        lineage = asdict(referral_lineage(graph, entity_id))
        if _hidden_positions(graph) is not None:
            lineage["chain"] = [_restricted_step(graph, step) for step in lineage["chain"]]
            lineage["referrers"] = [_restricted_step(graph, step) for step in lineage["referrers"]]
            lineage["sources"] = [source for source in lineage["sources"] if not _is_hidden(graph, source)]
        return {**lineage, "graph_read_at": practice.read_at}

    def referral_tree(self, entity_id: str, *, depth: int) -> dict[str, Any]:
        practice = self.practice_graph()
        graph = self._graph_seen(practice)
        self._visible_position(graph, entity_id)
        tree = asdict(referral_tree(graph, entity_id, max_depth=depth))
        return {**tree, "graph_read_at": practice.read_at}

    def top_referral_sources(self, *, n: int) -> dict[str, Any]:
        """The best ``n`` sources the caller may see, ranked among themselves by what they see."""
        practice = self.practice_graph()
        sources = [asdict(s) for s in top_referral_sources(self._graph_seen(practice), n=n)]
        return {"sources": sources, "graph_read_at": practice.read_at}

    def introductions(self, target_id: str, *, from_id: str | None, k: int, max_hops: int) -> dict[str, Any]:
        """The warmest chains to the target from one person or team member, or from every
        team member of the practice."""
        practice = self.practice_graph()
        graph = self._graph_seen(practice, chains=True)
        self._visible_position(graph, target_id)
        if from_id is not None:
            self._visible_position(graph, from_id)
            sources = [from_id]
        else:
            team = np.flatnonzero(graph.kinds == KINDS.index(EntityKind.team_member.value))
            sources = graph.ids[team].tolist()
        paths = warm_introductions(graph, sources, target_id, k=k, max_hops=max_hops)
        # A chain through someone the caller may not see keeps its shape, that hop restricted.
        restricted = _hidden_positions(graph) is not None
        return {
            "target": _ref(graph, graph.index_of(target_id)),
            "paths": [_named_path(graph, _restricted_path(graph, path) if restricted else asdict(path), path.source_id)
                      for path in paths],
            "graph_read_at": practice.read_at,
        }

    def key_person_risk(self) -> dict[str, Any]:
        """Key people and bridges the caller may see, with the clients they cut off that the
        caller sees (counted, and the first 50 listed); those that cut off none of them are left out."""
        practice = self.practice_graph()
        graph = self._graph_seen(practice)
        restricted = _hidden_positions(graph) is not None
        # A restricted caller's counts are of the clients they see: every one is listed first.
        risk = key_person_risk(graph, max_listed=graph.n_entities if restricted else _LISTED)
        people = [asdict(a) for a in sorted(risk.articulation_points.values(), key=lambda a: (-a.clients_cut_off, a.name))]
        bridges = [asdict(b) for b in sorted(risk.bridges, key=lambda b: -b.clients_cut_off)]
        if restricted:
            people = [_seen_cut_off(graph, p) for p in people if not _is_hidden(graph, p["entity_id"])]
            bridges = [_seen_cut_off(graph, b) for b in bridges
                       if not _is_hidden(graph, b["from_id"]) and not _is_hidden(graph, b["to_id"])]
            people = sorted((p for p in people if p["clients_cut_off"]), key=lambda p: (-p["clients_cut_off"], p["name"]))
            bridges = sorted((b for b in bridges if b["clients_cut_off"]), key=lambda b: -b["clients_cut_off"])
        return {"key_people": [_named_cut_off(graph, p) for p in people],
                "bridges": [_named_cut_off(graph, b) for b in bridges], "graph_read_at": practice.read_at}

    def communities(self, *, resolution: float, seed: int, min_size: int) -> dict[str, Any]:
        """Communities with their first 200 members the caller may see (those with none are left out)."""
        practice = self.practice_graph()
        graph = self._graph_seen(practice)
        found = communities(graph, seed=seed, resolution=resolution)
        counted = graph.counted_entities()
        groups = []
        for members in found.communities:
            if len(members) < min_size:
                continue
            # The size a caller sees counts the members they see.
            shown = [m for m in members if counted[graph.index_of(m)]]
            if shown:
                groups.append({"size": len(shown), "members": [_ref(graph, graph.index_of(m)) for m in shown[:200]]})
        return {"modularity": found.modularity, "communities": groups, "graph_read_at": practice.read_at}

    # -- what the caller may see ----------------------------------------------------------------
    def _graph_seen(self, practice: PracticeGraph, *, chains: bool = False) -> RelationshipGraph:
        """The practice's graph as the caller may see it: the one place the analytics answers
        apply the visibility rule (``RelationshipGraph.hiding``). For a restricted caller,
        each client or person they may not see is nameless ("a client you cannot see"),
        carries no figures and counts in nothing, and its relationships are left out, so no
        figure, count or ranking depends on it. With ``chains`` (referral lineage and warm
        introductions) its relationships stay: a chain may pass through it, unnamed."""
        graph = practice.graph
        owners = self._visibility.owners
        if owners is None:
            return graph

        def seen() -> RelationshipGraph:
            visible = self._repo.visible_clients_and_people(owners)
            hideable = np.isin(graph.kinds, [KINDS.index(kind.value) for kind in _HIDEABLE])
            seen_ids = np.fromiter((i in visible for i in graph.ids.tolist()), dtype=bool, count=graph.n_entities)
            hidden = np.flatnonzero(hideable & ~seen_ids)
            return graph.hiding(hidden, names=[_UNSEEN[KINDS[graph.kinds[i]]] for i in hidden.tolist()],
                                keep_relationships=chains)

        views = graph.cached("seen by", dict)
        key = (owners, chains)
        with _SEEN_VIEWS_LOCK:
            view = views.pop(key, None) or seen()
            views[key] = view  # the most recent last; the oldest goes past _SEEN_VIEWS
            while len(views) > _SEEN_VIEWS:
                views.pop(next(iter(views)))
        return view

    def _visible_position(self, graph: RelationshipGraph, entity_id: str) -> int:
        """The entity's position, if the caller may see it; otherwise answered as an unknown id."""
        try:
            position = graph.index_of(entity_id)
        except KeyError:
            position = None
        if position is None or not graph.counted_entities()[position]:
            raise NotFound(f"no entity with id '{entity_id}'")
        return position


# -- stored forms ---------------------------------------------------------------------------------
def _position_key(run_id: str, position: int) -> str:
    return f"{run_id}:{position:09d}"


def _score_rows(run_id, practice: PracticeGraph, scores, suggestions) -> list[dict[str, Any]]:
    """One stored row per eligible entity, best first. The details travel as one JSON string:
    the store's client encodes each parameter value in Python, so fewer values write faster."""
    graph = scores.graph
    members = suggestions.members
    order = members[np.lexsort((members, -scores.composite[members]))]
    # Ranks count what is ranked: 1 + the scored entities with a strictly higher composite
    # (team members and divisions, never scored, are not counted).
    ranked = np.sort(scores.composite[members])[::-1]
    rank = dict(zip(order.tolist(), (1 + np.searchsorted(-ranked, -scores.composite[order], side="left")).tolist(), strict=True))
    rows = []
    for position, i in enumerate(order.tolist(), start=1):
        entity_id = graph.ids[i]
        suggestion = suggestions[entity_id]
        suggested = None if suggestion.segment == NO_SEGMENT else suggestion.segment
        assigned = practice.assigned_segments[i]
        rows.append({
            "run_id": run_id, "position": position, "position_key": _position_key(run_id, position),
            "entity_id": entity_id, "suggested": suggested, "assigned": assigned, "differs": suggested != assigned,
            "details": json.dumps({
                "name": graph.name_of(i), "kind": KINDS[graph.kinds[i]], "rank": rank[i],
                "composite": float(scores.composite[i]), "percentile": suggestion.percentile,
                "parts": dict(zip(PARTS, scores.parts[i].tolist())), "raw": dict(zip(PARTS, scores.raw[i].tolist())),
                "rule": suggestion.rule.segment if suggestion.rule else None, "summary": suggestion.summary,
                # Field by field: dataclasses.asdict deep-copies, which cost seconds per run.
                "reasons": [
                    {"measure": r.measure, "value": r.value, "threshold": r.threshold, "met": r.met, "text": r.text}
                    for r in suggestion.reasons
                ],
            }, separators=(",", ":")),
        })
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


#: What a restricted caller is not shown of a stored score: each is computed over the whole
#: practice, entities they may not see included (the suggestion itself is the practice's).
_PRACTICE_WIDE = ("rank", "composite", "percentile", "parts", "raw", "summary", "reasons")


def _score_public(row: dict[str, Any], *, practice_wide: bool = True) -> dict[str, Any]:
    details = json.loads(row["details"])
    if not practice_wide:
        details = {name: value for name, value in details.items() if name not in _PRACTICE_WIDE}
        details["figures_withheld"] = True
    return {
        "run_id": row["run_id"], "position": row["position"], "entity_id": row["entity_id"],
        "suggested_segment": row.get("suggested"), "assigned_segment": row.get("assigned"),
        "differs": row["differs"], **details,
    }


def _run_summary(run: dict[str, Any]) -> dict[str, Any]:
    """What an audit record says of a scoring run."""
    return {name: run.get(name) for name in (
        "id", "started_at", "graph_read_at", "parameters", "entities", "relationships", "scored", "segment_counts",
        "differences",
    )}


def _run_public(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"], "started_at": run["started_at"], "finished_at": run.get("finished_at"),
        "graph_read_at": run["graph_read_at"], "parameters": json.loads(run["parameters"]),
        "entities": run["entities"], "relationships": run["relationships"], "scored": run["scored"],
        "segment_counts": json.loads(run["segment_counts"]), "differences": run["differences"],
    }


def _application_public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "run_id": row["run_id"], "applied_at": row["applied_at"],
        "requested": row["requested"], "applied": row["applied"],
        "changes": [
            {"entity_id": entity_id, "from_segment": before or None, "to_segment": after or None}
            for entity_id, before, after in zip(row["entity_ids"], row["from_segments"], row["to_segments"], strict=True)
        ],
    }


def _ref(graph, i: int) -> dict[str, Any]:
    return {"id": graph.ids[i], "kind": KINDS[graph.kinds[i]], "name": graph.name_of(i)}


def _named_path(graph, path: dict[str, Any], source_id: str) -> dict[str, Any]:
    """An introduction chain with its source and each entity it passes named (null where restricted)."""
    return {
        **path, "source": _ref(graph, graph.index_of(source_id)),
        "entities": [None if i is None else _ref(graph, graph.index_of(i)) for i in path["entity_ids"]],
    }


# -- answers with entities the caller may not see ---------------------------------------------
#: Kinds a restricted caller may be unable to see (the practice's directory is seen by all).
_HIDEABLE = (EntityKind.client, EntityKind.person)
#: What a client or person the caller may not see is called in sentences and names.
_UNSEEN = {"client": "a client you cannot see", "person": "a person you cannot see"}
#: Views of the graph (by visible owners, with or without chains) kept with each snapshot.
_SEEN_VIEWS = 16
_SEEN_VIEWS_LOCK = threading.Lock()
#: How many cut-off clients key-person risk lists per key person or bridge.
_LISTED = 50


def _hidden_positions(graph: RelationshipGraph) -> np.ndarray | None:
    """Positions of entities the reader may not see; None when they see everything."""
    return None if graph.counted is None else np.flatnonzero(~graph.counted)


def _is_hidden(graph: RelationshipGraph, entity_id: str) -> bool:
    return not graph.counted_entities()[graph.index_of(entity_id)]


def _restricted_step(graph: RelationshipGraph, step: dict[str, Any]) -> dict[str, Any]:
    """A referral step with an end the caller may not see: no id for it or the relationship."""
    referrer_hidden, referred_hidden = _is_hidden(graph, step["referrer_id"]), _is_hidden(graph, step["referred_id"])
    if not referrer_hidden and not referred_hidden:
        return step
    return {
        **step, "relationship_id": None,
        "referrer_id": None if referrer_hidden else step["referrer_id"],
        "referred_id": None if referred_hidden else step["referred_id"],
    }


def _seen_cut_off(graph: RelationshipGraph, found: dict[str, Any]) -> dict[str, Any]:
    """A key person or bridge with the clients it cuts off that the caller sees, counted and
    listed (the first ``_LISTED``): the count must not give away hidden clients."""
    seen = [c for c in found["cut_off_client_ids"] if not _is_hidden(graph, c)]
    return {**found, "clients_cut_off": len(seen), "cut_off_client_ids": seen[:_LISTED]}


def _named_cut_off(graph: RelationshipGraph, found: dict[str, Any]) -> dict[str, Any]:
    """The listed cut-off clients named too (``cut_off_clients``), as the ids are listed."""
    return {**found, "cut_off_clients": [{"id": c, "name": graph.name_of(graph.index_of(c))}
                                         for c in found["cut_off_client_ids"]]}


def _restricted_path(graph: RelationshipGraph, path) -> dict[str, Any]:
    """An introduction chain with each entity the caller may not see (and the relationships
    to it) left unnamed; the chain keeps its hops and cost."""
    ids = path.entity_ids
    hidden = [_is_hidden(graph, i) for i in ids]
    relationship_ids = [
        None if hidden[hop] or hidden[hop + 1] else relationship_id
        for hop, relationship_id in enumerate(path.relationship_ids)
    ]
    return {
        **asdict(path), "entity_ids": [None if h else i for i, h in zip(ids, hidden, strict=True)],
        "relationship_ids": relationship_ids,
    }
