"""Backup and restore: the whole store in one file, and back, ids and all.

A backup is gzip-compressed JSON Lines, in this order:

    {"format": "rapport-backup", "version": 1, "created_at": "...", "point_in_time": true}
    {"record": "relationship_type", "properties": {...}}        the catalogue
    {"record": "category", "properties": {...}}                 the category lists
    {"record": "record", "label": "Touch", "properties": {...}} runs, touches, dates... (not entities)
    {"record": "entity", "properties": {...}}                   every entity
    {"record": "relationship", "type": "SPOUSE_OF", "from_id": "...", "to_id": "...", "properties": {...}}
    {"record": "end", "counts": {...}}

Every property is kept as stored. The backup reads a snapshot of the store
(``GraphStore.snapshot``: on FalkorDB a GRAPH.COPY, which FalkorDB takes at one instant while
the practice stays in use), so it is consistent however long it takes to write. The file is
written under a temporary name and renamed when complete, and the closing ``end`` line
carries the counts: a file cut short is refused by restore.

Restore checks the whole file first, then, into an empty store (or, forced, after emptying
it), writes the catalogue, the categories, the entities and the relationships through the
bulk path. A restore that fails part way leaves part of the backup in the store; run it
again with ``force``.

The audit trail is append-only: emptying the store leaves it in place, and restore adds the
backup's records it does not hold yet. Every write of a restore carries its own audit
record (target ``practice``, the restore's id). Idempotency keys are not practice records
and are not backed up.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.domain.access import Caller, Permission
from app.domain.errors import Conflict, InvalidInput
from app.domain.model import PRACTICE_RECORD_LABELS, EntityKind, check_identifier, new_entity_id, now_iso
from app.repositories.catalogue import Catalogue
from app.repositories.entities import Entities
from app.repositories.relationships import Relationships
from app.repositories.store import Compaction
from app.services.bulk import BulkRepository
from app.services.bulk import DEFAULT_BATCH_SIZE, BulkWriter, bulk_record, clear_store, collector_paused, compact_after_load

BACKUP_FORMAT = "rapport-backup"
BACKUP_VERSION = 1
AUDIT_LABEL = "AuditRecord"
PAGE_SIZE = 5_000
_RECORDS = ("relationship_type", "category", "record", "entity", "relationship")

#: ``on_progress(phase, done, total)``.
Progress = Callable[[str, int, int | None], None]


@dataclass
class BackupReport:
    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    point_in_time: bool = True
    seconds: float = 0.0
    #: A restore's id: the target of its audit records.
    load_id: str | None = None
    #: What compacting the store's log after a restore did (see ``ImportReport.compaction``).
    compaction: Compaction | None = None


class BackupRepository(BulkRepository, Entities, Relationships, Catalogue, Protocol):
    """What a backup reads and a restore writes."""


def backup(repository: BackupRepository, path: Path, *, on_progress: Progress | None = None) -> BackupReport:
    """Write the whole store to ``path``."""
    progress = on_progress or (lambda phase, done, total: None)
    started = time.perf_counter()
    report = BackupReport(path, point_in_time=repository.snapshots_are_point_in_time)
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    with repository.snapshot() as frozen:
        entities, _ = frozen.practice_size()
        # Relationships go to a second gzip member while the entities are read, then after
        # them: restore then finds every entity before any relationship that joins it.
        with tempfile.TemporaryFile() as later:
            with gzip.open(partial, "wt", encoding="utf-8", compresslevel=3) as out, \
                    gzip.open(later, "wt", encoding="utf-8", compresslevel=3) as relationships:
                _line(out, {"format": BACKUP_FORMAT, "version": BACKUP_VERSION, "created_at": now_iso(),
                            "point_in_time": report.point_in_time})
                for properties in frozen.relationship_types():
                    _line(out, {"record": "relationship_type", "properties": properties})
                    report.counts["relationship_type"] += 1
                for properties in frozen.categories():
                    _line(out, {"record": "category", "properties": properties})
                    report.counts["category"] += 1
                for label in PRACTICE_RECORD_LABELS:
                    last = None
                    while records := frozen.practice_records_page(label, after=last, limit=PAGE_SIZE):
                        for properties in records:
                            _line(out, {"record": "record", "label": label, "properties": properties})
                        report.counts["record"] += len(records)
                        last = records[-1]
                after = None
                while page := frozen.entities_page(after=after, limit=PAGE_SIZE):
                    for properties in page:
                        _line(out, {"record": "entity", "properties": properties})
                    for found in frozen.outgoing_relationships(e["id"] for e in page):
                        _line(relationships, {"record": "relationship", "type": found.type, "from_id": found.from_id,
                                              "to_id": found.to_id, "properties": found.relationship})
                        report.counts["relationship"] += 1
                    report.counts["entity"] += len(page)
                    after = page[-1]["id"]
                    progress("backing up", report.counts["entity"], entities)
            later.seek(0)
            with partial.open("ab") as out:
                shutil.copyfileobj(later, out)
    with gzip.open(partial, "at", encoding="utf-8") as out:
        _line(out, {"record": "end", "counts": {k: report.counts[k] for k in _RECORDS}})
    partial.replace(path)
    report.seconds = time.perf_counter() - started
    return report


def restore(repository: BackupRepository, path: Path, *, caller: Caller, force: bool = False,
            batch_size: int = DEFAULT_BATCH_SIZE, on_progress: Progress | None = None) -> BackupReport:
    """Load a backup into an empty store; with ``force``, empty the store first (for
    administrators: it replaces everything, keys and team members included)."""
    caller.require(Permission.administer, "restore a backup")
    progress = on_progress or (lambda phase, done, total: None)
    started = time.perf_counter()
    contents = _check(path, progress)
    if repository.count_entities() and not force:
        raise Conflict("the store is not empty; restore goes into an empty store (force replaces everything in it)")
    load_id = new_entity_id()
    with repository.bulk_load():
        report = _restore(repository, path, contents, caller=caller, load_id=load_id, batch_size=batch_size,
                          progress=progress)
    report.compaction = compact_after_load(repository, progress)
    report.seconds = time.perf_counter() - started
    return report


def _restore(repository: BackupRepository, path: Path, contents: _Contents, *, caller: Caller, load_id: str,
             batch_size: int, progress: Progress) -> BackupReport:
    def load_record(what: str) -> dict[str, Any]:
        return bulk_record(caller, load_id, f"{what} by restore {load_id} of {path.name}")

    clear_store(repository, caller=caller, load="restore", load_id=load_id, batch_size=batch_size, on_progress=progress)
    repository.seed_relationship_types(contents.relationship_types, load_record("relationship types added"))
    repository.seed_categories(contents.categories, load_record("categories added"))
    repository.ensure_relationship_indexes(t["code"] for t in contents.relationship_types)
    report = BackupReport(path, point_in_time=contents.header.get("point_in_time", False))
    report.counts.update(relationship_type=len(contents.relationship_types), category=len(contents.categories))
    total = contents.counts["entity"] + contents.counts["relationship"]
    report.load_id = load_id

    def restore_records(label: str, rows: list[dict[str, Any]]) -> None:
        if label == AUDIT_LABEL:  # the trail may hold some already: it survives emptying the store
            repository.restore_audit_records(rows, audit=load_record("audit records restored"))
        else:
            repository.create_practice_records(label, rows, audit=load_record(f"{label} records restored"))

    with collector_paused(), BulkWriter(repository, caller=caller, load="restore", load_id=load_id,
                                        batch_size=batch_size) as writer:
        flushed = False
        pending: dict[str, list[dict[str, Any]]] = {}
        for number, record in enumerate(_records(path), start=1):
            kind = record.get("record")
            if kind == "record":
                batch = pending.setdefault(record["label"], [])
                batch.append(record["properties"])
                if len(batch) >= batch_size:
                    restore_records(record["label"], pending.pop(record["label"]))
            elif kind == "entity":
                properties = record["properties"]
                writer.create_entity(EntityKind(properties["entity_kind"]), properties)
            elif kind == "relationship":
                if not flushed:  # every entity before the relationships that join them
                    writer.flush()
                    flushed = True
                writer.create_relationship(record["type"], record["from_id"], record["to_id"], record["properties"])
            else:
                continue
            report.counts[kind] += 1
            if number % batch_size == 0:
                progress("restoring", report.counts["entity"] + report.counts["relationship"], total)
        for label, rows in pending.items():
            restore_records(label, rows)
        writer.flush()
    progress("restoring", total, total)
    return report


@dataclass
class _Contents:
    header: dict[str, Any]
    relationship_types: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    counts: Counter[str]


#: What a unique key (an entity's id, a category's key) may be: what Rapport writes, and
#: nothing FalkorDB 4.16 cannot take (a unique value ending in a space crashes its server).
_KEY = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def _check(path: Path, progress: Progress) -> _Contents:
    """Read the whole backup and refuse it, naming the line, unless it is complete and sound."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    header: dict[str, Any] | None = None
    types, categories, counts = [], [], Counter()
    entity_ids: set[str] = set()
    type_codes: set[str] = set()
    ended: dict[str, Any] | None = None
    number = 0
    try:
        for number, record in enumerate(_records(path), start=1):
            if number == 1:
                if record.get("format") != BACKUP_FORMAT:
                    raise _Damaged("this is not a Rapport backup")
                if record.get("version") != BACKUP_VERSION:
                    raise _Damaged(f"backup format version {record.get('version')} is not {BACKUP_VERSION}")
                header = record
                continue
            if ended is not None:
                raise _Damaged("lines follow the end line")
            kind = record.get("record")
            if kind == "end":
                ended = record.get("counts") or {}
                continue
            if kind not in _RECORDS:
                raise _Damaged(f"unknown record '{kind}'")
            properties = record.get("properties")
            if not isinstance(properties, dict) or not all(_storable(v) for v in properties.values()):
                raise _Damaged("properties must be a map of text, numbers, true/false or lists of them")
            if kind == "relationship_type":
                try:
                    type_codes.add(check_identifier(str(properties.get("code"))))
                except InvalidInput as error:
                    raise _Damaged(error.detail) from None
                types.append(properties)
            elif kind == "category":
                if not _is_key(properties.get("key")):
                    raise _Damaged("a category needs a key without spaces or control characters")
                categories.append(properties)
            elif kind == "record":
                if record.get("label") not in PRACTICE_RECORD_LABELS:
                    raise _Damaged(f"unknown record label '{record.get('label')}'")
            elif kind == "entity":
                entity_id = properties.get("id")
                if not _is_key(entity_id) or properties.get("entity_kind") not in {k.value for k in EntityKind}:
                    raise _Damaged("an entity needs an id (without spaces or control characters) and an entity_kind")
                if entity_id in entity_ids:
                    raise _Damaged(f"entity '{entity_id}' appears twice")
                entity_ids.add(entity_id)
            else:
                if record.get("type") not in type_codes:
                    raise _Damaged(f"relationship type '{record.get('type')}' is not in the backup's catalogue")
                if record.get("from_id") not in entity_ids or record.get("to_id") not in entity_ids:
                    raise _Damaged("a relationship joins an entity the backup does not hold (before it)")
                if not isinstance(properties.get("id"), str):
                    raise _Damaged("a relationship needs an id")
            counts[kind] += 1
            if number % 100_000 == 0:
                progress("checking the backup", number, None)
    except _Damaged as error:
        raise InvalidInput(f"{path}: line {number}: {error}; nothing was restored") from None
    except (OSError, EOFError, gzip.BadGzipFile, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: line {number + 1}: cannot be read ({error}); nothing was restored") from None
    if header is None:
        raise InvalidInput(f"{path}: the file is empty; nothing was restored")
    if ended is None or any(ended.get(k, 0) != counts[k] for k in _RECORDS):
        raise InvalidInput(f"{path}: the backup is incomplete (its end line is missing or its counts differ); "
                           "nothing was restored")
    return _Contents(header, types, categories, counts)


class _Damaged(Exception):
    pass


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise _Damaged("each line must be a JSON object")
            yield record


def _storable(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str | int | float | bool) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _line(out: Any, record: Mapping[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
