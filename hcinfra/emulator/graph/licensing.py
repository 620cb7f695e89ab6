"""Licences: subscribed SKUs, group-based and direct assignment, per-user states and errors.

Group assignments are processed after a delay (licenseProcessingState goes from
QueuedForProcessing to ProcessingComplete). Seats go to direct assignments first,
then to groups in the order they were licensed; members beyond the prepaid units
get CountViolation. Members without a usage location take the tenant's, as
group-based licensing documents.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.seed import Seed
from hcinfra.emulator.graph.errors import bad_request, not_found
from hcinfra.emulator.graph.objects import context, iso, require_object, visible
from hcinfra.emulator.graph.router import router

State = dict[str, Any]


def seed_skus(store: Any, seed: Seed) -> None:
    """Store the seed's subscribed SKUs."""
    for sku in seed.skus:
        store.put("sku", sku.sku_id, sku.model_dump(by_alias=True))


def _processing_ms(svc: Any) -> int:
    return int(svc.tenant.faults.config.license_processing_ms)


def license_states(svc: Any) -> dict[str, list[State]]:
    """Every user's licence assignment states, computed from assignments and seats."""
    store, now = svc.store, svc.now()
    skus = {s["skuId"]: s for s in store.values("sku")}
    tenant_location = svc.tenant.seed.tenant.country_letter_code
    users = {u["id"]: u for u in store.values("user")}
    holders: dict[str, set[str]] = defaultdict(set)
    states: dict[str, list[State]] = defaultdict(list)
    stamp = iso(now)
    for user in users.values():
        for lic in user.get("assignedLicenses") or []:
            holders[lic["skuId"]].add(user["id"])
            states[user["id"]].append(_state(lic, None, "Active", "None", stamp))
    groups = [
        g
        for g in store.values("group")
        if g.get("assignedLicenses") and g.get("_processedAt", 0) <= now
    ]
    for group in sorted(groups, key=lambda g: g.get("_licensedAt", 0)):
        for member in group.get("_members") or []:
            user = users.get(member)
            if user is None:
                continue
            for lic in group["assignedLicenses"]:
                sku = skus.get(lic["skuId"])
                if sku is None:
                    continue
                location = user.get("usageLocation") or tenant_location
                if location in (sku.get("prohibitedLocations") or []):
                    state, error = "Error", "ProhibitedInUsageLocationViolation"
                elif member in holders[lic["skuId"]]:
                    state, error = "Active", "None"
                elif len(holders[lic["skuId"]]) >= sku["prepaidUnits"]:
                    state, error = "Error", "CountViolation"
                else:
                    holders[lic["skuId"]].add(member)
                    state, error = "Active", "None"
                states[member].append(_state(lic, group["id"], state, error, stamp))
    return states


def _state(lic: dict[str, Any], group: str | None, state: str, error: str, stamp: str) -> State:
    return {
        "assignedByGroup": group,
        "disabledPlans": list(lic.get("disabledPlans") or []),
        "error": error,
        "lastUpdatedDateTime": stamp,
        "skuId": lic["skuId"],
        "state": state,
    }


def consumed_units(svc: Any) -> dict[str, int]:
    """Seats in use per SKU."""
    holders: dict[str, set[str]] = defaultdict(set)
    for uid, user_states in license_states(svc).items():
        for st in user_states:
            if st["state"] == "Active":
                holders[st["skuId"]].add(uid)
    return {sku: len(users) for sku, users in holders.items()}


def group_license_view(svc: Any, group: dict[str, Any]) -> dict[str, Any]:
    """A group's select-only licence properties."""
    processing = None
    if group.get("_licensedAt") is not None:
        done = group.get("_processedAt", 0) <= svc.now()
        processing = {"state": "ProcessingComplete" if done else "QueuedForProcessing"}
    errors = False
    if group.get("assignedLicenses"):
        states = license_states(svc)
        members = set(group.get("_members") or [])
        errors = any(
            st["assignedByGroup"] == group["id"] and st["state"] == "Error"
            for uid in members
            for st in states.get(uid, [])
        )
    return {
        "assignedLicenses": group.get("assignedLicenses") or [],
        "licenseProcessingState": processing,
        "hasMembersWithLicenseErrors": errors,
    }


