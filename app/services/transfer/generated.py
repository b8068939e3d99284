"""Generated practices (``generate_practice``) loaded through the import's bulk path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import chain
from typing import Protocol

from app.domain.access import Caller, Permission
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput
from app.domain.model import new_entity_id
from app.repositories.entities import Entities
from app.services.bulk import DEFAULT_BATCH_SIZE, BulkWriter, clear_store, collector_paused, compact_after_load
from app.services.catalogue import CatalogueService
from app.services.generator import GENERATED_TYPES, SEGMENTS, SOURCES, STAGES, Batch, generate_practice
from app.services.transfer.importing import ImportRepository
from app.services.transfer.readers import RecordsSource
from app.services.transfer.report import ImportReport, Progress
from app.services.transfer.state import ImportState
from app.services.transfer.writing import ImportWriter, RejectFile


class GeneratedPracticeRepository(ImportRepository, Entities, Protocol):
    """What loading a generated practice reads and writes."""


def load_generated_practice(
    repository: GeneratedPracticeRepository, entities: int, relationships: int, *, caller: Caller, seed: int,
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


def _load_generated(repository: GeneratedPracticeRepository, first: Batch, batches: Iterator[Batch], total: int, *,
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
    state = ImportState(repository, caller, batch_size=batch_size, on_progress=on_progress, trusted=True)
    with collector_paused(), BulkWriter(repository, caller=caller, load="generated practice", load_id=load_id,
                                        batch_size=batch_size) as writer:
        ImportWriter(state).write(source, writer, RejectFile(None), report)
