"""`hcinfra doctor` against the emulator: the three seeded apps, and networks the tenant
cannot serve. Every run is checked (in conftest) to make no write."""

from __future__ import annotations

from typing import Any

import yaml

from hcinfra.doctor.model import STATUSES
from tests.doctor.conftest import Doctor
from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    GRAPH_SCOPE,
    UNPRIVILEGED_APP,
    UNPRIVILEGED_SECRET,
    Emulator,
)

GRAPH = "https://graph.microsoft.com/v1.0"

IDS = [
    "token.graph",
    "token.exchange",
    "token.teamsadmin",
    "tenant.id",
    "permissions.graph",
    "permissions.exchange",
    "roles.directory",
    "domains.accepted",
    "licences.skus",
    "licences.seats",
    "licences.plans",
    "members.resolve",
    "signin.delegated",
    "contract.exchange.not-found",
    "contract.teams.group-assignments",
    "contract.teams.policy-read",
    "contract.teams.federation",
]


def test_doctor_automation_app_all_good(doctor: Doctor) -> None:
    run = doctor()
    assert run.code == 0, run.report
    report = run.report
    assert report is not None
    assert report["schema"] == "hcinfra.doctor/v1"
    assert report["result"] == "ok"
    assert [c["id"] for c in report["checks"]] == IDS
    assert {c["status"] for c in report["checks"]} <= {"ok", "warning"}
    for c in report["checks"]:
        assert set(c) == {"id", "status", "finding", "fix", "details"}
        assert c["status"] in STATUSES
    # A fresh tenant has no group policy assignment: the item shape is not seen yet.
    assert run.status("contract.teams.group-assignments") == "warning"
    assert "404" in run.check("contract.exchange.not-found")["finding"]
    signin = run.check("signin.delegated")["finding"]
    assert "signed in as admin@northwindhealth.onmicrosoft.com" in signin
    assert "Bookings.Manage.All" in signin and "STM, HSA, CHM" in signin
    assert report["summary"]["checks"] == len(IDS)
    # Tokens, one $batch per Graph area, two cmdlets and three Teams reads: never a write.
    assert run.log["calls"] <= 17
    assert not any("/Teams.VerticalPackaging/" in e["path"] for e in run.log["entries"])


def test_doctor_without_a_sign_in_names_the_sites_and_the_fix(doctor: Doctor) -> None:
    run = doctor(signed_in=False)
    assert run.code == 2
    check = run.check("signin.delegated")
    assert check["status"] == "problem"
    assert "virtual visits at STM, HSA, CHM need a signed-in operator" in check["finding"]
    assert "hcinfra:delegatedClientId" in check["finding"]
    assert "hcinfra signin" in check["fix"]


def test_doctor_needs_no_sign_in_without_virtual_visits(doctor: Doctor, network_file: Any) -> None:
    def no_visits(data: dict[str, Any]) -> None:
        del data["baseline"]["virtual_visits"]

    run = doctor(network_file(no_visits), signed_in=False)
    assert run.code == 0, run.report
    assert run.status("signin.delegated") == "ok"
    assert "no sign-in is needed" in run.check("signin.delegated")["finding"]


def test_doctor_auditor_app_missing_permissions_and_roles(doctor: Doctor) -> None:
    run = doctor(app=AUDITOR_APP, secret=AUDITOR_SECRET)
    assert run.code == 2
    graph = run.check("permissions.graph")
    assert graph["status"] == "problem"
    # The auditor holds Group.Read.All: the manifest needs the ReadWrite one.
    for name in ("Group.ReadWrite.All", "LicenseAssignment.ReadWrite.All", "Team.Create"):
        assert name in graph["details"] and name in graph["fix"]
    # Held permissions are not named as missing.
    assert "Directory.Read.All" not in graph["details"]
    assert "Microsoft Graph" in graph["fix"] and "admin consent" in graph["fix"]
    assert "stacks/bootstrap" in graph["fix"]
    exchange = run.check("permissions.exchange")
    assert exchange["status"] == "problem"
    assert exchange["details"] == ["Exchange.ManageAsApp"]
    assert "Office 365 Exchange Online" in exchange["fix"]
    roles = run.check("roles.directory")
    assert roles["status"] == "problem"
    assert roles["details"] == ["Exchange Administrator", "Teams Administrator"]
    # Graph reads the auditor may make still run.
    assert run.status("members.resolve") == "ok"
    assert run.status("licences.seats") == "ok"
    for check_id in ("domains.accepted", "contract.exchange.not-found"):
        assert run.status(check_id) == "could-not-check"
        assert "401" in run.check(check_id)["finding"]
    assert run.status("contract.teams.policy-read") == "could-not-check"
    assert run.status("contract.teams.federation") == "could-not-check"