def user_license_view(svc: Any, user: dict[str, Any]) -> dict[str, Any]:
    """A user's select-only licence properties."""
    states = license_states(svc).get(user["id"], [])
    active: dict[str, list[str]] = {}
    for st in states:
        if st["state"] == "Active":
            active.setdefault(st["skuId"], st["disabledPlans"])
    return {
        "assignedLicenses": [{"skuId": k, "disabledPlans": v} for k, v in active.items()],
        "licenseAssignmentStates": states,
    }


def _sku_view(svc: Any, sku: dict[str, Any], consumed: dict[str, int]) -> dict[str, Any]:
    tid = svc.tenant.tenant_id
    return {
        "accountName": svc.tenant.domains[0].split(".")[0],
        "accountId": tid,
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": consumed.get(sku["skuId"], 0),
        "id": f"{tid}_{sku['skuId']}",
        "prepaidUnits": {
            "enabled": sku["prepaidUnits"],
            "suspended": 0,
            "warning": 0,
            "lockedOut": 0,
        },
        "servicePlans": [
            {
                "servicePlanId": p["servicePlanId"],
                "servicePlanName": p["servicePlanName"],
                "provisioningStatus": "Success",
                "appliesTo": p.get("appliesTo", "User"),
            }
            for p in sku.get("servicePlans") or []
        ],
        "skuId": sku["skuId"],
        "skuPartNumber": sku["skuPartNumber"],
        "subscriptionIds": [f"{sku['skuId'][:8]}-0000-4000-8000-{tid[-12:]}"],
    }


SKU_FIELDS = {
    "accountName",
    "accountId",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "id",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
}


@router.add("GET", "/subscribedSkus", "skus.read")
def list_skus(req: Req) -> Resp:
    """Only $select is supported here (subscribedsku-list); the router refuses the rest."""
    from hcinfra.emulator.graph.objects import shape
    from hcinfra.emulator.graph.odata import context_fragment, parse_select

    svc = req.service
    select = parse_select(req.query, SKU_FIELDS, "microsoft.graph.subscribedSku")
    consumed = consumed_units(svc)
    views = [_sku_view(svc, s, consumed) for s in svc.store.values("sku")]
    value = [shape(v, list(v), select) for v in views]
    fragment = context_fragment("subscribedSkus", select)
    return Resp(200, {"@odata.context": context(req, fragment), "value": value})


@router.add("GET", "/subscribedSkus/{sid}", "skus.read")
def read_sku(req: Req, sid: str) -> Resp:
    svc = req.service
    sku = svc.store.peek("sku", sid.split("_")[-1])
    if sku is None:
        raise not_found(sid)
    return Resp(
        200,
        {
            "@odata.context": context(req, "subscribedSkus/$entity"),
            **_sku_view(svc, sku, consumed_units(svc)),
        },
    )


