"""Learn's examples for subscribed SKUs and group licence assignment, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import Example, check, replay
from tests.emulator.harness import TENANT_ID, Emulator

SKU_LIST = "https://learn.microsoft.com/en-us/graph/api/subscribedsku-list"
SKU_GET = "https://learn.microsoft.com/en-us/graph/api/subscribedsku-get"
ASSIGN = "https://learn.microsoft.com/en-us/graph/api/group-assignlicense"
SPE_F1 = "66b55226-6b4f-492c-910c-a3b7a3c9d993"
DESKLESSPACK = "4b585984-651b-448a-9e53-3b10f069cf7f"
EXCHANGE_S_DESKLESS = "4a82b400-a79f-41a4-b4e2-e94f5787b113"
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
SKU_KEYS = {
    "accountName", "accountId", "appliesTo", "capabilityStatus", "consumedUnits", "id",
    "prepaidUnits", "servicePlans", "skuId", "skuPartNumber", "subscriptionIds",
}  # fmt: skip


def test_subscribedsku_list_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-list"""
    ex = Example(SKU_LIST, "GET", "/subscribedSkus", context="subscribedSkus")
    body = check(replay(emu, ex), ex)
    for sku in body["value"]:
        assert set(sku) == SKU_KEYS
        assert set(sku["prepaidUnits"]) == {"enabled", "lockedOut", "suspended", "warning"}
        assert sku["id"].endswith("_" + sku["skuId"])
        for plan in sku["servicePlans"]:
            assert set(plan) == {
                "servicePlanId",
                "servicePlanName",
                "provisioningStatus",
                "appliesTo",
            }


def test_subscribedsku_list_supports_select(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-list"""
    ex = Example(
        SKU_LIST,
        "GET",
        "/subscribedSkus?$select=skuId,skuPartNumber",
        context="subscribedSkus(skuId,skuPartNumber)",
        item_keys={"skuId", "skuPartNumber"},
    )
    check(replay(emu, ex), ex)


def test_subscribedsku_list_does_not_support_filter(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-list"""
    ex = Example(SKU_LIST, "GET", "/subscribedSkus?$filter=skuPartNumber eq 'SPE_F1'", status=400)
    ex.error = "Request_UnsupportedQuery"
    check(replay(emu, ex), ex)


def test_subscribedsku_get_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-get"""
    ex = Example(
        SKU_GET,
        "GET",
        "/subscribedSkus/{sku}",
        context="subscribedSkus/$entity",
        props={"skuId": SPE_F1, "skuPartNumber": "SPE_F1", "appliesTo": "User"},
    )
    body = check(replay(emu, ex, {"sku": f"{TENANT_ID}_{SPE_F1}"}), ex)
    assert body["capabilityStatus"] == "Enabled" and body["prepaidUnits"]["enabled"] == 250


def test_subscribedsku_get_supports_no_query_options(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-get"""
    ex = Example(SKU_GET, "GET", "/subscribedSkus/{sku}?$select=skuId", status=400)
    ex.error = "Request_UnsupportedQuery"
    check(replay(emu, ex, {"sku": f"{TENANT_ID}_{SPE_F1}"}), ex)


def assign(gid: str) -> dict[str, str]:
    return {
        "group": gid,
        "location": f"/v2/{TENANT_ID}/directoryObjects/{gid}/Microsoft.DirectoryServices.Group",
    }


ADD = Example(
    ASSIGN,
    "POST",
    "/groups/{group}/assignLicense",
    body={
        "addLicenses": [
            {"disabledPlans": [EXCHANGE_S_DESKLESS, TEAMS1], "skuId": SPE_F1},
            {"disabledPlans": [TEAMS1], "skuId": DESKLESSPACK},
        ],
        "removeLicenses": [],
    },
    status=202,
    props={"groupTypes": [], "securityEnabled": True},
)


def test_group_assignlicense_example_1_add(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-assignlicense"""
    gid = emu.make_group("ward4")
    r = replay(emu, ADD, assign(gid))
    body = check(r, ADD, assign(gid))
    assert body["id"] == gid and body["createdDateTime"]
    assert r.headers["location"].endswith(assign(gid)["location"])
    state = emu.graph("GET", f"/groups/{gid}?$select=assignedLicenses").json()
    assert {lic["skuId"] for lic in state["assignedLicenses"]} == {SPE_F1, DESKLESSPACK}


def test_group_assignlicense_example_2_remove(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-assignlicense"""
    gid = emu.make_group("ward4")
    check(replay(emu, ADD, assign(gid)), ADD)
    ex = Example(
        ASSIGN,
        "POST",
        "/groups/{group}/assignLicense",
        body={"addLicenses": [], "removeLicenses": [DESKLESSPACK, SPE_F1]},
        status=202,
        props={"deletedDateTime": None, "classification": None, "securityEnabled": True},
    )
    r = replay(emu, ex, assign(gid))
    check(r, ex)
    assert r.headers["location"].endswith(assign(gid)["location"])
    state = emu.graph("GET", f"/groups/{gid}?$select=assignedLicenses").json()
    assert state["assignedLicenses"] == []
