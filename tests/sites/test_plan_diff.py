"""The plan model of `hcinfra sites preview --diff`, from recorded and synthetic engine events.

recorded_preview.json holds a real preview's ResourcePreEvent metadata (the engine's JSON,
trimmed to the changed steps and one step of each skipped type): tenant and STM deployed,
then a setting, a licence's disabled plans, a member added and one removed, a ward renamed
(a team made from its template, one deleted) and a mailbox readdressed (a replace).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from pulumi.automation.events import StepEventMetadata

from hcinfra.sites.plan_diff import (
    KNOWN_AFTER_APPLY,
    SECRET,
    UNKNOWN_SENTINEL,
    Change,
    PropertyChange,
    diff_values,
    kind_of,
    name_of,
    plan_of,
    stack_plan,
)

RECORDED = Path(__file__).with_name("recorded_preview.json")
NEW_TYPE = "pulumi-python:dynamic/hcinfra:{}"
OLD_TYPE = "pulumi-python:dynamic:Resource"
# A secret input as the engine shows it: its signature, the ciphertext masked.
MASKED = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    "ciphertext": "[secret]",
}


def recorded(stack: str) -> list[StepEventMetadata]:
    return [StepEventMetadata.from_json(e) for e in json.loads(RECORDED.read_text())[stack]]


def step(
    op: str,
    name: str,
    kind: str = "SecurityGroup",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    keys: list[str] | None = None,
    old_outputs: dict[str, Any] | None = None,
    type_token: str | None = None,
    diffs: list[str] | None = None,
) -> StepEventMetadata:
    """A step's metadata as the engine sends it."""
    token = type_token or NEW_TYPE.format(kind)
    urn = f"urn:pulumi:stm::hcinfra::hcinfra:index:HospitalSite${token}::{name}"

    def state(inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": token,
            "urn": urn,
            "id": "",
            "parent": "",
            "provider": "",
            "inputs": {"__provider": MASKED, **inputs},
            "outputs": outputs,
        }

    return StepEventMetadata.from_json(
        {
            "op": op,
            "urn": urn,
            "type": token,
            "provider": "",
            "keys": keys,
            "diffs": diffs,
            "old": None if old is None else state(old, old_outputs or {}),
            "new": None if new is None else state(new, {}),
        }
    )


def by_name(changes: list[Change]) -> dict[str, Change]:
    return {c.name: c for c in changes}


def props(change: Change) -> dict[str, PropertyChange]:
    return {p.path: p for p in change.properties}


def test_kinds_come_from_the_type_token_and_names_from_the_urn():
    assert kind_of("pulumi-python:dynamic/hcinfra:SecurityGroup") == "SecurityGroup"
    assert kind_of(OLD_TYPE) == "Resource"
    assert name_of(
        "urn:pulumi:stm::hcinfra::hcinfra:index:HospitalSite$x:y:Z::stm-team-ward-3-nord"
    ) == ("stm-team-ward-3-nord")


def test_a_recorded_preview_gives_each_change_with_its_properties():
    changes = plan_of(recorded("STM"))
    # The stack, the component, the provider and unchanged objects are left out; a replace's
    # three steps (create-replacement, replace, delete-replaced) are one change.
    assert [(c.op, c.kind, c.name) for c in changes] == [
        ("create", "Team", "stm-team-ward-5-est"),
        ("update", "GroupLicenseAssignment", "stm-clinical-licences"),
        ("update", "SecurityGroup", "stm-clinical"),
        ("replace", "SharedMailbox", "stm-mailbox-scheduling"),
        ("delete", "Team", "stm-team-ward-4-sud"),
    ]
    found = by_name(changes)

    team = found["stm-team-ward-5-est"]
    assert team.identity == {"display_name": "STM 5 Est", "template": "healthcareWard"}
    assert props(team)["template"].after == "healthcareWard"
    assert props(team)["owners"].added == (
        "claire.dubois@northwindhealth.org",
        "manager001@northwindhealth.org",
    )
    assert "channels" not in props(team) and "members" not in props(team)  # empty lists
    assert not any(p.startswith("__") for p in props(team))

    members = props(found["stm-clinical"])["members"]
    assert members.items
    assert members.added == ("nurse003@northwindhealth.org",)
    assert members.removed == ("physician001@northwindhealth.org",)
    assert list(props(found["stm-clinical"])) == ["members"]

    plans = props(found["stm-clinical-licences"])
    assert list(plans) == ["skus[SPE_F1].disabled_plans"]
    assert plans["skus[SPE_F1].disabled_plans"].added == ("SWAY",)

    mailbox = found["stm-mailbox-scheduling"]
    assert mailbox.replace_keys == ("alias", "name", "primary_smtp_address")
    address = props(mailbox)["primary_smtp_address"]
    assert (address.before, address.after, address.forces_replace) == (
        "scheduling@stm.northwindhealth.org",
        "planning@stm.northwindhealth.org",
        True,
    )
    assert list(props(mailbox)) == ["alias", "name", "primary_smtp_address"]
    assert mailbox.retention is not None and mailbox.retention.kept

    deleted = found["stm-team-ward-4-sud"]
    assert deleted.properties == ()
    assert deleted.retention is not None and deleted.retention.kept
    assert deleted.retention.summary.startswith("archived, not deleted")
    assert "the team, archived (channels, messages, tabs)" in deleted.retention.details


def test_a_setting_shows_from_and_to():
    (change,) = plan_of(recorded("tenant"))
    assert (change.op, change.kind, change.name) == ("update", "TeamsPolicy", "tenant-messaging")
    assert [p.to_json() for p in change.properties] == [
        {
            "path": "settings.AllowPriorityMessages",
            "change": "value",
            "before": True,
            "after": False,
            "forces_replace": False,
        }
    ]


