"""JSON batching: up to 20 requests, dependsOn, each item throttled on its own."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError
from hcinfra.emulator.graph.objects import require_object
from hcinfra.emulator.graph.router import router

MAX_ITEMS = 20
VERSION = re.compile(r"^/(v1\.0|beta)(?=/|$)")


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _item_path(version: str, url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme:
        # Absolute URLs (the SDK sends them) carry the version in the path.
        if not VERSION.match(path):
            raise _bad(f"Invalid request URL '{url}'.")
        return path, parts.query
    if not path.startswith("/"):
        path = "/" + path
    return f"/{version}{path}", parts.query


def _validate(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise _bad("Invalid batch payload format: 'requests' must be a non-empty array.")
    if len(items) > MAX_ITEMS:
        raise _bad(f"Number of batch request steps exceeds the maximum of {MAX_ITEMS}.")
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not {"id", "method", "url"} <= set(item):
            raise _bad("Each batch request needs 'id', 'method' and 'url'.")
        if str(item["id"]) in seen:
            raise _bad(f"Batch request ids must be unique: '{item['id']}' is repeated.")
        seen.add(str(item["id"]))
    for item in items:
        for dep in _depends(item):
            if dep not in seen:
                raise _bad(f"Request '{item['id']}' depends on unknown request '{dep}'.")
    return items


def _depends(item: dict[str, Any]) -> list[str]:
    deps = item.get("dependsOn", item.get("depends_on")) or []
    return [str(d) for d in deps]


@router.add("POST", "/$batch", "batch")
def batch(req: Req) -> Resp:
    body = require_object(req.json())
    items = _validate(body.get("requests"))
    dispatcher = req.service.tenant.dispatcher
    statuses: dict[str, int] = {}
    responses = []
    for item in items:
        item_id = str(item["id"])
        failed = [d for d in _depends(item) if statuses.get(d, 500) >= 400]
        if failed:
            statuses[item_id] = 424
            responses.append(_failed_dependency(item_id, failed))
            continue
        resp = _run(req, dispatcher, item)
        statuses[item_id] = resp.status
        responses.append(_item_response(item_id, resp))
    return Resp(200, {"responses": responses})


def _run(req: Req, dispatcher: Any, item: dict[str, Any]) -> Resp:
    headers = {k.lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    payload = item.get("body")
    if payload is not None and "content-type" not in headers:
        return Resp(
            400,
            {
                "error": {
                    "code": "BadRequest",
                    "message": "Content-Type header must be specified for requests with a body.",
                }
            },
        )
    try:
        path, query = _item_path(req.version, str(item["url"]))
    except GraphError as err:
        return Resp(err.status, {"error": {"code": err.code, "message": err.message}})
    raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    inner = Req(
        method=str(item["method"]).upper(),
        path=path,
        query=Req.parse_query(query),
        headers={**{"authorization": req.headers.get("authorization", "")}, **headers},
        body=(raw.encode() if isinstance(raw, str) else raw) if payload is not None else b"",
        request_id=f"{req.request_id}-{item['id']}",
        base_url=req.base_url,
    )
    return dispatcher.handle_sync(inner, batch_item=True)


def _item_response(item_id: str, resp: Resp) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_id, "status": resp.status, "headers": dict(resp.headers)}
    if resp.body is not None:
        out["headers"].setdefault("Content-Type", "application/json")
        out["body"] = resp.body
    return out


def _failed_dependency(item_id: str, failed: list[str]) -> dict[str, Any]:
    return {
        "id": item_id,
        "status": 424,
        "headers": {"Content-Type": "application/json"},
        "body": {
            "error": {
                "code": "FailedDependency",
                "message": f"Dependent request(s) {', '.join(failed)} failed.",
            }
        },
    }
