"""Shifts: a team's schedule, provisioned in the background, and its scheduling groups.

`PUT /teams/{id}/schedule` answers 200 at once and provisions the schedule in the
background (`provisionStatus` NotStarted → Running → Completed over
`scheduleProvisionMs`, or Failed with `scheduleProvisionError` as its
`provisionStatusCode`). Scheduling groups are served once it is provisioned. DELETE of a
scheduling group marks it inactive and keeps it, as Learn says; no route deletes a
schedule, as Learn documents none. Not served: shifts, open shifts, time off, requests,
`share`, If-Match/etags, query options. Evidence: docs/emulator.md, "Shifts".

REF: https://learn.microsoft.com/en-us/graph/api/team-put-schedule
REF: https://learn.microsoft.com/en-us/graph/api/schedule-get
REF: https://learn.microsoft.com/en-us/graph/api/schedule-post-schedulinggroups
REF: https://learn.microsoft.com/en-us/graph/api/schedule-list-schedulinggroups
REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-get
REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-put
REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-delete
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zoneinfo
from functools import cache
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError, unknown_property
from hcinfra.emulator.graph.objects import GUID, context, require_object, visible
from hcinfra.emulator.graph.router import router

SETTINGS = (
    "timeClockEnabled",
    "openShiftsEnabled",
    "swapShiftsRequestsEnabled",
    "offerShiftRequestsEnabled",
    "timeOffRequestsEnabled",
)
# Read-only properties a client may echo back in a replacing PUT: ignored.
SCHEDULE_READ_ONLY = {"id", "provisionStatus", "provisionStatusCode"}
SCHEDULE_FIELDS = {"enabled", "timeZone", *SETTINGS, *SCHEDULE_READ_ONLY}
GROUP_FIELDS = {"displayName", "isActive", "userIds", "code"}
GROUP_READ_ONLY = {"id", "createdDateTime", "lastModifiedDateTime", "lastModifiedBy"}


def shifts_error(status: int, code: str, message: str) -> GraphError:
    """An error of the Shifts service: Graph's body whose message nests Shifts' own error.

    As quoted in microsoft-graph-docs#9811 for a schedule request on a team Shifts cannot see.
    """
    inner = json.dumps({"error": {"code": code, "message": message}})
    return GraphError(status, code, inner)


def bad(message: str) -> GraphError:
    """400 from the Shifts service."""
    return shifts_error(400, "BadRequest", message)


def _team_missing() -> GraphError:
    return shifts_error(
        404, "NotFound", "Sorry, the team was not found, or you may not have access to it."
    )


def _ms(seconds: float) -> str:
    # Shifts stamps carry milliseconds: "2019-03-12T22:10:38.242Z".
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _config(svc: Any) -> Any:
    return svc.tenant.faults.config


def _acts_as(req: Req) -> None:
    """MS-APP-ACTS-AS, deprecated and no longer required: when sent, a user's id (a GUID)."""
    value = req.headers.get("ms-app-acts-as")
    if value is not None and not GUID.match(value.strip()):
        raise bad(f"MS-APP-ACTS-AS must be a user id (a GUID), not '{value}'.")


def _team(svc: Any, tid: str) -> dict[str, Any]:
    doc = svc.store.peek("team", tid)
    if not visible(doc, svc.now()):
        raise _team_missing()
    assert doc is not None
    return doc


def _status(doc: dict[str, Any], now: float) -> tuple[str, str | None]:
    start, ready = doc["_provisionStart"], doc["_provisionReady"]
    if now >= ready:
        error = doc.get("_provisionError")
        return ("Failed", str(error)) if error else ("Completed", None)
    if now - start < (ready - start) / 3:
        return "NotStarted", None
    return "Running", None


def _schedule_view(req: Req, doc: dict[str, Any]) -> dict[str, Any]:
    status, code = _status(doc, req.service.now())
    return {
        "@odata.context": context(req, f"teams('{doc['id']}')/schedule/$entity"),
        "id": doc["id"],
        "enabled": doc["enabled"],
        "timeZone": doc["timeZone"],
        "provisionStatus": status,
        "provisionStatusCode": code,
        **{name: doc[name] for name in SETTINGS},
    }


