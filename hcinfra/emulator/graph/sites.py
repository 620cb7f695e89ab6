"""SharePoint sites and lists through Graph: a group's team site, its lists and their columns.

Every Microsoft 365 group has a team site; the emulator makes it the first time it is asked
for, once the group (and its team, if it has one) is visible. Lists are genericLists: the
base template's built-in columns (Title and the read-only system fields) plus the columns
the request declares. Only the text, number, dateTime, choice, personOrGroup and boolean
column types are served; any other is refused, not dropped. List items are not served: a
list keeps an item count, which nothing but a test's seeding changes.

Left out: site lookups by path or hostname, list PATCH (no v1.0 page documents it), content
types, views, items. Error texts are SharePoint's where evidenced (docs/emulator.md), ours
otherwise.

REF: https://learn.microsoft.com/en-us/graph/api/site-get
REF: https://learn.microsoft.com/en-us/graph/api/list-create
REF: https://learn.microsoft.com/en-us/graph/api/list-list
REF: https://learn.microsoft.com/en-us/graph/api/list-get
REF: https://learn.microsoft.com/en-us/graph/api/list-list-columns
REF: https://learn.microsoft.com/en-us/graph/api/list-post-columns
REF: https://learn.microsoft.com/en-us/graph/api/columndefinition-update
REF: https://learn.microsoft.com/en-us/graph/errors
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError, unknown_property
from hcinfra.emulator.graph.objects import context, iso, listing, require_object, visible
from hcinfra.emulator.graph.odata import parse_select
from hcinfra.emulator.graph.router import router

TEMPLATE = "genericList"
# Base templates listInfo names; only genericList is emulated, the rest are refused.
BASE_TEMPLATES = {"genericList", "documentLibrary", "task", "survey", "announcements", "contacts"}
FACETS = ("text", "number", "dateTime", "choice", "personOrGroup", "boolean")
# Column types Graph has that the emulator does not serve.
UNSERVED_FACETS = (
    "calculated",
    "contentApprovalStatus",
    "currency",
    "geolocation",
    "hyperlinkOrPicture",
    "lookup",
    "term",
    "thumbnail",
)
COLUMN_FIELDS = {
    "name",
    "displayName",
    "description",
    "required",
    "hidden",
    "indexed",
    "enforceUniqueValues",
    "columnGroup",
    *FACETS,
}
COLUMN_UPDATABLE = COLUMN_FIELDS - {"name"}
LIST_FIELDS = {"displayName", "description", "columns", "list"}
LIST_DEFAULTS = [
    "id",
    "name",
    "displayName",
    "description",
    "webUrl",
    "createdDateTime",
    "lastModifiedDateTime",
    "createdBy",
    "list",
    "parentReference",
]
SITE_DEFAULTS = ["id", "name", "displayName", "description", "webUrl", "createdDateTime"]
INTERNAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
FACET_DEFAULTS: dict[str, dict[str, Any]] = {
    "text": {
        "allowMultipleLines": False,
        "appendChangesToExistingText": False,
        "linesForEditing": 0,
        "maxLength": 255,
    },
    "number": {"decimalPlaces": "automatic", "displayAs": "number"},
    "dateTime": {"displayAs": "default", "format": "dateTime"},
    "choice": {"allowTextEntry": False, "displayAs": "dropDownMenu"},
    "personOrGroup": {
        "allowMultipleSelection": False,
        "chooseFromType": "peopleOnly",
        "displayAs": "account",
    },
    "boolean": {},
}
# A genericList's own columns: SharePoint's field ids, types and display names. Created By
# and Modified By (Author, Editor) are left out: list-create's example makes an Author column.
BUILT_IN: tuple[tuple[str, str, str, str, bool], ...] = (
    ("fa564e0f-0c70-4ab9-b863-0177e6ddd247", "Title", "Title", "text", False),
    ("1d22ea11-1e32-424e-89ab-9fedbadb6ce1", "ID", "ID", "number", True),
    ("28cf69c5-fa48-462a-b5cd-27b6f9d2bd5f", "Modified", "Modified", "dateTime", True),
    ("8c06beca-0777-48f7-91c7-6da68bc07b69", "Created", "Created", "dateTime", True),
    ("67df98f4-9dec-48ff-a553-29bece9c5bf4", "Attachments", "Attachments", "boolean", True),
)
LIST_EXISTS = (
    "A list, survey, discussion board, or document library with the specified title already "
    "exists in this Web site.  Please choose another title."
)


def invalid(message: str) -> GraphError:
    """400 invalidRequest, SharePoint's code for a malformed or incorrect request."""
    return GraphError(400, "invalidRequest", message)


