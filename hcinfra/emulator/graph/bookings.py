"""Microsoft Bookings: businesses, their services and staff, publishing, per-route token rules.

Bookings checks the token's type as well as its permission: several calls take delegated
tokens only (a signed-in user), and refuse app-only tokens whatever they were granted.
Each route names its rule in RULES: the delegated scopes it accepts and the application
permissions it accepts (none: app-only tokens are refused). Appointments, customers,
custom questions and the calendar view are not implemented.

REF: https://learn.microsoft.com/en-us/graph/api/resources/booking-api-overview
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any
from urllib.parse import quote

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.errors import GraphError
from hcinfra.emulator.graph.objects import iso, public, require_object
from hcinfra.emulator.graph.router import router

MANAGE, READWRITE, READ = "Bookings.Manage.All", "Bookings.ReadWrite.All", "Bookings.Read.All"
APPOINTMENT = "BookingsAppointment.ReadWrite.All"
# rule -> (delegated scopes accepted, application permissions accepted), from each
# Learn page's permissions table; (see docs/emulator.md, Bookings).
RULES: dict[str, tuple[set[str], set[str]]] = {
    "bookings.list": ({READ, MANAGE, READWRITE, APPOINTMENT}, {READ, MANAGE, READWRITE}),
    "bookings.read": (
        {READ, MANAGE, READWRITE, APPOINTMENT},
        {APPOINTMENT, MANAGE, READ, READWRITE},
    ),
    "bookings.create": ({MANAGE}, set()),
    "bookings.update": ({READWRITE, MANAGE}, {READWRITE, MANAGE}),
    "bookings.delete": ({MANAGE}, set()),
    "bookings.publish": ({MANAGE}, {MANAGE}),
    "bookings.service.create": ({READWRITE, MANAGE}, set()),
    "bookings.child.write": ({READWRITE, MANAGE}, {READWRITE, MANAGE}),
    # Create bookingStaffMember's table was not found: held to the strictest (delegated only).
    "bookings.staff.create": ({READWRITE, MANAGE}, set()),
}
# The Bookings API name in the app-only refusal, per rule (Business.Create is evidenced).
API_NAMES = {
    "bookings.create": "Business.Create",
    "bookings.delete": "Business.Delete",
    "bookings.service.create": "Service.Create",
    "bookings.staff.create": "Staff.Create",
}
STAFF_LIMIT = 100
ROLES = {"guest", "administrator", "viewer", "externalGuest", "scheduler", "teamMember"}
EVOLVED_ROLES = {"scheduler", "teamMember"}  # shown only with include-unknown-enum-members
DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
BUSINESS_FIELDS = {
    "displayName",
    "businessType",
    "phone",
    "email",
    "webSiteUrl",
    "languageTag",
    "defaultCurrencyIso",
    "address",
    "businessHours",
    "schedulingPolicy",
    "bookingPageSettings",
}
SERVICE_FIELDS = {
    "displayName",
    "defaultDuration",
    "defaultPrice",
    "defaultPriceType",
    "description",
    "isLocationOnline",
    "staffMemberIds",
    "additionalInformation",
    "defaultLocation",
    "defaultReminders",
    "isHiddenFromCustomers",
    "notes",
    "preBuffer",
    "postBuffer",
    "schedulingPolicy",
    "smsNotificationsEnabled",
    "maximumAttendeesCount",
    "languageTag",
    "customQuestions",
    "isAnonymousJoinEnabled",
    "isCustomerAllowedToManageBooking",
}
STAFF_FIELDS = {
    "displayName",
    "emailAddress",
    "role",
    "timeZone",
    "useBusinessHours",
    "workingHours",
    "availabilityIsAffectedByPersonalCalendar",
    "isEmailNotificationEnabled",
    "colorIndex",
}
# Bookings takes 4 concurrent requests per app and booking mailbox.
CONCURRENT = 4
MAILBOX = re.compile(r"^/(?:v1\.0|beta)/solutions/bookingBusinesses(?:/|\(')([^/')]+)", re.I)
_in_flight: dict[tuple[str, str], int] = {}
_flight_lock = threading.Lock()
WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def denied() -> GraphError:
    """403 when the token lacks a Bookings permission the route accepts."""
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def app_token_refused(rule: str) -> GraphError:
    """403 for an app-only token on a delegated-only call (the text as users report it)."""
    api = API_NAMES.get(rule, "Business.Create")
    return GraphError(
        403, "ErrorAccessDenied", f"VASTT: Api {api} does not support the token type: App"
    )


def _mailbox_key(req: Req) -> tuple[str, str] | None:
    match = MAILBOX.match(req.path)
    if match is None:
        return None
    return (req.principal.app_id if req.principal else "", match.group(1).lower())


def enter(req: Req) -> GraphError | None:
    """Count a request to a booking mailbox; the fifth at once is throttled."""
    key = _mailbox_key(req)
    if key is None:
        return None
    with _flight_lock:
        if _in_flight.get(key, 0) >= CONCURRENT:
            return GraphError(
                429,
                "TooManyRequests",
                "Application is over its MailboxConcurrency limit.",
                {"Retry-After": "1"},
            )
        _in_flight[key] = _in_flight.get(key, 0) + 1
    return None


def leave(req: Req) -> None:
    """A request to a booking mailbox has been answered."""
    key = _mailbox_key(req)
    if key is None:
        return
    with _flight_lock:
        left = _in_flight.get(key, 0) - 1
        if left > 0:
            _in_flight[key] = left
        else:
            _in_flight.pop(key, None)


def authorize(req: Req, rule: str) -> None:
    """Apply a Bookings route's rule to the caller's token."""
    delegated, application = RULES[rule]
    principal = req.principal
    if principal is None:
        raise denied()
    if principal.delegated:
        if not principal.scopes & delegated:
            raise denied()
        return
    if not application:
        raise app_token_refused(rule)
    if not principal.roles & application:
        raise denied()


def not_found(what: str) -> GraphError:
    """404 for a business, service or staff member that does not exist."""
    return GraphError(
        404, "ErrorItemNotFound", f"The specified object was not found in the store. {what}"
    )


def bad(message: str) -> GraphError:
    """400 for a body Bookings refuses."""
    return GraphError(400, "ErrorInvalidRequest", message)


def _body(req: Req, allowed: set[str], type_name: str) -> dict[str, Any]:
    body = require_object(req.json())
    for key in body:
        if key.endswith("@odata.type"):
            continue
        if key not in allowed:
            raise GraphError(
                400,
                "BadRequest",
                f"The property '{key}' does not exist on type 'microsoft.graph.{type_name}'. "
                "Make sure to only use property names that are defined by the type or mark the "
                "type as open type.",
            )
    return {k: v for k, v in body.items() if not k.endswith("@odata.type")}


def context(req: Req, fragment: str) -> str:
    """Bookings' @odata.context: the `solutions` metadata, as the pages show it."""
    return f"{req.base_url}/{req.version}/solutions/$metadata#{fragment}"