def test_the_plan_does_not_depend_on_the_order_events_arrive_in():
    steps = recorded("STM")
    expected = [c.to_json() for c in plan_of(steps)]
    for seed in range(5):
        shuffled = steps[:]
        random.Random(seed).shuffle(shuffled)
        assert [c.to_json() for c in plan_of(shuffled)] == expected


def test_the_older_type_token_falls_back_to_resource():
    (change,) = plan_of([step("update", "stm-x", type_token=OLD_TYPE, old={"a": 1}, new={"a": 2})])
    assert change.kind == "Resource"
    assert props(change)["a"].before == 1 and props(change)["a"].after == 2


def test_values_not_known_until_apply_are_marked():
    change = plan_of(
        [
            step(
                "update",
                "stm-mailbox-info",
                "SharedMailbox",
                old={"full_access": ["1dc4"], "display_name": "Info"},
                new={"full_access": [UNKNOWN_SENTINEL], "display_name": UNKNOWN_SENTINEL},
            )
        ]
    )[0]
    access = props(change)["full_access"]
    # Not items added and removed: the new list is not known yet.
    assert not access.items and access.after == [KNOWN_AFTER_APPLY]
    assert props(change)["display_name"].after == KNOWN_AFTER_APPLY
    assert UNKNOWN_SENTINEL not in json.dumps(change.to_json())


def test_secrets_stay_masked_and_a_changed_one_shows_from_the_engines_diff():
    change = plan_of(
        [
            step(
                "update",
                "stm-app",
                old={"client_secret": MASKED, "name": "a"},
                new={"client_secret": MASKED, "name": "b"},
                diffs=["client_secret", "name"],
            )
        ]
    )[0]
    assert props(change)["client_secret"].to_json()["before"] == SECRET
    assert props(change)["client_secret"].after == SECRET
    text = json.dumps(change.to_json())
    assert "ciphertext" not in text and "4dabf18193072939515e22adb298388d" not in text

    created = plan_of([step("create", "stm-app", new={"client_secret": MASKED})])[0]
    assert props(created)["client_secret"].after == SECRET


def test_dict_keys_and_lists_of_items():
    found = {
        p.path: p.to_json()
        for p in diff_values(
            "",
            {"settings": {"A": 1, "B": 2}, "channels": [{"name": "X"}], "tags": ["a", "b"]},
            {
                "settings": {"A": 1, "C": 3},
                "channels": [{"name": "X", "description": "d"}],
                "tags": ["b", "a"],
            },
        )
    }
    assert found["settings.B"] == {
        "path": "settings.B",
        "change": "value",
        "before": 2,
        "after": None,
        "forces_replace": False,
    }
    assert found["settings.C"]["after"] == 3 and "settings.A" not in found
    # Items matched by their name: the changed field, not the whole item.
    assert found["channels[X].description"]["after"] == "d"
    # The same items in another order: shown as the value it is.
    assert found["tags"]["change"] == "value"
    # Items with no key to match on are added and removed whole.
    (whole,) = diff_values("grants", [{"to": "a"}], [{"to": "b"}])
    assert (whole.added, whole.removed) == (({"to": "b"},), ({"to": "a"},))


def test_what_a_delete_keeps_comes_from_the_state():
    found = by_name(
        plan_of(
            [
                step(
                    "delete", "stm-mailbox-a", "SharedMailbox", old={"allow_data_deletion": False}
                ),
                step("delete", "stm-mailbox-b", "SharedMailbox", old={"allow_data_deletion": True}),
                step("delete", "stm-clinical", old={"display_name": "STM-Clinical-Workers"}),
            ]
        )
    )
    kept, gone = found["stm-mailbox-a"], found["stm-mailbox-b"]
    other = found["stm-clinical"]
    assert kept.retention is not None and kept.retention.kept
    assert "sign-in blocked" in kept.retention.summary
    assert gone.retention is not None and not gone.retention.kept
    assert "allow_data_deletion is true" in gone.retention.summary
    assert other.retention is None


def test_a_plan_goes_through_json_unchanged():
    changes = plan_of(recorded("STM"))
    sent = json.loads(json.dumps([c.to_json() for c in changes]))
    plan = stack_plan("STM", {"ok": True, "changes": {"create": 1}, "plan": sent})
    assert plan.changes == tuple(changes)
    assert plan.counts == {"create": 1} and plan.error is None
    failed = stack_plan("HSA", {"ok": False, "error": "boom"})
    assert (failed.ok, failed.error, failed.changes) == (False, "boom", ())


def test_what_a_delete_of_each_care_kind_keeps():
    from types import SimpleNamespace

    from hcinfra.sites.plan_diff import retention_of

    def state(deletion: bool, retained: list[str]) -> SimpleNamespace:
        return SimpleNamespace(
            inputs={"allow_data_deletion": deletion}, outputs={"retained": retained}
        )

    kept = {
        "WardSchedule": "schedule and its shifts kept; its scheduling groups deactivated",
        "PatientList": "list and its items kept, no longer managed",
        "VirtualVisits": "calendar unpublished and kept, with its appointments",
    }
    for kind, summary in kept.items():
        found = retention_of(kind, state(False, ["the list"]))
        assert found is not None and found.kept, kind
        assert found.summary == f"{summary} (allow_data_deletion is false)"
        assert found.details == ("the list",)
        gone = retention_of(kind, state(True, []))
        assert gone is not None and not gone.kept
    # PartnerTenant holds no tenant data: its delete says nothing is kept.
    assert retention_of("PartnerTenant", SimpleNamespace(inputs={"domains": []})) is None
