"""VirtualVisits' provider against the emulator: a signed-in user creates, the app does the rest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hcinfra.clients import connection
from hcinfra.clients.delegated import DelegatedSignInRequired
from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.virtual_visits import VirtualVisitsProvider
from tests.emulator.delegated import OPERATOR_APP, signed_in_env
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator
from tests.resources.conftest import configure_for

DOMAIN = "northwindhealth.onmicrosoft.com"
DOCTOR = "physician001@northwindhealth.org"
NURSE = "nurse001@northwindhealth.org"
NAME = "STM Virtual Visits"


def config(emu: Emulator, record: Path, client_id: str = OPERATOR_APP) -> dict[str, str]:
    return {
        "hcinfra:tenantId": emu.tenant_id,
        "hcinfra:clientId": HCINFRA_APP,
        "hcinfra:clientSecret": HCINFRA_SECRET,
        "hcinfra:endpoint": emu.url,
        "hcinfra:caBundle": emu.ca,
        "hcinfra:delegatedClientId": client_id,
        "hcinfra:delegatedRecord": str(record),
        "hcinfra:delegatedAllowUnencryptedCache": "true",
    }


@pytest.fixture(scope="module")
def signed_in(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An operator signed in once with the device code flow; the cache lives in a temp home."""
    env = signed_in_env(emulator, tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", env["HOME"])  # where the provider finds azure-identity's cache
        yield Path(env["HCINFRA_DELEGATED_RECORD"])


@pytest.fixture
def tenant(emu: Emulator, signed_in: Path) -> Iterator[Emulator]:
    connection.configure(config(emu, signed_in))
    yield emu
    connection.configure({})


def inputs(**extra) -> dict:
    base = {
        "display_name": NAME,
        "email": "visits@stm.northwindhealth.org",
        "staff": [
            {"display_name": "Physician 1", "email": DOCTOR, "role": "teamMember"},
            {"display_name": "Nurse 1", "email": NURSE, "role": "viewer"},
        ],
        "services": [
            {"display_name": "Follow-up visit", "duration": "PT30M", "staff": [DOCTOR]},
            {"display_name": "Pre-op consult", "duration": "PT1H", "staff": [DOCTOR, NURSE]},
        ],
        "published": True,
    }
    return {**base, **extra}


def checked(p: VirtualVisitsProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def businesses(emu: Emulator) -> dict:
    return emu.admin("GET", "state").json().get("booking", {})


def statuses(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(c["method"], c["route"], c["status"]) for c in emu.requests()["counts"]]


def callers(emu: Emulator) -> dict[tuple[str, str], set[str]]:
    """Who made each call (the app's id, or the operator app's for a user's token)."""
    out: dict[tuple[str, str], set[str]] = {}
    for e in emu.requests()["entries"]:
        if e["path"].startswith("/v1.0/solutions"):
            out.setdefault((e["method"], e["route"]), set()).add(e["app_id"])
    return out


def test_create_makes_the_calendar_its_staff_and_online_services(tenant: Emulator):
    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs()))
    assert made.id == f"stmvirtualvisits@{DOMAIN}"
    [doc] = businesses(tenant).values()
    assert doc["isPublished"] is True and doc["email"] == "visits@stm.northwindhealth.org"
    assert {s["emailAddress"] for s in doc["staff"]} == {DOCTOR, NURSE}
    services = {s["displayName"]: s for s in doc["services"]}
    assert all(s["isLocationOnline"] for s in services.values())
    assert services["Pre-op consult"]["defaultDuration"] == "PT1H"
    staff = made.outs["staff_ids"]
    assert sorted(services["Pre-op consult"]["staffMemberIds"]) == sorted(staff.values())
    assert made.outs["public_url"] and made.outs["retained"]
    # Only the delegated-only creates carry the user's token; the rest is the app's.
    who = callers(tenant)
    assert who[("POST", "/solutions/bookingBusinesses")] == {OPERATOR_APP}
    assert who[("POST", "/solutions/bookingBusinesses/{bid}/services")] == {OPERATOR_APP}
    assert who[("POST", "/solutions/bookingBusinesses/{bid}/staffMembers")] == {OPERATOR_APP}
    assert who[("POST", "/solutions/bookingBusinesses/{bid}/publish")] == {HCINFRA_APP}
    assert who[("GET", "/solutions/bookingBusinesses")] == {HCINFRA_APP}


