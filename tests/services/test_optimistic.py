"""Retrying a version-guarded write: every attempt numbered, no pause before the first, a
short random pause before each retry that grows and is capped at 20 ms."""

from __future__ import annotations

import pytest

from app.services import optimistic


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """The (low, high) bounds each pause was drawn from; nothing sleeps."""
    drawn: list[tuple[float, float]] = []
    monkeypatch.setattr(optimistic.random, "uniform", lambda low, high: drawn.append((low, high)) or high)
    monkeypatch.setattr(optimistic.time, "sleep", lambda seconds: None)
    return drawn


def test_the_first_attempt_goes_at_once(pauses):
    attempts = optimistic.write_attempts()
    assert next(attempts) == 0
    assert pauses == []
    assert next(attempts) == 1
    assert pauses == [(0, 0.001)]


def test_every_attempt_is_numbered_and_each_retry_pauses_a_little_longer_up_to_20_ms(pauses):
    assert list(optimistic.write_attempts()) == list(range(100))
    highs = [high for _, high in pauses]
    assert len(highs) == 99
    assert highs[:6] == pytest.approx([0.001, 0.002, 0.004, 0.008, 0.016, 0.02])
    assert set(highs[5:]) == {0.02}
    assert all(low == 0 for low, _ in pauses)


def test_a_write_that_succeeds_stops_asking_for_attempts(pauses):
    for attempt in optimistic.write_attempts():
        if attempt == 2:
            break
    assert len(pauses) == 2
