"""The one back-off of optimistic writers: contending requests retry after a random pause (full jitter),
so they do not collide again in lockstep."""

from __future__ import annotations

import random
import time


def pause_before_retry(attempt: int, base_seconds: float = 0.01) -> None:
    """Sleep up to `base_seconds * 2**attempt` (full jitter) before retry number `attempt`; not before try 0."""
    if attempt > 0:
        time.sleep(random.uniform(0, base_seconds * 2**attempt))  # noqa: S311 - jitter, not security