def _parse_assignment(svc: Any, body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    if "addLicenses" not in body or "removeLicenses" not in body:
        missing = "addLicenses" if "addLicenses" not in body else "removeLicenses"
        raise bad_request(
            f"Invalid value specified for property '{missing}' of resource 'assignLicense'.",
            "Request_BadRequest",
        )
    add, remove = body["addLicenses"], body["removeLicenses"]
    if not isinstance(add, list) or not isinstance(remove, list):
        raise bad_request("addLicenses and removeLicenses must be collections.")
    parsed = []
    for item in add:
        sku_id = item.get("skuId") if isinstance(item, dict) else None
        sku = svc.store.peek("sku", str(sku_id))
        if sku is None:
            raise bad_request(f"License {sku_id} does not correspond to a valid company License.")
        plans = {p["servicePlanId"] for p in sku.get("servicePlans") or []}
        disabled = list(item.get("disabledPlans") or [])
        for plan in disabled:
            if plan not in plans:
                raise bad_request(
                    f"The service plan {plan} is not part of the subscribed SKU {sku_id}."
                )
        parsed.append({"skuId": sku_id, "disabledPlans": disabled})
    for sku_id in remove:
        if svc.store.peek("sku", str(sku_id)) is None:
            raise bad_request(f"License {sku_id} does not correspond to a valid company License.")
    return parsed, [str(s) for s in remove]


def _apply(current: list[dict[str, Any]], add: list[dict[str, Any]], remove: list[str]) -> list:
    keep = [lic for lic in current if lic["skuId"] not in remove]
    by_sku = {lic["skuId"]: lic for lic in keep}
    for lic in add:
        by_sku[lic["skuId"]] = lic
    return list(by_sku.values())


@router.add("POST", "/groups/{gid}/assignLicense", "licenses.group")
def assign_group_license(req: Req, gid: str) -> Resp:
    from hcinfra.emulator.graph.groups import DEFAULT, get_group, group_view
    from hcinfra.emulator.graph.objects import shape

    svc = req.service
    get_group(svc, gid)
    add, remove = _parse_assignment(svc, require_object(req.json()))
    doc = svc.store.get("group", gid)
    doc["assignedLicenses"] = _apply(doc.get("assignedLicenses") or [], add, remove)
    now = svc.now()
    doc["_licensedAt"] = now
    doc["_processedAt"] = now + _processing_ms(svc) / 1000
    svc.store.put("group", gid, doc)
    # The page's answer carries the group's directory address in a Location header.
    location = (
        f"{req.base_url}/v2/{svc.tenant.tenant_id}/directoryObjects/{gid}"
        "/Microsoft.DirectoryServices.Group"
    )
    return Resp(
        202,
        {
            "@odata.context": context(req, "groups/$entity"),
            **shape(group_view(svc, doc), DEFAULT, None),
        },
        {"Location": location},
    )


@router.add("POST", "/users/{uid}/assignLicense", "licenses.user")
def assign_user_license(req: Req, uid: str) -> Resp:
    from hcinfra.emulator.graph.objects import shape
    from hcinfra.emulator.graph.users import DEFAULT, get_user

    svc = req.service
    user = get_user(svc, uid)
    add, remove = _parse_assignment(svc, require_object(req.json()))
    if add and not user.get("usageLocation"):
        raise bad_request("License assignment cannot be done for user with invalid usage location.")
    consumed = consumed_units(svc)
    held = {lic["skuId"] for lic in user.get("assignedLicenses") or []}
    for lic in add:
        sku = svc.store.peek("sku", lic["skuId"])
        if lic["skuId"] not in held and consumed.get(lic["skuId"], 0) >= sku["prepaidUnits"]:
            raise bad_request(f"Subscription {lic['skuId']} does not have any available licenses.")
    doc = svc.store.get("user", user["id"])
    doc["assignedLicenses"] = _apply(doc.get("assignedLicenses") or [], add, remove)
    svc.store.put("user", doc["id"], doc)
    return Resp(200, {"@odata.context": context(req, "users/$entity"), **shape(doc, DEFAULT, None)})


@router.add("GET", "/groups/{gid}/membersWithLicenseErrors", "groups.read")
def members_with_errors(req: Req, gid: str) -> Resp:
    from hcinfra.emulator.graph import users
    from hcinfra.emulator.graph.groups import get_group
    from hcinfra.emulator.graph.objects import listing

    svc = req.service
    group = get_group(svc, gid)
    states = license_states(svc)
    now = svc.now()
    docs = []
    for uid in group.get("_members") or []:
        if any(
            st["assignedByGroup"] == gid and st["state"] == "Error" for st in states.get(uid, [])
        ):
            user = svc.store.peek("user", uid)
            if visible(user, now):
                docs.append({**user, "licenseAssignmentStates": states[uid]})
    return listing(
        req,
        docs,
        "directoryObjects",
        users.DEFAULT,
        users.KNOWN,
        users.TYPE,
        "#microsoft.graph.user",
    )
