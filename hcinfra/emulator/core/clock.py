"""The emulator's clock: wall time plus an offset tests can advance."""

from __future__ import annotations

import time


class Clock:
    """Seconds since the epoch, movable forward without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        """Current emulated time in seconds."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward (never back)."""
        self.offset += max(0.0, seconds)