def _provisioned(svc: Any, tid: str) -> dict[str, Any]:
    """The team's schedule once provisioned; scheduling groups need one."""
    _team(svc, tid)
    doc = svc.store.peek("schedule", tid)
    if doc is None:
        raise shifts_error(404, "NotFound", "Schedule not found.")
    status, _ = _status(doc, svc.now())
    if status != "Completed":
        raise shifts_error(
            404, "NotFound", f"The schedule is not provisioned (provisionStatus {status})."
        )
    return doc


@router.add("PUT", "/teams/{tid}/schedule", "schedule.write")
def put_schedule(req: Req, tid: str) -> Resp:
    """team-put-schedule: create (provisioning starts) or replace; 200 and the schedule."""
    _acts_as(req)
    svc = req.service
    _team(svc, tid)
    body = require_object(req.json())
    for key in body:
        if key not in SCHEDULE_FIELDS:
            raise unknown_property(key, "microsoft.graph.schedule")
    for key in ("enabled", "timeZone"):
        if key not in body:
            # The schedule page marks both Required.
            raise bad(f"A value is required for property '{key}' of resource 'schedule'.")
    if not isinstance(body["enabled"], bool):
        raise bad("Property 'enabled' must be a Boolean.")
    zone = body["timeZone"]
    if not isinstance(zone, str) or zone not in _zones():
        raise bad(f"'{zone}' is not a valid time zone (use a tz database name).")
    for name in SETTINGS:
        if name in body and not isinstance(body[name], bool):
            raise bad(f"Property '{name}' must be a Boolean.")
    doc = svc.store.peek("schedule", tid)
    now = svc.now()
    if doc is None:
        # What Shifts enables for a new schedule (the PUT page's answer shows all true).
        doc = {"id": tid, **dict.fromkeys(SETTINGS, True)}
    if "_provisionStart" not in doc or _status(doc, now)[0] == "Failed":
        # Not provisioned: this PUT starts provisioning (again, after a failure).
        config = _config(svc)
        doc["_provisionStart"] = now
        doc["_provisionReady"] = now + config.schedule_provision_ms / 1000
        doc["_provisionError"] = config.schedule_provision_error
    doc.update({"enabled": body["enabled"], "timeZone": zone})
    doc.update({name: body[name] for name in SETTINGS if name in body})
    svc.store.put("schedule", tid, doc)
    return Resp(200, _schedule_view(req, doc))


@router.add("GET", "/teams/{tid}/schedule", "schedule.read")
def get_schedule(req: Req, tid: str) -> Resp:
    """schedule-get: the schedule and its provisionStatus."""
    _acts_as(req)
    svc = req.service
    _team(svc, tid)
    doc = svc.store.peek("schedule", tid)
    if doc is None:
        raise shifts_error(404, "NotFound", "Schedule not found.")
    return Resp(200, _schedule_view(req, doc))


def _groups(svc: Any, tid: str) -> list[dict[str, Any]]:
    return sorted(
        (g for g in svc.store.values("schedulingGroup") if g["_teamId"] == tid),
        key=lambda g: g["_order"],
    )


