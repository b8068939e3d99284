"""Import files found by name."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.services.transfer import FileSource
from tests.services.practice_files import (
    EXAMPLES,
)


def test_files_are_found_by_name(tmp_path):
    (tmp_path / "notes.txt").write_text("not an import file")
    with pytest.raises(InvalidInput, match="holds no import files"):
        FileSource([tmp_path])
    with pytest.raises(InvalidInput, match="not an import file name"):
        FileSource([tmp_path / "notes.txt"])
    with pytest.raises(InvalidInput, match="two files for clients"):
        FileSource([EXAMPLES / "csv" / "clients.csv", EXAMPLES / "jsonl" / "clients.jsonl"])
