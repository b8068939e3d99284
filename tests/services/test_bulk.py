"""The bulk write path: batches that did not go in, ids."""

from __future__ import annotations

import time

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.services.bulk import BulkWriteError, BulkWriter, new_ulids


def test_the_bulk_writer_reports_a_batch_that_did_not_go_in(repository):
    with BulkWriter(repository, caller=LOCAL_OPERATOR, load="test", batch_size=2) as writer:
        writer.create_relationship("SPOUSE_OF", "nobody", "no one", {"id": f"SPOUSE_OF-{new_ulids(1)[0]}"})
        with pytest.raises(BulkWriteError, match="1 of 1 relationships"):
            writer.flush()


def test_bulk_ids_are_ulids():
    from ulid import ULID

    from app.domain.model import relationship_type_of

    ids = new_ulids(1_000)
    assert len(set(ids)) == 1_000 and all(str(ULID.from_str(i)) == i for i in ids)
    assert abs(ULID.from_str(ids[0]).timestamp - time.time()) < 60  # the time part is now
    # Every character of the random part is drawn from the whole alphabet.
    assert set("".join(i[10:] for i in ids)) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert relationship_type_of(f"SPOUSE_OF-{ids[0]}") == "SPOUSE_OF"
