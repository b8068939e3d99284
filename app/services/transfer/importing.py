"""An import of files: check every row, then (unless a row is wrong) write them all."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Protocol

from app.domain.access import Caller, Permission
from app.services.bulk import DEFAULT_BATCH_SIZE, BulkRepository, BulkWriter, collector_paused, compact_after_load
from app.services.transfer.checking import ImportChecker
from app.services.transfer.readers import ImportSource
from app.services.transfer.report import ImportReport, Progress
from app.services.transfer.state import ImportLookups, ImportState
from app.services.transfer.writing import ImportWriter, RejectFile


class ImportRepository(ImportLookups, BulkRepository, Protocol):
    """What an import reads and writes."""


def import_practice(
    repository: ImportRepository, source: ImportSource, *, caller: Caller, dry_run: bool = False,
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
        state = ImportState(repository, caller, batch_size=batch_size, on_progress=on_progress)
        report = ImportChecker(state).check(source)
        report.dry_run = dry_run
        if report.problems and not skip_bad_rows:
            report.seconds = time.perf_counter() - started
            return report
        with RejectFile(reject_file if skip_bad_rows else None) as rejects, \
                (nullcontext() if dry_run else repository.bulk_load()), \
                BulkWriter(repository, caller=caller, load="import", batch_size=batch_size, dry_run=dry_run) as writer:
            report.load_id = None if dry_run else writer.load_id
            ImportWriter(state).write(source, writer, rejects, report)
    report.written = not dry_run
    if report.written and (report.created or report.updated):
        report.compaction = compact_after_load(repository, on_progress)
    report.seconds = time.perf_counter() - started
    return report
