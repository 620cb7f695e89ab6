"""Teams from templates: the async create operation, channels, archive, team from a group."""

from __future__ import annotations

import re
import uuid
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError, teams_not_found
from hcinfra.emulator.graph.objects import bind_id, context, iso, require_object, visible
from hcinfra.emulator.graph.router import router

# Channels each template makes, and which are favourites by default.
TEMPLATES: dict[str, list[tuple[str, bool]]] = {
    "standard": [("General", True)],
    "healthcareWard": [
        ("General", True),
        ("Announcements", True),
        ("Huddles", True),
        ("Rounds", True),
        ("Staffing", True),
        ("Training", True),
    ],
    "healthcareHospital": [
        ("General", True),
        ("Announcements", True),
        ("Compliance", True),
        ("Custodial", False),
        ("Human resources", False),
        ("Pharmacy", False),
    ],
}
SPECIALIZATION = {
    "standard": "none",
    "healthcareWard": "healthcareStandard",
    "healthcareHospital": "healthcareStandard",
}
TEMPLATE_BIND = re.compile(r"teamsTemplates\('([^']+)'\)$")
CHANNEL_FORBIDDEN = set("~#%&*{}+/\\:<>?|'\"")
CHANNEL_FIELDS = {"displayName", "description", "membershipType", "isFavoriteByDefault"}
TEAM_UPDATABLE = {
    "displayName",
    "description",
    "visibility",
    "memberSettings",
    "guestSettings",
    "messagingSettings",
    "funSettings",
    "discoverySettings",
    "classification",
}
TEAM_FIELDS = TEAM_UPDATABLE | {
    "specialization",
    "channels",
    "members",
    "installedApps",
    "template@odata.bind",
    "group@odata.bind",
    "firstChannelName",
}


def bad(message: str) -> GraphError:
    """400 from the Teams workload."""
    return GraphError(400, "BadRequest", message)


def _op_ms(svc: Any) -> int:
    return int(svc.tenant.faults.config.teams_operation_ms)


def _thread_id() -> str:
    return f"19:{uuid.uuid4().hex}@thread.tacv2"


def get_team(svc: Any, tid: str) -> dict[str, Any]:
    """A team whose creation has finished, or the Teams 404."""
    doc = svc.store.peek("team", tid)
    if not visible(doc, svc.now()):
        raise teams_not_found(tid)
    assert doc is not None
    return doc


def _channel(
    team_id: str,
    name: str,
    favourite: bool,
    now: float,
    desc: str | None = None,
    membership: str = "standard",
) -> dict[str, Any]:
    cid = _thread_id()
    return {
        "id": cid,
        "teamId": team_id,
        "createdDateTime": iso(now),
        "displayName": name,
        "description": desc,
        "isFavoriteByDefault": favourite,
        "email": None,
        "webUrl": f"https://teams.microsoft.com/l/channel/{cid}/{name}",
        "membershipType": membership,
    }


def _check_channel_name(name: Any, taken: set[str]) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        raise bad("Channel displayName must be 1 to 50 characters.")
    if set(name) & CHANNEL_FORBIDDEN or name.startswith(("_", ".")) or name.endswith("."):
        raise bad(f"Channel name '{name}' contains characters that are not allowed.")
    if name.lower() in taken:
        raise bad("Channel name already existed, please use other name.")


def _operation(
    svc: Any, team_id: str, kind: str, ready_at: float, error: dict[str, Any] | None = None
) -> str:
    op_id = str(uuid.uuid4())
    svc.store.put(
        "teamsOperation",
        op_id,
        {
            "id": op_id,
            "teamId": team_id,
            "operationType": kind,
            "_createdAt": svc.now(),
            "_readyAt": ready_at,
            "_error": error,
        },
    )
    return op_id


def _accepted(team_id: str, op_id: str, content_type: str = "application/json") -> Resp:
    # team-post answers application/json with no body; archive and unarchive text/plain.
    return Resp(
        202,
        None,
        {
            "Location": f"/teams('{team_id}')/operations('{op_id}')",
            "Content-Location": f"/teams('{team_id}')",
            "Content-Type": content_type,
        },
    )


def _owners(svc: Any, members: Any) -> tuple[list[str], list[str]]:
    from hcinfra.emulator.graph.users import find_user

    if not isinstance(members, list):
        raise bad("Property 'members' must be a collection.")
    owners: list[str] = []
    plain: list[str] = []
    for member in members:
        if not isinstance(member, dict) or member.get("@odata.type") != (
            "#microsoft.graph.aadUserConversationMember"
        ):
            raise bad("Each member must be a #microsoft.graph.aadUserConversationMember.")
        bind = member.get("user@odata.bind")
        if not bind:
            raise bad("Member is missing 'user@odata.bind'.")
        user = find_user(svc, bind_id(str(bind)))
        if user is None:
            raise GraphError(404, "NotFound", f"User {bind} was not found.")
        roles = member.get("roles") or []
        (owners if "owner" in roles else plain).append(user["id"])
    return owners, plain