def test_a_retried_create_after_a_lost_answer_adopts(tenant: Emulator):
    rule = {"match": "POST /v1.0/solutions/bookingBusinesses", "dropResponse": 1, "limit": 1}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs()))
    assert list(businesses(tenant)) == [made.id]
    # Run again (the engine retrying a create): nothing is duplicated.
    again = p.create(checked(p, inputs()))
    [doc] = businesses(tenant).values()
    assert again.id == made.id and len(doc["staff"]) == 2 and len(doc["services"]) == 2


@pytest.mark.parametrize("route", ["", "/*/services", "/*/staffMembers"])
def test_a_create_dropped_before_it_was_taken_is_sent_again_once(tenant: Emulator, route: str):
    # The connection drops unanswered, before the service takes the create: nothing is
    # made, so after looking for it (twice) the create is sent again, and made once.
    rule = {"match": f"POST /v1.0/solutions/bookingBusinesses{route}", "drop": 1, "limit": 1}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs()))
    [doc] = businesses(tenant).values()
    assert list(businesses(tenant)) == [made.id]
    assert len(doc["staff"]) == 2 and len(doc["services"]) == 2


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator):
    p = VirtualVisitsProvider()
    raw = checked(p, inputs())
    made = p.create(raw)
    read = p.read(made.id, made.outs)
    assert p.diff(made.id, read.outs, raw).changes is False
    # By hand: unpublished, a service lengthened, a nurse made administrator, a stranger added.
    base = f"/solutions/bookingBusinesses/{made.id}"
    from tests.emulator.delegated import delegated_headers

    with tenant.client(headers=delegated_headers(tenant)) as c:
        assert c.post(f"/v1.0{base}/unpublish").status_code == 204
        sid = made.outs["service_ids"]["Follow-up visit"]
        assert c.patch(f"/v1.0{base}/services/{sid}", json={"defaultDuration": "PT45M"}).is_success
        mid = made.outs["staff_ids"][NURSE]
        assert c.patch(f"/v1.0{base}/staffMembers/{mid}", json={"role": "administrator"}).is_success
        stranger = {"displayName": "X", "emailAddress": "x@northwindhealth.org", "role": "viewer"}
        assert c.post(f"/v1.0{base}/staffMembers", json=stranger).status_code == 201
    drifted = p.read(made.id, made.outs).outs
    assert drifted["published"] is False and drifted["unmanaged_staff"] == ["x@northwindhealth.org"]
    assert drifted["services"][0]["duration"] == "PT45M"
    assert drifted["staff"][1]["role"] == "administrator"
    assert p.diff(made.id, drifted, raw).changes is True
    p.update(made.id, drifted, raw)
    repaired = p.read(made.id, made.outs).outs
    assert p.diff(made.id, repaired, raw).changes is False
    assert repaired["unmanaged_staff"] == ["x@northwindhealth.org"]  # never removed


def test_update_adds_changes_and_removes_what_it_declared(tenant: Emulator):
    p = VirtualVisitsProvider()
    old = checked(p, inputs())
    made = p.create(old)
    new = checked(
        p,
        inputs(
            staff=[{"display_name": "Dr One", "email": DOCTOR, "role": "scheduler"}],
            services=[{"display_name": "Follow-up visit", "duration": "PT20M", "staff": [DOCTOR]}],
            published=False,
        ),
    )
    outs = p.update(made.id, made.outs, new).outs
    [doc] = businesses(tenant).values()
    assert [s["emailAddress"] for s in doc["staff"]] == [DOCTOR]
    assert doc["staff"][0]["role"] == "scheduler" and doc["staff"][0]["displayName"] == "Dr One"
    assert [(s["displayName"], s["defaultDuration"]) for s in doc["services"]] == [
        ("Follow-up visit", "PT20M")
    ]
    assert doc["isPublished"] is False and outs["public_url"] is None


def test_destroy_unpublishes_and_keeps_the_calendar(tenant: Emulator):
    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs()))
    p.delete(made.id, made.outs)
    [doc] = businesses(tenant).values()
    assert doc["isPublished"] is False and len(doc["services"]) == 2
    p.delete(made.id, made.outs)  # again: nothing left to do, nothing fails


def test_destroy_with_allow_data_deletion_deletes_it_as_the_user(tenant: Emulator):
    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs(allow_data_deletion=True)))
    p.delete(made.id, made.outs)
    assert businesses(tenant) == {}
    assert callers(tenant)[("DELETE", "/solutions/bookingBusinesses/{bid}")] == {OPERATOR_APP}
    assert p.read(made.id, made.outs).id is None


