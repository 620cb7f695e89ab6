"""Users by name, and group members read and changed in bulk: the calls kinds share.

A stack names its people by userPrincipalName; Graph binds them by object id. An
object id never changes, so a provider process resolves each name once, for every
resource it serves, and looks the names it has not met up 15 to a query
(`GET /users?$filter=userPrincipalName in (…)`, Graph's limit for `in`) and 20 queries
to a `$batch`: 300 names a call on the wire instead of one `GET /users/{upn}` each.

Members go in 20 to a request, bound at create time (`owners@odata.bind`,
`members@odata.bind`) or added with `PATCH /groups/{id}` carrying
`members@odata.bind`; those PATCHes, and the removals (`DELETE …/$ref`, one member
each), travel 20 to a `$batch`: 400 members added, or 20 removed, per call. A group's
members are read 999 to a page (`$select=id`), members and owners in one `$batch`.

REF: https://learn.microsoft.com/en-us/graph/api/group-post-groups (binds at create)
REF: https://learn.microsoft.com/en-us/graph/api/group-post-members (PATCH, up to 20)
REF: https://learn.microsoft.com/en-us/graph/json-batching (20 requests a batch)
REF: https://learn.microsoft.com/en-us/graph/filter-query-parameter (`in`: 15 values)
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from hcinfra.clients.errors import TenantError
from hcinfra.resources.group_refs import ALREADY

if TYPE_CHECKING:
    from hcinfra.clients.connection import Connection
    from hcinfra.clients.graph_batch import Answer, GraphBatch, Item

GRAPH = "https://graph.microsoft.com/v1.0"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Graph takes at most 20 references in one request's binding lists (owners and members
# together, read conservatively) and in one PATCH of members@odata.bind.
MAX_BINDS = 20
# Values in one `in (…)` clause: Graph takes 15 by default (filter-query-parameter).
MAX_IN = 15
# A query's encoded filter is kept short of 2,048 characters, the URL limit Graph
# documents for advanced queries, however long the names.
MAX_FILTER = 1500
# Members a page of `GET /groups/{id}/members` may hold (Graph's largest page).
PAGE = 999
# Graph's answer to a new member while the group just made replicates (group-post-members).
NOT_YET = "being referenced do not exist"
SETTLE_SECONDS = 120.0  # how long a group just made may stay unseen (as until_found)
SETTLE_INTERVAL = 2.0

log = logging.getLogger("hcinfra.resources")

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
    queries = {f"u{n}": _in_query(chunk) for n, chunk in enumerate(upn_chunks(names))}
    answers = _reader(conn).get(queries)
    by_upn: dict[str, str] = {}
    for rid in queries:
        answer = answers[rid]
        answer.raise_for("looking users up by userPrincipalName")
        for user in answer.values():
            by_upn[str(user.get("userPrincipalName") or "").lower()] = str(user.get("id") or "")
    found = {name: by_upn[name.lower()] for name in names if by_upn.get(name.lower())}
    with _lock:
        _user_ids.update({name.lower(): oid for name, oid in found.items()})
    unknown = [name for name in names if name not in found]
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise TenantError(
            "Microsoft Graph",
            404,
            "Request_ResourceNotFound",
            f"no user has the userPrincipalName {shown}",
        )
    return found


def upn_chunks(names: list[str]) -> list[list[str]]:
    """The names in groups of at most MAX_IN whose `in` clause stays under MAX_FILTER."""
    out: list[list[str]] = []
    for name in names:
        if out and len(out[-1]) < MAX_IN and len(_in_filter([*out[-1], name])) <= MAX_FILTER:
            out[-1].append(name)
        else:
            out.append([name])
    return out


def _in_filter(names: list[str]) -> str:
    quoted = ",".join("'" + n.replace("'", "''") + "'" for n in names)
    return quote(f"userPrincipalName in ({quoted})", safe="")


def _in_query(names: list[str]) -> str:
    return f"/users?$filter={_in_filter(names)}&$select=id,userPrincipalName"


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


# -- a group's owners and members, through $batch ------------------------------------
def read_refs(conn: Connection, gid: str, relations: Iterable[str]) -> dict[str, list[str]]:
    """Object ids of a group's `members` and/or `owners`, every page, in one `$batch`.

    A group not visible yet raises Graph's 404 (for until_found).
    """
    wanted = list(relations)
    answers = _reader(conn).get({r: f"/groups/{gid}/{r}?$select=id&$top={PAGE}" for r in wanted})
    out: dict[str, list[str]] = {}
    for relation in wanted:
        answer = answers[relation]
        answer.raise_for(f"reading the {relation} of group {gid}")
        out[relation] = [str(o["id"]) for o in answer.values() if o.get("id")]
    return out


def add_members(
    conn: Connection, gid: str, ids: list[str], names: Mapping[str, str] | None = None
) -> None:
    """Add members 20 to a `PATCH /groups/{id}` (members@odata.bind), 20 PATCHes a `$batch`.

    A PATCH is all or none: one whose members include one there already is answered
    "already exist", and its members are then added one by one (an "already exist"
    there counts as done). A group just made may be unseen for a while: its 404s are
    sent again, 2 s apart, for up to 2 minutes. Any other failure names its members.
    """
    from hcinfra.clients.graph_batch import Item

    parts = {f"m{n}": chunk for n, chunk in enumerate(chunks(ids))}
    items = {
        rid: Item("PATCH", f"/groups/{gid}", {"members@odata.bind": bind_urls(chunk)})
        for rid, chunk in parts.items()
    }
    one_by_one: list[str] = []
    failed: list[tuple[str, Answer]] = []
    for rid, answer in _settled(conn, items).items():
        if answer.ok:
            continue
        if answer.status == 400 and ALREADY in _message(answer):
            one_by_one += parts[rid]
        else:
            failed.append((_labels(parts[rid], names), answer))
    if failed:
        raise _failure(f"adding members to group {gid}", failed)
    if one_by_one:
        add_refs(conn, gid, "members", one_by_one, names)


def add_refs(
    conn: Connection,
    gid: str,
    relation: str,
    ids: list[str],
    names: Mapping[str, str] | None = None,
) -> None:
    """Add each object to a group's `members` or `owners` (`POST …/$ref`), 20 a `$batch`.

    An "already exist" answer counts as done; a group just made is waited for.
    """
    from hcinfra.clients.graph_batch import Item

    items = {
        oid: Item("POST", f"/groups/{gid}/{relation}/$ref", {"@odata.id": bind_urls([oid])[0]})
        for oid in dict.fromkeys(ids)
    }
    failed = [
        (_labels([oid], names), answer)
        for oid, answer in _settled(conn, items).items()
        if not answer.ok and not (answer.status == 400 and ALREADY in _message(answer))
    ]
    if failed:
        raise _failure(f"adding {relation} to group {gid}", failed)


def remove_refs(
    conn: Connection,
    gid: str,
    relation: str,
    ids: list[str],
    names: Mapping[str, str] | None = None,
) -> None:
    """Remove each object from a group's `members` or `owners`, 20 `DELETE …/$ref` a `$batch`.

    A 404 means it is not there (a removal sent again after a lost answer): done.
    Throttled items are sent again after Retry-After; any other failure names the
    members it kept.
    """
    from hcinfra.clients.graph_batch import Item

    items = {oid: Item("DELETE", f"/groups/{gid}/{relation}/{oid}/$ref") for oid in ids}
    failed: list[tuple[str, Answer]] = []
    for oid, answer in _reader(conn).send(items).items():
        if answer.status == 404:
            log.info("%s %s of group %s was gone already", relation, oid, gid)
        elif not answer.ok:
            failed.append((_labels([oid], names), answer))
    if failed:
        raise _failure(f"removing {relation} from group {gid}", failed)


def _settled(conn: Connection, items: Mapping[str, Item]) -> dict[str, Answer]:
    """Send the items; the ones a group just made answers "not found" again, 2 s apart."""
    batch = _reader(conn)
    deadline = time.monotonic() + SETTLE_SECONDS
    answers: dict[str, Answer] = {}
    pending = dict(items)
    while pending:
        answers.update(batch.send(pending))
        waiting = {rid: pending[rid] for rid in pending if _not_visible(answers[rid])}
        if not waiting or time.monotonic() + SETTLE_INTERVAL > deadline:
            break
        log.info("%d member writes met a group not visible yet; again in 2s", len(waiting))
        time.sleep(SETTLE_INTERVAL)
        pending = waiting
    return answers


def _not_visible(answer: Answer) -> bool:
    return answer.status == 404 or (answer.status == 400 and NOT_YET in _message(answer).lower())


def _message(answer: Answer) -> str:
    return str((answer.body.get("error") or {}).get("message") or "")


def _labels(ids: list[str], names: Mapping[str, str] | None) -> str:
    """The objects as the stack names them: `nurse001@… (id)`, or the id alone."""
    names = names or {}
    shown = [f"{names[oid]} ({oid})" if oid in names else oid for oid in ids[:3]]
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    return ", ".join(shown) + more


def _failure(action: str, failed: list[tuple[str, Answer]]) -> TenantError:
    """One error for the failed items: the first one's status, every item named."""
    first = failed[0][1]
    error = first.body.get("error") or {}
    details = "; ".join(
        f"{label}: {answer.status} {_message(answer) or 'no detail'}"
        for label, answer in failed[:5]
    )
    more = f"; and {len(failed) - 5} more failed" if len(failed) > 5 else ""
    return TenantError(
        "Microsoft Graph",
        first.status,
        str(error.get("code") or "Unknown"),
        f"{action}: {details}{more}",
    )


def forget_users() -> None:
    """Drop the process's resolved names (tests)."""
    with _lock:
        _user_ids.clear()
