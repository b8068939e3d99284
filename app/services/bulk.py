"""The one bulk write path: imports, generated practices and restores all write through it.

Rows are grouped per entity kind and per relationship type (a query names one label or
type) and written in batches, each batch one atomic query. The writes run on a background
thread, so that the store's work on one batch overlaps the preparation of the next; the
queue holds two batches, which bounds memory.

Each write query also writes one ``bulk_load`` audit record (who, which load, what and how
many), not one per row: a record per row would halve the import rate.
"""

from __future__ import annotations

import base64
import gc
import os
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from app.domain.access import Caller
from app.domain.audit import AuditAction, audit_record
from app.domain.catalogue import PairRule, RelationshipTypeSpec
from app.domain.errors import RapportError
from app.domain.model import EntityKind, PracticeRecordKind, new_entity_id, now_iso, today_iso
from app.repositories.catalogue import CatalogueReads
from app.repositories.store import Compaction
from app.repositories.transfer import BulkTransfer

DEFAULT_BATCH_SIZE = 10_000

_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
#: Byte b -> the Crockford character for its low 5 bits.
_RANDOM_CHARACTERS = bytes(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b % 32] for b in range(256))


class BulkRepository(BulkTransfer, CatalogueReads, Protocol):
    """What bulk writes use."""


