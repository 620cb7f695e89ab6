"""GroupLicenseAssignment's provider against the emulator: assign, adopt, drift, seats, delete."""

from __future__ import annotations

import time

import pytest

from hcinfra.clients import connection
from hcinfra.clients.errors import PermissionDenied
from hcinfra.clients.settings import Settings
from hcinfra.resources.base import CheckError
from hcinfra.resources.group_license import GroupLicenseProvider
from hcinfra.resources.group_license.skus import forget_catalogs
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator
from tests.resources.conftest import settings_for

SPE_F1 = "66b55226-6b4f-492c-910c-a3b7a3c9d993"
SPE_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
SPE_E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
DESKLESS = "4b585984-651b-448a-9e53-3b10f069cf7f"
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
OBJECT = "https://graph.microsoft.com/v1.0/directoryObjects/"


@pytest.fixture(autouse=True)
def _fresh_catalog():
    """Each test reads the SKU catalog as a new provider process would."""
    forget_catalogs()


def make_group(emu: Emulator, nurses: int = 3, name: str = "stm-nurses") -> str:
    """A security group of the first `nurses` seeded nurses, made behind the provider."""
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        ids = [
            c.get(f"/v1.0/users/nurse{n:03d}@northwindhealth.org").json()["id"]
            for n in range(1, nurses + 1)
        ]
        made = c.post(
            "/v1.0/groups",
            json={
                "displayName": name,
                "mailNickname": name,
                "mailEnabled": False,
                "securityEnabled": True,
            },
        )
        made.raise_for_status()
        gid = made.json()["id"]
        for uid in ids:
            c.post(f"/v1.0/groups/{gid}/members/$ref", json={"@odata.id": OBJECT + uid})
    return gid


def assign(emu: Emulator, gid: str, add: list[dict], remove: list[str]) -> None:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post(
            f"/v1.0/groups/{gid}/assignLicense", json={"addLicenses": add, "removeLicenses": remove}
        )
        r.raise_for_status()


def licences(emu: Emulator, gid: str) -> dict[str, list[str]]:
    group = emu.admin("GET", "state").json()["group"][gid]
    return {lic["skuId"]: lic["disabledPlans"] for lic in group.get("assignedLicenses") or []}


def tenant_writes(emu: Emulator, since: int = 0) -> int:
    """Writes to Graph (token requests are POSTs too, and change nothing)."""
    entries = emu.requests(since)["entries"]
    return sum(1 for e in entries if e["method"] != "GET" and "/oauth2/" not in e["path"])


def inputs(gid: str, **extra) -> dict:
    base = {"group_id": gid, "skus": [{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}]}
    return {**base, **extra}


def checked(p: GroupLicenseProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def processing(emu: Emulator, ms: int) -> None:
    emu.admin("PUT", "faults", json={"licenseProcessingMs": ms}).raise_for_status()


def test_create_assigns_skus_with_disabled_plans(tenant: Emulator):
    gid = make_group(tenant)
    processing(tenant, 200)
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid)))
    assert made.id == gid
    assert licences(tenant, gid) == {SPE_F1: [TEAMS1]}
    assert made.outs["sku_ids"] == {"SPE_F1": SPE_F1}
    assert made.outs["assigned"] == [{"sku_id": SPE_F1, "disabled_plans": [TEAMS1]}]
    assert made.outs["license_processing_state"] == "QueuedForProcessing"
    time.sleep(0.4)
    read = p.read(gid, made.outs)
    assert read.outs["license_processing_state"] == "ProcessingComplete"
    assert read.outs["members_in_error"] == []
    assert p.diff(gid, read.outs, checked(p, inputs(gid))).changes is False


def shapes(emu: Emulator, since: int = 0) -> list[str]:
    """Graph requests after `since`, as method and route (tokens left out)."""
    entries = emu.requests(since)["entries"]
    return [f"{e['method']} {e['route']}" for e in entries if "/oauth2/" not in e["path"]]


