"""One suggestion run's lifecycle, for every kind of run (influence scoring runs suggesting
influencer segments, tier runs suggesting tiers): store a run, list and read runs, page its
suggestions and the differences from what is assigned, apply them by an explicit action
with an audit record per subject changed, list applications, delete a run.

A kind is a ``RunKind``: how it is stored (``RunStorage``), named, and shown. A caller with a
restricted view (see ``Visibility``) reads a run's counts, suggestions and applications of
the subjects they see only, and none of the practice-wide figures the kind withholds."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypedDict

from app.domain.access import Caller, Permission
from app.domain.audit import AuditAction, application_records, audit_record
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso
from app.repositories.entities import EntityReads
from app.repositories.store import Row
from app.repositories.suggestion_runs import RunStorage, SuggestionRunRepository
from app.repositories.visibility import VisibleEntities
from app.services.visibility import Visibility

#: Differing suggestions are read this many at a time to apply them.
_APPLY_PAGE = 5_000

class Page(TypedDict):
    items: list[dict[str, Any]]
    #: The ``after`` of the next page; None after the last.
    next_cursor: int | None


@dataclass(frozen=True)
class RunKind:
    """What one kind of suggestion run is."""

    storage: RunStorage
    #: In messages and audit records: "scoring run" ("no scoring run with id ...", "scoring_run").
    name: str
    #: What a suggestion is for, one and many ("entity", "entities"), and what it suggests
    #: ("influencer segment"), in messages.
    subject: str
    subjects: str
    value: str
    #: The run's property counting its suggestions.
    total: str
    #: How counts by suggestion name the subjects suggested nothing.
    none: str
    #: A stored run as shown to a caller who sees everything.
    public: Callable[[Row], dict[str, Any]]
    #: That run as a restricted caller sees it: ``(public, counts by suggestion, differences)``
    #: of the subjects they see.
    withheld: Callable[[dict[str, Any], dict[str, int], int], dict[str, Any]]
    #: A stored suggestion as shown; without ``practice_wide``, less the figures computed
    #: over subjects a restricted caller may not see.
    suggestion: Callable[..., dict[str, Any]]
    #: What a run's audit records say of it.
    summary: Callable[[Mapping[str, Any]], dict[str, Any]]
    #: Suggestions stored this many a write after the run (listed once complete); None: all
    #: in the run's own write.
    batch: int | None = None

    @property
    def record(self) -> PracticeRecordKind:
        """The audit records' name of a run of this kind."""
        return PracticeRecordKind(self.name.replace(" ", "_"))


class SuggestionRunsRepository(EntityReads, VisibleEntities, Protocol):
    """What every kind of suggestion run reads beside its runs (``SuggestionRunRepository``)."""


#: Makes the repository of the runs stored as given (on the practice's store).
RunsOf = Callable[[RunStorage], SuggestionRunRepository]