def new_ulids(count: int) -> list[str]:
    """``count`` new ULIDs, the ids ``app.domain.model.new_entity_id`` makes one at a time
    (about 8 microseconds each, a fifth of a bulk write's budget per relationship): one clock
    reading for the 10-character time part, and the 16 random characters of each straight from
    random bytes, each byte keeping 5 of its bits (256 is a multiple of 32, so every character
    of the alphabet is as likely), about 0.3 microseconds each."""
    timestamp = base64.b32encode(b"\0\0\0\0" + (time.time_ns() // 1_000_000).to_bytes(6, "big")).decode("ascii")
    prefix = timestamp.translate(_CROCKFORD)[6:]
    randomness = os.urandom(16 * count).translate(_RANDOM_CHARACTERS).decode("ascii")
    return [prefix + randomness[i:i + 16] for i in range(0, 16 * count, 16)]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector during a bulk run. The rows held in memory (hundreds of
    thousands of small dicts and tuples, none in a cycle) made it scan everything again and
    again: with it running, an import took 60% more time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bulk_record(caller: Caller, load_id: str, note: str) -> dict[str, Any]:
    """The audit record of one bulk write query of load ``load_id``; the query puts the number
    of records it wrote in front of ``note``."""
    return audit_record(caller, AuditAction.bulk_load, PracticeRecordKind.practice, load_id, before=None, after=None, now=now_iso(), note=note)


def clear_store(repository: BulkRepository, *, caller: Caller, load: str, load_id: str, batch_size: int = DEFAULT_BATCH_SIZE,
                on_progress: Callable[[str, int, int | None], None] | None = None) -> int:
    """Delete every node (entities, catalogue, categories, records) and relationship but the
    audit trail, a batch at a time, each batch with its own audit record; returns how many
    nodes went."""
    deleted = 0
    while removed := repository.delete_everything(
        limit=batch_size, audit=audit_record(
            caller, AuditAction.delete, PracticeRecordKind.practice, load_id, before=None, after=None, now=now_iso(),
            note=f"records deleted to make way for {load} {load_id}",
        ),
    ):
        deleted += removed
        if on_progress:
            on_progress("emptying the store", deleted, None)
    return deleted


def compact_after_load(repository: BulkRepository,
                       on_progress: Callable[[str, int, int | None], None] | None = None) -> Compaction | None:
    """After a bulk load (import, generated practice, restore): have the store rewrite its
    on-disk log, and wait for it. Without this the embedded store's next start runs every
    write of the load again, 25-100 times slower than it loaded (see
    app/repositories/embedded_falkordb.py); a rewrite of 1,000,000 relationships takes ~1 s.
    A rewrite that fails loses nothing (the load is in the log already): the returned
    ``Compaction`` says why, for the caller to show."""
    if on_progress:
        on_progress("compacting the store's log", 0, 1)
    compaction = repository.compact_storage()
    if on_progress:
        on_progress("compacting the store's log", 1, 1)
    return compaction


class BulkWriteError(RapportError):
    """A batch did not go in as prepared (an entity it joins was deleted meanwhile)."""

    title = "Bulk write failed"


class BulkWriter:
    """Collects creates and updates and writes them in batches, in the background. The
    property maps handed in belong to the writer from then on (they are not copied).

    Call ``flush`` after the entities and before the relationships that join them, and at
    the end; it waits for the store and raises the first write error. With ``dry_run``
    nothing is written; the counts are what would have been.

    Every batch's query writes one audit record for ``caller``: target ``practice``/``load_id``
    (a new id unless given), its note naming what, how many and ``load`` (an "import", a
    "restore"...).
    """

    def __init__(
        self, repository: BulkRepository, *, caller: Caller, load: str, load_id: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE, dry_run: bool = False,
    ) -> None:
        self._repo = repository
        self._caller = caller
        self.load_id = load_id or new_entity_id()
        self._load = load
        self.batch_size = batch_size
        self.dry_run = dry_run
        # Rows by (kind or type, id of their shared properties), and those shared properties.
        self._entities: dict[tuple[EntityKind, int], list[dict[str, Any]]] = defaultdict(list)
        self._relationships: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        self._shared: dict[int, dict[str, Any] | None] = {}
        self._entity_updates: list[dict[str, Any]] = []
        self._relationship_updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._waiting = 0  # rows collected and not yet sent
        #: What the store took: "entities", "relationships" created or updated.
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        #: Updates refused because the record changed after it was read.
        self.changed_meanwhile = 0
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        #: The date that decides which relationships are active, and each type's pair rule
        #: (read from the catalogue once): the store applies them again at write time.
        self.today = today_iso()
        self._rules: dict[str, PairRule] = {}
        self._thread = threading.Thread(target=self._work, name="rapport-bulk-writer", daemon=True)
        self._thread.start()

    # -- collecting -------------------------------------------------------------------------
    def create_entity(self, kind: EntityKind, properties: dict[str, Any], shared: dict[str, Any] | None = None) -> None:
        """A new entity: ``properties`` and, sent once per batch, ``shared`` (the same dict for
        every entity that has those properties; no nulls)."""
        self._shared[id(shared)] = shared
        self._entities[(kind, id(shared))].append(properties)
        self._collected()

    def update_entity(self, entity_id: str, version: int, properties: dict[str, Any]) -> None:
        """Replace an entity's properties, unless its stored version is no longer ``version``."""
        self._entity_updates.append({"id": entity_id, "version": version, "properties": properties})
        self._collected()

    def create_relationship(self, type_code: str, from_id: str, to_id: str, properties: dict[str, Any],
                            shared: dict[str, Any] | None = None) -> None:
        """A new relationship; ``shared`` as for ``create_entity``."""
        self._shared[id(shared)] = shared
        self._relationships[(type_code, id(shared))].append(
            {"from_id": from_id, "to_id": to_id, "properties": properties, "active": self._active(properties)})
        self._collected()

    def update_relationship(self, type_code: str, relationship_id: str, version: int, properties: dict[str, Any]) -> None:
        self._relationship_updates[type_code].append(
            {"id": relationship_id, "version": version, "properties": properties, "active": self._active(properties)})
        self._collected()

    def _active(self, properties: dict[str, Any]) -> bool:
        until = properties.get("until")  # as relationship_rules.is_active, inlined: called per row
        return until is None or str(until) > self.today

    def _rule(self, type_code: str) -> PairRule:
        rule = self._rules.get(type_code)
        if rule is None:
            rows = self._repo.relationship_types(type_code)
            # A type missing from the catalogue writes nothing (the query finds no entry).
            rule = self._rules[type_code] = (
                RelationshipTypeSpec.from_properties(rows[0]).pair_rule if rows else PairRule(symmetric=False))
        return rule

    def _collected(self) -> None:
        self._waiting += 1
        if self._waiting >= self.batch_size:
            self._send_all()

    def flush(self) -> None:
        """Write everything collected so far and wait for the store."""
        self._send_all()
        self._queue.join()
        self._raise_error()

    def _send_all(self) -> None:
        # Everything waiting goes, whatever its kind or type: holding small groups back until
        # they fill a batch would leave the store idle while rows are prepared.
        # Updates before creates: an update that ends a relationship frees its pair for a
        # new active one of the same batch (the store refuses the new one while the old holds).
        for (kind, shared), rows in self._entities.items():
            self._send_entities(kind, rows, self._shared[shared])
        if self._entity_updates:
            rows, audit = self._entity_updates, self._record("entities updated")
            self._submit(lambda: self._updated("entities", len(rows), self._repo.update_entities(rows, audit=audit)))
        for type_code, rows in self._relationship_updates.items():
            audit = self._record(f"{type_code} relationships updated")
            rule = self._rule(type_code)
            self._submit(lambda type_code=type_code, rows=rows, audit=audit, rule=rule: self._updated(
                "relationships", len(rows),
                self._repo.update_relationships(type_code, rows, rule=rule, today=self.today, audit=audit)))
        for (type_code, shared), rows in self._relationships.items():
            self._send_relationships(type_code, rows, self._shared[shared])
        self._entities, self._relationships = defaultdict(list), defaultdict(list)
        self._entity_updates, self._relationship_updates = [], defaultdict(list)
        self._shared = {}
        self._waiting = 0

    def close(self) -> None:
        """Stop the background writer (without writing what is still collected)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- sending ----------------------------------------------------------------------------
    def _send_entities(self, kind: EntityKind, rows: list[dict[str, Any]], shared: dict[str, Any] | None) -> None:
        audit = self._record(f"{kind.path.replace('-', ' ')} created")
        self._submit(lambda: self._created("entities", len(rows), self._repo.create_entities(kind, rows, shared, audit=audit)))

    def _send_relationships(self, type_code: str, rows: list[dict[str, Any]], shared: dict[str, Any] | None) -> None:
        audit = self._record(f"{type_code} relationships created")
        rule = self._rule(type_code)
        self._submit(lambda: self._created(
            "relationships", len(rows),
            self._repo.create_relationships(type_code, rows, shared, rule=rule, today=self.today, audit=audit)))

    def _record(self, what: str) -> dict[str, Any]:
        # One record per write query; a record per row would halve the import rate.
        return bulk_record(self._caller, self.load_id, f"{what} by {self._load} {self.load_id}")

    def _submit(self, job: Callable[[], None]) -> None:
        self._raise_error()
        if self.dry_run:
            return
        self._queue.put(job)

    def _created(self, what: str, sent: int, written: int) -> None:
        self.created[what] += written
        if written != sent:
            raise BulkWriteError(
                f"{sent - written} of {sent} {what} in a batch were not written: an entity or relationship type "
                "they name is missing, or another writer made an active relationship they would repeat (both "
                "meanwhile?); earlier batches were written, and running the import again is safe"
            )

    def _updated(self, what: str, sent: int, written: int) -> None:
        self.updated[what] += written
        self.changed_meanwhile += sent - written

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is None:  # after a failure, drain without writing
                    job()
            except BaseException as error:  # handed to the caller's thread by _raise_error
                self._error = error
            finally:
                self._queue.task_done()

    def _raise_error(self) -> None:
        if self._error is not None:  # stays set: nothing more is written after a failure
            raise self._error
