"""Generated practices through the import's bulk path."""

from __future__ import annotations

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.errors import Conflict
from app.services.export import export_practice
from app.services.transfer import load_generated_practice
from tests.services.practice_files import (
    audit_trail,
    import_dir,
)


def test_a_generated_practice_loads_through_the_bulk_path(repository, tmp_path):
    report = load_generated_practice(repository, 600, 3_000, caller=LOCAL_OPERATOR, seed=5, batch_size=700)
    assert repository.practice_size() == (600, 3_000) and report.relationships == 3_000
    loaded = [r for r in audit_trail(repository) if r["target_id"] == report.load_id]
    assert sum(int(r["note"].split(" ", 1)[0]) for r in loaded) == 3_600 and {r["action"] for r in loaded} == {"bulk_load"}
    with pytest.raises(Conflict, match="empty one"):
        load_generated_practice(repository, 600, 3_000, caller=LOCAL_OPERATOR, seed=5)
    export_practice(repository, tmp_path / "generated")
    again = import_dir(repository, tmp_path / "generated")
    assert again.problems == [] and not again.created and sum(again.unchanged.values()) == 3_600
