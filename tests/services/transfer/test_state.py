"""What an import knows of its rows and entities: positions and states."""

from __future__ import annotations

from app.services.transfer.state import EntityState, RowPosition


def test_row_positions_sort_as_the_rows_were_read():
    # Files are numbered in the order they are read; a later file's first line comes after
    # an earlier file's last, whatever the line numbers (problems are reported in this order).
    read = [RowPosition(0, 2), RowPosition(0, 70_000), RowPosition(1, 1), RowPosition(1, 9), RowPosition(2, 3)]
    assert sorted(reversed(read)) == read
    assert RowPosition(1, 9) == RowPosition(file=1, line=9) and len({RowPosition(1, 9), RowPosition(1, 9)}) == 1
    assert (RowPosition(3, 5).file, RowPosition(3, 5).line) == (3, 5)


def test_entity_states_say_what_is_stored_and_what_rows_may_name():
    assert {s for s in EntityState if s.in_store} == {EntityState.stored, EntityState.store_only}
    # Rows may name entities the import makes or finds stored, never refused or unmatched ones.
    assert {s for s in EntityState if s.usable} == {EntityState.new, EntityState.stored, EntityState.store_only}
