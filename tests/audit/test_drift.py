"""compare_site: declared records against live ones, one finding per difference.

The live records are deep copies of the declared ones (what a fresh deployment reads
back), with ids added, then changed by hand one way per test.
"""

from __future__ import annotations

import copy
from typing import Any

from hcinfra.audit.drift import compare_site
from hcinfra.audit.model import Finding
from hcinfra.audit.records import Record, declared_site, declared_tenant
from hcinfra.network import load_network
from tests.conftest import REPO

NETWORK = load_network(REPO / "stacks" / "network.yaml")
CLINICAL = "STM-Clinical-Workers"
NURSE_MANAGERS = "STM-Nurse-Managers"
INFO = "info@stm.northwindhealth.org"
SCHEDULING = "scheduling@stm.northwindhealth.org"
WARD = "STM 3 Nord"


def declared() -> list[Record]:
    return declared_site(NETWORK, "STM")


def live_copy(records: list[Record]) -> list[Record]:
    """The declared records as a fresh deployment reads them back: same values, with ids."""
    live = copy.deepcopy(records)
    for n, record in enumerate(live):
        record["id"] = f"id-{n:02d}"
    return live


def find(records: list[Record], name: str) -> Record:
    return next(r for r in records if str(r["name"]).lower() == name.lower())