def _in(doc: dict[str, Any]) -> str:
    return f"bookingBusinesses('{quote(doc['id'])}')"


def _business(req: Req, bid: str) -> dict[str, Any]:
    doc = req.service.store.get("booking", bid.lower())
    if doc is None:
        raise not_found(f"Business '{bid}'")
    return doc


def _mailbox(svc: Any, name: str) -> str:
    """The business's SMTP address: its name's letters and digits at the initial domain."""
    local = re.sub(r"[^A-Za-z0-9]", "", name).lower() or "booking"
    domain = svc.tenant.domains[0]
    taken = {d["id"] for d in svc.store.values("booking")}
    candidate, n = f"{local}@{domain}", 1
    while candidate in taken:
        n += 1
        candidate = f"{local}{n}@{domain}"
    return candidate


def _hours() -> list[dict[str, Any]]:
    slot = [{"startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000"}]
    return [{"day": d, "timeSlots": slot if d not in ("saturday", "sunday") else []} for d in WEEK]


def _business_view(req: Req, doc: dict[str, Any], entity: bool = True) -> dict[str, Any]:
    out = public(doc)
    out.pop("services", None)
    out.pop("staff", None)
    if entity:
        out = {"@odata.context": context(req, "bookingBusinesses/$entity"), **out}
    return out


def _role(req: Req, role: str) -> str:
    prefer = req.headers.get("prefer", "")
    if role in EVOLVED_ROLES and "include-unknown-enum-members" not in prefer:
        return "unknownFutureValue"
    return role


def _staff_view(req: Req, doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "role": _role(req, str(doc.get("role")))}


def _duration(value: Any, prop: str) -> None:
    if not isinstance(value, str) or not DURATION.match(value):
        raise bad(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Duration' ({prop})."
        )


# -- businesses ---------------------------------------------------------------


