"""The request log: every request with its route, app and status, and counts of them."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Entry:
    """One request as the emulator answered it."""

    seq: int
    method: str
    path: str
    route: str
    status: int
    app_id: str
    request_id: str
    batch_item: bool = False
    write: bool = False


class RequestLog:
    """Bounded log of requests; counts by route, method and status."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._entries: list[Entry] = []
        self._seq = 0
        self._lock = threading.Lock()

    def add(
        self,
        *,
        method: str,
        path: str,
        route: str,
        status: int,
        app_id: str,
        request_id: str,
        batch_item: bool = False,
        write: bool = False,
    ) -> None:
        """Record one request; `write` says whether it asked the tenant to change."""
        with self._lock:
            self._seq += 1
            self._entries.append(
                Entry(self._seq, method, path, route, status, app_id, request_id, batch_item, write)
            )
            if len(self._entries) > self.capacity:
                del self._entries[: len(self._entries) - self.capacity]

    def clear(self) -> None:
        """Forget every entry; sequence numbers keep increasing."""
        with self._lock:
            self._entries.clear()

    def snapshot(self, since: int = 0) -> dict[str, Any]:
        """Entries after `since`, and their counts per route, method and status."""
        with self._lock:
            entries = [e for e in self._entries if e.seq > since]
            last = self._seq
        counts = Counter(f"{e.method} {e.route} {e.status}" for e in entries)
        return {
            "last": last,
            "total": len(entries),
            "calls": sum(1 for e in entries if not e.batch_item),  # HTTP requests on the wire
            "writes": sum(1 for e in entries if e.write),
            "counts": [
                {
                    "method": k.split(" ", 2)[0],
                    "route": k.split(" ", 2)[1],
                    "status": int(k.split(" ", 2)[2]),
                    "count": v,
                }
                for k, v in sorted(counts.items())
            ],
            "entries": [asdict(e) for e in entries],
        }
