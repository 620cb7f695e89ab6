"""The healthcare packages' policies, as the tenant baseline declares them: valid, deployable."""

from __future__ import annotations

import pytest

from hcinfra.resources import healthcare_packages
from hcinfra.resources.teams_policy import TeamsPolicyProvider
from tests.emulator.harness import Emulator

CASES = [(p, t) for p in healthcare_packages.PACKAGES for t in healthcare_packages.POLICY_TYPES]


@pytest.mark.parametrize(("package", "policy_type"), CASES)
def test_each_policy_passes_check(package: str, policy_type: str):
    raw = {
        "policy_type": policy_type,
        "name": package,
        "settings": healthcare_packages.policy_settings(package, policy_type),
    }
    result = TeamsPolicyProvider().check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]


def test_the_five_types_of_the_healthcare_page():
    # Messaging, meetings, calling, app setup and live events; named after the package.
    assert set(healthcare_packages.POLICY_TYPES) == {
        "TeamsMessagingPolicy",
        "TeamsMeetingPolicy",
        "TeamsCallingPolicy",
        "TeamsAppSetupPolicy",
        "TeamsMeetingBroadcastPolicy",
    }
    for package in healthcare_packages.PACKAGES:
        assert set(healthcare_packages.policy_names(package).values()) == {package}
    with pytest.raises(KeyError):
        healthcare_packages.policy_names("Education_Teacher")


def test_patient_room_policies_deploy_locked_down(tenant: Emulator):
    p = TeamsPolicyProvider()
    room = healthcare_packages.PATIENT_ROOM
    for policy_type in healthcare_packages.POLICY_TYPES:
        raw = {
            "policy_type": policy_type,
            "name": room,
            "settings": healthcare_packages.policy_settings(room, policy_type),
        }
        made = p.create(p.check({}, raw).inputs)
        assert made.outs["identity"] == f"Tag:{room}"
    read = p.read(f"TeamsMessagingPolicy/Tag:{room}", {})
    assert read.outs["effective_settings"]["AllowUserChat"] is False
    apps = p.read(f"TeamsAppSetupPolicy/Tag:{room}", {}).outs["effective_settings"]
    assert apps["PinnedAppBarApps"] == ["Calendar"] and apps["AllowSideLoading"] is False
    meeting = p.read(f"TeamsMeetingPolicy/Tag:{room}", {}).outs["effective_settings"]
    assert meeting["AllowMeetNow"] is False and meeting["ScreenSharingMode"] == "Disabled"