def test_doctor_unprivileged_app_lacks_everything(doctor: Doctor) -> None:
    run = doctor(app=UNPRIVILEGED_APP, secret=UNPRIVILEGED_SECRET)
    assert run.code == 2
    graph = run.check("permissions.graph")
    assert "User.Read.All" in graph["details"] and "Directory.Read.All" in graph["details"]
    assert run.check("permissions.exchange")["details"] == ["Exchange.ManageAsApp"]
    assert run.check("roles.directory")["details"] == [
        "Exchange Administrator",
        "Teams Administrator",
    ]
    # It gets tokens, but no read is allowed: those checks say why they could not run.
    assert run.status("token.graph") == "ok"
    for check_id in ("members.resolve", "licences.skus", "contract.teams.group-assignments"):
        assert run.status(check_id) == "could-not-check"
        assert "403" in run.check(check_id)["finding"]


def test_doctor_domain_not_accepted(doctor: Doctor, network_file: Any) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tenant"]["domains"].append("clinique-nord.example.org")
        data["sites"][0]["mail_domain"] = "clinique-nord.example.org"

    run = doctor(network_file(change))
    assert run.code == 2
    check = run.check("domains.accepted")
    assert check["status"] == "problem"
    assert "clinique-nord.example.org" in check["finding"]
    # Each domain missing is named with where the file declares it.
    assert (
        "clinique-nord.example.org: not accepted (tenant.domains, STM mail_domain)"
        in check["details"]
    )
    assert "stm.northwindhealth.org: Authoritative" in check["details"]
    assert "Settings > Domains" in check["fix"]


def test_doctor_missing_member(doctor: Doctor, network_file: Any) -> None:
    def change(data: dict[str, Any]) -> None:
        data["sites"][2]["members"]["clinical"].append("ghost.nurse@northwindhealth.org")

    run = doctor(network_file(change))
    assert run.code == 2
    check = run.check("members.resolve")
    assert check["status"] == "problem"
    assert check["details"] == ["ghost.nurse@northwindhealth.org (CHM clinical)"]
    # Only this one: the others resolved.
    assert "1 declared member " in check["finding"]


def test_doctor_many_members_stay_in_one_batch(doctor: Doctor, network_file: Any) -> None:
    nurses = [f"nurse{n:03d}@northwindhealth.org" for n in range(30, 120)]

    def change(data: dict[str, Any]) -> None:
        data["sites"][0]["members"]["clinical"] += nurses

    run = doctor(network_file(change))
    assert run.code == 0, run.report
    assert run.status("members.resolve") == "ok"
    assert str(len(nurses) + 20) in run.check("members.resolve")["finding"]
    users = [e for e in run.log["entries"] if e["route"] == "/users"]
    # 110 users, 15 to a filter: 8 queries for members.resolve and 8 for the seats the
    # network's groups hold (licences.seats), all items of $batch calls.
    assert len(users) == 16 and all(e["batch_item"] for e in users)
    batches = [e for e in run.log["entries"] if e["route"] == "/$batch"]
    assert len(batches) <= 3, batches