def _nickname(svc: Any, name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9]", "", name)[:56] or "team"
    taken = {g.get("mailNickname", "").lower() for g in svc.store.values("group")}
    nick, n = base, 1
    while nick.lower() in taken:
        n += 1
        nick = f"{base}{n}"
    return nick


def _team_doc(
    svc: Any,
    gid: str,
    body: dict[str, Any],
    template: str,
    ready: float,
    display: str,
    description: str | None,
    visibility: str,
) -> dict[str, Any]:
    return {
        "id": gid,
        "createdDateTime": iso(svc.now()),
        "displayName": display,
        "description": description,
        "internalId": _thread_id(),
        "classification": body.get("classification"),
        "specialization": SPECIALIZATION.get(template, "none"),
        "visibility": visibility,
        "webUrl": f"https://teams.microsoft.com/l/team/{gid}",
        "isArchived": False,
        "isMembershipLimitedToOwners": False,
        "tenantId": svc.tenant.tenant_id,
        "memberSettings": body.get("memberSettings") or {"allowCreateUpdateChannels": True},
        "guestSettings": body.get("guestSettings") or {"allowCreateUpdateChannels": False},
        "messagingSettings": body.get("messagingSettings") or {"allowUserEditMessages": True},
        "funSettings": body.get("funSettings") or {"allowGiphy": True},
        "discoverySettings": body.get("discoverySettings")
        or {"showInTeamsSearchAndSuggestions": True},
        "_template": template,
        "_visibleAt": ready,
    }


def _template(body: dict[str, Any]) -> str:
    """The template a create request binds, refused when missing or unknown."""
    match = TEMPLATE_BIND.search(str(body.get("template@odata.bind") or ""))
    if not match:
        raise bad("Template is required: set 'template@odata.bind'.")
    template = match.group(1)
    if template not in TEMPLATES:
        raise bad(f"Template '{template}' was not found.")
    return template


def _extra_channels(body: dict[str, Any], template: str) -> list[dict[str, Any]]:
    extra = body.get("channels") or []
    if not isinstance(extra, list):
        raise bad("Property 'channels' must be a collection.")
    taken = {name.lower() for name, _ in TEMPLATES[template]}
    for ch in extra:
        if not isinstance(ch, dict):
            raise bad("Each channel must be an object.")
        for key in ch:
            # Tabs and channel members are not served: refused rather than dropped.
            if key not in CHANNEL_FIELDS:
                raise bad(f"Invalid property '{key}' in request.")
        _check_channel_name(ch.get("displayName"), taken)
        taken.add(ch["displayName"].lower())
    return extra


def _store_channels(
    svc: Any, gid: str, template: str, extra: list[dict[str, Any]], now: float
) -> None:
    for name, fav in TEMPLATES[template]:
        ch = _channel(gid, name, fav, now)
        svc.store.put("channel", ch["id"], ch)
    for extra_ch in extra:
        ch = _channel(
            gid,
            extra_ch["displayName"],
            bool(extra_ch.get("isFavoriteByDefault")),
            now,
            extra_ch.get("description"),
            extra_ch.get("membershipType", "standard"),
        )
        svc.store.put("channel", ch["id"], ch)


@router.add("POST", "/teams", "teams.create")
def create_team(req: Req) -> Resp:
    svc = req.service
    body = require_object(req.json())
    for key in body:
        if key not in TEAM_FIELDS and not key.startswith("@odata"):
            raise bad(f"Invalid property '{key}' in request.")
    if "owners@odata.bind" in body:
        raise bad("Invalid bind property name owners in request.")
    if "group@odata.bind" in body:
        return _team_from_group_async(req, body)
    template = _template(body)
    display = body.get("displayName")
    if not isinstance(display, str) or not display.strip() or len(display) > 256:
        raise bad("displayName is required and must be 1 to 256 characters.")
    visibility = str(body.get("visibility") or "public")
    if visibility.lower() not in ("public", "private"):
        raise bad(f"Visibility '{visibility}' is not valid.")
    owners, plain = _owners(svc, body.get("members") or [])
    if not owners:
        raise bad(
            "An owner must be specified in 'members' when a team is created with application "
            "permissions."
        )
    extra = _extra_channels(body, template)
    now = svc.now()
    ready = now + max(_op_ms(svc), req.consistency_ms) / 1000
    gid = str(uuid.uuid4())
    from hcinfra.emulator.graph.groups import create_group

    group_req = Req(req.method, req.path, {}, req.headers, b"", req.request_id, req.principal)
    group = create_group(
        svc,
        group_req,
        {
            "displayName": display,
            "description": body.get("description"),
            "mailNickname": _nickname(svc, display),
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "visibility": visibility.capitalize(),
        },
    )
    svc.store.delete("group", group["id"])
    group.update(
        {
            "id": gid,
            "_visibleAt": ready,
            "_owners": owners,
            "_members": owners + plain,
            "resourceProvisioningOptions": ["Team"],
        }
    )
    svc.store.put("group", gid, group)
    svc.store.put(
        "team",
        gid,
        _team_doc(
            svc, gid, body, template, ready, display, body.get("description"), visibility.lower()
        ),
    )
    _store_channels(svc, gid, template, extra, now)
    return _accepted(gid, _operation(svc, gid, "createTeam", ready))


