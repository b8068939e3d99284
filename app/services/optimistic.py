"""Retrying writes that are guarded by a version (optimistic concurrency)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

#: How often a version-guarded write re-reads and tries again when a concurrent write got in
#: first: a PATCH without If-Match must not fail only because others were busy (200
#: simultaneous PATCHes of one client needed more than 5).
WRITE_ATTEMPTS = 100


def write_attempts() -> Iterator[int]:
    """Attempt numbers for a version-guarded write, with a short random pause before each
    retry so writers racing on one record spread out instead of colliding again."""
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.02, 0.0005 * 2 ** min(attempt, 6))))
        yield attempt