def test_create_reads_the_group_once_and_writes_once(tenant: Emulator):
    gid = make_group(tenant)
    p = GroupLicenseProvider()
    raw = checked(p, inputs(gid))
    since = tenant.requests()["last"]
    made = p.create(raw)
    # The catalog came with check; the group is read before the write and not after it:
    # a group that held no licence has no member in error, and it is queued now.
    assert shapes(tenant, since) == ["GET /groups/{gid}", "POST /groups/{gid}/assignLicense"]
    assert made.outs["members_in_error"] == [] and made.outs["unmanaged_skus"] == []


def test_the_sku_catalog_is_read_once_per_process(tenant: Emulator):
    p = GroupLicenseProvider()
    for name in ("stm-nurses", "stm-clerks", "stm-rooms"):
        p.create(checked(p, inputs(make_group(tenant, name=name))))
    reads = [s for s in shapes(tenant) if s.endswith("/subscribedSkus")]
    assert reads == ["GET /subscribedSkus"]


def test_a_plan_of_unchanged_inputs_reads_nothing(tenant: Emulator):
    gid = make_group(tenant)
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid)))
    forget_catalogs()  # a new provider process, as a preview starts one
    since = tenant.requests()["last"]
    result = p.check(made.outs, inputs(gid))
    assert result.failures == []
    assert p.diff(gid, made.outs, result.inputs).changes is False
    assert tenant.requests(since)["total"] == 0


def test_create_on_a_licensed_group_reports_what_it_holds(tenant: Emulator):
    gid = make_group(tenant)
    assign(tenant, gid, [{"skuId": SPE_E3}], [])  # someone else's licence
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid)))
    assert made.outs["unmanaged_skus"] == ["SPE_E3"]
    assert made.outs["assigned"] == [
        {"sku_id": SPE_E3, "disabled_plans": []},
        {"sku_id": SPE_F1, "disabled_plans": [TEAMS1]},
    ]
    again = p.create(checked(p, inputs(gid)))  # a retried create: nothing left to send
    posts = [s for s in shapes(tenant) if s.startswith("POST /groups/{gid}/assignLicense")]
    assert len(posts) == 2  # the test's own, then the first create's
    assert again.outs["assigned"] == made.outs["assigned"]


def test_seats_run_out_and_members_in_error_show_it(tenant: Emulator):
    gid = make_group(tenant, nurses=30)
    processing(tenant, 100)
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid, skus=[{"sku": "SPE_E5"}])))
    assert made.outs["license_processing_state"] == "QueuedForProcessing"
    time.sleep(0.3)
    read = p.read(gid, made.outs)
    assert read.outs["license_processing_state"] == "ProcessingComplete"
    errors = read.outs["members_in_error"]
    assert len(errors) == 5  # SPE_E5 has 25 seats for 30 nurses
    assert {e["sku"] for e in errors} == {"SPE_E5"}
    assert {e["error"] for e in errors} == {"CountViolation"}
    assert all(e["user_principal_name"].startswith("nurse0") and e["user_id"] for e in errors)


def test_create_after_a_lost_response_sends_the_same_assignment(tenant: Emulator):
    gid = make_group(tenant)
    tenant.admin(
        "PUT",
        "faults",
        json={
            "rules": [{"match": "POST /v1.0/groups/*/assignLicense", "dropResponse": 1, "limit": 1}]
        },
    )
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid)))
    assert licences(tenant, gid) == {SPE_F1: [TEAMS1]}
    posts = [
        c
        for c in tenant.requests()["counts"]
        if c["route"] == "/groups/{gid}/assignLicense" and c["method"] == "POST"
    ]
    assert sum(c["count"] for c in posts) == 2  # the retry sent the same body again
    assert made.outs["assigned"] == [{"sku_id": SPE_F1, "disabled_plans": [TEAMS1]}]


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    gid = make_group(tenant)
    tenant.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {
                    "match": "POST /v1.0/groups/*/assignLicense",
                    "throttle": 1,
                    "retryAfter": 1,
                    "limit": 2,
                }
            ]
        },
    )
    p = GroupLicenseProvider()
    started = time.monotonic()
    p.create(checked(p, inputs(gid)))
    assert time.monotonic() - started >= 2  # waited Retry-After twice
    statuses = {(c["route"], c["status"]) for c in tenant.requests()["counts"]}
    assert ("/groups/{gid}/assignLicense", 429) in statuses
    assert ("/groups/{gid}/assignLicense", 202) in statuses


