"""`GET /groups/$count` and `GET /users/$count`: the count as text/plain, advanced queries only.

Without `ConsistencyLevel: eventual` the `$count` segment is Graph's 400 Request_BadRequest
"$count is not currently supported." (the `$count=true` query string is ignored instead).

REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries
REF: https://learn.microsoft.com/en-us/graph/api/group-list
REF: https://learn.microsoft.com/en-us/graph/api/user-list
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import bad_request
from hcinfra.emulator.graph.objects import visible
from hcinfra.emulator.graph.odata import eventual
from hcinfra.emulator.graph.router import router


def _count(req: Req, kind: str, select: Any) -> Resp:
    if not eventual(req.headers):
        raise bad_request("$count is not currently supported.")
    now = req.service.now()
    docs = [d for d in req.service.store.values(kind) if visible(d, now)]
    # The segment is itself an advanced query: advanced-only filters work with it.
    query = {**req.query, "$count": "true"}
    probe = Req(req.method, req.path, query, req.headers, b"", req.request_id, service=req.service)
    return Resp(200, str(len(select(probe, docs))).encode(), {"Content-Type": "text/plain"})


@router.add("GET", "/groups/$count", "groups.read")
def count_groups(req: Req) -> Resp:
    from hcinfra.emulator.graph.groups import query_groups

    return _count(req, "group", query_groups)


@router.add("GET", "/users/$count", "users.read")
def count_users(req: Req) -> Resp:
    from hcinfra.emulator.graph.users import query_users

    return _count(req, "user", query_users)
