"""Users and licences: select-only properties, sign-in, usage location, group licensing."""

from __future__ import annotations

import time

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from tests.emulator.graphsdk import graph, run
from tests.emulator.harness import GRAPH_SCOPE, Emulator

SPE_F1 = "66b55226-6b4f-492c-910c-a3b7a3c9d993"
SPE_E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"  # 25 prepaid seats in the seed
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"


def test_user_default_properties_exclude_select_only_ones(emu: Emulator):
    async def scenario():
        client = graph(emu)
        user = await client.users.by_user_id("nurse001@northwindhealth.org").get()
        assert user.user_principal_name == "nurse001@northwindhealth.org"
        assert user.account_enabled is None and user.usage_location is None
        params = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["accountEnabled", "usageLocation"]
        )
        user = await client.users.by_user_id(user.id).get(
            RequestConfiguration(query_parameters=params)
        )
        assert user.account_enabled is True and user.usage_location == "CA"

    run(scenario)


def test_block_sign_in_with_the_narrow_permission(emu: Emulator):
    async def scenario():
        client = graph(emu)
        await client.users.by_user_id("clerk001@northwindhealth.org").patch(
            User(account_enabled=False)
        )
        # User.EnableDisableAccount.All covers sign-in only; other properties need more.
        with pytest.raises(ODataError) as err:
            await client.users.by_user_id("clerk001@northwindhealth.org").patch(
                User(usage_location="US")
            )
        assert err.value.response_status_code == 403

    run(scenario)
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        user = c.get(
            "/v1.0/users/clerk001@northwindhealth.org",
            params={"$select": "accountEnabled,usageLocation"},
        ).json()
    assert user["accountEnabled"] is False and user["usageLocation"] == "CA"


def test_direct_assignment_needs_usage_location(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        body = {"addLicenses": [{"skuId": SPE_F1, "disabledPlans": []}], "removeLicenses": []}
        r = c.post("/v1.0/users/agency001@northwindhealth.org/assignLicense", json=body)
        assert r.status_code == 400
        assert r.json()["error"]["message"] == (
            "License assignment cannot be done for user with invalid usage location."
        )
        r = c.post("/v1.0/users/nurse002@northwindhealth.org/assignLicense", json=body)
        assert r.status_code == 200
        skus = {s["skuId"]: s for s in c.get("/v1.0/subscribedSkus").json()["value"]}
    assert skus[SPE_F1]["consumedUnits"] == 1
    assert skus[SPE_F1]["prepaidUnits"]["enabled"] == 250
    assert skus[SPE_F1]["skuPartNumber"] == "SPE_F1"


def _group_with_members(client, name: str, upns: list[str]):
    async def make():
        group = await client.groups.post(
            Group(
                display_name=name,
                mail_nickname=name.lower().replace(" ", "-"),
                mail_enabled=False,
                security_enabled=True,
            )
        )
        from msgraph.generated.models.reference_create import ReferenceCreate

        for upn in upns:
            user = await client.users.by_user_id(upn).get()
            await client.groups.by_group_id(group.id).members.ref.post(
                ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/users/{user.id}")
            )
        return group

    return make()


def test_group_licensing_processes_then_reports_count_violations(emu: Emulator):
    emu.admin("PUT", "faults", json={"licenseProcessingMs": 300}).raise_for_status()
    upns = [f"nurse{n:03}@northwindhealth.org" for n in range(1, 31)]  # 30 > 25 E5 seats

    async def scenario():
        client = graph(emu)
        group = await _group_with_members(client, "STM Physicians", upns)
        body = AssignLicensePostRequestBody(
            add_licenses=[AssignedLicense(sku_id=SPE_E5, disabled_plans=[TEAMS1])],
            remove_licenses=[],
        )
        result = await client.groups.by_group_id(group.id).assign_license.post(body)
        assert result.id == group.id
        return group.id

    gid = run(scenario)
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        select = {"$select": "licenseProcessingState,assignedLicenses"}
        state = c.get(f"/v1.0/groups/{gid}", params=select).json()
        assert state["licenseProcessingState"] == {"state": "QueuedForProcessing"}
        assert state["assignedLicenses"] == [{"skuId": SPE_E5, "disabledPlans": [TEAMS1]}]
        time.sleep(0.4)
        state = c.get(f"/v1.0/groups/{gid}", params=select).json()
        assert state["licenseProcessingState"] == {"state": "ProcessingComplete"}
        errors = c.get(f"/v1.0/groups/{gid}/membersWithLicenseErrors").json()["value"]
        assert len(errors) == 5
        user = c.get(
            f"/v1.0/users/{upns[-1]}", params={"$select": "licenseAssignmentStates"}
        ).json()
        [st] = user["licenseAssignmentStates"]
        assert st["state"] == "Error" and st["error"] == "CountViolation"
        assert st["assignedByGroup"] == gid
        skus = {s["skuId"]: s for s in c.get("/v1.0/subscribedSkus").json()["value"]}
        assert skus[SPE_E5]["consumedUnits"] == 25


def test_member_without_usage_location_inherits_the_tenants(emu: Emulator):
    emu.admin("PUT", "faults", json={"licenseProcessingMs": 0}).raise_for_status()

    async def scenario():
        client = graph(emu)
        group = await _group_with_members(client, "Agency", ["agency001@northwindhealth.org"])
        await client.groups.by_group_id(group.id).assign_license.post(
            AssignLicensePostRequestBody(
                add_licenses=[AssignedLicense(sku_id=SPE_F1, disabled_plans=[])],
                remove_licenses=[],
            )
        )

    run(scenario)
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        user = c.get(
            "/v1.0/users/agency001@northwindhealth.org",
            params={"$select": "licenseAssignmentStates,assignedLicenses"},
        ).json()
    assert user["licenseAssignmentStates"][0]["state"] == "Active"
    assert user["assignedLicenses"] == [{"skuId": SPE_F1, "disabledPlans": []}]


def test_unknown_sku_or_plan_is_refused(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        gid = c.post(
            "/v1.0/groups",
            json={
                "displayName": "g",
                "mailNickname": "g",
                "mailEnabled": False,
                "securityEnabled": True,
            },
        ).json()["id"]
        bad_sku = {
            "addLicenses": [{"skuId": "00000000-0000-0000-0000-000000000000"}],
            "removeLicenses": [],
        }
        r = c.post(f"/v1.0/groups/{gid}/assignLicense", json=bad_sku)
        assert r.status_code == 400
        bad_plan = {
            "addLicenses": [{"skuId": SPE_F1, "disabledPlans": [SPE_E5]}],
            "removeLicenses": [],
        }
        assert c.post(f"/v1.0/groups/{gid}/assignLicense", json=bad_plan).status_code == 400
        state = c.get(f"/v1.0/groups/{gid}", params={"$select": "assignedLicenses"}).json()
    assert state["assignedLicenses"] == []
