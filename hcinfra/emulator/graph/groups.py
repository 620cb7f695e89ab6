"""Groups: create, upsert by uniqueName, read, filter, update, soft delete, members, owners."""

from __future__ import annotations

import uuid
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.capabilities import (
    GROUP_FILTERS,
    GROUP_ORDERBY,
    GROUP_SEARCH,
)
from hcinfra.emulator.graph.errors import (
    GraphError,
    bad_request,
    directory_denied,
    invalid_value,
    not_found,
    required_value,
    unknown_property,
)
from hcinfra.emulator.graph.objects import (
    bind_id,
    context,
    iso,
    listing,
    public,
    require_object,
    shape,
    visible,
)
from hcinfra.emulator.graph.odata import (
    apply_filter,
    apply_orderby,
    apply_search,
    context_fragment,
    parse_select,
)
from hcinfra.emulator.graph.router import router

TYPE = "microsoft.graph.group"
DEFAULT = [
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "uniqueName",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
]
SELECT_ONLY = [
    "assignedLicenses",
    "licenseProcessingState",
    "hasMembersWithLicenseErrors",
    "allowExternalSenders",
    "autoSubscribeNewMembers",
    "hideFromAddressLists",
    "hideFromOutlookClients",
    "isArchived",
]
KNOWN = set(DEFAULT) | set(SELECT_ONLY)
# "The hasMembersWithLicenseErrors and isArchived properties are an exception and are not
# returned in the $select query" (group-get): accepted in $select, never in the answer.
NEVER_RETURNED = {"hasMembersWithLicenseErrors", "isArchived"}
# Mail settings documented with a default of false.
FALSE_BY_DEFAULT = (
    "allowExternalSenders",
    "autoSubscribeNewMembers",
    "hideFromAddressLists",
    "hideFromOutlookClients",
)
CREATABLE = {
    "displayName",
    "description",
    "mailNickname",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "membershipRule",
    "membershipRuleProcessingState",
    "isAssignableToRole",
    "visibility",
    "uniqueName",
    "classification",
    "preferredDataLocation",
    "preferredLanguage",
    "theme",
    "resourceBehaviorOptions",
    "owners@odata.bind",
    "members@odata.bind",
}
UPDATABLE = CREATABLE - {
    "isAssignableToRole",
    "resourceBehaviorOptions",
    "owners@odata.bind",
    "members@odata.bind",
}
NICKNAME_FORBIDDEN = set('@()\\[]";:<>, ')
MAX_BINDS = 20


def get_group(svc: Any, gid: str) -> dict[str, Any]:
    """A visible group, or Graph's 404."""
    doc = svc.store.peek("group", gid)
    if not visible(doc, svc.now()):
        raise not_found(gid)
    assert doc is not None
    return doc