class SuggestionRuns:
    """The runs of one kind, as one caller may see and change them: the base of each kind's
    service, which makes the runs (``_store``) and may refine ``_check_values`` and ``_applied``."""

    def __init__(self, repository: SuggestionRunsRepository, runs: RunsOf, caller: Caller, kind: RunKind) -> None:
        self._repo = repository
        self._runs_of = runs
        self._caller = caller
        self._kind = kind
        self._visibility = Visibility(repository, caller)

    @cached_property
    def _runs(self) -> SuggestionRunRepository:
        """The runs of this kind (made when first used: measuring alone needs none)."""
        return self._runs_of(self._kind.storage)

    # -- runs -------------------------------------------------------------------------------------
    def _store(self, properties: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Store a new run (``properties``, with its ``id``) and its suggestions, with the audit
        record of its summary; returns the run as the caller sees it."""
        kind, run_id = self._kind, properties["id"]
        audit = audit_record(self._caller, AuditAction.create, kind.record, run_id, before=None,
                             after=kind.summary(properties), now=now_iso())
        if kind.batch is None:
            self._runs.create_run(properties, rows, audit)
        else:
            self._runs.create_run(properties, [], audit)
            for start in range(0, len(rows), kind.batch):
                self._runs.store_suggestions(rows[start:start + kind.batch])
                if progress is not None:
                    progress(min(start + kind.batch, len(rows)), len(rows))
            self._runs.complete_run(run_id, now=now_iso())
        return self.get(run_id)

    def runs(self, *, limit: int = 100) -> list[dict[str, Any]]:
        return [self._seen(run) for run in self._runs.runs(limit=limit)]

    def get(self, run_id: str) -> dict[str, Any]:
        runs = self._runs.runs(run_id, limit=1)
        if not runs:
            raise NotFound(f"no {self._kind.name} with id '{run_id}'")
        return self._seen(runs[0])

    def _seen(self, run: Row) -> dict[str, Any]:
        """A run as the caller sees it: a restricted caller's counts are of the subjects they see."""
        public = self._kind.public(run)
        owners = self._visibility.owners
        if owners is None:
            return public
        counts: dict[str, int] = {}
        differences = 0
        for row in self._runs.suggestion_counts(run["id"], none=self._kind.none, owners=owners):
            counts[row.suggested] = counts.get(row.suggested, 0) + row.subjects
            differences += row.subjects if row.differs else 0
        return self._kind.withheld(public, counts, differences)

    def delete(self, run_id: str) -> None:
        self._caller.require(Permission.write, f"delete {self._kind.name}s")
        runs = self._runs.runs(run_id, limit=1)
        audit = audit_record(self._caller, AuditAction.delete, self._kind.record, run_id,
                             before=self._kind.summary(runs[0]) if runs else None, after=None, now=now_iso())
        if self._runs.delete_run(run_id, audit) is None:
            raise NotFound(f"no {self._kind.name} with id '{run_id}'")

    # -- suggestions --------------------------------------------------------------------------------
    def suggestions(self, run_id: str, *, after: int, limit: int, differing_only: bool = False) -> Page:
        """A page of a run's suggestions (or only those differing from what is assigned), of
        the subjects the caller sees; the cursor is the last position."""
        run = self.get(run_id)
        practice_wide = self._visibility.sees_everything
        if practice_wide and self._kind.storage.keyed and not differing_only:
            # Positions run 1..total: the page's keys are known, and each is found by its index.
            keys = [position_key(run_id, p) for p in range(after + 1, min(after + limit, run[self._kind.total]) + 1)]
            rows = self._runs.suggestions_by_key(keys)
            last = after + len(rows)
            cursor = last if last < run[self._kind.total] else None
        else:
            rows, cursor = self._visibility.page_of_run(
                lambda after_position, skip, count: self._runs.suggestions(
                    run_id, after=after_position, skip=skip, limit=count, differing_only=differing_only,
                    owners=self._visibility.owners,
                ),
                after=after, limit=limit,
            )
        return {"items": [self._kind.suggestion(row, practice_wide=practice_wide) for row in rows],
                "next_cursor": cursor}

    # -- applying ------------------------------------------------------------------------------------
    def apply(self, run_id: str, subject_ids: Collection[str] | None, *, applied_by: str | None = None) -> dict[str, Any]:
        """Give subjects (all, or those in ``subject_ids``) the values a run suggested where they
        differ: an explicit action, recorded (with who did it, ``applied_by``) with an audit
        record per subject changed."""
        kind, subject_id = self._kind, self._kind.storage.subject_id
        self._caller.require(Permission.apply_suggestions, f"apply suggested {kind.value}s")
        self.get(run_id)
        if applied_by is not None and self._repo.get_entity(EntityKind.team_member, applied_by) is None:
            raise InvalidInput(f"applied_by: no team member with id '{applied_by}'")
        wanted = set(subject_ids) if subject_ids is not None else None
        changes, after = [], 0
        while rows := self._runs.suggestions(run_id, after=after, limit=_APPLY_PAGE, differing_only=True):
            after = rows[-1]["position"]
            changes.extend(
                {subject_id: row[subject_id], "from": row.get("assigned"), "to": row.get("suggested")}
                for row in rows if wanted is None or row[subject_id] in wanted
            )
        if wanted is not None:
            unknown = sorted(wanted - {change[subject_id] for change in changes})
            if unknown:
                raise InvalidInput(
                    f"{len(unknown)} of the {kind.subjects} have no differing suggestion in this run: "
                    f"{', '.join(unknown[:10])}",
                    **{f"{subject_id}s": unknown},
                )
        if not changes:
            raise Conflict(f"this run suggests no change to any assigned {kind.value}")
        self._check_values({change["to"] for change in changes if change["to"] is not None})
        now = now_iso()
        changes = application_records(
            self._caller, changes, self._repo.get_entities(change[subject_id] for change in changes),
            id_field=subject_id, field=kind.storage.field, note=f"applied from {kind.name} {run_id}", now=now,
        )
        application = self._runs.apply(run_id, new_entity_id(), changes, applied_by=applied_by, now=now)
        self._applied()
        if application is None:
            raise Conflict(
                f"no {kind.subject} still has the {kind.storage.value} it had when the run was made (already "
                "applied, or changed by hand since); nothing was applied"
            )
        return self._application_public(application)

    def _check_values(self, values: set[str]) -> None:
        """Refuse values a run suggests that may not be given (the default: any may)."""

    def _applied(self) -> None:
        """Once an application is written (whatever it changed): drop what it made stale."""

    def applications(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Applications of a kind's suggestions, listing only changes to subjects the caller sees."""
        applications = [self._application_public(row) for row in self._runs.applications(limit=limit)]
        if self._visibility.sees_everything:
            return applications
        subject_id = self._kind.storage.subject_id
        visible = self._visibility.visible_ids(c[subject_id] for a in applications for c in a["changes"])
        return [{**a, "changes": [c for c in a["changes"] if c[subject_id] in visible]} for a in applications]

    def _application_public(self, row: Row) -> dict[str, Any]:
        storage = self._kind.storage
        subject_ids, from_values, to_values = storage.application_fields
        return {
            "id": row["id"], "run_id": row["run_id"], "applied_at": row["applied_at"],
            "applied_by": row.get("applied_by"), "requested": row["requested"], "applied": row["applied"],
            "changes": [
                {storage.subject_id: subject, f"from_{storage.value}": before or None, f"to_{storage.value}": after or None}
                for subject, before, after in zip(row[subject_ids], row[from_values], row[to_values], strict=True)
            ],
        }


def position_key(run_id: str, position: int) -> str:
    """The ``position_key`` of a keyed kind's suggestion."""
    return f"{run_id}:{position:09d}"