def test_a_group_not_yet_replicated_is_waited_for(tenant: Emulator):
    tenant.admin(
        "PUT", "faults", json={"rules": [{"match": "POST /v1.0/groups", "consistencyMs": 2500}]}
    )
    gid = make_group(tenant, nurses=0, name="fresh-group")
    p = GroupLicenseProvider()
    p.create(checked(p, inputs(gid)))
    assert licences(tenant, gid) == {SPE_F1: [TEAMS1]}
    assert any(c["status"] == 404 for c in tenant.requests()["counts"])


def test_read_shows_drift_and_update_repairs_it_without_touching_other_skus(tenant: Emulator):
    gid = make_group(tenant)
    p = GroupLicenseProvider()
    declared = inputs(
        gid, skus=[{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}, {"sku": "DESKLESSPACK"}]
    )
    made = p.create(checked(p, declared))
    # Behind Pulumi's back: TEAMS1 re-enabled, DESKLESSPACK removed, SPE_E3 added.
    assign(tenant, gid, [{"skuId": SPE_F1, "disabledPlans": []}, {"skuId": SPE_E3}], [DESKLESS])
    read = p.read(gid, made.outs)
    assert read.outs["skus"] == [{"sku": "SPE_F1", "disabled_plans": []}]
    assert read.outs["unmanaged_skus"] == ["SPE_E3"]
    diff = p.diff(gid, read.outs, checked(p, declared))
    assert diff.changes and diff.replaces == []
    p.update(gid, read.outs, checked(p, declared))
    assert licences(tenant, gid) == {SPE_F1: [TEAMS1], DESKLESS: [], SPE_E3: []}
    again = p.read(gid, made.outs)
    assert p.diff(gid, again.outs, checked(p, declared)).changes is False


def test_update_removes_only_skus_it_declared(tenant: Emulator):
    gid = make_group(tenant)
    p = GroupLicenseProvider()
    old = checked(p, inputs(gid, skus=[{"sku": "SPE_F1"}, {"sku": "DESKLESSPACK"}]))
    made = p.create(old)
    assign(tenant, gid, [{"skuId": SPE_E3}], [])  # someone else's licence
    new = checked(p, inputs(gid, skus=[{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}]))
    out = p.update(gid, made.outs, new)
    assert licences(tenant, gid) == {SPE_F1: [TEAMS1], SPE_E3: []}
    assert out.outs["sku_ids"] == {"SPE_F1": SPE_F1}
    assert out.outs["unmanaged_skus"] == ["SPE_E3"]


def test_changing_the_group_is_a_replacement(tenant: Emulator):
    p = GroupLicenseProvider()
    old = inputs("11111111-1111-1111-1111-111111111111")
    new = inputs("22222222-2222-2222-2222-222222222222")
    assert p.diff("x", old, new).replaces == ["group_id"]
    assert p.diff("x", old, old).changes is False
    assert tenant.requests()["total"] == 0