def item_not_found(message: str = "The resource could not be found.") -> GraphError:
    """404 itemNotFound."""
    return GraphError(404, "itemNotFound", message)


def name_exists(message: str) -> GraphError:
    """409 nameAlreadyExists: "The specified item name already exists." (errors page)."""
    return GraphError(409, "nameAlreadyExists", message)


# -- sites -------------------------------------------------------------------------------
def _host(svc: Any) -> str:
    initial = next((d for d in svc.tenant.domains if d.endswith(".onmicrosoft.com")), "contoso")
    return f"{initial.split('.')[0]}.sharepoint.com"


def team_site(svc: Any, gid: str) -> dict[str, Any]:
    """A group's team site, made on first use once the group (and any team) is visible."""
    for site in svc.store.values("site"):
        if site["_groupId"] == gid:
            return site
    group = svc.store.peek("group", gid)
    team = svc.store.peek("team", gid)
    now = svc.now()
    ready = visible(group, now) and (team is None or visible(team, now))
    if not ready or "Unified" not in (group or {}).get("groupTypes", []):
        # A security group has no site; a new group's site is not provisioned yet.
        raise item_not_found("Requested site could not be found")
    assert group is not None
    host = _host(svc)
    site = {
        "id": f"{host},{uuid.uuid4()},{uuid.uuid4()}",
        "name": group.get("mailNickname"),
        "displayName": group.get("displayName"),
        "description": group.get("description"),
        "webUrl": f"https://{host}/sites/{group.get('mailNickname')}",
        "createdDateTime": iso(now),
        "siteCollection": {"hostname": host},
        "_groupId": gid,
    }
    svc.store.put("site", site["id"], site)
    return site


def _site(svc: Any, sid: str) -> dict[str, Any]:
    site = svc.store.peek("site", sid)
    if site is None:
        raise item_not_found("Requested site could not be found")
    return site


def _shape(doc: dict[str, Any], defaults: list[str], select: list[str] | None) -> dict[str, Any]:
    names = select or defaults
    out = {n: doc[n] for n in names if n in doc}
    out.setdefault("id", doc["id"])
    return out


@router.add("GET", "/groups/{gid}/sites/root", "sites.read")
def get_group_site(req: Req, gid: str) -> Resp:
    site = team_site(req.service, gid)
    select = parse_select(req.query, set(SITE_DEFAULTS) | {"siteCollection"}, "site")
    body = _shape(site, SITE_DEFAULTS, select)
    return Resp(200, {"@odata.context": context(req, "sites/$entity"), **body})


@router.add("GET", "/sites/{sid}", "sites.read")
def get_site(req: Req, sid: str) -> Resp:
    site = _site(req.service, sid)
    select = parse_select(req.query, set(SITE_DEFAULTS) | {"siteCollection"}, "site")
    body = _shape(site, SITE_DEFAULTS, select)
    return Resp(200, {"@odata.context": context(req, "sites/$entity"), **body})


# -- columns -----------------------------------------------------------------------------
def _facet_of(column: dict[str, Any]) -> str | None:
    return next((f for f in FACETS if f in column), None)


