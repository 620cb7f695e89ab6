"""Deleted groups: list, read, restore (with their team) and purge, for 30 days.

Microsoft's current v1.0 reference says Microsoft 365 and security groups go to deleted
items; older versions of the pages said security groups were deleted at once.

REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list
REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.capabilities import DELETED_GROUP_ORDERBY, GROUP_FILTERS
from hcinfra.emulator.graph.errors import not_found
from hcinfra.emulator.graph.groups import DEFAULT, KNOWN, TYPE
from hcinfra.emulator.graph.objects import context, listing, public, shape
from hcinfra.emulator.graph.odata import (
    apply_filter,
    apply_orderby,
    context_fragment,
    parse_select,
)
from hcinfra.emulator.graph.router import router

RETENTION_S = 30 * 24 * 3600


def _deleted(svc: Any) -> list[dict[str, Any]]:
    now = svc.now()
    live = []
    for doc in svc.store.values("deletedGroup"):
        if now - doc["_deletedAt"] > RETENTION_S:
            svc.store.delete("deletedGroup", doc["id"])
        else:
            live.append(doc)
    return live


@router.add("GET", "/directory/deletedItems/microsoft.graph.group", "deleted.read")
@router.add("GET", "/directory/deletedItems/graph.group", "deleted.read")
def list_deleted(req: Req) -> Resp:
    docs = [public(d) for d in _deleted(req.service)]
    docs = apply_filter(docs, req.query, req.headers, "Group", GROUP_FILTERS)
    docs = apply_orderby(docs, req.query, req.headers, DELETED_GROUP_ORDERBY)
    return listing(req, docs, "groups", DEFAULT, KNOWN, TYPE)


@router.add("GET", "/directory/deletedItems/{gid}", "deleted.read")
def read_deleted(req: Req, gid: str) -> Resp:
    doc = next((d for d in _deleted(req.service) if d["id"] == gid), None)
    if doc is None:
        raise not_found(gid)
    select = parse_select(req.query, KNOWN, TYPE)
    return Resp(
        200,
        {
            "@odata.context": context(req, context_fragment("directoryObjects", select, True)),
            "@odata.type": "#microsoft.graph.group",
            **shape(doc, DEFAULT, select),
        },
    )


@router.add("POST", "/directory/deletedItems/{gid}/restore", "deleted.write")
def restore_deleted(req: Req, gid: str) -> Resp:
    svc = req.service
    doc = next((d for d in _deleted(svc) if d["id"] == gid), None)
    if doc is None:
        raise not_found(gid)
    doc = svc.store.get("deletedGroup", gid)
    team = doc.pop("_team", None)
    doc.pop("_deletedAt", None)
    doc["deletedDateTime"] = None
    svc.store.delete("deletedGroup", gid)
    svc.store.put("group", gid, doc)
    if team is not None:
        svc.store.put("team", gid, team)
    return Resp(
        200,
        {
            "@odata.context": context(req, "directoryObjects/$entity"),
            "@odata.type": "#microsoft.graph.group",
            **shape(doc, DEFAULT, None),
        },
    )


@router.add("DELETE", "/directory/deletedItems/{gid}", "deleted.write")
def purge_deleted(req: Req, gid: str) -> Resp:
    svc = req.service
    if not any(d["id"] == gid for d in _deleted(svc)):
        raise not_found(gid)
    svc.store.delete("deletedGroup", gid)
    return Resp(204)
