"""Suggestion runs (influence scoring runs, tier runs): a stored run, its suggestions, their
application with an audit record per subject changed, and the run's deletion, for any kind
of run, one query file each (see ``PracticeRepository``, whose store this shares).

The kinds differ only in their labels and property names: ``RunStorage`` holds them, and
the only ones there are are ``SCORING_RUNS`` and ``TIER_RUNS`` below (identifiers, checked
and backticked where the queries use them; never values)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.repositories.base import _owners, all_as, first_as, result_of
from app.repositories.store import GraphStore, Row


@dataclass(frozen=True)
class RunStorage:
    """How one kind of suggestion run is stored."""

    run_label: str
    suggestion_label: str
    application_label: str
    #: The label of what a suggestion is for (every ``Entity``, or ``Client``s), and the
    #: property of a suggestion (and of a change) holding its id.
    subject_label: str
    subject_id: str
    #: The subject's property a suggestion gives a value to.
    field: str
    #: What an application calls that value: its lists ``from_<value>s`` and ``to_<value>s``.
    value: str
    #: Whether each suggestion has a ``position_key`` "<run>:<position>" to read pages by.
    keyed: bool = False

    @property
    def application_fields(self) -> tuple[str, str, str]:
        """An application's lists of the subjects changed, their values before and after."""
        return f"{self.subject_id}s", f"from_{self.value}s", f"to_{self.value}s"

    def identifiers(self) -> dict[str, str]:
        subject_ids, from_values, to_values = self.application_fields
        return {
            "run_label": self.run_label, "suggestion_label": self.suggestion_label,
            "application_label": self.application_label, "subject_label": self.subject_label,
            "subject_id": self.subject_id, "field": self.field, "subject_ids": subject_ids,
            "from_values": from_values, "to_values": to_values,
        }


SCORING_RUNS = RunStorage(
    run_label="ScoringRun", suggestion_label="InfluenceScore", application_label="SegmentApplication",
    subject_label="Entity", subject_id="entity_id", field="influencer_segment", value="segment", keyed=True,
)
TIER_RUNS = RunStorage(
    run_label="TierRun", suggestion_label="TierSuggestion", application_label="TierApplication",
    subject_label="Client", subject_id="client_id", field="tier", value="tier",
)


#: Every kind of suggestion run (each query file is rendered for each of them).
RUN_KINDS = (SCORING_RUNS, TIER_RUNS)


# The rows of the suggestion-run queries. Their columns are the same for every kind; what
# differs by kind is inside the stored nodes (``run``, ``suggestion``, ``application``: their
# properties, named by the kind's ``RunStorage``), which stay plain dicts.
@result_of("create_suggestion_run", "store_suggestions")
@dataclass(frozen=True)
class SuggestionsStored:
    stored: int


@result_of("suggestion_runs", "complete_suggestion_run")
@dataclass(frozen=True)
class RunRow:
    """A run's properties."""

    run: Row


@result_of("delete_suggestion_run")
@dataclass(frozen=True)
class RunDeletion:
    """How many suggestions went with the run."""

    suggestions: int


@result_of("run_suggestions", "suggestions_by_key")
@dataclass(frozen=True)
class SuggestionRow:
    """A suggestion's properties."""

    suggestion: Row


@result_of("suggestion_counts")
@dataclass(frozen=True)
class SuggestionCount:
    """How many of a run's subjects were suggested ``suggested`` (the caller's ``none`` for
    nothing), where it ``differs`` from what was assigned when the run was made, or not."""

    suggested: str
    differs: bool
    subjects: int


@result_of("apply_suggestions", "suggestion_applications")
@dataclass(frozen=True)
class ApplicationRow:
    """An application's properties (its lists named by ``RunStorage.application_fields``)."""

    application: Row


class SuggestionRunRepository:
    """The reads and writes of one kind of suggestion run."""

    def __init__(self, store: GraphStore, storage: RunStorage) -> None:
        self._store = store
        self.storage = storage
        identifiers = storage.identifiers()
        self._q = lambda name, **options: store.queries(name, **identifiers, **options)

    def create_run(
        self, properties: Mapping[str, Any], suggestions: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]
    ) -> int:
        """Store the run with its audit record and ``suggestions`` in one write; how many stored."""
        rows = self._store.write(
            self._q("create_suggestion_run"),
            {"properties": dict(properties), "suggestions": list(suggestions), "audit": dict(audit)},
        )
        stored = first_as(SuggestionsStored, rows)
        return 0 if stored is None else stored.stored

    def store_suggestions(self, rows: Sequence[Mapping[str, Any]]) -> int:
        return SuggestionsStored(**self._store.write(self._q("store_suggestions"), {"rows": list(rows)})[0]).stored

    def complete_run(self, run_id: str, *, now: str) -> Row | None:
        completed = first_as(RunRow, self._store.write(self._q("complete_suggestion_run"), {"id": run_id, "now": now}))
        return None if completed is None else completed.run

    def runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        """Complete runs, newest first, or the one with ``run_id``."""
        rows = self._store.read(self._q("suggestion_runs"), {"id": run_id, "limit": limit})
        return [found.run for found in all_as(RunRow, rows)]

    def delete_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        """How many suggestions went with the run; None if there was no such run."""
        rows = self._store.write(self._q("delete_suggestion_run"), {"id": run_id, "audit": dict(audit)})
        deletion = first_as(RunDeletion, rows)
        return None if deletion is None else deletion.suggestions

    def suggestions(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        """A page of a run's suggestions after position ``after`` and ``skip`` rows (all, or only
        differing ones); with ``owners``, only of subjects visible to them."""
        rows = self._store.read(
            self._q("run_suggestions", restricted=owners is not None),
            {"run_id": run_id, "after": after, "skip": skip, "limit": limit, "differing_only": differing_only,
             "owners": _owners(owners)},
        )
        return _suggestions(rows)

    def suggestions_by_key(self, position_keys: Sequence[str]) -> list[Row]:
        """The suggestions with these ``position_key``s, in position order (keyed kinds only)."""
        return _suggestions(self._store.read(self._q("suggestions_by_key"), {"keys": list(position_keys)}))

    def suggestion_counts(self, run_id: str, *, none: str, owners: Collection[str]) -> list[SuggestionCount]:
        """A run's subjects visible to ``owners`` counted by suggestion (``none`` for those
        suggested nothing) and by whether it differs."""
        return all_as(SuggestionCount, self._store.read(self._q("suggestion_counts", restricted=True),
                                                        {"run_id": run_id, "none": none, "owners": _owners(owners)}))

    def apply(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, applied_by: str | None,
        now: str,
    ) -> Row | None:
        """``changes``: ``{<subject_id>, version, from, to, audit}``, each applied (with its audit
        record) only if the subject is still at that version and value; None if none was."""
        rows = self._store.write(
            self._q("apply_suggestions"),
            {"run_id": run_id, "id": application_id, "changes": list(changes), "applied_by": applied_by, "now": now},
        )
        application = first_as(ApplicationRow, rows)
        return None if application is None else application.application

    def applications(self, *, limit: int = 100) -> list[Row]:
        rows = self._store.read(self._q("suggestion_applications"), {"limit": limit})
        return [found.application for found in all_as(ApplicationRow, rows)]


def _suggestions(rows: list[Row]) -> list[Row]:
    return [found.suggestion for found in all_as(SuggestionRow, rows)]
