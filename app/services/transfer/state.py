"""What one import knows, learnt while checking and used again while writing: where each
row is, what each entity external id stands for, which rows are refused and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from enum import Enum
from itertools import islice
from typing import Any, NewType, Protocol

from app.domain.access import Caller
from app.domain.catalogue import RelationshipTypeSpec
from app.domain.model import EntityKind, RelationshipCategory, now_iso, today_iso
from app.domain.transfer import RecordKind
from app.repositories.catalogue import Catalogue
from app.repositories.entities import EntityReads
from app.repositories.relationships import RelationshipClashes
from app.repositories.transfer import StoredRelationships
from app.services.catalogue import CatalogueService
from app.services.relationship_rules import ActiveRelationships
from app.services.transfer.readers import SourceRow
from app.services.transfer.report import ImportProblem, Progress

#: Rows the check keeps converted for the write (about 250 bytes each).
CONVERTED_LIMIT = 500_000


class ImportLookups(EntityReads, StoredRelationships, RelationshipClashes, Catalogue, Protocol):
    """What an import checks its rows against (and its write reads again)."""


#: Where a row is: its file's number in the import (``ImportState.files``) and its line, in
#: one int (made by ``row_position``, read by ``file_of`` and ``line_of``); positions sort as
#: the rows were read. An int rather than a tuple: a NamedTuple per row (made, hashed and
#: compared as a dict key) cost 8% of a dry-run import's Python time (30,000 rows: 0.595 s
#: against 0.55 s, the median of six runs each).
RowPosition = NewType("RowPosition", int)
_LINE_BITS = 32
_LINE_MASK = (1 << _LINE_BITS) - 1


def row_position(file: int, line: int) -> RowPosition:
    return RowPosition(file << _LINE_BITS | line)


def file_of(position: RowPosition) -> int:
    return position >> _LINE_BITS


def line_of(position: RowPosition) -> int:
    return position & _LINE_MASK


class EntityState(Enum):
    """What the import knows of an entity external id."""

    new = "new"  # made by this import
    stored = "stored"  # in the store already, and in the files
    store_only = "store only"  # in the store, named by the files but not in them
    pending = "pending"  # read, not yet matched against the store
    rejected = "rejected"

    def __init__(self, value: str) -> None:
        # Plain attributes, not properties: they are read for every relationship row, and a
        # member lookup costs more than the rest of the test (Python 3.11).
        #: In the store already.
        self.in_store = value in ("stored", "store only")
        #: An entity that other rows may name.
        self.usable = value not in ("pending", "rejected")


class Known:
    """What the import knows of one entity external id."""

    __slots__ = ("id", "kind", "position", "state")

    def __init__(self, entity_id: str | None, kind: EntityKind, position: RowPosition | None, state: EntityState) -> None:
        self.id, self.kind, self.position, self.state = entity_id, kind, position, state


class ImportState:
    """One import's rows, entities and refusals, and the catalogue it checks against."""

    def __init__(self, repository: ImportLookups, caller: Caller, *, batch_size: int, on_progress: Progress | None,
                 trusted: bool = False) -> None:
        self.repo = repository
        self.catalogue = CatalogueService(repository, caller)
        self.types = {t.code: t for t in self.catalogue.relationship_types()}
        self.membership_types: dict[str, list[RelationshipTypeSpec]] = defaultdict(list)
        for spec in self.types.values():
            if spec.category is RelationshipCategory.membership and spec.role is not None:
                self.membership_types[spec.role.value].append(spec)
        self.category_codes = self.catalogue.category_codes()
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda phase, done, total: None)
        #: A trusted source (a generated practice) is written without the check.
        self.trusted = trusted
        self.today, self.now = today_iso(), now_iso()
        self.files: list[str] = []
        self.file_records: list[RecordKind] = []
        self.file_numbers: dict[str, int] = {}
        self.broken_files: dict[str, list[ImportProblem]] = {}
        self.entities: dict[str, Known] = {}
        #: External id -> the row that used it first, for relationships.
        self.relationship_positions: dict[str, RowPosition] = {}
        #: External id -> stored relationship id, for relationships the import rewrites.
        self.existing_relationships: dict[str, str] = {}
        #: Refused rows and why.
        self.problems: dict[RowPosition, list[ImportProblem]] = {}
        self.active = ActiveRelationships()
        #: Rows checked against the store's active relationships: their ends, for messages.
        self.active_ends: dict[RowPosition, tuple[str, str, str]] = {}
        self.types_in_store: list[str] = []
        self.allowed_kinds: set[tuple[str, EntityKind, EntityKind]] = set()
        #: References of the current entity record's rows: (row, external id, column, external
        #: id named), checked once all its rows are read.
        self.pending_references: list[tuple[RowPosition, str, str, str]] = []
        #: Rows converted while checking, so the write need not convert them again; at most
        #: CONVERTED_LIMIT of them, to bound memory (later rows are converted again).
        self.converted: dict[RowPosition, tuple[Any, ...]] = {}
        self.cache_overflowed = False
        #: What every relationship of a type this import makes has in common, by type code.
        self.type_properties: dict[str, dict[str, Any]] = {}
        #: The owner each clients row names (an external id; None where its owner is empty),
        #: by the client's external id.
        self.file_owners: dict[str, str | None] = {}
        #: Clients given an owner by an OWNER_OF relationship row: client id -> (owner id, the
        #: row, whether the client's own row is in the files and so writes that owner_id).
        self.ownerships: dict[str, tuple[str, RowPosition, bool]] = {}

    def position(self, row: SourceRow) -> RowPosition:
        number = self.file_numbers.get(row.file)
        if number is None:
            number = self.file_numbers[row.file] = len(self.files)
            self.files.append(row.file)
            self.file_records.append(row.record)
        return row_position(number, row.line)

    def where(self, position: RowPosition) -> str:
        return f"{self.files[file_of(position)]} line {line_of(position)}"

    def problem(self, position: RowPosition, column: str | None, message: str) -> ImportProblem:
        return ImportProblem(self.files[file_of(position)], line_of(position), column, message)

    def reject(self, position: RowPosition, problems: list[ImportProblem]) -> None:
        self.problems.setdefault(position, []).extend(problems)

    def keep(self, position: RowPosition, converted: tuple[Any, ...]) -> None:
        if len(self.converted) < CONVERTED_LIMIT:
            self.converted[position] = converted
        else:
            self.cache_overflowed = True

    def reference_problem(self, ref: str, wanted: EntityKind | None) -> str | None:
        """Why ``ref`` cannot be named here (None if it can): unknown, refused, the wrong kind."""
        known = self.entities.get(ref)
        if known is None or known.state is EntityState.pending:
            return f"no {noun(wanted) if wanted else 'entity'} has the external id '{ref}' (in these files or in the store)"
        if known.state is EntityState.rejected:
            return f"'{ref}' names a row that is refused ({self.where(known.position)})"
        if wanted is not None and known.kind is not wanted:
            return f"'{ref}' is a {noun(known.kind)}, not a {noun(wanted)}"
        return None


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def noun(kind: EntityKind) -> str:
    return kind.value.replace("_", " ")
