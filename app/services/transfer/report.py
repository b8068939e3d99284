"""What an import tells its caller: problems with rows, the report, progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.transfer import RecordKind
from app.repositories.store import Compaction

#: ``on_progress(phase, done, total)``: rows done so far in a phase; total None when unknown.
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with one row (or, at line 1 of a CSV file, its header)."""

    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    #: Rows left out (only when asked to skip bad rows).
    rejected: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    #: Updates not made because the record changed in the store while the import ran.
    changed_meanwhile: int = 0
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0
    #: The target id of the load's audit records (None when nothing was to be written).
    load_id: str | None = None
    #: What compacting the store's log after the load did (None: nothing written, or a store
    #: with no log of ours); its time is part of ``seconds``.
    compaction: Compaction | None = None

    @property
    def imported(self) -> int:
        """Rows read and not left out."""
        return self.rows - self.rejected

    @property
    def relationships(self) -> int:
        """Relationship rows accepted (memberships included)."""
        return sum(counter[r] for counter in (self.created, self.updated, self.unchanged)
                   for r in (RecordKind.memberships, RecordKind.relationships))
