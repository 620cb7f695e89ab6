"""Cross-tenant access partners: `/policies/crossTenantAccessPolicy/partners[/{tenantId}]`.

REF: https://learn.microsoft.com/graph/api/crosstenantaccesspolicy-post-partners
REF: https://learn.microsoft.com/graph/api/crosstenantaccesspolicyconfigurationpartner-get
REF: https://learn.microsoft.com/graph/api/crosstenantaccesspolicyconfigurationpartner-update
REF: https://learn.microsoft.com/graph/api/crosstenantaccesspolicyconfigurationpartner-delete
REF: https://learn.microsoft.com/graph/api/resources/crosstenantaccesspolicyb2bsetting

Create answers 201 with the partner; update and delete answer 204; reads need
Policy.Read.All (or the write permission), writes Policy.ReadWrite.CrossTenantAccess.
Settings are checked against the resource types (crossTenantAccessPolicyB2BSetting's
usersAndGroups and applications, each with accessType allowed or blocked and targets),
and a refused request stores nothing. Not modelled (400 when sent): identitySynchronization,
tenantRestrictions, isServiceProvider, and beta's soft-deleted partners. A second create
for the same tenant is 409 (the code and text are ours: the pages document none).
"""

from __future__ import annotations

import re
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError, bad_request, unknown_property
from hcinfra.emulator.graph.objects import context
from hcinfra.emulator.graph.router import router

PARTNER = "xtap.partner"
BASE = "/policies/crossTenantAccessPolicy/partners"
TYPE = "microsoft.graph.crossTenantAccessPolicyConfigurationPartner"
CONTEXT = "policies/crossTenantAccessPolicy/partners"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
B2B = ("b2bCollaborationInbound", "b2bCollaborationOutbound")
DIRECT = ("b2bDirectConnectInbound", "b2bDirectConnectOutbound")
SETTINGS = (*B2B, *DIRECT)
TRUST_KEYS = ("isMfaAccepted", "isCompliantDeviceAccepted", "isHybridAzureADJoinedDeviceAccepted")
# Properties a create or update may carry; others of the type are not modelled (400).
WRITABLE = ("tenantId", *SETTINGS, "inboundTrust", "automaticUserConsentSettings")
CONSENT_KEYS = ("inboundAllowed", "outboundAllowed")
ACCESS = ("allowed", "blocked")
# Special targets per target list (a GUID names a user, group or application otherwise).
USER_TARGETS = {"AllUsers": "user"}
APP_TARGETS = {"AllApplications": "application", "Office365": "application"}


def _doc(tenant_id: str) -> dict[str, Any]:
    """A new partner: every setting null, inheriting the default configuration."""
    return {
        "tenantId": tenant_id,
        "isServiceProvider": None,
        "isInMultiTenantOrganization": None,
        "inboundTrust": None,
        "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None},
        **{name: None for name in SETTINGS},
    }


def _targets(where: str, raw: Any, special: dict[str, str], kinds: tuple[str, ...]) -> list[Any]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(f"'{where}.targets' must be a non-empty array.")
    out = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"target", "targetType"}:
            raise bad_request(f"Each of '{where}.targets' is {{target, targetType}}.")
        target, kind = item.get("target"), item.get("targetType")
        if kind not in kinds:
            raise bad_request(f"Invalid targetType '{kind}' in '{where}'; use {', '.join(kinds)}.")
        if target in special:
            if special[target] != kind:
                raise bad_request(
                    f"Target '{target}' in '{where}' needs targetType '{special[target]}'."
                )
        elif not isinstance(target, str) or not GUID.match(target):
            raise bad_request(f"Invalid target '{target}' in '{where}'.")
        out.append({"target": target, "targetType": kind})
    return out