def test_doctor_licences_short_unknown_sku_and_plan(
    doctor: Doctor, network_file: Any, emu: Emulator
) -> None:
    # Validation checks plan names against hcinfra's SKU catalogue, so the plan the tenant
    # lacks is one its SPE_F1 does not offer (the tenant's answer, changed by a fault).
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        answer = c.get("/v1.0/subscribedSkus").json()
    for sku in answer["value"]:
        if sku["skuPartNumber"] == "SPE_F1":
            plans = sku["servicePlans"]
            sku["servicePlans"] = [p for p in plans if p["servicePlanName"] != "YAMMER_ENTERPRISE"]
    rule = {"match": "GET /v1.0/subscribedSkus", "respond": {"status": 200, "body": answer}}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()

    def change(data: dict[str, Any]) -> None:
        roles = {r["key"]: r for r in data["baseline"]["roles"]}
        roles["clinical"]["seats"] = 100  # 100 + 60 (HSA's override) + 100 > 250 SPE_F1
        roles["nurse-managers"]["licences"] = [{"sku": "ENTERPRISEPACK"}]
        data["tenant"]["licence_pool"] = {}

    run = doctor(network_file(change))
    assert run.code == 2
    seats = run.check("licences.seats")
    assert seats["status"] == "problem"
    assert "SPE_F1 (10 short)" in seats["finding"]
    assert "SPE_F1: 260 needed, 250 free (250 enabled, 0 consumed)" in seats["details"]
    skus = run.check("licences.skus")
    # Each unknown name says where it is declared: site and role.
    assert skus["status"] == "problem" and skus["details"] == [
        "ENTERPRISEPACK (STM nurse-managers, HSA nurse-managers, CHM nurse-managers)"
    ]
    plans = run.check("licences.plans")
    assert plans["status"] == "problem" and plans["details"] == [
        "SPE_F1: YAMMER_ENTERPRISE (STM clinical, HSA clinical, CHM clinical)"
    ]


def _licensed_group(emu: Emulator, nickname: str, upns: list[str], sku: str) -> None:
    """A security group holding `sku` for these users, made straight through Graph."""
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        ids = [c.get(f"/v1.0/users/{u}").json()["id"] for u in upns]
        skus = c.get("/v1.0/subscribedSkus").json()["value"]
        sku_id = next(s["skuId"] for s in skus if s["skuPartNumber"] == sku)
        group = c.post(
            "/v1.0/groups",
            json={
                "displayName": nickname,
                "mailNickname": nickname,
                "mailEnabled": False,
                "securityEnabled": True,
                "members@odata.bind": [f"{GRAPH}/directoryObjects/{i}" for i in ids],
            },
        )
        group.raise_for_status()
        body = {"addLicenses": [{"skuId": sku_id, "disabledPlans": []}], "removeLicenses": []}
        c.post(f"/v1.0/groups/{group.json()['id']}/assignLicense", json=body).raise_for_status()


def test_doctor_seats_held_by_the_networks_groups_are_free_to_it(
    doctor: Doctor, network_file: Any, emu: Emulator
) -> None:
    # A re-run: the seats STM's clinical group holds now are the ones it needs again.
    emu.admin("PUT", "faults", json={"licenseProcessingMs": 0}).raise_for_status()

    def exact(data: dict[str, Any]) -> None:
        roles = {r["key"]: r for r in data["baseline"]["roles"]}
        roles["clinical"]["seats"] = 95  # 95 + 60 (HSA) + 95 = 250: every SPE_F1 seat
        data["tenant"]["licence_pool"] = {}

    network = network_file(exact)
    stm = yaml.safe_load(network.read_text())["sites"][0]["members"]["clinical"]
    _licensed_group(emu, "stm-clinical-workers", stm, "SPE_F1")
    run = doctor(network)
    seats = run.check("licences.seats")
    assert seats["status"] == "ok", seats
    held = len(stm)
    assert (
        f"SPE_F1: 250 needed, 250 free (250 enabled, {held} consumed, {held} of them by the "
        "network's groups)" in seats["details"]
    )

    # Seats a group outside the network holds are taken: the same users, one more SKU.
    _licensed_group(emu, "pharmacy-robots", stm, "M365_F1_COMM")

    def tight(data: dict[str, Any]) -> None:
        exact(data)
        roles = {r["key"]: r for r in data["baseline"]["roles"]}
        roles["patient-rooms"]["seats"] = 20  # 3 x 20 = 60: every M365_F1_COMM seat

    run = doctor(network_file(tight))
    seats = run.check("licences.seats")
    assert seats["status"] == "problem"
    assert f"M365_F1_COMM ({held} short)" in seats["finding"]
