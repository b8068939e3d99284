"""The per-process graph snapshot: reused while young, refreshed in the background once old,
and never answered from after a write through this process."""

from __future__ import annotations

import threading
import time

import pytest

from app.services.practice_graph import GraphSnapshots


class Reads:
    """A stand-in for reading the graph: each read returns the next number; while ``hold`` is
    clear, reads wait for it (a slow read of a large practice)."""

    def __init__(self) -> None:
        self.count = 0
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()

    def __call__(self) -> int:
        self.started.set()
        assert self.hold.wait(10)
        self.count += 1
        return self.count


def aged(snapshots: GraphSnapshots) -> None:
    time.sleep(snapshots.max_age_s * 2)


def old_with_a_slow_read_running(snapshots: GraphSnapshots, read: Reads) -> None:
    """The first graph read, then aged: the next answer comes from it at once, and starts a
    background read that waits for ``read.hold``."""
    assert snapshots.get(read) == 1
    aged(snapshots)
    read.hold.clear()
    read.started.clear()
    assert snapshots.get(read) == 1
    assert read.started.wait(10)


def wait_until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_young_snapshot_is_reused():
    snapshots, read = GraphSnapshots(60), Reads()
    assert snapshots.get(read) == 1
    assert snapshots.get(read) == 1 and read.count == 1


def test_an_old_snapshot_answers_while_one_fresh_read_runs_in_the_background():
    snapshots, read = GraphSnapshots(0.02), Reads()
    # Past its age: answered at once from the old graph, while the slow read runs.
    old_with_a_slow_read_running(snapshots, read)
    assert snapshots.get(read) == 1  # one background read at a time
    read.hold.set()
    wait_until(lambda: snapshots.get(read) == 2)
    assert read.count == 2


def test_after_a_write_nobody_is_answered_from_the_old_graph():
    snapshots, read = GraphSnapshots(0.02), Reads()
    old_with_a_slow_read_running(snapshots, read)
    snapshots.invalidate()  # a write lands while that read runs: what it read may predate it
    read.hold.set()
    wait_until(lambda: read.count == 2 and not snapshots._refreshing)
    assert snapshots.get(read) == 3  # read anew, now: the background read (2) was dropped
    assert snapshots.get(read) == 3


@pytest.mark.parametrize("max_age_s", [0, -1])
def test_no_age_means_every_answer_reads(max_age_s):
    snapshots, read = GraphSnapshots(max_age_s), Reads()
    assert [snapshots.get(read) for _ in range(3)] == [1, 2, 3]