def _check_column(body: Any, updating: bool = False) -> dict[str, Any]:
    """A columnDefinition body checked; invalidRequest for what SharePoint cannot take."""
    if not isinstance(body, dict):
        raise invalid("A column definition must be an object.")
    body = {k: v for k, v in body.items() if not k.startswith("@odata.")}
    for key in body:
        if key in UNSERVED_FACETS:
            raise invalid(f"Column type '{key}' is not served by the emulator.")
        if key not in (COLUMN_UPDATABLE if updating else COLUMN_FIELDS):
            if updating and key == "name":
                raise invalid("The name of a column cannot be changed.")
            raise unknown_property(key, "microsoft.graph.columnDefinition")
    facets = [f for f in FACETS if f in body]
    if not updating:
        name = body.get("name")
        if not isinstance(name, str) or not INTERNAL_NAME.match(name):
            raise invalid("A column needs a name: letters, digits and underscores.")
        if len(facets) != 1:
            raise invalid(
                f"Column '{name}' must have exactly one type: one of {', '.join(FACETS)}."
            )
    elif len(facets) > 1:
        raise invalid("A column has exactly one type.")
    for facet in facets:
        if not isinstance(body[facet], dict):
            raise invalid(f"Property '{facet}' must be an object.")
    if "choice" in body:
        choices = body["choice"].get("choices")
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() for c in choices)
        ):
            raise invalid("A choice column needs a non-empty list of choices.")
    for flag in ("required", "hidden", "indexed", "enforceUniqueValues"):
        if flag in body and not isinstance(body[flag], bool):
            raise invalid(f"Property '{flag}' must be a boolean.")
    return body


def _column_doc(body: dict[str, Any]) -> dict[str, Any]:
    facet = _facet_of(body) or "text"
    return {
        "id": str(uuid.uuid4()),
        "name": body["name"],
        "displayName": body.get("displayName") or body["name"],
        "description": body.get("description") or "",
        "columnGroup": body.get("columnGroup") or "Custom Columns",
        "enforceUniqueValues": bool(body.get("enforceUniqueValues")),
        "hidden": bool(body.get("hidden")),
        "indexed": bool(body.get("indexed")),
        "readOnly": False,
        "required": bool(body.get("required")),
        facet: {**FACET_DEFAULTS[facet], **body[facet]},
    }


def _built_in() -> list[dict[str, Any]]:
    columns = []
    for cid, name, display, facet, read_only in BUILT_IN:
        col = _column_doc({"name": name, "displayName": display, facet: {}})
        col.update(
            {"id": cid, "columnGroup": "Custom Columns" if name == "Title" else "_Hidden"},
        )
        col.update({"readOnly": read_only, "required": name == "Title"})
        columns.append(col)
    return columns


def _taken(columns: list[dict[str, Any]], name: str) -> bool:
    return any(c["name"].lower() == name.lower() for c in columns)


# -- lists -------------------------------------------------------------------------------
def _list(svc: Any, sid: str, lid: str) -> dict[str, Any]:
    _site(svc, sid)
    doc = svc.store.peek("spList", lid)
    if doc is None or doc["_siteId"] != sid:
        raise item_not_found("The specified list was not found.")
    return doc


def _list_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


@router.add("POST", "/sites/{sid}/lists", "lists.create")
def create_list(req: Req, sid: str) -> Resp:
    svc = req.service
    site = _site(svc, sid)
    body = require_object(req.json())
    for key in body:
        if key not in LIST_FIELDS:
            raise unknown_property(key, "microsoft.graph.list")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise invalid("A list needs a displayName of 1 to 255 characters.")
    info = body.get("list") or {}
    if not isinstance(info, dict):
        raise invalid("Property 'list' must be an object.")
    template = info.get("template", TEMPLATE)
    if template not in BASE_TEMPLATES:
        # Only base templates: Lists' ready-made templates (Patients…) have no API name.
        raise invalid(f"Invalid list template '{template}'.")
    if template != TEMPLATE:
        raise invalid(f"List template '{template}' is not served by the emulator.")
    columns = _built_in()
    raw = body.get("columns") or []
    if not isinstance(raw, list):
        raise invalid("Property 'columns' must be a collection.")
    for spec in raw:
        checked = _check_column(spec)
        if _taken(columns, checked["name"]):
            raise invalid(f'A duplicate field name "{checked["name"]}" was found.')
        columns.append(_column_doc(checked))
    lists = [d for d in svc.store.values("spList") if d["_siteId"] == sid]
    if any(d["displayName"].lower() == name.lower() for d in lists):
        raise name_exists(LIST_EXISTS)
    now = iso(svc.now())
    lid = str(uuid.uuid4())
    app = req.principal.app_id if req.principal else ""
    url_name = re.sub(r"[^A-Za-z0-9]", "", name) or "List"
    doc = {
        "id": lid,
        "name": url_name,
        "displayName": name,
        "description": body.get("description") or "",
        "webUrl": f"{site['webUrl']}/Lists/{url_name}",
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "createdBy": {"application": {"id": app, "displayName": app}},
        "list": {"template": TEMPLATE, "hidden": False, "contentTypesEnabled": False},
        "parentReference": {"siteId": sid},
        "_siteId": sid,
        "_columns": columns,
        "_itemCount": 0,
    }
    svc.store.put("spList", lid, doc)
    return Resp(
        201, {"@odata.context": context(req, f"sites('{sid}')/lists/$entity"), **_list_view(doc)}
    )


