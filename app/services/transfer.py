"""Import a practice from CSV or JSON Lines files, and load generated practices.

An import runs twice over its rows:

1. **check**: every row is validated with the API's own rules (the create bodies, the
   category lists, the relationship-type catalogue, the relationship rules shared with
   ``RelationshipService``) against the other rows and against the store; nothing is
   written. Any problem is reported with its file, line and column.
2. **write**: only when the check found nothing (or the caller asked to skip bad rows), the
   rows as the check converted them (or, past a memory bound, read and converted again)
   are written through the bulk path (``app.services.bulk``), entities first.

Rows are matched to what is stored by their external id, so importing the same files again
updates records instead of duplicating them (and leaves unchanged ones alone). Each batch is
one atomic query, but an import as a whole is not: a crash part way leaves the batches
written so far, and running the same import again completes it.
"""

from __future__ import annotations

import csv
import json
import re
import time
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import chain, groupby, islice
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from pydantic import ValidationError

from app.domain.access import Caller, Permission
from app.domain.catalogue import CategoryList, RelationshipTypeSpec
from app.domain.errors import Conflict, InvalidInput, RapportError
from app.domain.model import (
    EntityKind,
    RelationshipCategory,
    new_entity_id,
    now_iso,
    relationship_type_of,
    today_iso,
)
from app.repositories.practice import PracticeRepository
from app.schemas.transfer import (
    FILE_FORMATS,
    MAX_EXTERNAL_ID_LENGTH,
    RecordFormat,
    RecordKind,
    membership_role_adapter,
)
from app.repositories.store import Compaction
from app.services.bulk import DEFAULT_BATCH_SIZE, BulkWriter, clear_store, collector_paused, compact_after_load, new_ulids
from app.services.catalogue import CatalogueService
from app.services.entities import check_categories, closes_hierarchy_loop, new_entity_properties
from app.services.generator import GENERATED_TYPES, SEGMENTS, SOURCES, STAGES, Batch, generate_practice
from app.services.relationship_rules import (
    RELATIONSHIP_FIELDS,
    ActiveRelationships,
    check_kinds,
    check_share,
    not_ended,
    new_relationship_properties,
    own_properties,
    type_properties,
)

#: ``on_progress(phase, done, total)``: rows done so far in a phase; total None when unknown.
Progress = Callable[[str, int, int | None], None]

#: Rows the check keeps converted for the write (about 250 bytes each).
_CONVERTED_LIMIT = 500_000

# An entity's id is a ULID: an external id shaped like one may be an entity exported with
# no external id of its own (its id stood in), and is looked up by id too.
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


# -- problems and reports ---------------------------------------------------------------------
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


# -- sources ----------------------------------------------------------------------------------
class SourceRow(NamedTuple):
    record: RecordKind
    file: str
    line: int
    #: Column -> value; blank cells are None.
    values: Mapping[str, Any]
    #: The row as read, for the reject file.
    raw: Mapping[str, Any]


class ImportSource(ABC):
    """Rows to import, entity records first (in ``RecordKind`` order); readable twice."""

    @abstractmethod
    def rows(self) -> Iterator[SourceRow]: ...

    def problems(self) -> list[ImportProblem]:
        """Problems with whole files (a CSV header): their rows are all refused."""
        return []

    def total(self) -> int | None:
        """About how many rows there are, for progress bars."""
        return None


class FileSource(ImportSource):
    """Import files: ``<record>.csv`` or ``<record>.jsonl`` (``clients.csv``, ``people.jsonl``...),
    named one by one or found in directories."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.files: dict[RecordKind, Path] = {}
        for path in map(Path, paths):
            if path.is_dir():
                found = [p for p in sorted(path.iterdir()) if _record_of(p) is not None]
                if not found:
                    raise InvalidInput(f"{path} holds no import files ({_expected_names()})")
            elif path.is_file():
                if _record_of(path) is None:
                    raise InvalidInput(f"{path}: not an import file name; expected {_expected_names()}")
                found = [path]
            else:
                raise InvalidInput(f"{path}: no such file or directory")
            for file in found:
                record = _record_of(file)
                if record in self.files and self.files[record] != file:
                    raise InvalidInput(f"two files for {record.value}: {self.files[record]} and {file}")
                self.files[record] = file
        if not self.files:
            raise InvalidInput("no import files given")
        self._problems: list[ImportProblem] | None = None

    def rows(self) -> Iterator[SourceRow]:
        for record in RecordKind:
            path = self.files.get(record)
            if path is not None:
                yield from (_csv_rows if path.suffix == ".csv" else _jsonl_rows)(record, path)

    def problems(self) -> list[ImportProblem]:
        if self._problems is None:
            self._problems = [p for record, path in self.files.items() if path.suffix == ".csv"
                              for p in _header_problems(record.format, path)]
        return self._problems

    def total(self) -> int:
        lines = 0
        for path in self.files.values():
            with path.open("rb") as f:
                lines += sum(chunk.count(b"\n") for chunk in iter(lambda f=f: f.read(1 << 20), b""))
        return max(0, lines - sum(1 for p in self.files.values() if p.suffix == ".csv"))


class RecordsSource(ImportSource):
    """Rows made in memory, such as ``generate_practice`` batches; ``batches`` is called once
    per reading, so a generator function reads the same rows twice."""

    def __init__(self, batches: Callable[[], Iterable[Batch]], *, name: str = "generated", total: int | None = None) -> None:
        self._batches, self._name, self._total = batches, name, total

    def rows(self) -> Iterator[SourceRow]:
        lines: Counter[RecordKind] = Counter()
        for batch in self._batches():
            for row in batch.rows:
                lines[batch.record] += 1
                yield SourceRow(batch.record, f"{self._name}/{batch.record.value}", lines[batch.record], row, row)

    def total(self) -> int | None:
        return self._total


def _record_of(path: Path) -> RecordKind | None:
    stem, _, suffix = path.name.partition(".")
    return RecordKind(stem) if stem in RecordKind.__members__ and suffix in FILE_FORMATS else None


def _expected_names() -> str:
    return ", ".join(f"{r.value}.csv" for r in RecordKind) + " (or .jsonl)"


@contextmanager
def _unreadable(path: Path, line: Callable[[], int]) -> Iterator[None]:
    """A file that is not UTF-8 text, or not CSV, stops the import with where it went wrong."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path.name}: line {line()}: not UTF-8 text ({error.reason}); nothing was imported") from None
    except csv.Error as error:
        raise InvalidInput(f"{path.name}: line {line()}: not readable as CSV ({error}); nothing was imported") from None