@router.add("GET", "/solutions/bookingBusinesses", "bookings.list")
def list_booking_businesses(req: Req) -> Resp:
    """Only id and displayName of each business, as the page says (no paging)."""
    docs = req.service.store.values("booking")
    value = [{"id": d["id"], "displayName": d["displayName"]} for d in docs]
    return Resp(200, {"@odata.context": context(req, "bookingBusinesses"), "value": value})


@router.add("POST", "/solutions/bookingBusinesses", "bookings.create")
def create_booking_business(req: Req) -> Resp:
    """A new business; its id is a new mailbox's SMTP address, even for a repeated name."""
    svc = req.service
    body = _body(req, BUSINESS_FIELDS, "bookingBusiness")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad("The displayName of the business is required.")
    bid = _mailbox(svc, name)
    doc = {
        "id": bid,
        "displayName": name,
        "businessType": "",
        "phone": None,
        "email": None,
        "webSiteUrl": None,
        "languageTag": "en-US",
        "defaultCurrencyIso": "USD",
        "isPublished": False,
        "publicUrl": None,
        "address": None,
        "businessHours": _hours(),
        "schedulingPolicy": {
            "timeSlotInterval": "PT30M",
            "minimumLeadTime": "P1D",
            "maximumAdvance": "P365D",
            "sendConfirmationsToOwner": True,
            "allowStaffSelection": True,
        },
        "createdDateTime": iso(svc.now()),
        **body,
    }
    svc.store.put("booking", bid, doc)
    return Resp(201, _business_view(req, doc))


@router.add("GET", "/solutions/bookingBusinesses/{bid}", "bookings.read")
def get_booking_business(req: Req, bid: str) -> Resp:
    return Resp(200, _business_view(req, _business(req, bid)))


@router.add("PATCH", "/solutions/bookingBusinesses/{bid}", "bookings.update")
def update_booking_business(req: Req, bid: str) -> Resp:
    doc = _business(req, bid)
    doc.update(_body(req, BUSINESS_FIELDS, "bookingBusiness"))
    req.service.store.put("booking", doc["id"], doc)
    return Resp(204)


@router.add("DELETE", "/solutions/bookingBusinesses/{bid}", "bookings.delete")
def delete_booking_business(req: Req, bid: str) -> Resp:
    doc = _business(req, bid)
    req.service.store.delete("booking", doc["id"])
    return Resp(204)


@router.add("POST", "/solutions/bookingBusinesses/{bid}/publish", "bookings.publish")
def publish(req: Req, bid: str) -> Resp:
    doc = _business(req, bid)
    local = doc["id"].split("@")[0]
    doc["isPublished"] = True
    doc["publicUrl"] = (
        f"https://outlook.office365.com/owa/calendar/{local}@{doc['id'].split('@')[1]}/bookings/"
    )
    req.service.store.put("booking", doc["id"], doc)
    return Resp(204)


@router.add("POST", "/solutions/bookingBusinesses/{bid}/unpublish", "bookings.publish")
def unpublish(req: Req, bid: str) -> Resp:
    doc = _business(req, bid)
    doc["isPublished"], doc["publicUrl"] = False, None
    req.service.store.put("booking", doc["id"], doc)
    return Resp(204)


# -- services and staff -------------------------------------------------------

KINDS = {
    "services": ("services", SERVICE_FIELDS, "bookingService"),
    "staffMembers": ("staff", STAFF_FIELDS, "bookingStaffMember"),
}