def _validate(body: dict[str, Any], creating: bool, allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            if key in KNOWN:
                raise bad_request(f"Property '{key}' is read-only and cannot be set.")
            raise unknown_property(key, TYPE)
    if creating:
        for key in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
            if body.get(key) is None:
                raise required_value(key)
    name = body.get("displayName")
    if "displayName" in body and (not isinstance(name, str) or not name or len(name) > 256):
        raise invalid_value("displayName")
    nick = body.get("mailNickname")
    if "mailNickname" in body and (
        not isinstance(nick, str)
        or not nick
        or len(nick) > 64
        or not nick.isascii()
        or set(nick) & NICKNAME_FORBIDDEN
    ):
        raise invalid_value("mailNickname")
    for key in ("mailEnabled", "securityEnabled", "isAssignableToRole"):
        if key in body and not isinstance(body[key], bool):
            raise invalid_value(key)
    types = body.get("groupTypes", [])
    if not isinstance(types, list) or not set(types) <= {"Unified", "DynamicMembership"}:
        raise invalid_value("groupTypes")
    if "membershipRuleProcessingState" in body and body["membershipRuleProcessingState"] not in (
        "On",
        "Paused",
    ):
        raise invalid_value("membershipRuleProcessingState")
    for key in ("owners@odata.bind", "members@odata.bind"):
        binds = body.get(key)
        if binds is not None and (not isinstance(binds, list) or len(binds) > MAX_BINDS):
            raise bad_request(
                f"The number of references in '{key}' exceeds the maximum of {MAX_BINDS}."
            )


def _check_rules(svc: Any, merged: dict[str, Any], gid: str | None) -> None:
    types = merged.get("groupTypes") or []
    if merged.get("mailEnabled") and "Unified" not in types:
        raise bad_request(
            "The service does not currently support writes of mail-enabled groups. Please "
            "ensure that the mail-enablement property is unset or is set to false."
        )
    if "DynamicMembership" in types:
        if not merged.get("membershipRule"):
            raise required_value("membershipRule")
        if not merged.get("membershipRuleProcessingState"):
            raise required_value("membershipRuleProcessingState")
    if merged.get("isAssignableToRole") and (
        not merged.get("securityEnabled") or "DynamicMembership" in types
    ):
        raise invalid_value("isAssignableToRole")
    unique = merged.get("uniqueName")
    for other in svc.store.values("group"):
        if other["id"] == gid:
            continue
        if unique and (other.get("uniqueName") or "").lower() == unique.lower():
            raise bad_request(
                "Another object with the same value for property uniqueName already exists."
            )
        if (
            "Unified" in types
            and other.get("mailNickname", "").lower() == str(merged["mailNickname"]).lower()
            and "Unified" in (other.get("groupTypes") or [])
        ):
            raise bad_request(
                "Another object with the same value for property proxyAddresses already exists."
            )


def _resolve_binds(svc: Any, body: dict[str, Any], key: str) -> list[str]:
    from hcinfra.emulator.graph.users import find_user

    ids = []
    for url in body.get(key) or []:
        oid = bind_id(str(url))
        user = find_user(svc, oid)
        if user is None and not visible(svc.store.peek("group", oid), svc.now()):
            raise not_found(oid)
        # A user may be bound by userPrincipalName; the group stores its object id.
        ids.append(user["id"] if user is not None else oid)
    return ids


def create_group(svc: Any, req: Req, body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new group; nothing is stored when it is refused."""
    _validate(body, creating=True, allowed=CREATABLE)
    if body.get("isAssignableToRole") and not (
        req.principal and "RoleManagement.ReadWrite.Directory" in req.principal.roles
    ):
        raise directory_denied()
    _check_rules(svc, body, None)
    owners = _resolve_binds(svc, body, "owners@odata.bind")
    members = _resolve_binds(svc, body, "members@odata.bind")
    now = svc.now()
    gid = str(uuid.uuid4())
    types = body.get("groupTypes") or []
    unified = "Unified" in types
    initial = svc.tenant.domains[0]
    mail = f"{body['mailNickname']}@{initial}" if unified else None
    doc: dict[str, Any] = {name: None for name in DEFAULT}
    doc.update(
        {
            "id": gid,
            "displayName": body["displayName"],
            "description": body.get("description"),
            "mailNickname": body["mailNickname"],
            "mailEnabled": body["mailEnabled"],
            "securityEnabled": body["securityEnabled"],
            "groupTypes": types,
            "membershipRule": body.get("membershipRule"),
            "membershipRuleProcessingState": body.get("membershipRuleProcessingState"),
            "isAssignableToRole": body.get("isAssignableToRole"),
            "uniqueName": body.get("uniqueName"),
            "classification": body.get("classification"),
            "preferredDataLocation": body.get("preferredDataLocation"),
            "preferredLanguage": body.get("preferredLanguage"),
            "theme": body.get("theme"),
            "visibility": body.get("visibility") or ("Public" if unified else None),
            "mail": mail,
            "proxyAddresses": [f"SMTP:{mail}"] if mail else [],
            "createdDateTime": iso(now),
            "renewedDateTime": iso(now),
            "creationOptions": [],
            "resourceBehaviorOptions": body.get("resourceBehaviorOptions") or [],
            "resourceProvisioningOptions": [],
            "securityIdentifier": f"S-1-12-1-{uuid.UUID(gid).int % 4294967296}",
            "onPremisesProvisioningErrors": [],
            "serviceProvisioningErrors": [],
            "assignedLicenses": [],
            "_members": members,
            "_owners": owners,
            "_visibleAt": now + req.consistency_ms / 1000,
        }
    )
    svc.store.put("group", gid, doc)
    return doc


def group_view(svc: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """A group with its computed licence properties."""
    from hcinfra.emulator.graph.licensing import group_license_view

    defaults = {k: bool(doc.get(k, False)) for k in FALSE_BY_DEFAULT}
    return {**defaults, **public(doc), **group_license_view(svc, doc)}


def _entity(req: Req, doc: dict[str, Any], status: int = 200) -> Resp:
    select = parse_select(req.query, KNOWN, TYPE)
    body = shape(group_view(req.service, doc), DEFAULT, select)
    for name in NEVER_RETURNED:
        body.pop(name, None)
    fragment = context_fragment("groups", select, entity=True)
    return Resp(status, {"@odata.context": context(req, fragment), **body})


@router.add("POST", "/groups", "groups.create")
def post_group(req: Req) -> Resp:
    doc = create_group(req.service, req, require_object(req.json()))
    return _entity(req, doc, 201)


def _by_unique(svc: Any, unique: str) -> dict[str, Any] | None:
    low = unique.lower()
    now = svc.now()
    return next(
        (
            g
            for g in svc.store.values("group")
            if (g.get("uniqueName") or "").lower() == low and visible(g, now)
        ),
        None,
    )


@router.add("PATCH", "/groups(uniqueName='{unique}')", "groups.write")
def upsert_group(req: Req, unique: str) -> Resp:
    svc = req.service
    body = require_object(req.json())
    existing = _by_unique(svc, unique)
    if existing is None:
        if "create-if-missing" not in req.headers.get("prefer", "").lower():
            raise not_found(unique)
        if body.get("uniqueName") not in (None, unique):
            raise invalid_value("uniqueName")
        doc = create_group(svc, req, {**body, "uniqueName": unique})
        return _entity(req, doc, 201)
    _update(svc, existing, body)
    return Resp(204)


@router.add("GET", "/groups(uniqueName='{unique}')", "groups.read")
def read_group_by_unique(req: Req, unique: str) -> Resp:
    doc = _by_unique(req.service, unique)
    if doc is None:
        raise not_found(unique)
    return _entity(req, doc)


@router.add("GET", "/groups", "groups.read")
def list_groups(req: Req) -> Resp:
    svc = req.service
    now = svc.now()
    docs = query_groups(req, [g for g in svc.store.values("group") if visible(g, now)])
    resp = listing(req, docs, "groups", DEFAULT, KNOWN, TYPE)
    for item in resp.body["value"]:
        for name in NEVER_RETURNED:
            item.pop(name, None)
    return resp


def query_groups(req: Req, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups a request's $search, $filter and $orderby keep, in order."""
    svc = req.service
    select = parse_select(req.query, KNOWN, TYPE) or []
    if set(select) & set(SELECT_ONLY) or "hasMembersWithLicenseErrors" in req.query.get(
        "$filter", ""
    ):
        docs = [group_view(svc, g) for g in docs]
    docs = apply_search(docs, req.query, req.headers, GROUP_SEARCH)
    docs = apply_filter(docs, req.query, req.headers, "Group", GROUP_FILTERS)
    return apply_orderby(docs, req.query, req.headers, GROUP_ORDERBY)


@router.add("GET", "/groups/{gid}", "groups.read")
def read_group(req: Req, gid: str) -> Resp:
    return _entity(req, get_group(req.service, gid))


def _update(svc: Any, doc: dict[str, Any], body: dict[str, Any]) -> None:
    _validate(body, creating=False, allowed=UPDATABLE)
    if "uniqueName" in body and doc.get("uniqueName") not in (None, body["uniqueName"]):
        raise bad_request("Property 'uniqueName' can only be set once.")
    merged = {**doc, **body}
    _check_rules(svc, merged, doc["id"])
    doc = svc.store.get("group", doc["id"])
    doc.update(body)
    if "mailNickname" in body and doc.get("mail"):
        doc["mail"] = f"{body['mailNickname']}@{svc.tenant.domains[0]}"
        doc["proxyAddresses"] = [f"SMTP:{doc['mail']}"]
    svc.store.put("group", doc["id"], doc)


@router.add("PATCH", "/groups/{gid}", "groups.write")
def patch_group(req: Req, gid: str) -> Resp:
    svc = req.service
    doc = get_group(svc, gid)
    body = require_object(req.json())
    if "isAssignableToRole" in body:
        raise bad_request("Property 'isAssignableToRole' can only be set at creation.")
    binds = body.pop("members@odata.bind", None)
    added = _bind_members(svc, doc, binds) if binds is not None else []
    if body:
        _update(svc, doc, body)
    if added:
        stored = svc.store.get("group", gid)
        stored["_members"].extend(added)
        svc.store.put("group", gid, stored)
    return Resp(204)


def _bind_members(svc: Any, group: dict[str, Any], binds: Any) -> list[str]:
    """Members a PATCH adds through members@odata.bind: up to 20, all or none.

    REF: https://learn.microsoft.com/en-us/graph/api/group-post-members
    """
    if not isinstance(binds, list) or len(binds) > MAX_BINDS:
        raise bad_request(
            f"The number of references in 'members@odata.bind' exceeds the maximum of {MAX_BINDS}."
        )
    ids = _resolve_binds(svc, {"members@odata.bind": binds}, "members@odata.bind")
    for oid in ids:
        _check_member(svc, group, oid)
    if len(set(ids)) != len(ids) or set(ids) & set(group["_members"]):
        raise bad_request(
            "One or more added object references already exist for the following modified "
            "properties: 'members'."
        )
    return ids


@router.add("DELETE", "/groups/{gid}", "groups.write")
def delete_group(req: Req, gid: str) -> Resp:
    svc = req.service
    doc = svc.store.get("group", gid)
    if not visible(doc, svc.now()):
        raise not_found(gid)
    assert doc is not None
    # Microsoft 365 and security groups alike are restorable for 30 days.
    doc["deletedDateTime"] = iso(svc.now())
    doc["_deletedAt"] = svc.now()
    svc.store.delete("group", gid)
    svc.store.put("deletedGroup", gid, doc)
    team = svc.store.get("team", gid)
    if team is not None:
        svc.store.delete("team", gid)
        doc["_team"] = team
        svc.store.put("deletedGroup", gid, doc)
    return Resp(204)


def _directory_object(svc: Any, oid: str) -> dict[str, Any] | None:
    from hcinfra.emulator.graph.users import find_user

    user = find_user(svc, oid)
    if user is not None:
        return {"@odata.type": "#microsoft.graph.user", **public(user)}
    group = svc.store.peek("group", oid)
    if visible(group, svc.now()):
        assert group is not None
        return {"@odata.type": "#microsoft.graph.group", **public(group)}
    return None


def _refuse_mail_enabled(group: dict[str, Any]) -> None:
    # Mail-enabled security groups and distribution lists are read-only in Graph (Learn,
    # "Working with groups"); the text is the one users report (microsoft-graph-docs#14827).
    if group.get("mailEnabled") and "Unified" not in (group.get("groupTypes") or []):
        raise bad_request("Cannot Update a mail-enabled security groups and or distribution list.")


def _check_member(svc: Any, group: dict[str, Any], oid: str) -> None:
    """The rules add_reference applies to a new member, for members@odata.bind."""
    _refuse_mail_enabled(group)
    target = _directory_object(svc, oid)
    if target is None:
        raise not_found(oid)
    types = group.get("groupTypes") or []
    if "DynamicMembership" in types:
        raise bad_request(
            "Insufficient privileges to complete the operation. Members of a dynamic "
            "membership group cannot be added or removed manually."
        )
    if target["@odata.type"].endswith("group") and "Unified" in types:
        raise bad_request("Nesting groups inside a Microsoft 365 group is not supported.")


def add_reference(svc: Any, gid: str, oid: str, relation: str) -> None:
    """Add a member or owner, with Graph's errors for duplicates and unknown objects."""
    group = get_group(svc, gid)
    _refuse_mail_enabled(group)
    target = _directory_object(svc, oid)
    if target is None:
        raise not_found(oid)
    oid = str(target["id"])  # a user referenced by userPrincipalName is stored by id
    prop = relation.lstrip("_")
    if relation == "_members" and "DynamicMembership" in (group.get("groupTypes") or []):
        raise bad_request(
            "Insufficient privileges to complete the operation. Members of a dynamic "
            "membership group cannot be added or removed manually."
        )
    if (
        relation == "_members"
        and target["@odata.type"].endswith("group")
        and "Unified" in (group.get("groupTypes") or [])
    ):
        raise bad_request("Nesting groups inside a Microsoft 365 group is not supported.")
    if oid in group[relation]:
        raise bad_request(
            "One or more added object references already exist for the following modified "
            f"properties: '{prop}'."
        )
    doc = svc.store.get("group", gid)
    doc[relation].append(oid)
    svc.store.put("group", gid, doc)


def remove_reference(svc: Any, gid: str, oid: str, relation: str) -> None:
    """Remove a member or owner; an absent one is Graph's 404."""
    _refuse_mail_enabled(get_group(svc, gid))
    doc = svc.store.get("group", gid)
    if oid not in doc[relation]:
        raise GraphError(
            404,
            "Request_ResourceNotFound",
            "One or more removed object references do not exist for the following modified "
            f"properties: '{relation.lstrip('_')}'.",
        )
    if relation == "_owners" and doc[relation] == [oid]:
        # "the last owner (a user object) of the group cannot be removed" (group-delete-owners)
        raise bad_request(
            "The group must have at least one owner, hence this owner cannot be removed."
        )
    doc[relation].remove(oid)
    svc.store.put("group", gid, doc)


def _references(req: Req, gid: str, relation: str) -> Resp:
    from hcinfra.emulator.graph import users

    svc = req.service
    group = get_group(svc, gid)
    objects = [o for o in (_directory_object(svc, oid) for oid in group[relation]) if o]
    select = parse_select(req.query, users.KNOWN | KNOWN, "microsoft.graph.directoryObject")
    shaped = []
    for obj in objects:
        defaults = users.DEFAULT if obj["@odata.type"].endswith("user") else DEFAULT
        shaped.append({"@odata.type": obj["@odata.type"], **shape(obj, defaults, select)})
    return listing(
        req,
        shaped,
        "directoryObjects",
        list(shaped[0]) if shaped else ["id"],
        users.KNOWN | KNOWN | {k for o in shaped for k in o},  # an empty list selects too
        "microsoft.graph.directoryObject",
    )


for _rel, _prop in (("_members", "members"), ("_owners", "owners")):

    def _make(relation: str, prop: str) -> None:
        @router.add("POST", f"/groups/{{gid}}/{prop}/$ref", "members.write")
        def add(req: Req, gid: str) -> Resp:
            from hcinfra.emulator.graph.objects import ref_id

            add_reference(req.service, gid, ref_id(req), relation)
            return Resp(204)

        @router.add("DELETE", f"/groups/{{gid}}/{prop}/{{oid}}/$ref", "members.write")
        def remove(req: Req, gid: str, oid: str) -> Resp:
            remove_reference(req.service, gid, oid, relation)
            return Resp(204)

        @router.add("GET", f"/groups/{{gid}}/{prop}", "members.read")
        def list_refs(req: Req, gid: str) -> Resp:
            return _references(req, gid, relation)

    _make(_rel, _prop)
