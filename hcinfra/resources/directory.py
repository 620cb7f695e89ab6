"""Users by name, and group members bound in bulk: the directory calls kinds share.

A stack names its people by userPrincipalName; Graph binds them by object id. An
object id never changes, so a provider process resolves each name once, for every
resource it serves, and resolves the names it has not met in one `$batch` (20 a call)
instead of one `GET /users/{upn}` each. Members go in 20 to a request too: bound at
create time (`owners@odata.bind`, `members@odata.bind`) or added with one
`PATCH /groups/{id}` carrying `members@odata.bind`.

REF: https://learn.microsoft.com/en-us/graph/api/group-post-groups (binds at create)
REF: https://learn.microsoft.com/en-us/graph/api/group-post-members (PATCH, up to 20)
REF: https://learn.microsoft.com/en-us/graph/json-batching (20 requests a batch)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from hcinfra.clients.connection import Connection
    from hcinfra.clients.graph_batch import GraphBatch

GRAPH = "https://graph.microsoft.com/v1.0"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Graph takes at most 20 references in one request's binding lists (owners and members
# together, read conservatively) and in one PATCH of members@odata.bind.
MAX_BINDS = 20

_lock = threading.Lock()
_looking = threading.Lock()  # held while names are looked up
_user_ids: dict[str, str] = {}  # lower-cased userPrincipalName → object id, per process


@lru_cache(maxsize=8)
def _reader(conn: Connection) -> GraphBatch:
    from hcinfra.clients.graph_batch import GraphBatch

    return GraphBatch(conn.settings, conn.credential)


def resolve_users(
    conn: Connection, names: Iterable[str], known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Object ids of these principals: ids as given, names from `known`, cache or Graph."""
    known = known or {}
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(names):
        if name in known:
            out[name] = known[name]
        elif GUID.match(name):
            out[name] = name
        else:
            with _lock:
                cached = _user_ids.get(name.lower())
            if cached:
                out[name] = cached
            else:
                missing.append(name)
    if missing:
        # One lookup at a time: resources starting together need the same people, and
        # the ones waiting find them resolved by the one ahead.
        with _looking:
            with _lock:
                found = {n: _user_ids[n.lower()] for n in missing if n.lower() in _user_ids}
            out.update(found)
            rest = [n for n in missing if n not in found]
            if rest:
                out.update(_lookup(conn, rest))
    return out


def _lookup(conn: Connection, names: list[str]) -> dict[str, str]:
    answers = _reader(conn).get(
        {str(n): f"/users/{quote(name, safe='@')}?$select=id" for n, name in enumerate(names)}
    )
    found: dict[str, str] = {}
    for n, name in enumerate(names):
        answer = answers[str(n)]
        answer.raise_for(f"user {name}")
        found[name] = str(answer.body.get("id") or "")
    with _lock:
        _user_ids.update({name.lower(): oid for name, oid in found.items()})
    return found


def bind_urls(ids: Iterable[str]) -> list[str]:
    """`@odata.bind` references to directory objects."""
    return [f"{GRAPH}/directoryObjects/{oid}" for oid in ids]


def create_binds(owners: list[str], members: list[str]) -> tuple[list[str], list[str]]:
    """The owners, then members, that fit in one create request; the rest go after it."""
    first_owners = owners[:MAX_BINDS]
    first_members = members[: MAX_BINDS - len(first_owners)]
    return first_owners, first_members


def chunks(ids: list[str], size: int = MAX_BINDS) -> list[list[str]]:
    """`ids` in requests of at most `size`."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def forget_users() -> None:
    """Drop the process's resolved names (tests)."""
    with _lock:
        _user_ids.clear()
