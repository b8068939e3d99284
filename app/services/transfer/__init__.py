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

One job per module: ``readers`` (the files, or rows made in memory), ``checking`` (pass 1),
``converting`` (rows into store form, for both passes), ``writing`` (pass 2 and the reject
file), ``state`` (what an import learns while checking and uses while writing: row
positions, entity states, refusals), ``importing`` (the two passes together), ``generated``
(generated practices, written without the check) and ``report``.
"""

from app.services.transfer.generated import load_generated_practice
from app.services.transfer.importing import import_practice
from app.services.transfer.readers import FileSource, ImportSource, RecordsSource, SourceRow
from app.services.transfer.report import ImportProblem, ImportReport, Progress

__all__ = [
    "FileSource",
    "ImportProblem",
    "ImportReport",
    "ImportSource",
    "Progress",
    "RecordsSource",
    "SourceRow",
    "import_practice",
    "load_generated_practice",
]
