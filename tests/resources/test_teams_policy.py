"""TeamsPolicy's provider against the emulator: typed settings, adopt, drift, delete."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.teams_apps import TEAMS_APPS
from hcinfra.resources.teams_policy import PolicyStillAssigned, TeamsPolicyProvider
from tests.emulator.harness import GRAPH_SCOPE, TEAMS_SCOPE, Emulator

CFG = "/Skype.Policy/configurations"
GPA = "/Skype.Policy/groupPolicyAssignments"
MESSAGING = {
    "policy_type": "TeamsMessagingPolicy",
    "name": "Ward 4 Messaging",
    "settings": {
        "Description": "Clinical chat for ward 4",
        "AllowPriorityMessages": True,
        "ReadReceiptsEnabledType": "Everyone",
        "AllowGiphy": False,
        "GiphyRatingType": "Strict",
        "AudioMessageEnabledType": "ChatsOnly",
    },
}
APP_SETUP = {
    "policy_type": "TeamsAppSetupPolicy",
    "name": "Ward 4 Apps",
    "settings": {
        "PinnedAppBarApps": ["Activity", "Shifts", "chat", "Tasks", "Approvals"],
        "AppPresetList": ["Shifts", "Approvals"],
        "AllowUserPinning": False,
        "AllowSideLoading": False,
    },
}


def with_settings(base: dict, **settings) -> dict:
    return {**base, "settings": {**base["settings"], **settings}}


def checked(p: TeamsPolicyProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def policies(emu: Emulator, policy_type: str) -> dict[str, dict]:
    """Custom instances of a type in the tenant, by identity."""
    state = emu.admin("GET", "state").json().get("teams.policy", {})
    return {
        d["Identity"]: d["Settings"]
        for d in state.values()
        if d["PolicyType"] == policy_type
        and d["Identity"].startswith("Tag:")
        and not d["Identity"].startswith("Tag:Healthcare_")
    }


def test_create_messaging_policy_with_typed_settings(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, MESSAGING))
    assert made.id == "TeamsMessagingPolicy/Tag:Ward 4 Messaging"
    settings = policies(tenant, "TeamsMessagingPolicy")["Tag:Ward 4 Messaging"]
    assert settings["ReadReceiptsEnabledType"] == "Everyone"
    assert settings["AllowGiphy"] is False and settings["AudioMessageEnabledType"] == "ChatsOnly"
    assert made.outs["identity"] == "Tag:Ward 4 Messaging"
    # Undeclared settings keep the service's defaults and show in the effective settings.
    assert made.outs["effective_settings"]["AllowUserChat"] is True
    assert made.outs["effective_settings"]["GiphyRatingType"] == "Strict"


def test_app_setup_pins_catalogue_apps_in_declared_order(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, APP_SETUP))
    settings = policies(tenant, "TeamsAppSetupPolicy")["Tag:Ward 4 Apps"]
    names = ["Activity", "Shifts", "Chat", "Tasks", "Approvals"]
    assert settings["PinnedAppBarApps"] == [
        {"Id": TEAMS_APPS[n], "Order": i} for i, n in enumerate(names, start=1)
    ]
    assert settings["AppPresetList"] == [
        {"Id": TEAMS_APPS["Shifts"]},
        {"Id": TEAMS_APPS["Approvals"]},
    ]
    # Ids read back become catalogue names again, so a refresh shows no drift.
    read = p.read(made.id, made.outs)
    assert read.outs["settings"]["PinnedAppBarApps"] == names
    assert p.diff(made.id, read.outs, checked(p, APP_SETUP)).changes is False


def test_apps_by_id_are_kept_and_known_ids_shown_by_name(tenant: Emulator):
    p = TeamsPolicyProvider()
    custom = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    raw = with_settings(APP_SETUP, PinnedAppBarApps=[TEAMS_APPS["Calendar"], custom.upper()])
    inputs = checked(p, raw)
    assert inputs["settings"]["PinnedAppBarApps"] == ["Calendar", custom]
    made = p.create(inputs)
    read = p.read(made.id, made.outs)
    assert read.outs["settings"]["PinnedAppBarApps"] == ["Calendar", custom]


def test_create_after_a_lost_response_adopts_the_policy(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"POST {CFG}/*", "dropResponse": 1, "limit": 1}]},
    )
    p = TeamsPolicyProvider()
    made = p.create(checked(p, MESSAGING))
    assert list(policies(tenant, "TeamsMessagingPolicy")) == ["Tag:Ward 4 Messaging"]
    statuses = {(c["method"], c["status"]) for c in tenant.requests()["counts"]}
    assert ("POST", 409) in statuses and ("PUT", 200) in statuses
    assert made.outs["effective_settings"]["ReadReceiptsEnabledType"] == "Everyone"


def test_an_existing_policy_is_adopted_and_given_the_declared_settings(tenant: Emulator):
    made_by_hand = {"Identity": "Ward 4 Messaging", "AllowGiphy": True, "AllowMemes": False}
    assert tenant.teams_admin("POST", f"{CFG}/TeamsMessagingPolicy", json=made_by_hand).is_success
    p = TeamsPolicyProvider()
    p.create(checked(p, MESSAGING))
    settings = policies(tenant, "TeamsMessagingPolicy")["Tag:Ward 4 Messaging"]
    assert settings["AllowGiphy"] is False  # declared
    assert settings["AllowMemes"] is False  # undeclared: left as it was


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, APP_SETUP))
    path = f"{CFG}/TeamsAppSetupPolicy/configuration/Tag:Ward 4 Apps"
    by_hand = {
        "AllowSideLoading": True,
        "PinnedAppBarApps": [{"Id": TEAMS_APPS["Calendar"], "Order": 1}],
        "AllowUserPinning": False,
    }
    assert tenant.teams_admin("PUT", path, json=by_hand).is_success
    read = p.read(made.id, made.outs)
    assert read.outs["settings"]["AllowSideLoading"] is True
    assert read.outs["settings"]["PinnedAppBarApps"] == ["Calendar"]
    diff = p.diff(made.id, read.outs, checked(p, APP_SETUP))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, APP_SETUP))
    again = p.read(made.id, made.outs)
    assert again.outs["settings"] == {
        k: v for k, v in checked(p, APP_SETUP)["settings"].items() if v is not None
    }


def test_update_changes_declared_settings_only(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, MESSAGING))
    new = checked(p, with_settings(MESSAGING, AllowGiphy=True, GiphyRatingType="Moderate"))
    assert p.diff(made.id, made.outs, new).replaces == []
    updated = p.update(made.id, made.outs, new)
    assert updated.outs["effective_settings"]["GiphyRatingType"] == "Moderate"
    assert policies(tenant, "TeamsMessagingPolicy")["Tag:Ward 4 Messaging"]["AllowGiphy"] is True


@pytest.mark.parametrize(
    "change",
    [{"name": "Ward 5 Messaging"}, {"policy_type": "TeamsAppSetupPolicy", "settings": {}}],
)
def test_type_or_name_change_is_a_replacement_made_before_the_old_goes(tenant: Emulator, change):
    p = TeamsPolicyProvider()
    old = checked(p, MESSAGING)
    diff = p.diff("x", old, checked(p, {**MESSAGING, **change}))
    assert diff.replaces and set(diff.replaces) <= {"name", "policy_type"}
    # The new instance has another identity, so it can exist before the old one is deleted.
    assert diff.delete_before_replace is False


def test_delete_removes_the_policy_and_a_gone_policy_reads_as_gone(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, MESSAGING))
    p.delete(made.id, made.outs)
    assert policies(tenant, "TeamsMessagingPolicy") == {}
    assert p.read(made.id, made.outs).id is None
    p.delete(made.id, made.outs)  # already gone: fine


def test_delete_while_assigned_is_refused_naming_the_group(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, MESSAGING))
    with tenant.client(headers=tenant.headers(GRAPH_SCOPE)) as c:
        body = {"displayName": "Ward 4", "mailNickname": "ward4", "mailEnabled": False}
        gid = c.post("/v1.0/groups", json={**body, "securityEnabled": True}).json()["id"]
    path = f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"
    assert tenant.teams_admin("PUT", path, json={"policyName": "Ward 4 Messaging"}).is_success
    with pytest.raises(PolicyStillAssigned) as err:
        p.delete(made.id, made.outs)
    assert gid in str(err.value) and "Remove (or re-point) those assignments" in str(err.value)
    assert "Tag:Ward 4 Messaging" in policies(tenant, "TeamsMessagingPolicy")
    tenant.teams_admin("DELETE", path)
    p.delete(made.id, made.outs)
    assert policies(tenant, "TeamsMessagingPolicy") == {}


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"POST {CFG}/*", "throttle": 1, "retryAfter": 1, "limit": 1}]},
    )
    p = TeamsPolicyProvider()
    p.create(checked(p, MESSAGING))
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("POST", 429) in statuses and ("POST", 201) in statuses


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({**MESSAGING, "name": "Global"}, "name", "org-wide default"),
        ({**MESSAGING, "name": "global"}, "name", "org-wide default"),
        ({**MESSAGING, "name": "Tag:Ward"}, "name", "without 'Tag:'"),
        ({**MESSAGING, "policy_type": "TeamsPolicy"}, "policy_type", "TeamsMessagingPolicy"),
        (with_settings(MESSAGING, AllowGiphy="no"), "settings.AllowGiphy", "boolean"),
        (
            with_settings(MESSAGING, ReadReceiptsEnabledType="Always"),
            "settings.ReadReceiptsEnabledType",
            "'UserPreference', 'Everyone' or 'None'",
        ),
        (with_settings(MESSAGING, AllowPinning=True), "settings.AllowPinning", "not a setting"),
        (with_settings(MESSAGING, allowgiphy=False), "settings.allowgiphy", "AllowGiphy?"),
        (with_settings(MESSAGING, Description="x" * 1025), "settings.Description", "1024"),
        (
            with_settings(APP_SETUP, AllowGiphy=False),
            "settings.AllowGiphy",
            "not a setting of TeamsAppSetupPolicy",
        ),
        (
            with_settings(APP_SETUP, PinnedAppBarApps=["Activity", "Pager"]),
            "settings.PinnedAppBarApps",
            "use one of Activity, Chat, Teams, Calendar",
        ),
        (
            with_settings(APP_SETUP, PinnedAppBarApps=["Chat", TEAMS_APPS["Chat"]]),
            "settings.PinnedAppBarApps",
            "repeated: Chat",
        ),
        ({**MESSAGING, "colour": "blue"}, "colour", "Extra inputs"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, raw, field, words):
    p = TeamsPolicyProvider()
    result = p.check({}, raw)
    matching = [f for f in result.failures if f.property == field]
    assert matching, [(f.property, f.reason) for f in result.failures]
    assert words in matching[0].reason
    assert tenant.requests()["total"] == 0


def test_check_lists_every_problem(tenant: Emulator):
    p = TeamsPolicyProvider()
    raw = {
        **with_settings(MESSAGING, AllowGiphy="no", GiphyRatingType="PG", Colour="blue"),
        "name": "Global",
    }
    failed = {f.property for f in p.check({}, raw).failures}
    assert failed == {
        "name",
        "settings.AllowGiphy",
        "settings.GiphyRatingType",
        "settings.Colour",
    }
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_role(auditor: Emulator):
    p = TeamsPolicyProvider()
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, MESSAGING))
    assert err.value.status == 403
    assert "TeamsPolicy needs" in str(err.value)
    assert "the Teams Administrator role" in str(err.value)


def test_apps_without_published_ids_are_looked_up_in_the_tenant_catalog(tenant):
    from hcinfra.emulator.graph.apps import APPS

    p = TeamsPolicyProvider()
    raw = with_settings(
        APP_SETUP, PinnedAppBarApps=["Lists", "Tasks", "Approvals", "Shifts", "Bookings"]
    )
    made = p.create(checked(p, raw))
    with tenant.client(headers=tenant.headers(TEAMS_SCOPE)) as c:
        doc = c.get(
            f"/Skype.Policy/configurations/TeamsAppSetupPolicy/configuration/"
            f"{made.outs['identity']}"
        ).json()
    pinned = [a["Id"] for a in sorted(doc["PinnedAppBarApps"], key=lambda a: a["Order"])]
    assert pinned[0] == APPS["Lists"] and pinned[-1] == APPS["Bookings"]
    read = p.read(made.id, made.outs)
    assert read.outs["settings"]["PinnedAppBarApps"] == [
        "Lists",
        "Tasks",
        "Approvals",
        "Shifts",
        "Bookings",
    ]
