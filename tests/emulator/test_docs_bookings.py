"""Learn's Bookings examples replayed, and Bookings' token rules: delegated-only calls."""

from __future__ import annotations

import pytest

from tests.emulator.delegated import delegated_headers
from tests.emulator.docexamples import Example, check, replay
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator

LEARN = "https://learn.microsoft.com/en-us/graph/api/"
DOMAIN = "northwindhealth.onmicrosoft.com"
FOURTH = f"fourthcoffee@{DOMAIN}"
BEARER = {"Authorization": "Bearer {token}"}
CREATE = Example(
    LEARN + "bookingbusiness-post-bookingbusinesses",
    "POST",
    "/solutions/bookingBusinesses",
    body={
        "displayName": "Fourth Coffee",
        "address": {
            "postOfficeBox": "P.O. Box 123",
            "street": "4567 Main Street",
            "city": "Buffalo",
            "state": "NY",
            "countryOrRegion": "USA",
            "postalCode": "98052",
        },
        "phone": "206-555-0100",
        "email": "manager@fourthcoffee.com",
        "webSiteUrl": "https://www.fourthcoffee.com",
        "defaultCurrencyIso": "USD",
    },
    headers=BEARER,
    status=201,
    props={"id": FOURTH, "displayName": "Fourth Coffee", "isPublished": False, "publicUrl": None},
)
SERVICE = Example(
    LEARN + "bookingbusiness-post-services",
    "POST",
    "/solutions/bookingBusinesses/{business}/services",
    body={
        "@odata.type": "#microsoft.graph.bookingService",
        "defaultDuration": "PT1H30M",
        "defaultPrice": 10.0,
        "defaultPriceType@odata.type": "#microsoft.graph.bookingPriceType",
        "defaultPriceType": "fixedPrice",
        "description": "Individual bento box lunch delivery",
        "displayName": "Bento",
        "isLocationOnline": True,
        "smsNotificationsEnabled": True,
        "isHiddenFromCustomers": False,
        "notes": "Home-cooked special",
        "postBuffer": "PT10M",
        "preBuffer": "PT5M",
        "staffMemberIds@odata.type": "#Collection(String)",
        "staffMemberIds": [
            "d90d1e8c-5cfe-48cf-a2d5-966267375b6a",
            "2f5f8794-0b29-45b5-b56a-2eb5ff7aa880",
        ],
        "isAnonymousJoinEnabled": False,
    },
    headers=BEARER,
    status=201,
    props={"displayName": "Bento", "defaultDuration": "PT1H30M", "staffMemberIds": []},
)
STAFF = Example(
    LEARN + "bookingbusiness-post-staffmembers",
    "POST",
    "/solutions/bookingBusinesses/{business}/staffMembers",
    body={
        "@odata.type": "#microsoft.graph.bookingStaffMember",
        "colorIndex": 1,
        "displayName": "Dana Swope",
        "emailAddress": "danas@contoso.com",
        "role@odata.type": "#microsoft.graph.bookingStaffRole",
        "role": "externalGuest",
        "timeZone": "America/Chicago",
        "useBusinessHours": True,
    },
    headers=BEARER,
    status=201,
    props={"displayName": "Dana Swope", "role": "externalGuest", "timeZone": "America/Chicago"},
)


@pytest.fixture
def token(emu: Emulator) -> str:
    return delegated_headers(emu)["Authorization"].split()[1]


def business(emu: Emulator, token: str) -> str:
    body = check(replay(emu, CREATE, {"token": token}), CREATE)
    return str(body["id"])


def test_create_business_as_a_user(emu: Emulator, token: str):
    body = check(replay(emu, CREATE, {"token": token}), CREATE)
    ctx = f"{emu.url}/v1.0/solutions/$metadata#bookingBusinesses/$entity"
    assert body["@odata.context"] == ctx
    assert body["businessHours"][0]["day"] == "monday"
    assert body["schedulingPolicy"]["timeSlotInterval"] == "PT30M"
    # The same name again is another business, at another address: never the same id.
    again = check(
        replay(emu, CREATE, {"token": token}), Example(**{**CREATE.__dict__, "props": {}})
    )
    assert again["id"] != FOURTH and again["id"].endswith(DOMAIN)