def test_throttled_calls_wait_retry_after(tenant: Emulator):
    rule = {
        "match": "POST /v1.0/solutions/bookingBusinesses/*/services",
        "throttle": 1,
        "retryAfter": 1,
        "limit": 1,
    }
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = VirtualVisitsProvider()
    started = time.monotonic()
    made = p.create(checked(p, inputs()))
    assert time.monotonic() - started >= 1
    seen = statuses(tenant)
    assert ("POST", "/solutions/bookingBusinesses/{bid}/services", 429) in seen
    assert len(made.outs["service_ids"]) == 2


def test_an_app_without_bookings_permissions_is_told_which(tenant: Emulator):
    from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET

    p = VirtualVisitsProvider()
    raw = checked(p, inputs())
    configure_for(tenant, AUDITOR_APP, AUDITOR_SECRET)  # the fixture configures {} after
    with pytest.raises(PermissionDenied) as err:
        p.create(raw)
    assert "Bookings.Manage.All" in str(err.value) and "VirtualVisits" in str(err.value)


def test_a_refused_delegated_call_names_the_delegated_permission(tenant: Emulator):
    # The signed-in user's token lacks the scope: a refusal names the delegated permission.
    rule = {
        "match": "POST /v1.0/solutions/bookingBusinesses",
        "respond": {
            "status": 403,
            "body": {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}},
        },
    }
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = VirtualVisitsProvider()
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, inputs()))
    assert "Bookings.Manage.All (delegated" in str(err.value)


def test_without_a_sign_in_the_create_says_how_to_sign_in(emu: Emulator, tmp_path: Path):
    connection.configure(config(emu, tmp_path / "nobody.json"))
    try:
        p = VirtualVisitsProvider()
        with pytest.raises(DelegatedSignInRequired, match="hcinfra signin"):
            p.create(checked(p, inputs()))
    finally:
        connection.configure({})


BAD = [
    ({"display_name": ""}, "display_name"),
    ({"email": "not-an-address"}, "email"),
    ({"web_site_url": "ftp://x"}, "web_site_url"),
    ({"published": "sometimes"}, "published"),
    ({"services": [{"display_name": "A", "duration": "30 minutes"}]}, "services.0.duration"),
    ({"services": [{"display_name": "A", "duration": "PT0M"}]}, "services.0.duration"),
    ({"services": [{"display_name": "A", "duration": "P2D"}]}, "services.0.duration"),
    ({"services": [{"display_name": "A", "colour": "red"}]}, "services.0.colour"),
    ({"staff": [{"display_name": "A", "email": "a@x.org", "role": "boss"}]}, "staff.0.role"),
    ({"staff": [{"display_name": "A", "email": "nope"}]}, "staff.0.email"),
    ({"unknown": 1}, "unknown"),
]


@pytest.mark.parametrize(("change", "where"), BAD)
def test_bad_inputs_are_refused_before_any_call(emu: Emulator, change: dict, where: str):
    p = VirtualVisitsProvider()
    since = emu.requests()["last"]
    failures = p.check({}, inputs(**change)).failures
    assert [f.property for f in failures] == [where], failures
    assert emu.requests(since)["entries"] == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"staff": [{"display_name": "A", "email": DOCTOR}] * 2}, "staff listed twice"),
        (
            {"services": [{"display_name": "Visit"}, {"display_name": "visit"}]},
            "services named twice",
        ),
        (
            {"services": [{"display_name": "Visit", "staff": ["ghost@x.org"]}]},
            "names staff not declared: ghost@x.org",
        ),
        (
            {
                "staff": [{"display_name": f"S{n}", "email": f"s{n}@x.org"} for n in range(101)],
                "services": [],
            },
            "at most 100",
        ),
    ],
)
def test_inconsistent_inputs_are_refused(change: dict, says: str):
    failures = VirtualVisitsProvider().check({}, inputs(**change)).failures
    assert failures and says in failures[0].reason, failures


def test_the_client_sends_at_most_four_calls_at_once_per_mailbox(tenant: Emulator):
    from concurrent.futures import ThreadPoolExecutor

    from hcinfra.resources.virtual_visits.calls import business_path

    p = VirtualVisitsProvider()
    made = p.create(checked(p, inputs()))
    rule = {"match": "GET /v1.0/solutions/bookingBusinesses/*", "latencyMs": 300}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    since = tenant.requests()["last"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: p._app("GET", business_path(made.id), bid=made.id), range(8)))
    codes = [e["status"] for e in tenant.requests(since)["entries"] if "solutions" in e["path"]]
    assert codes == [200] * 8  # the emulator throttles a fifth at once: none was sent
