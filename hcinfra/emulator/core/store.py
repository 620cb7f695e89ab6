"""Tenant state in SQLite: a file when persisted across restarts, memory otherwise.

Objects are JSON documents keyed by (kind, id). Reads are served from an
in-memory copy; every write goes through to SQLite before it is acknowledged.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Doc = dict[str, Any]


class Store:
    """Documents by kind and id, written through to SQLite."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS objects ("
            " kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (kind, id))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.commit()
        self.lock = threading.RLock()
        self._docs: dict[str, dict[str, Doc]] = {}
        self._seq = 0
        self._batch_depth = 0
        for kind, id_, seq, data in self._db.execute(
            "SELECT kind, id, seq, data FROM objects ORDER BY seq"
        ):
            self._docs.setdefault(kind, {})[id_] = json.loads(data)
            self._seq = max(self._seq, seq)

    @property
    def is_empty(self) -> bool:
        """True when nothing has been stored yet (a new state file)."""
        return not any(self._docs.values())

    def get(self, kind: str, id_: str) -> Doc | None:
        """A copy of one document, or None."""
        doc = self._docs.get(kind, {}).get(id_)
        return copy.deepcopy(doc) if doc is not None else None

    def peek(self, kind: str, id_: str) -> Doc | None:
        """The stored document itself, for read-only use on hot paths."""
        return self._docs.get(kind, {}).get(id_)

    def values(self, kind: str) -> list[Doc]:
        """The stored documents of a kind in insertion order, for read-only use."""
        return list(self._docs.get(kind, {}).values())

    def put(self, kind: str, id_: str, doc: Doc) -> None:
        """Insert or replace one document."""
        with self.lock:
            bucket = self._docs.setdefault(kind, {})
            self._seq += 1
            bucket[id_] = copy.deepcopy(doc)
            self._db.execute(
                "INSERT INTO objects (kind, id, seq, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data",
                (kind, id_, self._seq, json.dumps(doc, separators=(",", ":"))),
            )
            self._commit()

    def delete(self, kind: str, id_: str) -> None:
        """Remove one document if present."""
        with self.lock:
            if self._docs.get(kind, {}).pop(id_, None) is not None:
                self._db.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, id_))
                self._commit()

    def clear(self) -> None:
        """Forget everything (reset)."""
        with self.lock:
            self._docs.clear()
            self._db.execute("DELETE FROM objects")
            self._db.execute("DELETE FROM meta")
            self._commit()

    def get_meta(self, key: str) -> str | None:
        """A stored setting, such as the seed the state was made from."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self._commit()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many writes into one SQLite transaction (seeding, resets)."""
        with self.lock:
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
                self._commit()

    def dump(self) -> dict[str, dict[str, Doc]]:
        """Every document, by kind and id."""
        return copy.deepcopy(self._docs)

    def close(self) -> None:
        """Flush and close the database."""
        with self.lock:
            self._db.commit()
            self._db.close()

    def _commit(self) -> None:
        if self._batch_depth == 0:
            self._db.commit()