def test_create_business_refuses_an_app_only_token(emu: Emulator):
    r = emu.graph("POST", "/solutions/bookingBusinesses", json={"displayName": "Ward 3"})
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["message"] == "VASTT: Api Business.Create does not support the token type: App"


def test_list_and_get_business(emu: Emulator, token: str):
    bid = business(emu, token)
    # The automation app lists with application Bookings.Read.All; the auditor, without it,
    # is refused.
    listed = emu.graph("GET", "/solutions/bookingBusinesses")
    assert listed.status_code == 200 and listed.json()["value"][0]["id"] == bid
    with emu.client(headers=emu.headers(GRAPH_SCOPE, AUDITOR_APP, AUDITOR_SECRET)) as c:
        r = c.get("/v1.0/solutions/bookingBusinesses")
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"
    headers = {"Authorization": f"Bearer {token}"}
    with emu.client(headers=headers) as c:
        r = c.get("/v1.0/solutions/bookingBusinesses")
        assert r.status_code == 200
        assert r.json()["value"] == [{"id": bid, "displayName": "Fourth Coffee"}]
        got = c.get(f"/v1.0/solutions/bookingBusinesses/{bid}")
        assert got.status_code == 200 and got.json()["email"] == "manager@fourthcoffee.com"
        missing = c.get(f"/v1.0/solutions/bookingBusinesses/nobody@{DOMAIN}")
        assert missing.status_code == 404