def _header_problems(fmt: RecordFormat, path: Path) -> list[ImportProblem]:
    with path.open(newline="", encoding="utf-8-sig") as f, _unreadable(path, lambda: 1):
        header = next(csv.reader(f), None)
    if header is None:
        return [ImportProblem(path.name, 1, None, "the file is empty; its first line must name the columns")]
    problems = []
    for position, column in enumerate(header):
        if column not in fmt.columns:
            problems.append(ImportProblem(path.name, 1, column or f"#{position + 1}",
                                          f"unknown column; {fmt.kind.value} columns are: {', '.join(fmt.columns)}"))
        elif column in header[:position]:
            problems.append(ImportProblem(path.name, 1, column, "the column appears twice"))
    problems += [ImportProblem(path.name, 1, column, "required column missing")
                 for column in fmt.columns if column in fmt.required and column not in header]
    return problems


def _csv_rows(record: RecordKind, path: Path) -> Iterator[SourceRow]:
    line = 1
    with path.open(newline="", encoding="utf-8-sig") as f, _unreadable(path, lambda: line):
        reader = csv.reader(f)
        header = next(reader, None) or []
        width = len(header)
        line = reader.line_num + 1
        name = path.name
        for cells in reader:
            if cells:  # csv gives [] for a blank line
                values = {k: v or None for k, v in zip(header, cells, strict=False)}  # blank cells are None
                if len(cells) > width:
                    values["#extra"] = cells[width:]
                yield SourceRow(record, name, line, values, values)
            line = reader.line_num + 1


def _jsonl_rows(record: RecordKind, path: Path) -> Iterator[SourceRow]:
    line = 0
    with path.open(encoding="utf-8-sig") as f, _unreadable(path, lambda: line + 1):
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as error:
                raw = {"#json": f"not valid JSON ({error.msg} at character {error.pos + 1})", "#text": text.rstrip("\n")}
            if not isinstance(raw, dict):
                raw = {"#json": "each line must be a JSON object", "#text": text.rstrip("\n")}
            elif "\\u0000" in text and any("\x00" in v for v in (*raw, *raw.values()) if isinstance(v, str)):
                # The stores cannot keep it (and CSV cannot even carry it).
                raw = {"#json": "text may not contain the NUL character (\\u0000)", "#text": text.rstrip("\n")}
            yield SourceRow(record, path.name, line, {k: (None if v == "" else v) for k, v in raw.items()}, raw)


# -- the import -------------------------------------------------------------------------------
# What the import knows of an entity external id (plain strings: enum members are slow to
# reach in a loop run millions of times).
_NEW = "new"  # made by this import
_STORED = "stored"  # in the store already, and in the files
_STORE_ONLY = "store only"  # in the store, named by the files but not in them
_PENDING = "pending"  # read, not yet matched against the store
_REJECTED = "rejected"
_IN_STORE = frozenset({_STORED, _STORE_ONLY})
_RELATIONSHIPS = RecordKind.relationships
_CATEGORY_FIELDS = frozenset(name.client_field for name in CategoryList)
_USABLE = frozenset({_NEW, _STORED, _STORE_ONLY})


class _Known:
    """What the import knows of one entity external id."""

    __slots__ = ("id", "kind", "item", "state")

    def __init__(self, entity_id: str | None, kind: EntityKind, item: int | None, state: str) -> None:
        self.id, self.kind, self.item, self.state = entity_id, kind, item, state