@router.add("GET", "/sites/{sid}/lists", "lists.read")
def list_lists(req: Req, sid: str) -> Resp:
    svc = req.service
    _site(svc, sid)
    docs = [_list_view(d) for d in svc.store.values("spList") if d["_siteId"] == sid]
    return listing(req, docs, f"sites('{sid}')/lists", LIST_DEFAULTS, set(LIST_DEFAULTS), "list")


@router.add("GET", "/sites/{sid}/lists/{lid}", "lists.read")
def get_list(req: Req, sid: str, lid: str) -> Resp:
    doc = _list(req.service, sid, lid)
    select = parse_select(req.query, set(LIST_DEFAULTS), "list")
    body = _shape(_list_view(doc), LIST_DEFAULTS, select)
    if req.query.get("$expand") == "columns":
        body["columns"] = doc["_columns"]
    return Resp(200, {"@odata.context": context(req, f"sites('{sid}')/lists/$entity"), **body})


@router.add("DELETE", "/sites/{sid}/lists/{lid}", "lists.delete")
def delete_list(req: Req, sid: str, lid: str) -> Resp:
    _list(req.service, sid, lid)
    req.service.store.delete("spList", lid)  # its items with it
    return Resp(204)


@router.add("GET", "/sites/{sid}/lists/{lid}/columns", "columns.read")
def list_columns(req: Req, sid: str, lid: str) -> Resp:
    doc = _list(req.service, sid, lid)
    fragment = f"sites('{sid}')/lists('{lid}')/columns"
    return Resp(200, {"@odata.context": context(req, fragment), "value": doc["_columns"]})


@router.add("POST", "/sites/{sid}/lists/{lid}/columns", "columns.write")
def create_column(req: Req, sid: str, lid: str) -> Resp:
    svc = req.service
    doc = svc.store.get("spList", _list(svc, sid, lid)["id"])
    body = _check_column(req.json())
    if _taken(doc["_columns"], body["name"]):
        raise name_exists(f'A duplicate field name "{body["name"]}" was found.')
    column = _column_doc(body)
    doc["_columns"].append(column)
    doc["lastModifiedDateTime"] = iso(svc.now())
    svc.store.put("spList", lid, doc)
    fragment = f"sites('{sid}')/lists('{lid}')/columns/$entity"
    return Resp(201, {"@odata.context": context(req, fragment), **column})


@router.add("PATCH", "/sites/{sid}/lists/{lid}/columns/{cid}", "columns.write")
def update_column(req: Req, sid: str, lid: str, cid: str) -> Resp:
    svc = req.service
    doc = svc.store.get("spList", _list(svc, sid, lid)["id"])
    column = next((c for c in doc["_columns"] if c["id"] == cid), None)
    if column is None:
        raise item_not_found("The specified column was not found.")
    body = _check_column(req.json(), updating=True)
    if column["readOnly"]:
        raise invalid(f"Column '{column['name']}' is read-only.")
    facet = _facet_of(body)
    if facet is not None and facet != _facet_of(column):
        # Strict: what becomes of the items' values on a type change is not documented.
        raise invalid(f"The type of column '{column['name']}' cannot be changed.")
    for key, value in body.items():
        column[key] = {**column[key], **value} if key in FACETS else value
    doc["lastModifiedDateTime"] = iso(svc.now())
    svc.store.put("spList", lid, doc)
    fragment = f"sites('{sid}')/lists('{lid}')/columns/$entity"
    return Resp(200, {"@odata.context": context(req, fragment), **column})