def compare(live: list[Record], shadows: list[Record] | None = None) -> list[Finding]:
    return compare_site("STM", declared(), live, shadows or [])


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def summary(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [(f.name, f.field, f.category, f.declared, f.actual) for f in findings]


# --- sites --------------------------------------------------------------------------------


def test_the_sample_declares_groups_mailboxes_and_teams() -> None:
    kinds = [r["kind"] for r in declared()]
    assert kinds.count("SecurityGroup") == 5
    assert kinds.count("SharedMailbox") == 2
    assert kinds.count("Team") == 3  # the hospital and two wards
    assert kinds.count("WardSchedule") == kinds.count("PatientList") == 2  # one per ward
    assert kinds.count("VirtualVisits") == 1


def test_an_identical_site_has_no_findings() -> None:
    assert compare(live_copy(declared())) == []


def test_names_and_members_compare_case_insensitively() -> None:
    live = live_copy(declared())
    clinical = find(live, CLINICAL)
    clinical["name"] = CLINICAL.upper()
    clinical["members"] = [m.upper() for m in clinical["members"]]
    find(live, INFO)["name"] = INFO.upper()
    find(live, INFO)["full_access"] = ["stm-information-workers-mail"]
    find(live, WARD)["name"] = "stm 3 nord"
    assert compare(live) == []


def test_a_missing_object_is_one_finding_without_a_field() -> None:
    live = [r for r in live_copy(declared()) if (r["kind"], r["name"]) != ("Team", WARD)]
    f = only(compare(live))
    assert (f.site, f.kind, f.name, f.object_id) == ("STM", "Team", WARD, None)
    assert (f.field, f.category, f.declared, f.actual) == (None, "missing", WARD, None)
    assert "declared but not in the tenant" in f.message


def test_a_group_and_a_team_of_the_same_name_do_not_match_each_other() -> None:
    live = live_copy(declared())
    find(live, WARD)["kind"] = "SecurityGroup"
    f = only(compare(live))
    assert (f.kind, f.name, f.category) == ("Team", WARD, "missing")


def test_a_changed_description() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["description"] = "Changed by hand"
    f = only(compare(live))
    assert (f.kind, f.name, f.object_id) == ("SecurityGroup", CLINICAL, find(live, CLINICAL)["id"])
    assert (f.field, f.category) == ("description", "changed")
    assert (f.declared, f.actual) == ("Nurses and physicians of the site", "Changed by hand")
    assert f.message == (
        "description: declared 'Nurses and physicians of the site', actual 'Changed by hand'"
    )


def test_scalar_settings_compare_exactly() -> None:
    live = live_copy(declared())
    find(live, WARD)["visibility"] = "public"
    find(live, INFO)["display_name"] = "Hôpital Saint-Michel — information"
    find(live, SCHEDULING)["sign_in_blocked"] = None  # unknown is not blocked
    assert sorted(summary(compare(live))) == [
        (WARD, "visibility", "changed", "private", "public"),
        (INFO, "display_name", "changed", "Hôpital Saint-Michel — Information",
         "Hôpital Saint-Michel — information"),
        (SCHEDULING, "sign_in_blocked", "changed", True, None),
    ]  # fmt: skip


def test_a_removed_member_is_missing() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["members"].remove("nurse001@northwindhealth.org")
    assert summary(compare(live)) == [
        (CLINICAL, "members", "missing", "nurse001@northwindhealth.org", None)
    ]


def test_an_extra_member_is_extra() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["members"].append("intruder@northwindhealth.org")
    assert summary(compare(live)) == [
        (CLINICAL, "members", "extra", None, "intruder@northwindhealth.org")
    ]


def test_mailbox_permissions_extra_full_access_and_missing_send_as() -> None:
    live = live_copy(declared())
    find(live, SCHEDULING)["full_access"].append("clerk001@northwindhealth.org")
    find(live, INFO)["send_as"] = []
    assert sorted(summary(compare(live))) == [
        (INFO, "send_as", "missing", "STM-Information-Workers-Mail", None),
        (SCHEDULING, "full_access", "extra", None, "clerk001@northwindhealth.org"),
    ]


def test_team_owners_missing_and_extra() -> None:
    live = live_copy(declared())
    find(live, WARD)["owners"] = [
        "claire.dubois@northwindhealth.org",
        "nurse001@northwindhealth.org",
    ]
    assert sorted(summary(compare(live))) == [
        (WARD, "owners", "extra", None, "nurse001@northwindhealth.org"),
        (WARD, "owners", "missing", "manager001@northwindhealth.org", None),
    ]


def test_an_archived_team() -> None:
    live = live_copy(declared())
    find(live, WARD)["archived"] = True
    f = only(compare(live))
    assert (f.kind, f.name, f.field, f.category, f.declared, f.actual) == (
        "Team",
        WARD,
        "archived",
        "archived",
        False,
        True,
    )


def test_a_licence_with_another_sku() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["licences"] = [{"sku": "SPE_E3", "disabled_plans": ["YAMMER_ENTERPRISE"]}]
    f = only(compare(live))
    assert (f.field, f.category) == ("licences", "changed")
    assert f.declared == [{"sku": "SPE_F1", "disabled_plans": ["YAMMER_ENTERPRISE"]}]
    assert f.actual == [{"sku": "SPE_E3", "disabled_plans": ["YAMMER_ENTERPRISE"]}]
    assert f.message == (
        "licences: declared SPE_F1 without YAMMER_ENTERPRISE, actual SPE_E3 without "
        "YAMMER_ENTERPRISE"
    )


def test_a_licence_with_another_disabled_plan_or_none() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["licences"][0]["disabled_plans"] = []
    find(live, NURSE_MANAGERS)["licences"] = []
    found = compare(live)
    assert sorted(summary(found)) == [
        (CLINICAL, "licences", "changed",
         [{"sku": "SPE_F1", "disabled_plans": ["YAMMER_ENTERPRISE"]}],
         [{"sku": "SPE_F1", "disabled_plans": []}]),
        (NURSE_MANAGERS, "licences", "changed", [{"sku": "SPE_E3", "disabled_plans": []}], []),
    ]  # fmt: skip
    nurse_managers = next(f for f in found if f.name == NURSE_MANAGERS)
    assert nurse_managers.message == "licences: declared SPE_E3, actual none"


def test_an_assignment_pointing_at_another_policy() -> None:
    live = live_copy(declared())
    policies = find(live, CLINICAL)["policies"]
    policies["TeamsCallingPolicy"]["policy_name"] = "Healthcare_PatientRoom"
    policies["TeamsMeetingPolicy"]["policy_name"] = "healthcare_clinicalworker"  # same, other case
    f = only(compare(live))
    assert (f.name, f.field, f.category) == (CLINICAL, "policies.TeamsCallingPolicy", "changed")
    assert (f.declared, f.actual) == ("Healthcare_ClinicalWorker", "Healthcare_PatientRoom")


def test_a_missing_assignment() -> None:
    live = live_copy(declared())
    del find(live, NURSE_MANAGERS)["policies"]["TeamsMessagingPolicy"]
    assert summary(compare(live)) == [
        (NURSE_MANAGERS, "policies.TeamsMessagingPolicy", "missing", "Secure-Messaging", None)
    ]


def test_an_undeclared_policy_type_is_extra() -> None:
    live = live_copy(declared())
    find(live, NURSE_MANAGERS)["policies"]["TeamsCallingPolicy"] = {
        "policy_name": "AllowCalling",
        "rank": 1,
    }
    assert summary(compare(live)) == [
        (NURSE_MANAGERS, "policies.TeamsCallingPolicy", "extra", None, "AllowCalling")
    ]


def test_a_misplaced_assignment_is_a_changed_rank() -> None:
    live = live_copy(declared())
    entry = find(live, CLINICAL)["policies"]["TeamsMessagingPolicy"]
    entry.update(rank=1, misplaced=["STM-Nurse-Managers"])
    f = only(compare(live))
    assert (f.name, f.field, f.category) == (
        CLINICAL,
        "policies.TeamsMessagingPolicy.rank",
        "changed",
    )
    assert (f.declared, f.actual) == (3, 1)
    assert "out of order with STM-Nurse-Managers" in f.message


def test_a_rank_with_an_empty_misplaced_list_is_not_drift() -> None:
    live = live_copy(declared())
    entry = find(live, CLINICAL)["policies"]["TeamsMessagingPolicy"]
    entry.update(rank=1, misplaced=[])
    assert compare(live) == []


def test_shadow_records() -> None:
    shadow_group = {
        "kind": "SecurityGroup",
        "name": "STM-Shadow-Nurses",
        "id": "shadow-1",
        "mail_nickname": "stm-shadow-nurses",
        "shadow": True,
    }
    shadow_mailbox = {
        "kind": "SharedMailbox",
        "name": "pharmacy@stm.northwindhealth.org",
        "id": "guid-2",
        "alias": "stm-pharmacy",
        "shadow": True,
    }
    found = compare(live_copy(declared()), [shadow_group, shadow_mailbox])
    assert [(f.kind, f.object_id) for f in found] == [
        ("SecurityGroup", "shadow-1"),
        ("SharedMailbox", "guid-2"),
    ]
    assert summary(found) == [
        ("STM-Shadow-Nurses", None, "shadow", None, "stm-shadow-nurses"),
        ("pharmacy@stm.northwindhealth.org", None, "shadow", None, "stm-pharmacy"),
    ]
    assert all(f.site == "STM" for f in found)


def test_findings_name_the_site_given() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["description"] = "x"
    f = only(compare_site("HSA", declared(), live, []))
    assert f.site == "HSA"


# --- tenant -------------------------------------------------------------------------------

MESSAGING = "Secure-Messaging"
FABRIKAM = "0b7e3c2a-4d5f-4e6a-9b8c-7d6e5f4a3b2c"
APPS = "Clinical-Apps"
PINNED = "settings.PinnedAppBarApps"


def tenant_live() -> list[Record]:
    return live_copy(declared_tenant(NETWORK))


def compare_tenant(live: list[Record]) -> list[Finding]:
    return compare_site("tenant", declared_tenant(NETWORK), live, [])


def settings(live: list[Record], name: str) -> dict[str, Any]:
    return dict(find(live, name)["settings"])


def test_the_tenant_declares_four_policies_and_a_partner() -> None:
    declared = declared_tenant(NETWORK)
    assert [(r["name"], r.get("policy_type")) for r in declared] == [
        (MESSAGING, "TeamsMessagingPolicy"),
        (APPS, "TeamsAppSetupPolicy"),
        ("Virtual-Visits", "TeamsMeetingPolicy"),
        ("Visit-SMS", "TeamsVirtualAppointmentsPolicy"),
        (FABRIKAM, None),
    ]
    assert find(declared, "Visit-SMS")["settings"] == {"EnableSmsNotifications": True}
    assert find(declared, FABRIKAM) == {
        "kind": "PartnerTenant",
        "name": FABRIKAM,
        "partner": "Fabrikam Health",
        "settings": {"shared_channels": True, "trust_compliant_devices": False, "trust_mfa": False},
        "domains": ["fabrikamhealth.org"],
    }


def test_an_identical_tenant_has_no_findings() -> None:
    live = tenant_live()
    # Settings hcinfra does not declare are not compared.
    find(live, MESSAGING)["settings"]["AllowGiphy"] = True
    assert compare_tenant(live) == []


def test_a_missing_tenant_policy() -> None:
    live = [r for r in tenant_live() if r["name"] != MESSAGING]
    f = only(compare_tenant(live))
    assert (f.site, f.kind, f.name, f.field, f.category) == (
        "tenant",
        "TeamsPolicy",
        MESSAGING,
        None,
        "missing",
    )


def test_a_changed_scalar_setting() -> None:
    live = tenant_live()
    find(live, MESSAGING)["settings"]["AllowPriorityMessages"] = False
    f = only(compare_tenant(live))
    assert (f.site, f.kind, f.name, f.object_id) == (
        "tenant",
        "TeamsPolicy",
        MESSAGING,
        find(live, MESSAGING)["id"],
    )
    assert (f.field, f.category, f.declared, f.actual) == (
        "settings.AllowPriorityMessages",
        "changed",
        True,
        False,
    )


def test_a_setting_absent_from_the_tenant_is_changed_to_none() -> None:
    live = tenant_live()
    del find(live, APPS)["settings"]["AllowSideLoading"]
    assert summary(compare_tenant(live)) == [
        (APPS, "settings.AllowSideLoading", "changed", False, None)
    ]


def test_string_settings_compare_case_insensitively() -> None:
    live = tenant_live()
    find(live, MESSAGING)["settings"]["ReadReceiptsEnabledType"] = "everyone"
    assert compare_tenant(live) == []
    find(live, MESSAGING)["settings"]["ReadReceiptsEnabledType"] = "UserPreference"
    assert summary(compare_tenant(live)) == [
        (MESSAGING, "settings.ReadReceiptsEnabledType", "changed", "Everyone", "UserPreference")
    ]


def test_a_boolean_setting_read_as_a_string_is_drift() -> None:
    live = tenant_live()
    find(live, MESSAGING)["settings"]["AllowPriorityMessages"] = "True"
    f = only(compare_tenant(live))
    assert (f.field, f.declared, f.actual) == ("settings.AllowPriorityMessages", True, "True")


def test_an_extra_pinned_app() -> None:
    live = tenant_live()
    find(live, APPS)["settings"]["PinnedAppBarApps"].append("Calendar")
    assert summary(compare_tenant(live)) == [(APPS, PINNED, "extra", None, "Calendar")]


def test_a_missing_pinned_app() -> None:
    live = tenant_live()
    find(live, APPS)["settings"]["PinnedAppBarApps"].remove("Shifts")
    assert summary(compare_tenant(live)) == [(APPS, PINNED, "missing", "Shifts", None)]


def test_no_pinned_apps_at_all_lists_each_as_missing() -> None:
    live = tenant_live()
    del find(live, APPS)["settings"]["PinnedAppBarApps"]
    found = compare_tenant(live)
    assert [(f.field, f.category, f.declared) for f in found] == [
        (PINNED, "missing", app) for app in ["Lists", "Tasks", "Approvals", "Shifts", "Bookings"]
    ]


def test_the_same_pinned_apps_in_another_order_is_one_change() -> None:
    live = tenant_live()
    reordered = ["Tasks", "Lists", "Approvals", "Shifts", "Bookings"]
    find(live, APPS)["settings"]["PinnedAppBarApps"] = reordered
    f = only(compare_tenant(live))
    assert (f.field, f.category) == (PINNED, "changed")
    assert f.declared == ["Lists", "Tasks", "Approvals", "Shifts", "Bookings"]
    assert f.actual == reordered


def test_pinned_apps_compare_case_insensitively() -> None:
    live = tenant_live()
    pinned = settings(live, APPS)["PinnedAppBarApps"]
    find(live, APPS)["settings"]["PinnedAppBarApps"] = [app.lower() for app in pinned]
    assert compare_tenant(live) == []


def test_a_swapped_and_a_replaced_app_report_the_difference_not_the_order() -> None:
    live = tenant_live()
    find(live, APPS)["settings"]["PinnedAppBarApps"] = [
        "Tasks",
        "Lists",
        "Approvals",
        "Shifts",
        "Calendar",
    ]
    assert summary(compare_tenant(live)) == [
        (APPS, PINNED, "missing", "Bookings", None),
        (APPS, PINNED, "extra", None, "Calendar"),
    ]


def test_a_renamed_group_is_a_changed_name_not_a_missing_group() -> None:
    live = live_copy(declared())
    find(live, CLINICAL)["name"] = "STM-Clinicians"  # same mailNickname, new display name
    f = only(compare(live))
    assert (f.kind, f.name, f.field, f.category) == ("SecurityGroup", CLINICAL, "name", "changed")
    assert (f.declared, f.actual) == (CLINICAL, "STM-Clinicians")
    assert f.object_id is not None


# --- care coordination, virtual visits, partners ------------------------------------------

NORD_LIST = "STM 3 Nord: Patients"
VISITS = "STM Virtual Visits"
PHYSICIAN = "physician001@northwindhealth.org"


def of_kind(records: list[Record], kind: str, name: str) -> Record:
    return next(r for r in records if r["kind"] == kind and r["name"] == name)


def test_a_ward_schedule_as_declared() -> None:
    schedule = of_kind(declared(), "WardSchedule", WARD)
    assert schedule == {
        "kind": "WardSchedule",
        "name": WARD,
        "team": "stm-ward-3-nord",
        "enabled": True,
        "provision_status": "completed",
        "time_zone": "America/Toronto",
        "settings": {
            "offerShiftRequestsEnabled": True,
            "openShiftsEnabled": True,
            "swapShiftsRequestsEnabled": True,
            "timeClockEnabled": False,
            "timeOffRequestsEnabled": True,
        },
        "groups": {
            "Nurses": {
                "members": [
                    "nurse001@northwindhealth.org",
                    "nurse002@northwindhealth.org",
                    PHYSICIAN,
                ]
            },
            "Nurse managers": {
                "members": ["claire.dubois@northwindhealth.org", "manager001@northwindhealth.org"]
            },
        },
    }


def test_a_schedule_disabled_unprovisioned_moved_or_with_a_setting_changed() -> None:
    live = live_copy(declared())
    schedule = of_kind(live, "WardSchedule", WARD)
    schedule.update(enabled=False, provision_status="failed", time_zone="Europe/Paris")
    schedule["settings"]["timeClockEnabled"] = True
    assert sorted(summary(compare(live))) == [
        (WARD, "enabled", "changed", True, False),
        (WARD, "provision_status", "changed", "completed", "failed"),
        (WARD, "settings.timeClockEnabled", "changed", False, True),
        (WARD, "time_zone", "changed", "America/Toronto", "Europe/Paris"),
    ]
    assert all(f.kind == "WardSchedule" for f in compare(live))


def test_scheduling_groups_missing_extra_and_their_members() -> None:
    live = live_copy(declared())
    groups = of_kind(live, "WardSchedule", WARD)["groups"]
    del groups["Nurse managers"]  # deactivated: not among the live groups
    groups["Nurses"]["members"] = ["NURSE001@northwindhealth.org", "intruder@northwindhealth.org"]
    groups["Nurses (2)"] = {"members": []}  # a second active group of the name
    assert sorted(summary(compare(live))) == [
        (WARD, "groups", "extra", None, "Nurses (2)"),
        (WARD, "groups", "missing", "Nurse managers", None),
        (WARD, "groups.Nurses.members", "extra", None, "intruder@northwindhealth.org"),
        (WARD, "groups.Nurses.members", "missing", "nurse002@northwindhealth.org", None),
        (WARD, "groups.Nurses.members", "missing", PHYSICIAN, None),
    ]
    f = next(f for f in compare(live) if f.category == "missing" and f.field == "groups")
    assert f.message == "groups: Nurse managers is declared but absent"


def test_group_names_match_without_regard_to_case() -> None:
    live = live_copy(declared())
    groups = of_kind(live, "WardSchedule", WARD)["groups"]
    groups["NURSES"] = groups.pop("Nurses")
    assert compare(live) == []


def test_the_patients_list_declares_hcinfras_columns_and_the_networks() -> None:
    columns = of_kind(declared(), "PatientList", NORD_LIST)["columns"]
    assert list(columns)[:3] == ["Patient", "MRN", "Bed"]
    assert list(columns)[-2:] == ["FallRisk", "CodeStatus"]
    assert columns["Patient"] == {
        "display_name": "Patient",
        "type": "text",
        "required": True,
        "choices": None,
    }
    assert columns["CodeStatus"]["choices"] == ["Full code", "DNR", "Comfort care"]
    assert of_kind(declared(), "PatientList", NORD_LIST)["description"] == (
        "Patients of 3 Nord, for rounds"
    )


def test_patients_columns_missing_changed_and_extra() -> None:
    live = live_copy(declared())
    columns = of_kind(live, "PatientList", NORD_LIST)["columns"]
    del columns["MRN"]
    columns["Patient"]["required"] = False
    columns["Status"]["choices"] = ["Admitted", "Stable", "Deceased"]
    columns["fallrisk"] = columns.pop("FallRisk")  # internal names match in any case
    columns["Allergies"] = {"display_name": "Allergies", "type": "text", "required": False}
    assert sorted(summary(compare(live)), key=str) == sorted(
        [
            (NORD_LIST, "columns", "extra", None, "Allergies"),
            (NORD_LIST, "columns", "missing", "MRN", None),
            (NORD_LIST, "columns.Patient.required", "changed", True, False),
            (NORD_LIST, "columns.Status.choices", "extra", None, "Deceased"),
            (NORD_LIST, "columns.Status.choices", "missing", "Critical", None),
            (NORD_LIST, "columns.Status.choices", "missing", "Ready for discharge", None),
            (NORD_LIST, "columns.Status.choices", "missing", "Under observation", None),
        ],
        key=str,
    )


def test_the_visits_calendar_as_declared() -> None:
    visits = of_kind(declared(), "VirtualVisits", VISITS)
    assert visits == {
        "kind": "VirtualVisits",
        "name": VISITS,
        "email": "visits@stm.northwindhealth.org",
        "published": True,
        "services": {
            "Follow-up visit": {
                "duration": "PT30M",
                "online": True,
                "staff": [PHYSICIAN],
                "sms_notifications": True,
            },
            "Pre-operative consult": {
                "duration": "PT45M",
                "online": True,
                "staff": [PHYSICIAN],
                "sms_notifications": False,
            },
        },
        "staff": {PHYSICIAN: {"role": "teamMember"}},
    }


def test_visit_services_and_staff_changed_extra_and_missing() -> None:
    live = live_copy(declared())
    visits = of_kind(live, "VirtualVisits", VISITS)
    visits["published"] = False
    visits["services"]["Follow-up visit"]["duration"] = "PT20M"
    visits["services"]["Follow-up visit"]["staff"] = []
    visits["services"]["Walk-in"] = {"duration": "PT15M", "online": False, "staff": []}
    visits["staff"][PHYSICIAN]["role"] = "administrator"
    visits["staff"]["intruder@northwindhealth.org"] = {"role": "teamMember"}
    del visits["services"]["Pre-operative consult"]
    assert sorted(summary(compare(live)), key=str) == sorted(
        [
            (VISITS, "published", "changed", True, False),
            (VISITS, "services", "extra", None, "Walk-in"),
            (VISITS, "services", "missing", "Pre-operative consult", None),
            (VISITS, "services.Follow-up visit.duration", "changed", "PT30M", "PT20M"),
            (VISITS, "services.Follow-up visit.staff", "missing", PHYSICIAN, None),
            (VISITS, "staff", "extra", None, "intruder@northwindhealth.org"),
            (VISITS, f"staff.{PHYSICIAN}.role", "changed", "teamMember", "administrator"),
        ],
        key=str,
    )


def test_a_second_calendar_of_the_name_is_a_shadow() -> None:
    shadow = {"kind": "VirtualVisits", "name": VISITS, "id": "stmvirtualvisits2@x", "shadow": True}
    f = only(compare(live_copy(declared()), [shadow]))
    assert (f.kind, f.category, f.object_id) == ("VirtualVisits", "shadow", "stmvirtualvisits2@x")


def test_a_partner_changed_unfederated_and_one_nobody_declared() -> None:
    live = live_copy(declared_tenant(NETWORK))
    partner = find(live, FABRIKAM)
    partner["settings"]["shared_channels"] = False
    partner["domains"] = []
    shadow = {"kind": "PartnerTenant", "name": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}
    found = compare_site("tenant", declared_tenant(NETWORK), live, [{**shadow, "shadow": True}])
    assert sorted(summary(found), key=str) == sorted(
        [
            (FABRIKAM, "settings.shared_channels", "changed", True, False),
            (FABRIKAM, "domains", "missing", "fabrikamhealth.org", None),
            (shadow["name"], None, "shadow", None, shadow["name"]),
        ],
        key=str,
    )


def test_the_visit_policies_compare_as_the_other_tenant_policies() -> None:
    live = live_copy(declared_tenant(NETWORK))
    find(live, "Virtual-Visits")["settings"]["AllowCloudRecording"] = True
    find(live, "Visit-SMS")["settings"]["EnableSmsNotifications"] = False
    assert sorted(summary(compare_tenant(live))) == [
        ("Virtual-Visits", "settings.AllowCloudRecording", "changed", False, True),
        ("Visit-SMS", "settings.EnableSmsNotifications", "changed", True, False),
    ]


# --- effective Teams policies (one record per user) --------------------------------------


def test_on_site_groups_a_site_declares_its_members_effective_policies() -> None:
    users = {r["name"]: r for r in declared() if r["kind"] == "EffectivePolicies"}
    assert "nurse001@northwindhealth.org" in users
    nurse = users["nurse001@northwindhealth.org"]["effective"]
    assert nurse["TeamsCallingPolicy"] == {
        "policy_name": "Healthcare_ClinicalWorker",
        "via": CLINICAL,
    }
    # Claire manages nurses and is clinical: the nurse managers rank first for messaging.
    claire = users["claire.dubois@northwindhealth.org"]["effective"]
    assert claire["TeamsMessagingPolicy"]["via"] == NURSE_MANAGERS
    # The tenant stack governs nobody's policies on site groups.
    assert not [r for r in declared_tenant(NETWORK) if r["kind"] == "EffectivePolicies"]


def test_a_direct_assignment_overriding_the_group_policy() -> None:
    live = live_copy(declared())
    user = find(live, "nurse001@northwindhealth.org")
    user["effective"]["TeamsMessagingPolicy"] = {
        "policy_name": "Chat-Off",
        "assignment": "direct",
    }
    f = only(compare(live))
    assert (f.site, f.kind, f.name, f.object_id) == (
        "STM",
        "EffectivePolicies",
        "nurse001@northwindhealth.org",
        user["id"],
    )
    assert (f.field, f.category, f.declared, f.actual) == (
        "effective.TeamsMessagingPolicy",
        "changed",
        "Healthcare_ClinicalWorker",
        "Chat-Off",
    )
    assert f.message == (
        "TeamsMessagingPolicy: direct assignment Chat-Off overrides group policy "
        f"Healthcare_ClinicalWorker of {CLINICAL}"
    )


def test_another_group_or_the_default_giving_the_policy_and_a_type_not_read() -> None:
    live = live_copy(declared())
    claire = find(live, "claire.dubois@northwindhealth.org")["effective"]
    claire["TeamsMessagingPolicy"] = {
        "policy_name": "Healthcare_ClinicalWorker",
        "assignment": "group",
        "via": CLINICAL,
    }
    nurse = find(live, "nurse002@northwindhealth.org")["effective"]
    nurse["TeamsCallingPolicy"] = {"policy_name": "Global", "assignment": "default"}
    del nurse["TeamsMeetingPolicy"]
    # The same policy through another group is no drift: the user holds what is declared.
    nurse["TeamsAppSetupPolicy"]["via"] = "HSA-Clinical-Workers"
    assert sorted((f.name, f.field, f.category, f.message) for f in compare(live)) == [
        (
            "claire.dubois@northwindhealth.org",
            "effective.TeamsMessagingPolicy",
            "changed",
            f"TeamsMessagingPolicy: Healthcare_ClinicalWorker of {CLINICAL} applies instead of "
            f"group policy Secure-Messaging of {NURSE_MANAGERS}",
        ),
        (
            "nurse002@northwindhealth.org",
            "effective.TeamsCallingPolicy",
            "changed",
            "TeamsCallingPolicy: the Global default applies instead of group policy "
            f"Healthcare_ClinicalWorker of {CLINICAL}: no assignment reaches the user",
        ),
        (
            "nurse002@northwindhealth.org",
            "effective.TeamsMeetingPolicy",
            "missing",
            "TeamsMeetingPolicy: not among the user's effective policies",
        ),
    ]


def test_a_user_whose_policies_were_not_read_is_missing() -> None:
    live = [r for r in live_copy(declared()) if r["name"] != "room001@northwindhealth.org"]
    f = only(compare(live))
    assert (f.kind, f.name, f.category) == ("EffectivePolicies", "room001@northwindhealth.org",
                                            "missing")  # fmt: skip