def import_practice(
    repository: PracticeRepository, source: ImportSource, *, caller: Caller, dry_run: bool = False,
    skip_bad_rows: bool = False, reject_file: Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then (unless a row is wrong) write them all.

    With ``skip_bad_rows`` the wrong rows (and rows that name them) are left out and, when
    ``reject_file`` is given, written to it as JSON Lines with their problems. With
    ``dry_run`` nothing is written to the store; the report says what would have been.
    An import writes team members too, so it is for administrators; each batch's write
    carries one audit record naming the import (``ImportReport.load_id``).
    """
    if not dry_run:
        caller.require(Permission.administer, "import a practice")
    started = time.perf_counter()
    with collector_paused():
        importer = _Importer(repository, caller, batch_size=batch_size, on_progress=on_progress)
        report = importer.check(source)
        report.dry_run = dry_run
        if report.problems and not skip_bad_rows:
            report.seconds = time.perf_counter() - started
            return report
        with _RejectFile(reject_file if skip_bad_rows else None) as rejects, \
                (nullcontext() if dry_run else repository.bulk_load()), \
                BulkWriter(repository, caller=caller, load="import", batch_size=batch_size, dry_run=dry_run) as writer:
            report.load_id = None if dry_run else writer.load_id
            importer.write(source, writer, rejects, report)
    report.written = not dry_run
    if report.written and (report.created or report.updated):
        report.compaction = compact_after_load(repository, on_progress)
    report.seconds = time.perf_counter() - started
    return report


def load_generated_practice(
    repository: PracticeRepository, entities: int, relationships: int, *, caller: Caller, seed: int,
    replace: bool = False, batch_size: int = DEFAULT_BATCH_SIZE, on_progress: Progress | None = None,
) -> ImportReport:
    """Generate a practice (``generate_practice``) and write it through the import's bulk
    path, into a store that holds no entities yet or, with ``replace``, after emptying it
    (sizes the generator refuses are refused before anything is deleted).

    The rows are valid by construction (the tests check generated practices with the full
    import check), so this makes one pass: convert, write. For administrators, audited as an
    import is.
    """
    caller.require(Permission.administer, "load a generated practice")
    started = time.perf_counter()
    try:
        batches = generate_practice(entities, relationships, seed=seed, batch_size=batch_size)
        first = next(batches)  # draws the practice's shape, refusing impossible sizes
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    load_id = new_entity_id()
    if repository.count_entities() and not replace:
        raise Conflict("the store already holds entities; a generated practice goes into an empty one")
    report = ImportReport(load_id=load_id)
    with repository.bulk_load():
        _load_generated(repository, first, batches, entities + relationships, caller=caller, load_id=load_id,
                        batch_size=batch_size, on_progress=on_progress, report=report)
    report.written = True
    report.compaction = compact_after_load(repository, on_progress)
    report.seconds = time.perf_counter() - started
    return report


def _load_generated(repository: PracticeRepository, first: Batch, batches: Iterator[Batch], total: int, *,
                    caller: Caller, load_id: str, batch_size: int, on_progress: Progress | None,
                    report: ImportReport) -> None:
    if repository.count_entities():
        clear_store(repository, caller=caller, load="generated practice", load_id=load_id, batch_size=batch_size,
                    on_progress=on_progress)
    catalogue = CatalogueService(repository, caller)
    catalogue.seed_defaults()
    missing = sorted(set(GENERATED_TYPES) - {t.code for t in catalogue.relationship_types()})
    codes = catalogue.category_codes()
    for name, wanted in ((CategoryList.stages, STAGES), (CategoryList.segments, SEGMENTS), (CategoryList.sources, SOURCES)):
        missing += [f"{name.value}:{code}" for code in wanted if code not in codes[name]]
    if missing:
        raise InvalidInput(f"the generator uses the default catalogue; this store lacks {', '.join(missing)}")
    source = RecordsSource(lambda: chain([first], batches), total=total)
    importer = _Importer(repository, caller, batch_size=batch_size, on_progress=on_progress, trusted=True)
    with collector_paused(), BulkWriter(repository, caller=caller, load="generated practice", load_id=load_id,
                                        batch_size=batch_size) as writer:
        importer.write(source, writer, _RejectFile(None), report)


class _Importer:
    """One import: what it learnt while checking, used again while writing."""

    def __init__(self, repository: PracticeRepository, caller: Caller, *, batch_size: int, on_progress: Progress | None,
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
        self.entities: dict[str, _Known] = {}
        #: External id -> the row that used it first, for relationships.
        self.relationship_items: dict[str, int] = {}
        #: External id -> stored relationship id, for relationships the import rewrites.
        self.existing_relationships: dict[str, str] = {}
        #: Refused rows and why.
        self.problems: dict[int, list[ImportProblem]] = {}
        self.active = ActiveRelationships()
        #: Rows checked against the store's active relationships: their ends, for messages.
        self.active_ends: dict[int, tuple[str, str, str]] = {}
        self.types_in_store: list[str] = []
        self.allowed_kinds: set[tuple[str, EntityKind, EntityKind]] = set()
        #: References of the current entity record's rows: (row, external id, column, external
        #: id named), checked once all its rows are read.
        self.pending_references: list[tuple[int, str, str, str]] = []
        #: Rows converted while checking, so the write need not convert them again; at most
        #: _CONVERTED_LIMIT of them, to bound memory (later rows are converted again).
        self.converted: dict[int, tuple[Any, ...]] = {}
        self.cache_overflowed = False
        #: What every relationship of a type this import makes has in common, by type code.
        self.type_properties: dict[str, dict[str, Any]] = {}

    # -- rows: a row's place is one int, file number and line -------------------------------
    def _item(self, row: SourceRow) -> int:
        number = self.file_numbers.get(row.file)
        if number is None:
            number = self.file_numbers[row.file] = len(self.files)
            self.files.append(row.file)
            self.file_records.append(row.record)
        return number << 32 | row.line

    def _where(self, item: int) -> str:
        return f"{self.files[item >> 32]} line {item & 0xFFFFFFFF}"

    def _problem(self, item: int, column: str | None, message: str) -> ImportProblem:
        return ImportProblem(self.files[item >> 32], item & 0xFFFFFFFF, column, message)

    def _reject(self, item: int, problems: list[ImportProblem]) -> None:
        self.problems.setdefault(item, []).extend(problems)

    def _keep(self, item: int, converted: tuple[Any, ...]) -> None:
        if len(self.converted) < _CONVERTED_LIMIT:
            self.converted[item] = converted
        else:
            self.cache_overflowed = True

    # -- pass 1: check ----------------------------------------------------------------------
    def check(self, source: ImportSource) -> ImportReport:
        report = ImportReport()
        for problem in source.problems():
            self.broken_files.setdefault(problem.file, []).append(problem)
        self.types_in_store = [code for code in self.types if self.repo.count_relationships_of_type(code)]
        total, done = source.total(), 0
        for record, rows in groupby(source.rows(), key=lambda row: row.record):
            fmt = record.format
            for chunk in _chunks(rows, self.batch_size):
                if fmt.entity_kind is not None:
                    self._check_entities(fmt, chunk)
                else:
                    self._check_relationships(fmt, chunk)
                done += len(chunk)
                self.on_progress("checking", done, total)
            if fmt.entity_kind is not None:
                self._check_references(record)
        self._check_store_clashes()
        report.rows = done
        report.problems = [p for problems in self.broken_files.values() for p in problems]
        report.problems += [p for item in sorted(self.problems) for p in self.problems[item]]
        return report

    def _check_entities(self, fmt: RecordFormat, chunk: list[SourceRow]) -> None:
        checked = []
        for row in chunk:
            item = self._item(row)
            if row.file in self.broken_files:  # refused whole; rows naming its rows say so
                self.problems.setdefault(item, [])
                ext = row.values.get("external_id")
                if isinstance(ext, str) and ext.strip() and ext.strip() not in self.entities:
                    self.entities[ext.strip()] = _Known(None, fmt.entity_kind, item, _REJECTED)
                continue
            problems: list[ImportProblem] = []
            ext, fields, references = self._convert_entity(fmt, item, row.values, problems)
            if ext is not None:
                known = self.entities.get(ext)
                if known is not None and known.item is not None:
                    problems.append(self._problem(item, "external_id", f"'{ext}' is used already, on {self._where(known.item)}"))
                    ext = None
                elif known is None:
                    self.entities[ext] = _Known(None, fmt.entity_kind, item, _PENDING)
            checked.append((item, ext, fields, references, problems))
        self._learn_stored([ext for _, ext, *_ in checked if ext is not None and self.entities[ext].state is _PENDING])
        ids = iter(new_ulids(len(checked)))
        for item, ext, fields, references, problems in checked:
            known = self.entities.get(ext) if ext is not None else None
            if known is not None:
                if known.state in _IN_STORE and known.kind is not fmt.entity_kind:
                    problems.append(self._problem(item, "external_id", f"'{ext}' is a {_noun(known.kind)} in the store, "
                                                                       f"not a {_noun(fmt.entity_kind)}"))
                if problems:
                    known.id, known.item, known.state = None, item, _REJECTED
                else:
                    known.kind, known.item = fmt.entity_kind, item
                    if known.state is _PENDING:
                        known.id, known.state = next(ids), _NEW
                    else:
                        known.state = _STORED
                    self.pending_references += [(item, ext, column, ref) for column, ref in references]
                    self._keep(item, (ext, fields, references))
            if problems:
                self._reject(item, problems)

    def _check_references(self, record: RecordKind) -> None:
        """Check the references of an entity record's rows once all its rows are read (a team
        member may report to one further down the file)."""
        references, self.pending_references = self.pending_references, []
        if not references:
            return
        fmt = record.format
        self._learn_stored({ref for *_, ref in references if ref not in self.entities})
        refused = True
        while refused:  # a refused row takes the rows naming it with it
            refused = False
            for item, ext, column, ref in references:
                message = None if item in self.problems else self._reference_problem(ref, fmt.references[column])
                if message:
                    self._refuse_entity(item, ext, column, message)
                    refused = True
            if record is RecordKind.team_members:
                refused |= self._check_hierarchy(references)

    def _check_hierarchy(self, references: list[tuple[int, str, str, str]]) -> bool:
        """Refuse team members whose reports-to would close a loop, through the files and the
        store (the files' reports-to replaces the stored one)."""
        members = {k.id for k in self.entities.values()
                   if k.kind is EntityKind.team_member and k.state in (_NEW, _STORED)}
        reports = [(item, ext, self.entities[ext].id, self.entities[ref].id) for item, ext, column, ref in references
                   if column == "reports_to" and item not in self.problems]
        reports_to = {member: manager for _, _, member, manager in reports}

        def manager_of(member_id: str) -> str | None:
            if member_id in members:
                return reports_to.get(member_id)
            stored = self.repo.get_entity(EntityKind.team_member, member_id)
            return stored.get("reports_to_id") if stored else None

        looped = [(item, ext) for item, ext, member, manager in reports if closes_hierarchy_loop(member, manager, manager_of)]
        for item, ext in looped:
            self._refuse_entity(item, ext, "reports_to", "would make the team hierarchy a loop")
        return bool(looped)

    def _refuse_entity(self, item: int, ext: str, column: str, message: str) -> None:
        known = self.entities[ext]
        known.id, known.state = None, _REJECTED
        self.converted.pop(item, None)
        self._reject(item, [self._problem(item, column, message)])

    def _reference_problem(self, ref: str, wanted: EntityKind | None) -> str | None:
        """Why ``ref`` cannot be named here (None if it can): unknown, refused, the wrong kind."""
        known = self.entities.get(ref)
        if known is None or known.state is _PENDING:
            return f"no {_noun(wanted) if wanted else 'entity'} has the external id '{ref}' (in these files or in the store)"
        if known.state is _REJECTED:
            return f"'{ref}' names a row that is refused ({self._where(known.item)})"
        if wanted is not None and known.kind is not wanted:
            return f"'{ref}' is a {_noun(known.kind)}, not a {_noun(wanted)}"
        return None

    def _check_relationships(self, fmt: RecordFormat, chunk: list[SourceRow]) -> None:
        read = []
        for row in chunk:
            item = self._item(row)
            if row.file in self.broken_files:
                self.problems.setdefault(item, [])
                continue
            problems: list[ImportProblem] = []
            read.append((item, row, *self._read_relationship(fmt, item, row.values, problems), problems))
        self._learn_stored({ref for *_, ends, _ in read for ref in ends if ref is not None and ref not in self.entities})
        stored = self._stored_relationships([(ext, spec.code if spec else None) for _, _, ext, spec, _, _ in read
                                             if ext is not None and ext not in self.relationship_items])
        for item, row, ext, spec, ends, problems in read:
            if ext is not None:
                first = self.relationship_items.setdefault(ext, item)
                if first != item:
                    problems.append(self._problem(item, "external_id", f"'{ext}' is used already, on {self._where(first)}"))
            source, target, fields = self._resolve_relationship(fmt, item, row.values, spec, ends, problems)
            match = stored.get(ext) if ext is not None and not problems else None
            if match is not None:
                ends_now, ends_stored = (source.id, target.id), (match["from_id"], match["to_id"])
                if match["type"] != spec.code or not (ends_now == ends_stored or (spec.symmetric and ends_now == ends_stored[::-1])):
                    problems.append(self._problem(item, "external_id", (
                        f"'{ext}' is a {match['type']} relationship in the store between other ends; a relationship's "
                        "type and ends cannot change (end it, and import the new one with its own external id)")))
            if problems:
                self._reject(item, problems)
                continue
            if match is not None:
                self.existing_relationships[ext] = match["relationship"]["id"]
            if not_ended(fields, self.today) and not self._check_active(item, spec, source, target, ends, fmt.ends):
                continue
            self._keep(item, (ext, spec, source.id, target.id, fields))

    def _check_active(self, item: int, spec: RelationshipTypeSpec, source: _Known, target: _Known,
                      ends: list[str], columns: tuple[str, str]) -> bool:
        """The rules of ``ActiveRelationships`` within the files; the store is asked at the end."""
        in_store = source.state in _IN_STORE or target.state in _IN_STORE
        earlier = self.active.add(item, spec, source.id, target.id, in_store=in_store)
        if earlier is not None:
            self._reject(item, [self._problem(item, None, f"repeats the active {spec.code} relationship on {self._where(earlier)}")])
            return False
        claimant = self.active.claim_role(item, spec, target.id, in_store=target.state in _IN_STORE)
        if claimant is not None:
            self._reject(item, [self._problem(item, columns[1], (
                f"'{ends[1]}' would have a second active {spec.role.value.replace('_', ' ')}; "
                f"{self._where(claimant)} names one already"))])
            return False
        if in_store:
            self.active_ends[item] = (ends[0], ends[1], columns[1])
        return True

    def _check_store_clashes(self) -> None:
        # The relationships this import rewrites are left out: their rows speak for them.
        clashes = self.active.store_clashes(self.repo, today=self.today, ignoring=set(self.existing_relationships.values()))
        for clash in clashes:
            if clash.item in self.problems:
                continue
            source, target, target_column = self.active_ends[clash.item]
            if clash.role:
                problem = self._problem(clash.item, target_column,
                                        f"'{target}' has an active {clash.role.replace('_', ' ')} in the store already")
            else:
                problem = self._problem(clash.item, None,
                                        f"an active {clash.type_code} relationship joins '{source}' and '{target}' in the store already")
            self.converted.pop(clash.item, None)
            self._reject(clash.item, [problem])

    # -- store lookups ----------------------------------------------------------------------
    def _learn_stored(self, external_ids: Iterable[str]) -> None:
        """Look external ids up in the store: matches become known (kind and id)."""
        wanted = list(external_ids)
        if self.trusted or not wanted:
            return
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(wanted, self.batch_size):
            found.update({e["external_id"]: e for e in self.repo.entities_by_external_id(chunk)})
            # An export writes the id of an entity that has no external id in its place.
            by_id = [ext for ext in chunk if ext not in found and _ULID.match(ext)]
            if by_id:
                found.update({e["id"]: e for e in self.repo.get_entities(by_id).values() if not e.get("external_id")})
        for ext, entity in found.items():
            kind = EntityKind(entity["entity_kind"])
            known = self.entities.get(ext)
            if known is not None and known.state is _PENDING:
                known.id, known.kind, known.state = entity["id"], kind, _STORED
            elif known is None:
                self.entities[ext] = _Known(entity["id"], kind, None, _STORE_ONLY)

    def _stored_relationships(self, wanted: list[tuple[str, str | None]]) -> dict[str, dict[str, Any]]:
        """Stored relationships by external id (or by id, for exported ones that had none),
        looked for under the row's own type first, then under the other types in use."""
        if self.trusted or not wanted or not self.types_in_store:
            return {}
        found: dict[str, dict[str, Any]] = {}

        def look(code: str, external_ids: list[str]) -> None:
            for chunk in _chunks(external_ids, self.batch_size):
                for row in self.repo.relationships_by_external_id(code, chunk):
                    found[row["relationship"]["external_id"]] = {**row, "type": code}

        by_own_type: dict[str, list[str]] = defaultdict(list)
        for ext, code in wanted:
            if code in self.types_in_store:
                by_own_type[code].append(ext)
        for code, external_ids in by_own_type.items():
            look(code, external_ids)
        for code in self.types_in_store:  # a row whose type differs from the stored one
            look(code, [ext for ext, own in wanted if own != code and ext not in found])
        by_id: dict[str, list[str]] = defaultdict(list)  # exported with their id standing in
        for ext, _ in wanted:
            code = relationship_type_of(ext)
            if ext not in found and code in self.types_in_store:
                by_id[code].append(ext)
        for code, ids in by_id.items():
            for row in self.repo.relationships_by_id(code, ids):
                if not row["relationship"].get("external_id"):
                    found[row["relationship"]["id"]] = {**row, "type": code}
        return found

    # -- converting rows (both passes) ------------------------------------------------------
    def _convert_entity(self, fmt: RecordFormat, item: int, values: Mapping[str, Any],
                        problems: list[ImportProblem]) -> tuple[str | None, dict[str, Any] | None, list[tuple[str, str]]]:
        """External id, fields (validated by the API's create body and category lists) and
        the external ids the reference columns name."""
        ext = self._external_id(item, values, problems)
        if "#json" in values:  # a line that is no JSON object has nothing more to check
            return None, None, []
        self._unknown_columns(fmt, item, values, problems)
        data = {fmt.field_of(c): values[c] for c in fmt.columns[1:] if c not in fmt.references and values.get(c) is not None}
        references = [(column, ref) for column in fmt.references if values.get(column) is not None
                      and (ref := self._reference(item, values, column, problems)) is not None]
        try:
            # Lax: a CSV cell is text, whatever its column holds (the API's bodies are strict).
            fields = fmt.model.model_validate(data, strict=False).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            problems += [self._problem(item, fmt.column_of(str(e["loc"][0])) if e["loc"] else None, _message(e))
                         for e in error.errors()]
            return ext, None, references
        if fields.keys() & _CATEGORY_FIELDS:
            try:
                check_categories(fields, self.category_codes)
            except InvalidInput as error:
                problems.append(self._problem(item, error.extra.get("field"), error.detail))
                return ext, None, references
        return ext, fields, references

    def _read_relationship(self, fmt: RecordFormat, item: int, values: Mapping[str, Any],
                           problems: list[ImportProblem]) -> tuple[str | None, RelationshipTypeSpec | None, list[str | None]]:
        """External id, type and the external ids of the two ends."""
        ext = self._external_id(item, values, problems)
        if "#json" in values:
            return None, None, [None, None]
        spec = self._relationship_type(fmt, item, values, problems)
        return ext, spec, [self._reference(item, values, column, problems) for column in fmt.ends]

    def _resolve_relationship(self, fmt: RecordFormat, item: int, values: Mapping[str, Any], spec: RelationshipTypeSpec | None,
                              ends: list[str | None], problems: list[ImportProblem]) -> tuple[_Known, _Known, dict[str, Any]]:
        """The two ends (known entities of the kinds the type joins) and the fields."""
        source = self._end(fmt, item, fmt.ends[0], ends[0], problems)
        target = self._end(fmt, item, fmt.ends[1], ends[1], problems)
        self._unknown_columns(fmt, item, values, problems)
        data = {"type": spec.code if spec else "UNKNOWN", "from_id": source.id if source else "?from",
                "to_id": target.id if target else "?to"}
        for name in RELATIONSHIP_FIELDS:
            value = values.get(name)
            if value is not None:
                data[name] = value
        fields: dict[str, Any] = {}
        try:
            fields = fmt.model.model_validate(data, strict=False).__dict__  # the validated fields (and type and ends)
        except ValidationError as error:
            for e in error.errors():
                column = fmt.column_of(str(e["loc"][0])) if e["loc"] else None
                message = _message(e).replace("from_id", fmt.ends[0]).replace("to_id", fmt.ends[1])
                problems.append(self._problem(item, column if column in fmt.columns else None, message))
        if spec is not None and source is not None and target is not None and not problems:
            kinds = (spec.code, source.kind, target.kind)
            if kinds not in self.allowed_kinds:
                try:
                    check_kinds(spec, source.kind, target.kind)
                    self.allowed_kinds.add(kinds)
                except InvalidInput as error:
                    problems.append(self._problem(item, "type" if fmt.kind is _RELATIONSHIPS else "role", error.detail))
            try:
                check_share(spec, fields.get("share"))
            except InvalidInput as error:
                problems.append(self._problem(item, "share", error.detail))
        return source, target, fields

    def _external_id(self, item: int, values: Mapping[str, Any], problems: list[ImportProblem]) -> str | None:
        for key in ("#json", "#extra"):  # a line that is no row (see the readers)
            if key in values:
                message = values[key] if key == "#json" else f"more cells than the header has columns ({len(values[key])} extra)"
                problems.append(self._problem(item, None, message))
                return None
        return self._reference(item, values, "external_id", problems)

    def _reference(self, item: int, values: Mapping[str, Any], column: str, problems: list[ImportProblem]) -> str | None:
        """An external id in ``column``: text (or a whole number, in JSON), trimmed."""
        value = values.get(column)
        if value.__class__ is str:  # the common case, first
            value = value.strip()
            if 0 < len(value) <= MAX_EXTERNAL_ID_LENGTH:
                return value
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
            if value and len(value) <= MAX_EXTERNAL_ID_LENGTH:
                return value
        problems.append(self._problem(item, column, (
            "is required" if not value else "must be text" if not isinstance(value, str)
            else f"is longer than {MAX_EXTERNAL_ID_LENGTH} characters")))
        return None

    def _unknown_columns(self, fmt: RecordFormat, item: int, values: Mapping[str, Any], problems: list[ImportProblem]) -> None:
        if len(values) <= len(fmt.columns) and fmt.column_set.issuperset(values):
            return
        unknown = values.keys() - fmt.column_set
        problems += [self._problem(item, k, f"unknown column; {fmt.kind.value} columns are: {', '.join(fmt.columns)}")
                     for k in sorted(unknown) if not k.startswith("#")]

    def _relationship_type(self, fmt: RecordFormat, item: int, values: Mapping[str, Any],
                           problems: list[ImportProblem]) -> RelationshipTypeSpec | None:
        code = values.get("type")
        if code is not None and not isinstance(code, str):
            problems.append(self._problem(item, "type", "must be text"))
            return None
        if fmt.kind is _RELATIONSHIPS:
            if code is None:
                problems.append(self._problem(item, "type", "is required"))
                return None
            spec = self.types.get(code.strip())
            if spec is None:
                try:
                    self.catalogue.known_relationship_type(code.strip(), self.types)
                except InvalidInput as error:
                    problems.append(self._problem(item, "type", error.detail))
            return spec
        if values.get("role") is None:
            problems.append(self._problem(item, "role", "is required"))
            return None
        try:
            role = membership_role_adapter.validate_python(values["role"])
        except ValidationError as error:
            problems.append(self._problem(item, "role", _message(error.errors()[0])))
            return None
        candidates = self.membership_types.get(role.value, [])
        if code is not None:
            spec = self.types.get(code.strip())
            if spec is None or spec not in candidates:
                names = ", ".join(s.code for s in candidates) or "none"
                problems.append(self._problem(item, "type", f"'{code}' is not a membership type with role {role.value} ({names})"))
                return None
            return spec
        if len(candidates) != 1:
            problems.append(self._problem(item, "role", (
                f"no membership type gives the role {role.value}" if not candidates else
                f"several membership types give the role {role.value} ({', '.join(s.code for s in candidates)}); "
                "name one in the type column")))
            return None
        return candidates[0]

    def _end(self, fmt: RecordFormat, item: int, column: str, ref: str | None, problems: list[ImportProblem]) -> _Known | None:
        """The entity a relationship row names in ``column``."""
        if ref is None:
            return None
        known = self.entities.get(ref)
        wanted = fmt.references.get(column)
        if known is not None and known.state in _USABLE and (wanted is None or known.kind is wanted):
            return known
        if self.trusted:
            raise RapportError(f"generated row {self._where(item)} names '{ref}' before it was made")
        message = self._reference_problem(ref, wanted)
        if message:
            problems.append(self._problem(item, column, message))
            return None
        return self.entities[ref]

    # -- pass 2: write ----------------------------------------------------------------------
    def write(self, source: ImportSource, writer: BulkWriter, rejects: _RejectFile, report: ImportReport) -> None:
        phase = "loading" if self.trusted else "writing"
        if not self.trusted and not self.cache_overflowed and rejects.path is None:
            # Every accepted row is still in hand from the check: no need to read the files again.
            entries: Iterable[tuple[RecordKind, int | None, SourceRow | None]] = (
                (self.file_records[item >> 32], item, None) for item in list(self.converted))
            total: int | None = len(self.converted)
            report.rejected = len(self.problems)
        else:
            entries = ((row.record, None, row) for row in source.rows())
            total = source.total()
        done = 0
        entities_flushed = False
        for record, group in groupby(entries, key=lambda entry: entry[0]):
            fmt = record.format
            if fmt.entity_kind is None and not entities_flushed:
                writer.flush()  # relationships need their entities in the store
                entities_flushed = True
            for chunk in _chunks(group, self.batch_size):
                accepted = []
                for _, item, row in chunk:
                    if row is not None:
                        item = self._item(row)
                        if item in self.problems or row.file in self.broken_files:
                            rejects.write(row, self.problems.get(item) or self.broken_files.get(row.file, []))
                            report.rejected += 1
                            continue
                    accepted.append((item, row))
                if fmt.entity_kind is not None:
                    self._write_entities(fmt, accepted, writer, report)
                else:
                    self._write_relationships(fmt, accepted, writer, report)
                done += len(chunk)
                self.on_progress(phase, done, total)
        writer.flush()
        report.rows = report.rows or done
        report.changed_meanwhile += writer.changed_meanwhile

    def _write_entities(self, fmt: RecordFormat, rows: list[tuple[int, SourceRow]], writer: BulkWriter,
                        report: ImportReport) -> None:
        kind = fmt.entity_kind
        updates = []
        ids = iter(new_ulids(len(rows)) if self.trusted else ())
        for item, row in rows:
            converted = self.converted.pop(item, None)
            if converted is None:
                problems: list[ImportProblem] = []
                converted = self._convert_entity(fmt, item, row.values, problems)
                _unchanged_since_check(problems)
            ext, fields, references = converted
            known = self.entities.get(ext)
            if known is None:  # a trusted source: entities are made as they come
                known = self.entities[ext] = _Known(next(ids), kind, item, _NEW)
            data = dict(fields)
            for column, ref in references:
                data[fmt.field_of(column)] = self.entities[ref].id
            properties = new_entity_properties(kind, data, entity_id=known.id, now=self.now)
            if ext != known.id:  # an exported record whose id stood in for an external id keeps none
                properties["external_id"] = ext
            if known.state is _NEW:
                writer.create_entity(kind, properties)
                report.created[fmt.kind] += 1
            else:
                updates.append(properties)
        if updates:
            stored = self.repo.get_entities(p["id"] for p in updates)
            imported = {fmt.field_of(c) for c in fmt.columns} | {"name"}
            self._write_changes(fmt, updates, stored, imported, report,
                                lambda current, merged: writer.update_entity(current["id"], current["version"], merged))

    def _write_relationships(self, fmt: RecordFormat, rows: list[tuple[int, SourceRow]], writer: BulkWriter,
                             report: ImportReport) -> None:
        updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ids = iter(new_ulids(len(rows)))
        created = 0
        for item, row in rows:
            converted = self.converted.pop(item, None)
            if converted is None:
                problems: list[ImportProblem] = []
                ext, spec, ends = self._read_relationship(fmt, item, row.values, problems)
                source, target, fields = self._resolve_relationship(fmt, item, row.values, spec, ends, problems)
                _unchanged_since_check(problems)
                converted = (ext, spec, source.id, target.id, fields)
            ext, spec, from_id, to_id, fields = converted
            existing = self.existing_relationships.get(ext)
            if existing is None:
                properties = own_properties(fields, f"{spec.code}-{next(ids)}")
                properties["external_id"] = ext
                shared = self.type_properties.get(spec.code)
                if shared is None:
                    shared = self.type_properties[spec.code] = type_properties(spec, self.now)
                writer.create_relationship(spec.code, from_id, to_id, properties, shared)
                created += 1
            else:
                properties = new_relationship_properties(spec, fields, self.now, relationship_id=existing)
                if ext != existing:
                    properties["external_id"] = ext
                updates[spec.code].append(properties)
        if created:
            report.created[fmt.kind] += created
        imported = {*RELATIONSHIP_FIELDS, "external_id"}
        for code, wanted in updates.items():
            stored = {row["relationship"]["id"]: row["relationship"]
                      for row in self.repo.relationships_by_id(code, [p["id"] for p in wanted])}
            self._write_changes(fmt, wanted, stored, imported, report,
                                lambda current, merged, code=code: writer.update_relationship(code, current["id"], current["version"], merged))

    def _write_changes(self, fmt: RecordFormat, wanted: list[dict[str, Any]], stored: Mapping[str, dict[str, Any]],
                       imported: set[str], report: ImportReport, update: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
        """Replace each stored record's imported fields with the row's where they differ;
        fields the import does not carry (and ids, timestamps) are kept."""
        for properties in wanted:
            current = stored.get(properties["id"])
            if current is None:  # deleted since the check
                report.changed_meanwhile += 1
                continue
            merged = {k: v for k, v in current.items() if k not in imported}
            merged.update({k: v for k, v in properties.items() if k in imported})
            if merged == current:
                report.unchanged[fmt.kind] += 1
                continue
            merged["version"], merged["updated_at"] = current["version"] + 1, self.now
            update(current, merged)
            report.updated[fmt.kind] += 1


def _unchanged_since_check(problems: list[ImportProblem]) -> None:
    if problems:  # the check passed this row: its file was edited while the import ran
        raise InvalidInput(f"{problems[0]} (the files changed during the import; what was written so far stays, "
                           "and running the import again is safe)")


class _RejectFile:
    """Refused rows as JSON Lines: where each was, what was wrong, and the row as read."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None

    def __enter__(self) -> _RejectFile:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        return self

    def write(self, row: SourceRow, problems: list[ImportProblem]) -> None:
        if self._file is not None:
            record = {"file": row.file, "line": row.line,
                      "problems": [{"column": p.column, "message": p.message} for p in problems], "row": row.raw}
            self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _noun(kind: EntityKind) -> str:
    return kind.value.replace("_", " ")


def _message(error: Mapping[str, Any]) -> str:
    """A pydantic error as a plain sentence, naming the value it refused."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "date_no_such_day":  # the right form, but no day of the calendar: the schema says which
        return error["msg"]
    if kind.startswith("date"):
        return f"'{value}' is not a date; write dates as YYYY-MM-DD"
    if kind.startswith(("float", "int")):
        return f"'{value}' is not a number"
    message = error["msg"].removeprefix("Value error, ")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        shown = repr(value) if len(str(value)) <= 60 else repr(f"{str(value)[:57]}...")
        return f"{message} (not {shown})"
    return message
