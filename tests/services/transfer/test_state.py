"""What an import knows of its rows and entities: positions and states."""

from __future__ import annotations

from app.services.transfer.state import EntityState, file_of, line_of, row_position


def test_row_positions_sort_as_the_rows_were_read():
    # Files are numbered in the order they are read; a later file's first line comes after
    # an earlier file's last, whatever the line numbers (problems are reported in this order).
    read = [(0, 2), (0, 70_000), (0, 2**32 - 1), (1, 1), (1, 9), (2, 3)]
    positions = [row_position(file, line) for file, line in read]
    assert sorted(reversed(positions)) == positions
    assert [(file_of(p), line_of(p)) for p in positions] == read


def test_entity_states_say_what_is_stored_and_what_rows_may_name():
    assert {s for s in EntityState if s.in_store} == {EntityState.stored, EntityState.store_only}
    # Rows may name entities the import makes or finds stored, never refused or unmatched ones.
    assert {s for s in EntityState if s.usable} == {EntityState.new, EntityState.stored, EntityState.store_only}