def _b2b_setting(name: str, raw: Any) -> Any:
    """A crossTenantAccessPolicyB2BSetting, checked; null clears it (inherit the default)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request(f"'{name}' must be a crossTenantAccessPolicyB2BSetting object.")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in ("usersAndGroups", "applications"):
            raise unknown_property(key, "microsoft.graph.crossTenantAccessPolicyB2BSetting")
        where = f"{name}.{key}"
        if not isinstance(value, dict) or set(value) - {"accessType", "targets"}:
            raise bad_request(f"'{where}' is {{accessType, targets}}.")
        if value.get("accessType") not in ACCESS:
            raise bad_request(f"Invalid accessType in '{where}'; use allowed or blocked.")
        special, kinds = (
            (USER_TARGETS, ("user", "group")) if key == "usersAndGroups"
            else (APP_TARGETS, ("application",))
        )  # fmt: skip
        out[key] = {
            "accessType": value["accessType"],
            "targets": _targets(where, value.get("targets"), special, kinds),
        }
    return out


def _trust(raw: Any) -> Any:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("'inboundTrust' must be a crossTenantAccessPolicyInboundTrust object.")
    for key, value in raw.items():
        if key not in TRUST_KEYS:
            raise unknown_property(key, "microsoft.graph.crossTenantAccessPolicyInboundTrust")
        if value is not None and not isinstance(value, bool):
            raise bad_request(f"'inboundTrust.{key}' must be a Boolean.")
    return {key: raw.get(key) for key in TRUST_KEYS}


def _consent(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request("'automaticUserConsentSettings' must be an object.")
    for key, value in raw.items():
        if key not in CONSENT_KEYS:
            raise unknown_property(key, "microsoft.graph.inboundOutboundPolicyConfiguration")
        if value is not None and not isinstance(value, bool):
            raise bad_request(f"'automaticUserConsentSettings.{key}' must be a Boolean.")
    return {key: raw.get(key) for key in CONSENT_KEYS}


def _checked(body: Any) -> dict[str, Any]:
    """The writable properties of a body, each checked."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "@odata.type":
            continue
        if key not in WRITABLE:
            raise unknown_property(key, TYPE)
        if key in SETTINGS:
            out[key] = _b2b_setting(key, value)
        elif key == "inboundTrust":
            out[key] = _trust(value)
        elif key == "automaticUserConsentSettings":
            out[key] = _consent(value)
        else:
            out[key] = value
    return out


def _view(req: Req, doc: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.context": context(req, f"{CONTEXT}/$entity"), **doc}


def _get(req: Req, tenant_id: str) -> dict[str, Any]:
    doc = req.service.store.get(PARTNER, tenant_id.lower())
    if doc is None:
        raise GraphError(
            404,
            "Request_ResourceNotFound",
            f"Resource '{tenant_id}' does not exist or one of its queried reference-property "
            "objects are not present.",
        )
    return doc


@router.add("POST", BASE, "xtap.write")
def create_partner(req: Req) -> Resp:
    """201 and the partner; tenantId is required and is the partner's key."""
    body = _checked(req.json())
    tenant_id = body.get("tenantId")
    if not isinstance(tenant_id, str) or not GUID.match(tenant_id):
        raise bad_request("A value is required for property 'tenantId', a tenant id (GUID).")
    if tenant_id.lower() == req.service.tenant.tenant_id.lower():
        raise bad_request("A partner configuration cannot name the tenant itself.")
    key = tenant_id.lower()
    if req.service.store.get(PARTNER, key) is not None:
        raise GraphError(
            409, "Request_MultipleObjectsWithSameKeyValue",
            f"A partner configuration for tenant '{tenant_id}' already exists.",
        )  # fmt: skip
    doc = {**_doc(key), **{k: v for k, v in body.items() if k != "tenantId"}}
    req.service.store.put(PARTNER, key, doc)
    return Resp(201, _view(req, doc), {"Location": f"{req.base_url}/{req.version}{BASE}/{key}"})


@router.add("GET", BASE, "xtap.read")
def list_partners(req: Req) -> Resp:
    """Every partner configuration."""
    docs = sorted(req.service.store.values(PARTNER), key=lambda d: d["tenantId"])
    return Resp(200, {"@odata.context": context(req, CONTEXT), "value": docs})


@router.add("GET", BASE + "/{tenant_id}", "xtap.read")
def get_partner(req: Req, tenant_id: str) -> Resp:
    """200 and the partner, or 404."""
    return Resp(200, _view(req, _get(req, tenant_id)))


@router.add("PATCH", BASE + "/{tenant_id}", "xtap.write")
def update_partner(req: Req, tenant_id: str) -> Resp:
    """204; the properties sent replace theirs, the others keep their values."""
    doc = _get(req, tenant_id)
    body = _checked(req.json())
    if "tenantId" in body and str(body["tenantId"]).lower() != doc["tenantId"]:
        raise bad_request("The tenantId of a partner configuration cannot change.")
    doc.update({k: v for k, v in body.items() if k != "tenantId"})
    req.service.store.put(PARTNER, doc["tenantId"], doc)
    return Resp(204)


@router.add("DELETE", BASE + "/{tenant_id}", "xtap.write")
def delete_partner(req: Req, tenant_id: str) -> Resp:
    """204; the tenant's users fall back to the default configuration."""
    doc = _get(req, tenant_id)
    req.service.store.delete(PARTNER, doc["tenantId"])
    return Resp(204)