def _children(req: Req, bid: str, kind: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = _business(req, bid)
    return doc, doc.setdefault(KINDS[kind][0], [])


def _child(req: Req, bid: str, kind: str, cid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc, items = _children(req, bid, kind)
    item = next((i for i in items if i["id"] == cid), None)
    if item is None:
        raise not_found(f"{KINDS[kind][2]} '{cid}'")
    return doc, item


def _check_service(body: dict[str, Any], staff: list[dict[str, Any]]) -> None:
    if "defaultDuration" in body:
        _duration(body["defaultDuration"], "defaultDuration")
    if "staffMemberIds" in body:
        # The page's example names staff the business lacks and is answered []: dropped.
        known = {s["id"] for s in staff}
        body["staffMemberIds"] = [s for s in body["staffMemberIds"] or [] if s in known]


def _check_staff(body: dict[str, Any]) -> None:
    role = body.get("role")
    if "role" in body and role not in ROLES:
        raise bad(f"Requested value '{role}' was not found.")


def _listing(req: Req, bid: str, kind: str) -> Resp:
    doc, items = _children(req, bid, kind)
    view = _staff_view if kind == "staffMembers" else (lambda _r, i: i)
    fragment = f"{_in(doc)}/{kind}"
    return Resp(
        200,
        {"@odata.context": context(req, fragment), "value": [view(req, i) for i in items]},
    )


def _create(req: Req, bid: str, kind: str) -> Resp:
    doc, items = _children(req, bid, kind)
    _, fields, type_name = KINDS[kind]
    body = _body(req, fields, type_name)
    if not body.get("displayName"):
        raise bad(f"The displayName of the {type_name} is required.")
    if kind == "services":
        _check_service(body, doc.get("staff") or [])
        item = {
            "id": str(uuid.uuid4()),
            "defaultDuration": "PT30M",
            "defaultPrice": 0.0,
            "defaultPriceType": "notSet",
            "isLocationOnline": False,
            "staffMemberIds": [],
            "isHiddenFromCustomers": False,
            "smsNotificationsEnabled": False,
            **body,
        }
        item["webUrl"] = None
    else:
        missing = [p for p in ("emailAddress", "role") if not body.get(p)]
        if missing:
            raise bad(f"Required properties are missing: {', '.join(missing)}.")
        _check_staff(body)
        if len(items) >= STAFF_LIMIT:
            raise bad(f"A booking calendar has at most {STAFF_LIMIT} staff members.")
        item = {
            "id": str(uuid.uuid4()),
            "useBusinessHours": True,
            "availabilityIsAffectedByPersonalCalendar": False,
            "isEmailNotificationEnabled": False,
            "timeZone": None,
            "workingHours": [],
            **body,
        }
    items.append(item)
    req.service.store.put("booking", doc["id"], doc)
    out = _staff_view(req, item) if kind == "staffMembers" else item
    fragment = f"{_in(doc)}/{kind}/$entity"
    return Resp(201, {"@odata.context": context(req, fragment), **out})


def _update(req: Req, bid: str, kind: str, cid: str) -> Resp:
    doc, item = _child(req, bid, kind, cid)
    _, fields, type_name = KINDS[kind]
    body = _body(req, fields, type_name)
    if kind == "services":
        _check_service(body, doc.get("staff") or [])
    else:
        _check_staff(body)
    item.update(body)
    req.service.store.put("booking", doc["id"], doc)
    return Resp(204)


def _delete(req: Req, bid: str, kind: str, cid: str) -> Resp:
    doc, item = _child(req, bid, kind, cid)
    doc[KINDS[kind][0]].remove(item)
    if kind == "staffMembers":
        for service in doc.get("services") or []:
            ids = service.get("staffMemberIds") or []
            service["staffMemberIds"] = [i for i in ids if i != cid]
    req.service.store.put("booking", doc["id"], doc)
    return Resp(204)


@router.add("GET", "/solutions/bookingBusinesses/{bid}/services", "bookings.read")
def list_services(req: Req, bid: str) -> Resp:
    return _listing(req, bid, "services")


@router.add("POST", "/solutions/bookingBusinesses/{bid}/services", "bookings.service.create")
def create_service(req: Req, bid: str) -> Resp:
    return _create(req, bid, "services")


@router.add("PATCH", "/solutions/bookingBusinesses/{bid}/services/{sid}", "bookings.child.write")
def update_service(req: Req, bid: str, sid: str) -> Resp:
    return _update(req, bid, "services", sid)


@router.add("DELETE", "/solutions/bookingBusinesses/{bid}/services/{sid}", "bookings.child.write")
def delete_service(req: Req, bid: str, sid: str) -> Resp:
    return _delete(req, bid, "services", sid)


@router.add("GET", "/solutions/bookingBusinesses/{bid}/staffMembers", "bookings.read")
def list_staff_members(req: Req, bid: str) -> Resp:
    return _listing(req, bid, "staffMembers")


@router.add("POST", "/solutions/bookingBusinesses/{bid}/staffMembers", "bookings.staff.create")
def create_staff_member(req: Req, bid: str) -> Resp:
    return _create(req, bid, "staffMembers")


@router.add(
    "PATCH", "/solutions/bookingBusinesses/{bid}/staffMembers/{mid}", "bookings.child.write"
)
def update_staff_member(req: Req, bid: str, mid: str) -> Resp:
    return _update(req, bid, "staffMembers", mid)


@router.add(
    "DELETE", "/solutions/bookingBusinesses/{bid}/staffMembers/{mid}", "bookings.child.write"
)
def delete_staff_member(req: Req, bid: str, mid: str) -> Resp:
    return _delete(req, bid, "staffMembers", mid)
