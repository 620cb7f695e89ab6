"""VirtualVisits' dynamic provider: a Bookings calendar, its services and staff, published or not.

Idempotency: Microsoft names a new business's mailbox itself, so a create first lists the
tenant's businesses and adopts the one with the declared name (a retry after a lost
answer finds the business it made); services are matched by display name and staff by
email address, so a retried create adds only what is missing. Destroy unpublishes and
keeps the calendar, its services, staff and appointments, unless `allow_data_deletion`.
`hcinfra adopt` takes the business of the declared name (two of that name are refused)
and reads it with the app's token only: Bookings.Read.All, no signed-in user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import KindProvider, log, warn
from hcinfra.resources.virtual_visits.calls import (
    BUSINESSES,
    BookingsApi,
    LostAnswer,
    business_path,
)
from hcinfra.resources.virtual_visits.inputs import (
    ServiceSpec,
    VirtualVisitsInputs,
    duration_seconds,
)
from hcinfra.resources.virtual_visits.permissions import DELEGATED, PERMISSIONS

# A lost answer of a create: how often it is sent in all, and how long a listing may lag.
LOST_TRIES = 3
LOST_WAIT_S = 2.0
RETAINED = ["the Bookings calendar (its mailbox)", "services", "staff", "appointments"]


class AmbiguousBusiness(HcinfraError):
    """More than one Bookings business has the declared name: which to adopt is unclear."""


class VirtualVisitsProvider(KindProvider):
    """Dynamic provider of VirtualVisits."""

    kind = "VirtualVisits"
    inputs_model = VirtualVisitsInputs
    permissions = PERMISSIONS

    # -- calls -----------------------------------------------------------------
    def _api(self, delegated: bool) -> BookingsApi:
        from hcinfra.resources.virtual_visits.calls import bookings_api

        conn = self.connection()
        if not delegated:
            return bookings_api(conn.settings, conn.credential, "app")
        from hcinfra.clients.delegated import DelegatedCredential

        credential: Any = DelegatedCredential(conn.settings)
        return bookings_api(conn.settings, credential, "user")

    def _app(
        self, method: str, path: str, body: Any = None, bid: str = "", writing: bool = True
    ) -> dict[str, Any]:
        """A call with the app's token; a refusal names the app permission."""
        api = self._api(False)
        return self.call(partial(api.request, method, path, body, bid), writing=writing)

    def _user(self, method: str, path: str, body: Any = None, bid: str = "") -> dict[str, Any]:
        """A delegated-only call, as the signed-in user; a refusal names the delegated scope."""
        api = self._api(True)
        try:
            if method == "POST":
                return api.create(path, body, bid)
            return api.request(method, path, body, bid)
        except TenantError as err:
            if err.status in (401, 403) and not isinstance(err, PermissionDenied):
                raise PermissionDenied(err, self.kind, DELEGATED) from None
            raise

    # -- the engine's calls ----------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, VirtualVisitsInputs)
        bid = self._find(inputs.display_name)
        if bid is None:
            body = {"displayName": inputs.display_name, **_details(inputs)}
            bid = self._once(
                lambda: str(self._user("POST", BUSINESSES, body)["id"]),
                lambda: self._find(inputs.display_name),
                f"Bookings business '{inputs.display_name}'",
            )
        else:
            self.notice(
                f"Bookings business '{inputs.display_name}' existed already ({bid}): adopted it"
            )
        return CreateResult(bid, self._reconcile(bid, inputs, {}))

    def find(self, inputs: VirtualVisitsInputs) -> tuple[str, list[Candidate]]:
        # By display name, with the app's token: adopting reads only, so Bookings.Read.All
        # is enough and nobody needs to be signed in.
        key = f"Bookings business '{inputs.display_name}'"
        same = self._named(inputs.display_name, writing=False)
        return key, [Candidate(str(b["id"]), f"business '{b.get('displayName')}'") for b in same]

    def adopted(
        self, id_: str, inputs: VirtualVisitsInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        retained = [] if inputs.allow_data_deletion else RETAINED
        return super().adopted(
            id_, inputs, {**inputs.model_dump(mode="json"), "retained": retained}
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            business = self._app("GET", business_path(id_), bid=id_, writing=False)
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # deleted by hand: dropped from state
            raise
        staff = self._list(id_, "staffMembers", writing=False)
        services = self._list(id_, "services", writing=False)
        declared = self.parse(props, VirtualVisitsInputs)
        emails = {m["id"]: str(m.get("emailAddress", "")).lower() for m in staff}
        by_email = {e: m for m in staff if (e := str(m.get("emailAddress", "")).lower())}
        by_name = {str(s.get("displayName", "")).lower(): s for s in services}
        outs = {
            **props,
            "display_name": business.get("displayName"),
            "email": business.get("email"),
            "phone": business.get("phone"),
            "web_site_url": business.get("webSiteUrl"),
            "published": bool(business.get("isPublished")),
            "staff": [
                {"display_name": m.get("displayName"), "email": s.email, "role": m.get("role")}
                for s in declared.staff
                if (m := by_email.get(s.email))
            ],
            "services": [
                _service_outputs(spec, actual, emails)
                for spec in declared.services
                if (actual := by_name.get(spec.display_name.lower()))
            ],
            **self._observed(id_, business, staff, services, declared),
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, VirtualVisitsInputs)
        return UpdateResult(self._reconcile(id_, inputs, olds))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, VirtualVisitsInputs)
        name = f"Bookings calendar {inputs.display_name} ({id_})"
        try:
            if inputs.allow_data_deletion:
                self._user("DELETE", business_path(id_), bid=id_)
                warn(f"{self.kind}: {name} was deleted, with its services, staff and appointments")
                return
            business = self._app("GET", business_path(id_), bid=id_)
            if business.get("isPublished"):
                self._app("POST", business_path(id_, "unpublish"), bid=id_)
        except TenantError as err:
            if not err.not_found:
                raise
            self.notice(f"{name} was already gone")
            return
        self.notice(
            f"{inputs.display_name} unpublished, not deleted (retained on destroy). {name} "
            f"kept: {'; '.join(RETAINED)}. To delete it, set allow_data_deletion=True, run "
            "`pulumi up`, then destroy again."
        )

    # -- steps -----------------------------------------------------------------
    def _find(self, name: str) -> str | None:
        """The id of the one business with this display name, or None."""
        same = [str(b["id"]) for b in self._named(name)]
        if len(same) > 1:
            raise AmbiguousBusiness(
                f"{self.kind} {name}: {len(same)} Bookings businesses have this name "
                f"({', '.join(same)}); rename all but one, or rename this calendar"
            )
        return same[0] if same else None

    def _named(self, name: str, writing: bool = True) -> list[dict[str, Any]]:
        """The tenant's businesses with this display name, whatever its case."""
        listed = self._app("GET", BUSINESSES, writing=writing).get("value") or []
        return [b for b in listed if str(b.get("displayName", "")).lower() == name.lower()]

    def _make(self, bid: str, what: str, body: dict[str, Any], key: str) -> str:
        """Create a service or staff member; after a lost answer, find the one it made."""
        wanted = str(body[key]).lower()

        def made() -> str | None:
            found = [i for i in self._list(bid, what) if str(i.get(key, "")).lower() == wanted]
            return str(found[0]["id"]) if found else None

        return self._once(
            lambda: str(self._user("POST", business_path(bid, what), body, bid)["id"]),
            made,
            f"{what} '{body[key]}' of {bid}",
        )

    def _once(self, create: Callable[[], str], made: Callable[[], str | None], what: str) -> str:
        """A create that is never sent twice for one object: after a lost answer, look for
        what it made (twice, LOST_WAIT_S apart, for a listing that lags); only when nothing
        is there, the service never took it, and it is sent again (LOST_TRIES in all)."""
        for attempt in range(LOST_TRIES):
            try:
                return create()
            except LostAnswer:
                for look in range(2):
                    if look:
                        time.sleep(LOST_WAIT_S)
                    found = made()
                    if found is not None:
                        self.notice(f"{what}: made by a create whose answer was lost")
                        return found
                if attempt == LOST_TRIES - 1:
                    raise
                log.info("%s: not made by a create whose answer was lost; sending it again", what)
        raise AssertionError("unreachable")

    def _list(self, bid: str, what: str, writing: bool = True) -> list[dict[str, Any]]:
        answer = self._app("GET", business_path(bid, what), bid=bid, writing=writing)
        return list(answer.get("value") or [])

    def _reconcile(
        self, bid: str, inputs: VirtualVisitsInputs, olds: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring the business, its staff and services and its publishing to the inputs."""
        business = self._app("GET", business_path(bid), bid=bid)
        patch = {k: v for k, v in _details(inputs).items() if business.get(k) != v}
        if business.get("displayName") != inputs.display_name:
            patch["displayName"] = inputs.display_name
        if patch:
            self._app("PATCH", business_path(bid), patch, bid)
        staff_ids = self._staff(bid, inputs, olds)
        service_ids = self._services(bid, inputs, olds, staff_ids)
        published = bool(business.get("isPublished"))
        if published != inputs.published:
            action = "publish" if inputs.published else "unpublish"
            self._app("POST", business_path(bid, action), bid=bid)
            business = self._app("GET", business_path(bid), bid=bid)
        return {
            **inputs.model_dump(mode="json"),
            "business_id": bid,
            "public_url": business.get("publicUrl"),
            "staff_ids": staff_ids,
            "service_ids": service_ids,
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }

    def _staff(self, bid: str, inputs: VirtualVisitsInputs, olds: dict[str, Any]) -> dict[str, str]:
        listed = {
            str(m.get("emailAddress", "")).lower(): m for m in self._list(bid, "staffMembers")
        }
        ids: dict[str, str] = {}
        for spec in inputs.staff:
            body = {"displayName": spec.display_name, "emailAddress": spec.email, "role": spec.role}
            have = listed.get(spec.email)
            if have is None:
                ids[spec.email] = self._make(bid, "staffMembers", body, "emailAddress")
                continue
            ids[spec.email] = str(have["id"])
            changed = {k: v for k, v in body.items() if k != "emailAddress" and have.get(k) != v}
            if changed:
                self._app("PATCH", business_path(bid, "staffMembers", have["id"]), changed, bid)
        # Staff this resource declared before and no longer does leave; others stay.
        for email in {s["email"] for s in olds.get("staff") or []} - set(ids):
            if email in listed:
                self._app(
                    "DELETE", business_path(bid, "staffMembers", listed[email]["id"]), bid=bid
                )
        return ids

    def _services(
        self,
        bid: str,
        inputs: VirtualVisitsInputs,
        olds: dict[str, Any],
        staff_ids: dict[str, str],
    ) -> dict[str, str]:
        listed = {str(s.get("displayName", "")).lower(): s for s in self._list(bid, "services")}
        ids: dict[str, str] = {}
        for spec in inputs.services:
            body = _service_body(spec, staff_ids)
            have = listed.get(spec.display_name.lower())
            if have is None:
                ids[spec.display_name] = self._make(bid, "services", body, "displayName")
                continue
            ids[spec.display_name] = str(have["id"])
            changed = {k: v for k, v in body.items() if not _same(k, have.get(k), v)}
            if changed:
                self._app("PATCH", business_path(bid, "services", have["id"]), changed, bid)
        declared = {s.display_name.lower() for s in inputs.services}
        for old in olds.get("services") or []:
            name = str(old.get("display_name", "")).lower()
            if name not in declared and name in listed:
                self._app("DELETE", business_path(bid, "services", listed[name]["id"]), bid=bid)
        return ids

    def _observed(
        self,
        bid: str,
        business: dict[str, Any],
        staff: list[dict[str, Any]],
        services: list[dict[str, Any]],
        declared: VirtualVisitsInputs,
    ) -> dict[str, Any]:
        emails = {s.email for s in declared.staff}
        names = {s.display_name.lower() for s in declared.services}
        return {
            "business_id": bid,
            "public_url": business.get("publicUrl"),
            "staff_ids": {
                str(m.get("emailAddress", "")).lower(): m["id"]
                for m in staff
                if str(m.get("emailAddress", "")).lower() in emails
            },
            "service_ids": {
                s["displayName"]: s["id"] for s in services if s["displayName"].lower() in names
            },
            "unmanaged_staff": sorted(
                str(m.get("emailAddress", "")).lower()
                for m in staff
                if str(m.get("emailAddress", "")).lower() not in emails
            ),
            "unmanaged_services": sorted(
                str(s["displayName"]) for s in services if s["displayName"].lower() not in names
            ),
        }


def _details(inputs: VirtualVisitsInputs) -> dict[str, Any]:
    fields = {"email": inputs.email, "phone": inputs.phone, "webSiteUrl": inputs.web_site_url}
    return {k: v for k, v in fields.items() if v is not None}


def _service_body(spec: ServiceSpec, staff_ids: dict[str, str]) -> dict[str, Any]:
    return {
        "displayName": spec.display_name,
        "defaultDuration": spec.duration,
        "description": spec.description,
        "isLocationOnline": spec.online,
        "smsNotificationsEnabled": spec.sms_notifications,
        "staffMemberIds": sorted(staff_ids[e] for e in spec.staff),
    }


def _same(key: str, actual: Any, wanted: Any) -> bool:
    """Whether a service's property already holds the wanted value (Graph may reword it)."""
    if key == "defaultDuration":
        try:
            return duration_seconds(str(actual)) == duration_seconds(str(wanted))
        except ValueError:
            return False
    if key == "staffMemberIds":
        return sorted(actual or []) == sorted(wanted or [])
    return bool(actual == wanted)


def _service_outputs(
    spec: ServiceSpec, actual: dict[str, Any], emails: dict[str, str]
) -> dict[str, Any]:
    """A service as the tenant has it, in the inputs' shape (drift shows as a difference)."""
    duration = str(actual.get("defaultDuration"))
    same = _same("defaultDuration", duration, spec.duration)
    staff = [emails.get(i, i) for i in actual.get("staffMemberIds") or []]
    order = {e: n for n, e in enumerate(spec.staff)}
    return {
        "display_name": actual.get("displayName"),
        "duration": spec.duration if same else duration,
        "description": actual.get("description"),
        "online": bool(actual.get("isLocationOnline")),
        "staff": sorted(staff, key=lambda e: (order.get(e, len(order)), e)),
        "sms_notifications": bool(actual.get("smsNotificationsEnabled")),
    }
