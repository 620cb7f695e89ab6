"""Helpers every Graph area shares: time stamps, visibility, references, output shaping."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import bad_request, not_found
from hcinfra.emulator.graph.odata import context_fragment, page, parse_select, wants_count

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
REF_ID = re.compile(r"/(?:directoryObjects|users|groups)(?:/|\(')([^/')]+)'?\)?$")


def iso(seconds: float) -> str:
    """Graph's timestamp format."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def visible(doc: dict[str, Any] | None, now: float) -> bool:
    """False for a missing object or one still within its replication delay."""
    return doc is not None and doc.get("_visibleAt", 0) <= now


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without internal keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def ref_id(req: Req) -> str:
    """The object id in a `$ref` body's @odata.id."""
    body = req.json()
    if not isinstance(body, dict) or "@odata.id" not in body:
        raise bad_request("Invalid request body: '@odata.id' is required.")
    url = str(body["@odata.id"])
    match = REF_ID.search(url)
    if not match:
        raise bad_request(f"Invalid object identifier '{url}'.")
    return match.group(1)


def bind_id(url: str) -> str:
    """The object id in an @odata.bind URL."""
    match = REF_ID.search(url)
    if not match:
        raise bad_request(f"Invalid object identifier '{url}'.")
    return match.group(1)


def context(req: Req, fragment: str) -> str:
    """The @odata.context of a response."""
    return f"{req.base_url}/{req.version}/$metadata#{fragment}"


def shape(doc: dict[str, Any], defaults: list[str], select: list[str] | None) -> dict[str, Any]:
    """A resource as Graph returns it: default properties, or exactly those selected."""
    names = select if select else defaults
    out = {name: doc.get(name) for name in names}
    if select and "id" not in select:
        out["id"] = doc.get("id")
    return out


def listing(
    req: Req,
    docs: list[dict[str, Any]],
    fragment: str,
    defaults: list[str],
    known: set[str],
    type_name: str,
    odata_type: str | None = None,
) -> Resp:
    """A paged collection response with $select applied."""
    select = parse_select(req.query, known, type_name)
    chunk, next_link = page(docs, req.query, f"{req.base_url}/{req.version}{req.path_in_version}")
    value = []
    for doc in chunk:
        item = shape(doc, defaults, select)
        if odata_type:
            item = {"@odata.type": odata_type, **item}
        value.append(item)
    body: dict[str, Any] = {"@odata.context": context(req, context_fragment(fragment, select))}
    if wants_count(req.query, req.headers):
        body["@odata.count"] = len(docs)
    body["value"] = value
    if next_link:
        body["@odata.nextLink"] = next_link
    return Resp(200, body)


def require_object(body: Any) -> dict[str, Any]:
    """The JSON body as an object without instance annotations (@odata.type…), or a 400."""
    if not isinstance(body, dict):
        raise bad_request("Invalid request body: a JSON object is required.")
    return {k: v for k, v in body.items() if not k.startswith("@odata.")}


def missing(ident: str) -> Exception:
    """Alias for the directory's 404."""
    return not_found(ident)