def test_update_publish_unpublish_and_delete(emu: Emulator, token: str):
    bid = business(emu, token)
    headers = {"Authorization": f"Bearer {token}"}
    with emu.client(headers=headers) as c:
        base = f"/v1.0/solutions/bookingBusinesses/{bid}"
        r = c.patch(base, json={"email": "admin@fourthcoffee.com"})
        assert r.status_code == 204
        assert c.post(f"{base}/publish").status_code == 204
        doc = c.get(base).json()
        assert doc["isPublished"] is True and doc["publicUrl"].endswith("/bookings/")
        assert doc["email"] == "admin@fourthcoffee.com"
        assert c.post(f"{base}/unpublish").status_code == 204
        doc = c.get(base).json()
        assert doc["isPublished"] is False and doc["publicUrl"] is None
        bad = c.patch(base, json={"colour": "blue"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "BadRequest"
        assert c.delete(base).status_code == 204
        assert c.get(base).status_code == 404


def test_delete_business_refuses_an_app_only_token(emu: Emulator, token: str):
    bid = business(emu, token)
    r = emu.graph("DELETE", f"/solutions/bookingBusinesses/{bid}")
    assert r.status_code == 403 and "token type: App" in r.json()["error"]["message"]


def test_services_and_staff(emu: Emulator, token: str):
    bid = business(emu, token)
    ids = {"token": token, "business": bid}
    service = check(replay(emu, SERVICE, ids), SERVICE, ids)
    ctx = f"{emu.url}/v1.0/solutions/$metadata#bookingBusinesses('{bid.replace('@', '%40')}')"
    assert service["@odata.context"] == ctx + "/services/$entity"
    staff = check(replay(emu, STAFF, ids), STAFF, ids)
    headers = {"Authorization": f"Bearer {token}"}
    with emu.client(headers=headers) as c:
        base = f"/v1.0/solutions/bookingBusinesses/{bid}"
        r = c.patch(f"{base}/services/{service['id']}", json={"staffMemberIds": [staff["id"]]})
        assert r.status_code == 204
        [listed] = c.get(f"{base}/services").json()["value"]
        assert listed["staffMemberIds"] == [staff["id"]] and listed["isLocationOnline"] is True
        bad = c.patch(f"{base}/services/{service['id']}", json={"defaultDuration": "90 minutes"})
        assert bad.status_code == 400
        role = c.patch(f"{base}/staffMembers/{staff['id']}", json={"role": "scheduler"})
        assert role.status_code == 204
        # scheduler and teamMember are evolvable enum members: shown only when asked for.
        [plain] = c.get(f"{base}/staffMembers").json()["value"]
        assert plain["role"] == "unknownFutureValue"
        prefer = {"Prefer": "include-unknown-enum-members"}
        [shown] = c.get(f"{base}/staffMembers", headers=prefer).json()["value"]
        assert shown["role"] == "scheduler"
        assert c.delete(f"{base}/staffMembers/{staff['id']}").status_code == 204
        assert c.get(f"{base}/services").json()["value"][0]["staffMemberIds"] == []
        assert c.delete(f"{base}/services/{service['id']}").status_code == 204
        assert c.get(f"{base}/services").json()["value"] == []


def test_creating_services_and_staff_refuses_app_only_tokens(emu: Emulator, token: str):
    bid = business(emu, token)
    base = f"/solutions/bookingBusinesses/{bid}"
    r = emu.graph("POST", f"{base}/services", json={"displayName": "Visit"})
    assert r.status_code == 403 and "Service.Create" in r.json()["error"]["message"]
    r = emu.graph(
        "POST",
        f"{base}/staffMembers",
        json={"displayName": "A", "emailAddress": "a@x.org", "role": "viewer"},
    )
    assert r.status_code == 403 and "Staff.Create" in r.json()["error"]["message"]


def test_staff_limit_and_required_properties(emu: Emulator, token: str):
    bid = business(emu, token)
    headers = {"Authorization": f"Bearer {token}"}
    with emu.client(headers=headers) as c:
        url = f"/v1.0/solutions/bookingBusinesses/{bid}/staffMembers"
        r = c.post(url, json={"displayName": "No mail", "role": "viewer"})
        assert r.status_code == 400 and "emailAddress" in r.json()["error"]["message"]
        r = c.post(url, json={"displayName": "X", "emailAddress": "x@x.org", "role": "boss"})
        assert r.status_code == 400
        for n in range(100):
            body = {"displayName": f"S{n}", "emailAddress": f"s{n}@x.org", "role": "viewer"}
            assert c.post(url, json=body).status_code == 201
        r = c.post(url, json={"displayName": "S100", "emailAddress": "s@x.org", "role": "viewer"})
        assert r.status_code == 400 and "100" in r.json()["error"]["message"]


def test_a_delegated_token_without_the_scope_is_denied(emu: Emulator):
    read_only = delegated_headers(emu, "https://graph.microsoft.com/Bookings.Read.All")
    with emu.client(headers=read_only) as c:
        r = c.post("/v1.0/solutions/bookingBusinesses", json={"displayName": "Ward"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"


def test_a_fifth_concurrent_request_to_one_mailbox_is_throttled(emu: Emulator, token: str):
    from concurrent.futures import ThreadPoolExecutor

    bid = business(emu, token)
    rule = {"match": "GET /v1.0/solutions/bookingBusinesses/*", "latencyMs": 400}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    headers = {"Authorization": f"Bearer {token}"}

    def get(_: int) -> tuple[int, dict]:
        with emu.client(headers=headers) as c:
            r = c.get(f"/v1.0/solutions/bookingBusinesses/{bid}")
            return r.status_code, r.json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(get, range(8)))
    throttled = [body for status, body in answers if status == 429]
    assert len(throttled) == 4 and sum(s == 200 for s, _ in answers) == 4
    error = throttled[0]["error"]
    assert error["code"] == "TooManyRequests" and "MailboxConcurrency" in error["message"]
    # Another mailbox is not affected, and the count drops once answered.
    with emu.client(headers=headers) as c:
        assert c.get(f"/v1.0/solutions/bookingBusinesses/{bid}").status_code == 200