def _team_from_group_async(req: Req, body: dict[str, Any]) -> Resp:
    svc = req.service
    for key in ("displayName", "visibility", "members"):
        if key in body:
            raise bad(f"Property '{key}' must not be set when creating a team from a group.")
    # The team inherits the group's name, visibility and members, and the template's channels.
    template = _template(body)
    extra = _extra_channels(body, template)
    gid = bind_id(str(body["group@odata.bind"]))
    team = _attach_team(svc, gid, body, template, extra)
    return _accepted(gid, _operation(svc, gid, "createTeam", team["_visibleAt"]))


def _attach_team(
    svc: Any,
    gid: str,
    body: dict[str, Any],
    template: str = "standard",
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    group = svc.store.peek("group", gid)
    if not visible(group, svc.now()):
        # Right after a group is created, Teams cannot see it yet: retry later.
        raise GraphError(
            404,
            "NotFound",
            f"Failed to execute Templates backend request. Group {gid} was not found.",
        )
    assert group is not None
    if "Unified" not in (group.get("groupTypes") or []):
        raise bad("A team can only be created from a Microsoft 365 group.")
    if svc.store.peek("team", gid) is not None:
        raise GraphError(409, "Conflict", "A team already exists for this group.")
    if not group.get("_owners"):
        raise bad("The group has no owner: add an owner before creating its team.")
    ready = svc.now() + _op_ms(svc) / 1000
    team = _team_doc(
        svc,
        gid,
        body,
        template,
        ready,
        group["displayName"],
        group.get("description"),
        (group.get("visibility") or "Public").lower(),
    )
    svc.store.put("team", gid, team)
    doc = svc.store.get("group", gid)
    doc["resourceProvisioningOptions"] = ["Team"]
    svc.store.put("group", gid, doc)
    _store_channels(svc, gid, template, extra or [], svc.now())
    return team


def _team_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


@router.add("PUT", "/groups/{gid}/team", "teams.fromgroup")
def team_from_group(req: Req, gid: str) -> Resp:
    body = require_object(req.json() or {})
    team = _attach_team(req.service, gid, body)
    team = {**team, "_visibleAt": 0}
    req.service.store.put("team", gid, team)
    return Resp(201, {"@odata.context": context(req, "teams/$entity"), **_team_view(team)})


@router.add("GET", "/teams/{tid}/operations/{op}", "teams.read")
def read_operation(req: Req, tid: str, op: str) -> Resp:
    svc = req.service
    doc = svc.store.peek("teamsOperation", op)
    if doc is None or doc["teamId"] != tid:
        raise GraphError(404, "NotFound", f"Operation {op} was not found.")
    now = svc.now()
    start, ready = doc["_createdAt"], doc["_readyAt"]
    if doc.get("_error"):
        status = "failed"
    elif now >= ready:
        status = "succeeded"
    elif now - start < (ready - start) / 3:
        status = "notStarted"
    else:
        status = "inProgress"
    body = {
        "@odata.context": context(req, f"teams('{tid}')/operations/$entity"),
        "id": op,
        "operationType": doc["operationType"],
        "createdDateTime": iso(start),
        "status": status,
        "lastActionDateTime": iso(min(now, ready)),
        "attemptsCount": 1,
        "targetResourceId": tid,
        "targetResourceLocation": f"/teams('{tid}')",
        "error": doc.get("_error"),
    }
    return Resp(200, body)


@router.add("GET", "/teams/{tid}", "teams.read")
def read_team(req: Req, tid: str) -> Resp:
    team = get_team(req.service, tid)
    return Resp(200, {"@odata.context": context(req, "teams/$entity"), **_team_view(team)})


@router.add("PATCH", "/teams/{tid}", "teams.write")
def update_team(req: Req, tid: str) -> Resp:
    svc = req.service
    team = get_team(svc, tid)
    body = require_object(req.json())
    if team["isArchived"]:
        raise GraphError(403, "Forbidden", "The team is archived and cannot be modified.")
    for key in body:
        if key not in TEAM_UPDATABLE:
            raise bad(f"Invalid property '{key}' in request.")
    if "visibility" in body and str(body["visibility"]).lower() not in ("public", "private"):
        # hiddenMembership can only be chosen when the group is created.
        raise bad(f"Visibility '{body['visibility']}' cannot be set on an existing team.")
    doc = svc.store.get("team", tid)
    for key, value in body.items():
        if key.endswith("Settings") and isinstance(value, dict):
            doc[key] = {**(doc.get(key) or {}), **value}
        else:
            doc[key] = value
    svc.store.put("team", tid, doc)
    group = svc.store.get("group", tid)
    if group is not None:
        for key in ("displayName", "description"):
            if key in body:
                group[key] = body[key]
        if "visibility" in body:
            # The team's visibility is its group's.
            group["visibility"] = str(body["visibility"]).capitalize()
        svc.store.put("group", tid, group)
    return Resp(204)


@router.add("GET", "/teams/{tid}/channels", "channels.read")
def list_channels(req: Req, tid: str) -> Resp:
    svc = req.service
    get_team(svc, tid)
    value = [
        {k: v for k, v in ch.items() if k != "teamId"}
        for ch in svc.store.values("channel")
        if ch["teamId"] == tid
    ]
    return Resp(
        200,
        {
            "@odata.context": context(req, f"teams('{tid}')/channels"),
            "@odata.count": len(value),
            "value": value,
        },
    )


@router.add("POST", "/teams/{tid}/channels", "channels.create")
def create_channel(req: Req, tid: str) -> Resp:
    svc = req.service
    team = get_team(svc, tid)
    if team["isArchived"]:
        raise GraphError(403, "Forbidden", "The team is archived and cannot be modified.")
    body = require_object(req.json())
    for key in body:
        # Migration mode (@microsoft.graph.channelCreationMode) and channel members (private
        # channels) are not served: refused, not ignored.
        if key not in CHANNEL_FIELDS:
            raise bad(f"Invalid property '{key}' in request.")
    taken = {c["displayName"].lower() for c in svc.store.values("channel") if c["teamId"] == tid}
    _check_channel_name(body.get("displayName"), taken)
    membership = body.get("membershipType", "standard")
    if membership not in ("standard", "private", "shared"):
        raise bad(f"membershipType '{membership}' is not valid.")
    ch = _channel(
        tid,
        body["displayName"],
        bool(body.get("isFavoriteByDefault")),
        svc.now(),
        body.get("description"),
        membership,
    )
    svc.store.put("channel", ch["id"], ch)
    view = {k: v for k, v in ch.items() if k != "teamId"}
    return Resp(201, {"@odata.context": context(req, f"teams('{tid}')/channels/$entity"), **view})


def _set_archived(req: Req, tid: str, archived: bool) -> Resp:
    svc = req.service
    get_team(svc, tid)
    body = req.json() or {}
    doc = svc.store.get("team", tid)
    doc["isArchived"] = archived
    if archived:
        doc["_spoReadOnly"] = bool(body.get("shouldSetSpoSiteReadOnlyForMembers"))
    svc.store.put("team", tid, doc)
    ready = svc.now() + _op_ms(svc) / 1000
    kind = "archiveTeam" if archived else "unarchiveTeam"
    return _accepted(tid, _operation(svc, tid, kind, ready), "text/plain")


@router.add("POST", "/teams/{tid}/archive", "teams.write")
def archive_team(req: Req, tid: str) -> Resp:
    return _set_archived(req, tid, True)


@router.add("POST", "/teams/{tid}/unarchive", "teams.write")
def unarchive_team(req: Req, tid: str) -> Resp:
    return _set_archived(req, tid, False)


@router.add("GET", "/teamwork/teamTemplates", "templates.read")
def list_templates(req: Req) -> Resp:
    if req.version != "beta":
        raise GraphError(400, "BadRequest", "Resource not found for the segment 'teamwork'.")
    value = [
        {
            "id": name,
            "definitions": [
                {
                    "id": f"{name}-en-US",
                    "displayName": name,
                    "languageTag": "en-US",
                    "audience": "organization",
                    "teamDefinition": {
                        "channels": [
                            {"displayName": ch, "isFavoriteByDefault": fav} for ch, fav in channels
                        ]
                    },
                }
            ],
        }
        for name, channels in TEMPLATES.items()
    ]
    return Resp(200, {"@odata.context": context(req, "teamwork/teamTemplates"), "value": value})