def test_delete_removes_exactly_the_declared_skus(tenant: Emulator):
    gid = make_group(tenant)
    p = GroupLicenseProvider()
    made = p.create(checked(p, inputs(gid, skus=[{"sku": "SPE_F1"}, {"sku": "DESKLESSPACK"}])))
    assign(tenant, gid, [{"skuId": SPE_E3}], [])
    p.delete(gid, made.outs)
    assert licences(tenant, gid) == {SPE_E3: []}
    p.delete(gid, made.outs)  # nothing left to remove: fine
    with tenant.client(headers=tenant.headers(GRAPH_SCOPE)) as c:
        c.delete(f"/v1.0/groups/{gid}").raise_for_status()
    assert p.read(gid, made.outs).id is None
    p.delete(gid, made.outs)  # group gone: fine


def test_unknown_sku_and_plan_fail_check_naming_the_known_ones(tenant: Emulator):
    p = GroupLicenseProvider()
    raw = inputs(
        "11111111-1111-1111-1111-111111111111",
        skus=[{"sku": "SPE_E7"}, {"sku": "SPE_E3", "disabled_plans": ["TEAMS1", "TEAMS9"]}],
    )
    failures = {f.property: f.reason for f in p.check({}, raw).failures}
    assert set(failures) == {"skus.0.sku", "skus.1.disabled_plans"}
    assert "SPE_E5" in failures["skus.0.sku"] and "DESKLESSPACK" in failures["skus.0.sku"]
    assert "TEAMS9" in failures["skus.1.disabled_plans"]
    assert "EXCHANGE_S_ENTERPRISE" in failures["skus.1.disabled_plans"]
    assert tenant_writes(tenant) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skus": [{"sku": "SPE_F1"}, {"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}]}, "skus"),
        ({"skus": []}, "skus"),
        ({"group_id": "stm-nurses"}, "group_id"),
        ({"skus": [{"sku": "SPE F1"}]}, "skus.0.sku"),
        (
            {"skus": [{"sku": "SPE_F1", "disabled_plans": ["TEAMS1", "TEAMS1"]}]},
            "skus.0.disabled_plans",
        ),
        ({"skus": [{"sku": "SPE_F1", "plans": []}]}, "skus.0.plans"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = GroupLicenseProvider()
    result = p.check({}, inputs("11111111-1111-1111-1111-111111111111", **change))
    assert [f.property for f in result.failures] == [field]
    assert tenant.requests()["total"] == 0


def use(s: Settings, endpoint: str | None = None) -> None:
    """Point hcinfra's connection at these settings (optionally another endpoint)."""
    connection.configure(
        {
            "hcinfra:tenantId": s.tenant_id,
            "hcinfra:clientId": s.client_id,
            "hcinfra:clientSecret": s.client_secret,
            "hcinfra:endpoint": endpoint or s.endpoint,
            "hcinfra:caBundle": s.ca_bundle,
        }
    )


def test_check_without_a_tenant_skips_the_names_and_create_checks_them(tenant: Emulator):
    p = GroupLicenseProvider()
    raw = inputs(make_group(tenant), skus=[{"sku": "SPE_E7"}])
    use(settings_for(tenant), endpoint="https://127.0.0.1:9")  # nothing listens there
    started = time.monotonic()
    result = p.check({}, raw)
    assert result.failures == []
    assert time.monotonic() - started < 30
    use(settings_for(tenant))
    since = tenant.requests()["last"]
    with pytest.raises(CheckError) as err:
        p.create(result.inputs)
    assert "SPE_E7" in str(err.value) and "SPE_F1" in str(err.value)
    assert tenant_writes(tenant, since) == 0


def test_permission_denied_names_the_permission(emu: Emulator):
    gid = make_group(emu)
    use(settings_for(emu, AUDITOR_APP, AUDITOR_SECRET))
    try:
        p = GroupLicenseProvider()
        raw = checked(p, inputs(gid))  # the auditor may read the SKUs
        with pytest.raises(PermissionDenied) as err:
            p.create(raw)
        assert "GroupLicenseAssignment needs LicenseAssignment.ReadWrite.All" in str(err.value)
        assert licences(emu, gid) == {}
    finally:
        connection.configure({})