def _group_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _checked_group(svc: Any, tid: str, body: Any, own_id: str | None) -> dict[str, Any]:
    body = require_object(body)
    for key in body:
        if key not in GROUP_FIELDS | GROUP_READ_ONLY:
            raise unknown_property(key, "microsoft.graph.schedulingGroup")
    for key in ("displayName", "isActive", "userIds"):
        if key not in body:
            # The schedulingGroup page marks the three Required; PUT replaces the whole group.
            raise bad(f"A value is required for property '{key}' of resource 'schedulingGroup'.")
    name = body["displayName"]
    if not isinstance(name, str) or not name.strip():
        raise bad("displayName must be a non-empty string.")
    if not isinstance(body["isActive"], bool):
        raise bad("Property 'isActive' must be a Boolean.")
    ids = body["userIds"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad("Property 'userIds' must be a collection of strings.")
    for uid in ids:
        # Shifts takes user object ids; a userPrincipalName is not one.
        if not GUID.match(uid) or svc.store.peek("user", uid) is None:
            raise bad(f"User '{uid}' was not found: userIds takes users' object ids.")
    taken = [
        g
        for g in _groups(svc, tid)
        if g["displayName"].lower() == name.lower() and g["id"] != own_id
    ]
    if taken:
        raise shifts_error(
            409, "Conflict", f"A scheduling group named '{name}' already exists ({taken[0]['id']})."
        )
    code = body.get("code")
    return {"displayName": name, "isActive": body["isActive"], "userIds": list(ids), "code": code}


def _modified_by(req: Req) -> dict[str, Any]:
    app = req.principal.app_id if req.principal else None
    return {
        "application": {"id": app, "displayName": None},
        "device": None,
        "conversation": None,
        "user": None,
    }


@router.add("POST", "/teams/{tid}/schedule/schedulingGroups", "schedule.write")
def create_scheduling_group(req: Req, tid: str) -> Resp:
    """schedule-post-schedulinggroups: 201 and the group (id `TAG_<guid>`)."""
    _acts_as(req)
    svc = req.service
    _provisioned(svc, tid)
    fields = _checked_group(svc, tid, req.json(), None)
    stamp = _ms(svc.now())
    gid = f"TAG_{uuid.uuid4()}"
    doc = {
        "id": gid,
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        **fields,
        "lastModifiedBy": _modified_by(req),
        "_teamId": tid,
        "_order": len(svc.store.values("schedulingGroup")),
    }
    if doc["code"] is None:
        del doc["code"]
    svc.store.put("schedulingGroup", gid, doc)
    fragment = f"teams('{tid}')/schedule/schedulingGroups/$entity"
    return Resp(201, {"@odata.context": context(req, fragment), **_group_view(doc)})


@router.add("GET", "/teams/{tid}/schedule/schedulingGroups", "schedule.read")
def list_scheduling_groups(req: Req, tid: str) -> Resp:
    """schedule-list-schedulinggroups: active and inactive groups alike (no paging)."""
    _acts_as(req)
    svc = req.service
    _provisioned(svc, tid)
    value = [_group_view(g) for g in _groups(svc, tid)]
    fragment = f"teams('{tid}')/schedule/schedulingGroups"
    return Resp(200, {"@odata.context": context(req, fragment), "value": value})


def _group(svc: Any, tid: str, gid: str) -> dict[str, Any]:
    _provisioned(svc, tid)
    doc = svc.store.peek("schedulingGroup", gid)
    if doc is None or doc["_teamId"] != tid:
        raise shifts_error(404, "NotFound", f"Scheduling group '{gid}' was not found.")
    return doc


@router.add("GET", "/teams/{tid}/schedule/schedulingGroups/{gid}", "schedule.read")
def get_scheduling_group(req: Req, tid: str, gid: str) -> Resp:
    """schedulinggroup-get."""
    _acts_as(req)
    doc = _group(req.service, tid, gid)
    fragment = f"teams('{tid}')/schedule/schedulingGroups/$entity"
    return Resp(200, {"@odata.context": context(req, fragment), **_group_view(doc)})


@router.add("PUT", "/teams/{tid}/schedule/schedulingGroups/{gid}", "schedule.write")
def replace_scheduling_group(req: Req, tid: str, gid: str) -> Resp:
    """schedulinggroup-put: the whole group replaced; 404 when it does not exist."""
    _acts_as(req)
    svc = req.service
    doc = _group(svc, tid, gid)
    fields = _checked_group(svc, tid, req.json(), gid)
    doc.update({k: v for k, v in fields.items() if k != "code" or v is not None})
    if fields["code"] is None:
        doc.pop("code", None)
    doc["lastModifiedDateTime"] = _ms(svc.now())
    doc["lastModifiedBy"] = _modified_by(req)
    svc.store.put("schedulingGroup", gid, doc)
    fragment = f"teams('{tid}')/schedule/schedulingGroups/$entity"
    return Resp(200, {"@odata.context": context(req, fragment), **_group_view(doc)})


@router.add("DELETE", "/teams/{tid}/schedule/schedulingGroups/{gid}", "schedule.write")
def delete_scheduling_group(req: Req, tid: str, gid: str) -> Resp:
    """schedulinggroup-delete: marks the group inactive and keeps it; 204."""
    _acts_as(req)
    svc = req.service
    doc = _group(svc, tid, gid)
    doc["isActive"] = False
    doc["lastModifiedDateTime"] = _ms(svc.now())
    doc["lastModifiedBy"] = _modified_by(req)
    svc.store.put("schedulingGroup", gid, doc)
    return Resp(204)
