"""run_controls: each healthcare control passes on a compliant site and fails, with the
evidence, when its one condition breaks; `hcinfra check` exits on shall-failures only."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hcinfra.audit import audit, commands
from hcinfra.audit.controls import run_controls
from hcinfra.audit.model import ControlResult
from hcinfra.audit.records import Record, declared_site, declared_tenant
from hcinfra.audit.render import render_controls
from hcinfra.audit.snapshot import Snapshot
from hcinfra.network import load_network
from hcinfra.network.catalog import PACKAGE_POLICY_TYPES
from hcinfra.network.model import Network
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"
NETWORK = load_network(SAMPLE)
SITES = ["STM", "HSA", "CHM"]
SITE_CONTROLS = [
    "HC.TEAMS.1.1",
    "HC.TEAMS.1.2",
    "HC.TEAMS.1.3",
    "HC.TEAMS.1.4",
    "HC.EXO.1.1",
    "HC.EXO.1.2",
    "HC.TEAMS.3.1",
    "HC.TEAMS.3.2",
    "HC.TEAMS.3.3",
    "HC.AAD.1.1",
    "HC.LIC.1.1",
    "HC.LIC.1.2",
]
EHR_CONTROLS = ["HC.EHR.1.1", "HC.EHR.1.2", "HC.EHR.1.3", "HC.EHR.1.4"]
MESSAGING_CONTROLS = ["HC.TEAMS.2.1", "HC.TEAMS.2.2"]
TENANT_CONTROLS = [
    *MESSAGING_CONTROLS,
    "HC.TEAMS.4.1",
    "HC.TEAMS.4.2",
    "HC.AAD.2.1",
    "HC.TEAMS.1.4",
]
CRITICALITY = (
    {c: "shall" for c in [*SITE_CONTROLS, *TENANT_CONTROLS]}
    | {c: "should" for c in ["HC.LIC.1.2", *EHR_CONTROLS]}
    | {"HC.EHR.1.4": "manual"}
)

CLINICAL = "STM-Clinical-Workers"
INFORMATION = "STM-Information-Workers"
ROOMS = "STM-Patient-Rooms"
NURSE_MANAGERS = "STM-Nurse-Managers"
INFO = "info@stm.northwindhealth.org"
SCHEDULING = "scheduling@stm.northwindhealth.org"


def compliant_site(code: str, network: Network = NETWORK) -> list[Record]:
    """A site's live records as a fresh, compliant deployment reads them."""
    live = copy.deepcopy(declared_site(network, code))
    for n, record in enumerate(live):
        record["id"] = f"{code.lower()}-{n:02d}"
        if record["kind"] == "SecurityGroup":
            record["licence_errors"] = []
        if record["kind"] == "Team":
            record["members"] = list(record["owners"])
    return live


def compliant_tenant() -> list[Record]:
    live = copy.deepcopy(declared_tenant(NETWORK))
    for record in live:
        record["id"] = f"Tag:{record['name']}"
    return live


def find(records: list[Record], name: str) -> Record:
    return next(r for r in records if r["name"] == name)


def result(results: list[ControlResult], control_id: str, site: str = "STM") -> ControlResult:
    hits = [r for r in results if r.control_id == control_id and r.site == site]
    assert len(hits) == 1, (control_id, site, results)
    return hits[0]


def failed(results: list[ControlResult]) -> list[tuple[str, str]]:
    """What failed; a manual step (requirement_met None) never does."""
    return sorted((r.site, r.control_id) for r in results if r.requirement_met is False)


def check_stm(live: list[Record], tenant: list[Record] | None = None) -> list[ControlResult]:
    return run_controls(NETWORK, {"STM": live}, tenant)


# --- a compliant network ----------------------------------------------------------------


def test_every_control_passes_on_a_compliant_network() -> None:
    results = run_controls(NETWORK, {c: compliant_site(c) for c in SITES}, compliant_tenant())
    assert failed(results) == []
    assert [(r.site, r.control_id) for r in results] == [("tenant", c) for c in TENANT_CONTROLS] + [
        (s, c) for s in SITES for c in [*SITE_CONTROLS, *EHR_CONTROLS]
    ]
    assert all(r.criticality == CRITICALITY[r.control_id] for r in results)
    assert all(r.requirement and r.details for r in results)
    manual = [r for r in results if r.criticality == "manual"]
    assert {r.requirement_met for r in manual} == {None}
    assert all(r.requirement_met is True for r in results if r not in manual)


def test_passing_results_show_what_was_checked() -> None:
    results = check_stm(compliant_site("STM"), compliant_tenant())
    assert result(results, "HC.TEAMS.1.1").actual_value == {CLINICAL: "Healthcare_ClinicalWorker"}
    assert result(results, "HC.TEAMS.1.2").actual_value == {ROOMS: "Healthcare_PatientRoom"}
    assert result(results, "HC.TEAMS.1.3").actual_value == {
        INFORMATION: "Healthcare_InformationWorker"
    }
    assert result(results, "HC.TEAMS.1.1").details == (
        "1 group(s) hold every policy of the package"
    )
    assert result(results, "HC.TEAMS.2.1", "tenant").actual_value is True
    assert result(results, "HC.TEAMS.2.2", "tenant").actual_value == "Everyone"
    assert result(results, "HC.EXO.1.1").actual_value == {INFO: True, SCHEDULING: True}
    assert result(results, "HC.EXO.1.2").actual_value == {
        INFO: [f"{INFORMATION}-Mail"],
        SCHEDULING: [f"{INFORMATION}-Mail", f"{NURSE_MANAGERS}-Mail"],
    }
    assert result(results, "HC.TEAMS.3.1").actual_value == {"STM 3 Nord": 2, "STM 4 Sud": 2}
    assert result(results, "HC.AAD.1.1").actual_value == []
    assert result(results, "HC.LIC.1.1").actual_value == []
    assert result(results, "HC.LIC.1.2").actual_value == {}


def test_without_tenant_records_the_tenant_controls_are_not_run() -> None:
    results = check_stm(compliant_site("STM"), None)
    assert {r.site for r in results} == {"STM"}
    assert [r.control_id for r in results] == [*SITE_CONTROLS, *EHR_CONTROLS]


def test_a_failure_at_one_site_leaves_the_others_passing() -> None:
    sites = {c: compliant_site(c) for c in SITES}
    find(sites["HSA"], "info@hsa.northwindhealth.org")["sign_in_blocked"] = False
    assert failed(run_controls(NETWORK, sites, None)) == [("HSA", "HC.EXO.1.1")]


# --- HC.TEAMS.1.x: policy packages --------------------------------------------------------


def test_teams_1_1_fails_when_a_package_type_is_re_pointed() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["policies"]["TeamsCallingPolicy"]["policy_name"] = "AllowCalling"
    results = check_stm(live)
    r = result(results, "HC.TEAMS.1.1")
    assert (r.requirement_met, r.criticality, r.site) == (False, "shall", "STM")
    assert r.actual_value == {CLINICAL: ["TeamsCallingPolicy"]}
    assert r.details == f"{CLINICAL}: not Healthcare_ClinicalWorker for TeamsCallingPolicy"
    assert failed(results) == [("STM", "HC.TEAMS.1.1")]


def test_teams_1_1_lists_every_type_off_the_package() -> None:
    live = compliant_site("STM")
    policies = find(live, CLINICAL)["policies"]
    del policies["TeamsMessagingPolicy"]  # an assignment removed
    policies["TeamsAppSetupPolicy"]["policy_name"] = "Healthcare_PatientRoom"
    r = result(check_stm(live), "HC.TEAMS.1.1")
    assert r.actual_value == {CLINICAL: ["TeamsAppSetupPolicy", "TeamsMessagingPolicy"]}


def test_teams_1_x_accept_a_package_name_in_another_case() -> None:
    live = compliant_site("STM")
    for entry in find(live, INFORMATION)["policies"].values():
        entry["policy_name"] = "healthcare_informationworker"
    assert failed(check_stm(live)) == []


def test_teams_1_2_fails_when_the_patient_room_group_is_missing() -> None:
    live = [r for r in compliant_site("STM") if r["name"] != ROOMS]
    results = check_stm(live)
    r = result(results, "HC.TEAMS.1.2")
    assert r.requirement_met is False
    assert r.actual_value == {ROOMS: "group missing"}
    assert r.details == f"{ROOMS}: group missing"
    # A missing group holds no licence either.
    assert failed(results) == [("STM", "HC.LIC.1.1"), ("STM", "HC.TEAMS.1.2")]
    assert result(results, "HC.LIC.1.1").actual_value == [ROOMS]


def test_teams_1_3_fails_when_the_information_group_has_no_assignment() -> None:
    live = compliant_site("STM")
    find(live, INFORMATION)["policies"] = {}
    r = result(check_stm(live), "HC.TEAMS.1.3")
    assert r.requirement_met is False
    assert r.actual_value == {INFORMATION: sorted(PACKAGE_POLICY_TYPES)}
    assert r.details.startswith(f"{INFORMATION}: not Healthcare_InformationWorker for ")


def test_a_package_given_to_the_wrong_role_fails_both_controls() -> None:
    live = compliant_site("STM")
    clinical, rooms = find(live, CLINICAL), find(live, ROOMS)
    clinical["policies"], rooms["policies"] = rooms["policies"], clinical["policies"]
    assert failed(check_stm(live)) == [("STM", "HC.TEAMS.1.1"), ("STM", "HC.TEAMS.1.2")]


def write_network(tmp_path: Path, change: Any) -> Network:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_network(path)


def test_roles_are_recognised_by_their_package_not_their_name(tmp_path: Path) -> None:
    def rename(data: dict[str, Any]) -> None:
        clinical = next(r for r in data["baseline"]["roles"] if r["key"] == "clinical")
        clinical["name"] = "Soignants"
        rooms = next(r for r in data["baseline"]["roles"] if r["key"] == "patient-rooms")
        del rooms["policy_package"]
        data["baseline"]["policies"]["precedence"].remove("patient-rooms")

    network = write_network(tmp_path, rename)
    live = compliant_site("STM", network)
    results = run_controls(network, {"STM": live}, None)
    assert failed(results) == []
    assert result(results, "HC.TEAMS.1.1").actual_value == {
        "STM-Soignants": "Healthcare_ClinicalWorker"
    }
    # No role carries the patient-room package: nothing to check, nothing failed.
    rooms = result(results, "HC.TEAMS.1.2")
    assert (rooms.requirement_met, rooms.actual_value, rooms.details) == (True, {}, "no such role")

    find(live, "STM-Soignants")["policies"]["TeamsMeetingPolicy"]["policy_name"] = "Default"
    assert result(run_controls(network, {"STM": live}, None), "HC.TEAMS.1.1").actual_value == {
        "STM-Soignants": ["TeamsMeetingPolicy"]
    }


# --- HC.TEAMS.2.x: the secure-messaging policy ------------------------------------------


def test_teams_2_1_fails_without_priority_notifications() -> None:
    tenant = compliant_tenant()
    find(tenant, "Secure-Messaging")["settings"]["AllowPriorityMessages"] = False
    results = check_stm(compliant_site("STM"), tenant)
    r = result(results, "HC.TEAMS.2.1", "tenant")
    assert (r.requirement_met, r.criticality, r.actual_value) == (False, "shall", False)
    assert r.details == "Secure-Messaging: AllowPriorityMessages is False"
    assert failed(results) == [("tenant", "HC.TEAMS.2.1")]


def test_teams_2_2_fails_when_read_receipts_are_left_to_users() -> None:
    tenant = compliant_tenant()
    find(tenant, "Secure-Messaging")["settings"]["ReadReceiptsEnabledType"] = "UserPreference"
    results = check_stm(compliant_site("STM"), tenant)
    r = result(results, "HC.TEAMS.2.2", "tenant")
    assert (r.requirement_met, r.criticality, r.actual_value) == (False, "shall", "UserPreference")
    assert r.details == "Secure-Messaging: ReadReceiptsEnabledType is 'UserPreference'"
    assert failed(results) == [("tenant", "HC.TEAMS.2.2")]


def test_teams_2_x_fail_when_the_policy_is_not_in_the_tenant() -> None:
    tenant = [r for r in compliant_tenant() if r.get("policy_type") != "TeamsMessagingPolicy"]
    results = check_stm(compliant_site("STM"), tenant)
    for control_id in MESSAGING_CONTROLS:
        r = result(results, control_id, "tenant")
        assert (r.requirement_met, r.actual_value) == (False, None)
        assert r.details == "no secure-messaging policy Secure-Messaging in the tenant"
    assert failed(results) == [("tenant", c) for c in MESSAGING_CONTROLS]


def test_teams_2_x_fail_when_a_setting_is_absent() -> None:
    tenant = compliant_tenant()
    del find(tenant, "Secure-Messaging")["settings"]["AllowPriorityMessages"]
    r = result(check_stm(compliant_site("STM"), tenant), "HC.TEAMS.2.1", "tenant")
    assert (r.requirement_met, r.actual_value) == (False, None)


# --- HC.EXO.1.x: shared mailboxes -------------------------------------------------------


def test_exo_1_1_fails_when_sign_in_is_allowed() -> None:
    live = compliant_site("STM")
    find(live, INFO)["sign_in_blocked"] = False
    results = check_stm(live)
    r = result(results, "HC.EXO.1.1")
    assert (r.requirement_met, r.criticality) == (False, "shall")
    assert r.actual_value == {INFO: False, SCHEDULING: True}
    assert r.details == f"sign-in allowed: {INFO}"
    assert failed(results) == [("STM", "HC.EXO.1.1")]


def test_exo_1_1_fails_when_sign_in_is_unknown() -> None:
    live = compliant_site("STM")
    find(live, SCHEDULING)["sign_in_blocked"] = None
    r = result(check_stm(live), "HC.EXO.1.1")
    assert r.requirement_met is False
    assert r.actual_value == {INFO: True, SCHEDULING: None}
    assert SCHEDULING in r.details and INFO not in r.details
    assert r.details == f"sign-in state unreadable: {SCHEDULING}"


def test_exo_1_2_fails_on_full_access_granted_to_a_user() -> None:
    live = compliant_site("STM")
    find(live, SCHEDULING)["full_access"].append("clerk001@northwindhealth.org")
    results = check_stm(live)
    r = result(results, "HC.EXO.1.2")
    assert (r.requirement_met, r.criticality) == (False, "shall")
    assert r.actual_value == {SCHEDULING: ["clerk001@northwindhealth.org"]}
    assert r.details == f"{SCHEDULING}: clerk001@northwindhealth.org"
    assert failed(results) == [("STM", "HC.EXO.1.2")]


def test_exo_1_2_ignores_send_as_and_extra_groups() -> None:
    live = compliant_site("STM")
    find(live, INFO)["send_as"].append("clerk001@northwindhealth.org")
    find(live, INFO)["full_access"].append("STM-Clinical-Workers")  # drift, not this control
    assert failed(check_stm(live)) == []


# --- HC.TEAMS.3.1: ward team owners -----------------------------------------------------


def test_teams_3_1_fails_on_a_ward_team_with_one_owner() -> None:
    live = compliant_site("STM")
    find(live, "STM 3 Nord")["owners"] = ["claire.dubois@northwindhealth.org"]
    results = check_stm(live)
    r = result(results, "HC.TEAMS.3.1")
    assert (r.requirement_met, r.criticality) == (False, "shall")
    assert r.actual_value == {"STM 3 Nord": 1, "STM 4 Sud": 2}
    assert r.details == "STM 3 Nord: 1 owner(s)"
    assert failed(results) == [("STM", "HC.TEAMS.3.1")]


def test_teams_3_1_counts_a_missing_ward_team_as_no_owner() -> None:
    live = [r for r in compliant_site("STM") if r["name"] != "STM 4 Sud"]
    r = result(check_stm(live), "HC.TEAMS.3.1")
    assert r.requirement_met is False
    assert r.actual_value == {"STM 3 Nord": 2, "STM 4 Sud": 0}
    assert r.details == "STM 4 Sud: 0 owner(s)"


def test_teams_3_1_looks_at_ward_teams_only() -> None:
    live = compliant_site("STM")
    find(live, "Hôpital Saint-Michel")["owners"] = ["claire.dubois@northwindhealth.org"]
    r = result(check_stm(live), "HC.TEAMS.3.1")
    assert r.requirement_met is True
    assert "Hôpital Saint-Michel" not in r.actual_value


# --- HC.AAD.1.1: clinical and patient-room groups ---------------------------------------


def test_aad_1_1_fails_on_a_user_in_clinical_and_patient_room_groups() -> None:
    live = compliant_site("STM")
    find(live, ROOMS)["members"].append("nurse001@northwindhealth.org")
    results = check_stm(live)
    r = result(results, "HC.AAD.1.1")
    assert (r.requirement_met, r.criticality) == (False, "shall")
    assert r.actual_value == ["nurse001@northwindhealth.org"]
    assert r.details == "in both: nurse001@northwindhealth.org"
    assert failed(results) == [("STM", "HC.AAD.1.1")]


def test_aad_1_1_allows_other_overlaps() -> None:
    live = compliant_site("STM")
    # A nurse manager is also a clinical worker; a clerk also uses a room device account.
    find(live, CLINICAL)["members"].append("claire.dubois@northwindhealth.org")
    find(live, ROOMS)["members"].append("clerk001@northwindhealth.org")
    assert failed(check_stm(live)) == []


# --- HC.LIC.1.x: licences ---------------------------------------------------------------


def test_lic_1_1_fails_on_a_licensed_role_group_without_licences() -> None:
    live = compliant_site("STM")
    find(live, NURSE_MANAGERS)["licences"] = []
    results = check_stm(live)
    r = result(results, "HC.LIC.1.1")
    assert (r.requirement_met, r.criticality) == (False, "shall")
    assert r.actual_value == [NURSE_MANAGERS]
    assert r.details == f"no licence: {NURSE_MANAGERS}"
    assert failed(results) == [("STM", "HC.LIC.1.1")]


def test_lic_1_1_accepts_any_licence_the_group_holds() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["licences"] = [{"sku": "SPE_E3", "disabled_plans": []}]  # drift only
    assert failed(check_stm(live)) == []


def test_lic_1_2_fails_on_members_in_licence_error_as_a_should() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["licence_errors"] = ["nurse002@northwindhealth.org"]
    results = check_stm(live)
    r = result(results, "HC.LIC.1.2")
    assert (r.requirement_met, r.criticality, r.site) == (False, "should", "STM")
    assert r.actual_value == {CLINICAL: ["nurse002@northwindhealth.org"]}
    assert r.details == f"{CLINICAL}: nurse002@northwindhealth.org"
    assert failed(results) == [("STM", "HC.LIC.1.2")]


# --- the JSON report and `hcinfra check`'s exit code ------------------------------------


def test_the_json_report_counts_shall_failures_apart() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["licence_errors"] = ["nurse002@northwindhealth.org"]
    find(live, INFO)["sign_in_blocked"] = False
    doc = json.loads(render_controls(check_stm(live), "json", sites=["STM"]))
    assert doc["schema"] == "hcinfra.controls/v1"
    assert doc["sites"] == ["STM"]
    assert doc["summary"] == {"passed": 13, "failed": 2, "failed_shall": 1, "manual": 1}
    assert set(doc["results"][0]) == {
        "control_id",
        "site",
        "criticality",
        "requirement",
        "requirement_met",
        "actual_value",
        "details",
    }


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Record]]:
    """`hcinfra check` reading these records instead of a tenant."""
    live = {"tenant": compliant_tenant(), "STM": compliant_site("STM")}

    def read(network: Network, codes: list[str], conn: Any = None) -> audit.Audit:
        return audit.Audit(network, codes, Snapshot(), live={c: live[c] for c in codes})

    monkeypatch.setattr(audit, "read", read)
    return live


def check(*codes: str, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "controls.json"
    args = list(codes) or None
    code = commands.check_command(str(SAMPLE), args, "json", str(out))
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def test_check_exits_0_when_every_control_passes(
    offline: dict[str, list[Record]], tmp_path: Path
) -> None:
    code, doc = check("tenant", "STM", tmp_path=tmp_path)
    assert code == 0
    assert doc["sites"] == ["tenant", "STM"]
    assert doc["summary"] == {"passed": 21, "failed": 0, "failed_shall": 0, "manual": 1}


def test_check_exits_0_when_only_a_should_control_fails(
    offline: dict[str, list[Record]], tmp_path: Path
) -> None:
    find(offline["STM"], CLINICAL)["licence_errors"] = ["nurse002@northwindhealth.org"]
    code, doc = check("tenant", "STM", tmp_path=tmp_path)
    assert code == 0
    assert doc["summary"] == {"passed": 20, "failed": 1, "failed_shall": 0, "manual": 1}


def test_check_exits_2_when_a_shall_control_fails(
    offline: dict[str, list[Record]], tmp_path: Path
) -> None:
    find(offline["tenant"], "Secure-Messaging")["settings"]["AllowPriorityMessages"] = False
    code, doc = check("tenant", "STM", tmp_path=tmp_path)
    assert code == 2
    assert doc["summary"]["failed_shall"] == 1


def test_check_exits_1_on_an_unknown_site(
    offline: dict[str, list[Record]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = check("XYZ", tmp_path=tmp_path)
    assert (code, doc) == (1, {})
    assert "unknown site(s): XYZ" in capsys.readouterr().err


def test_ward_teams_and_messaging_values_match_without_regard_to_case() -> None:
    live = compliant_site("STM")
    ward = next(r for r in live if r["kind"] == "Team" and r["name"] == "STM 3 Nord")
    ward["name"] = "STM 3 NORD"  # Entra names are unique without regard to case
    tenant = compliant_tenant()
    messaging = next(r for r in tenant if r.get("policy_type") == "TeamsMessagingPolicy")
    messaging["settings"]["ReadReceiptsEnabledType"] = "everyone"
    assert failed(check_stm(live, tenant)) == []


# --- HC.TEAMS.3.2 and 3.3: ward schedules and Patients lists ----------------------------

NORD, SUD = "STM 3 Nord", "STM 4 Sud"
NORD_LIST = "STM 3 Nord: Patients"


def of_kind(records: list[Record], kind: str, name: str) -> Record:
    return next(r for r in records if r["kind"] == kind and r["name"] == name)


def test_teams_3_2_passes_on_provisioned_schedules() -> None:
    r = result(check_stm(compliant_site("STM")), "HC.TEAMS.3.2")
    assert (r.requirement_met, r.criticality) == (True, "shall")
    assert r.actual_value == {NORD: "completed", SUD: "completed"}
    assert r.details == "2 ward schedule(s) provisioned"


def test_teams_3_2_fails_on_a_schedule_missing_disabled_or_still_provisioning() -> None:
    live = [
        r for r in compliant_site("STM") if not (r["kind"] == "WardSchedule" and r["name"] == SUD)
    ]
    of_kind(live, "WardSchedule", NORD)["provision_status"] = "running"
    results = check_stm(live)
    r = result(results, "HC.TEAMS.3.2")
    assert r.requirement_met is False
    assert r.actual_value == {NORD: "running", SUD: "no schedule"}
    assert r.details == f"{NORD}: running; {SUD}: no schedule"
    assert failed(results) == [("STM", "HC.TEAMS.3.2")]
    of_kind(live, "WardSchedule", NORD).update(provision_status="completed", enabled=False)
    assert result(check_stm(live), "HC.TEAMS.3.2").actual_value[NORD] == "disabled"


def test_teams_3_2_ignores_a_deactivated_or_changed_group() -> None:
    live = compliant_site("STM")
    schedule = of_kind(live, "WardSchedule", NORD)
    del schedule["groups"]["Nurses"]  # drift's concern
    schedule["time_zone"] = "Europe/Paris"
    assert failed(check_stm(live)) == []


def test_teams_3_3_passes_on_complete_lists() -> None:
    r = result(check_stm(compliant_site("STM")), "HC.TEAMS.3.3")
    assert (r.requirement_met, r.criticality) == (True, "shall")
    assert r.actual_value == {NORD_LIST: "complete", "STM 4 Sud: Patients": "complete"}


def test_teams_3_3_fails_on_a_missing_retyped_or_optional_required_column() -> None:
    live = compliant_site("STM")
    columns = of_kind(live, "PatientList", NORD_LIST)["columns"]
    del columns["MRN"]
    columns["FallRisk"]["type"] = "text"  # a network column
    columns["Patient"]["required"] = False
    results = check_stm(live)
    r = result(results, "HC.TEAMS.3.3")
    assert r.requirement_met is False
    assert r.actual_value[NORD_LIST] == [
        "Patient not required",
        "MRN missing",
        "FallRisk is text, not boolean",
    ]
    assert r.details.startswith(f"{NORD_LIST}: Patient not required, MRN missing")
    assert failed(results) == [("STM", "HC.TEAMS.3.3")]


def test_teams_3_3_fails_on_a_missing_list_and_ignores_labels_and_extra_columns() -> None:
    live = compliant_site("STM")
    columns = of_kind(live, "PatientList", NORD_LIST)["columns"]
    columns["Bed"]["display_name"] = "Lit"
    columns["Status"]["choices"] = ["Admitted"]
    columns["Allergies"] = {"display_name": "Allergies", "type": "text", "required": False}
    assert failed(check_stm(live)) == []
    live = [r for r in live if r["kind"] != "PatientList" or r["name"] != NORD_LIST]
    r = result(check_stm(live), "HC.TEAMS.3.3")
    assert (r.requirement_met, r.actual_value[NORD_LIST]) == (False, "no list")


def test_teams_3_x_pass_when_the_network_declares_no_care_coordination(tmp_path: Path) -> None:
    network = write_network(tmp_path, lambda d: d["baseline"].pop("care_coordination"))
    results = run_controls(network, {"STM": compliant_site("STM", network)}, None)
    assert result(results, "HC.TEAMS.3.2").details == "the network declares no ward schedule"
    assert result(results, "HC.TEAMS.3.3").details == "the network declares no Patients list"
    assert failed(results) == []


# --- HC.TEAMS.4.x: the virtual-visits meeting policy ------------------------------------

VISITS_POLICY = "Virtual-Visits"


def test_teams_4_x_pass_on_the_sample_policy() -> None:
    results = check_stm(compliant_site("STM"), compliant_tenant())
    lobby = result(results, "HC.TEAMS.4.1", "tenant")
    assert (lobby.requirement_met, lobby.criticality) == (True, "shall")
    assert lobby.actual_value == {
        "AutoAdmittedUsers": "EveryoneInCompanyExcludingGuests",
        "AllowPSTNUsersToBypassLobby": False,
    }
    recording = result(results, "HC.TEAMS.4.2", "tenant")
    assert recording.requirement_met is True
    assert recording.actual_value == {"AllowCloudRecording": False, "AllowTranscription": False}


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("AutoAdmittedUsers", "Everyone"),
        ("AutoAdmittedUsers", None),  # not read: not known to hold anyone in the lobby
        ("AllowPSTNUsersToBypassLobby", True),
        ("AllowPSTNUsersToBypassLobby", None),
    ],
)
def test_teams_4_1_fails_when_anyone_can_skip_the_lobby(setting: str, value: Any) -> None:
    tenant = compliant_tenant()
    find(tenant, VISITS_POLICY)["settings"][setting] = value
    results = check_stm(compliant_site("STM"), tenant)
    r = result(results, "HC.TEAMS.4.1", "tenant")
    assert r.requirement_met is False
    assert setting in r.details
    assert failed(results) == [("tenant", "HC.TEAMS.4.1")]


def test_teams_4_1_accepts_every_lobby_value_but_everyone_in_any_case() -> None:
    for value in ["organizeronly", "EveryoneInCompany", "InvitedUsers"]:
        tenant = compliant_tenant()
        find(tenant, VISITS_POLICY)["settings"]["AutoAdmittedUsers"] = value
        assert failed(check_stm(compliant_site("STM"), tenant)) == []


def test_teams_4_2_fails_on_recording_or_transcription_not_declared() -> None:
    tenant = compliant_tenant()
    find(tenant, VISITS_POLICY)["settings"]["AllowTranscription"] = True
    results = check_stm(compliant_site("STM"), tenant)
    r = result(results, "HC.TEAMS.4.2", "tenant")
    assert r.requirement_met is False
    assert r.details == "AllowTranscription is True, not declared on"
    assert failed(results) == [("tenant", "HC.TEAMS.4.2")]


def test_teams_4_2_allows_recording_the_network_declares(tmp_path: Path) -> None:
    def record(data: dict[str, Any]) -> None:
        data["baseline"]["policies"]["meeting"]["settings"]["AllowCloudRecording"] = True

    network = write_network(tmp_path, record)
    tenant = copy.deepcopy(declared_tenant(network))
    results = run_controls(network, {}, tenant)
    r = result(results, "HC.TEAMS.4.2", "tenant")
    assert r.requirement_met is True
    assert r.details == "AllowCloudRecording: declared on; AllowTranscription: off"
    # What is not declared on must be off, not merely unread.
    del find(tenant, VISITS_POLICY)["settings"]["AllowTranscription"]
    assert failed(run_controls(network, {}, tenant)) == [("tenant", "HC.TEAMS.4.2")]


def test_teams_4_x_fail_when_the_declared_policy_is_not_in_the_tenant() -> None:
    tenant = [r for r in compliant_tenant() if r.get("policy_type") != "TeamsMeetingPolicy"]
    results = check_stm(compliant_site("STM"), tenant)
    for control_id in ("HC.TEAMS.4.1", "HC.TEAMS.4.2"):
        r = result(results, control_id, "tenant")
        assert (r.requirement_met, r.actual_value) == (False, None)
        assert r.details == f"no virtual-visits meeting policy {VISITS_POLICY} in the tenant"


def test_teams_4_x_pass_when_no_meeting_policy_is_declared(tmp_path: Path) -> None:
    network = write_network(tmp_path, lambda d: d["baseline"]["policies"].pop("meeting"))
    results = run_controls(network, {}, copy.deepcopy(declared_tenant(network)))
    r = result(results, "HC.TEAMS.4.1", "tenant")
    assert (r.requirement_met, r.actual_value) == (True, None)
    assert "declares no virtual-visits meeting policy" in r.details


# --- HC.AAD.2.1: partners ---------------------------------------------------------------

FABRIKAM = "0b7e3c2a-4d5f-4e6a-9b8c-7d6e5f4a3b2c"
OUTSIDER = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def federation(allowed: list[str] | None, enabled: bool = True) -> Record:
    return {
        "kind": "TeamsFederation",
        "name": "Global",
        "enabled": enabled,
        "mode": "all_known_domains" if allowed is None else "allow_list",
        "allowed_domains": allowed,
        "blocked_domains": [],
    }


def partners_result(tenant: list[Record]) -> ControlResult:
    return result(check_stm(compliant_site("STM"), tenant), "HC.AAD.2.1", "tenant")


def test_aad_2_1_passes_on_the_declared_partner() -> None:
    r = partners_result([*compliant_tenant(), federation(["fabrikamhealth.org"])])
    assert (r.requirement_met, r.criticality) == (True, "shall")
    assert r.actual_value["partners"] == [FABRIKAM]
    assert r.actual_value["federation"] == "allow_list"
    assert r.details == "1 partner(s), as declared"


def test_aad_2_1_fails_on_a_partner_nobody_declared() -> None:
    shadow = {"kind": "PartnerTenant", "name": OUTSIDER, "id": OUTSIDER, "shadow": True}
    tenant = [*compliant_tenant(), shadow, federation(["fabrikamhealth.org"])]
    results = check_stm(compliant_site("STM"), tenant)
    r = result(results, "HC.AAD.2.1", "tenant")
    assert r.requirement_met is False
    assert r.actual_value["undeclared"] == [OUTSIDER]
    assert r.details == f"partner configurations nobody declared: {OUTSIDER}"
    assert failed(results) == [("tenant", "HC.AAD.2.1")]


def test_aad_2_1_fails_on_a_declared_partner_missing_or_not_federated() -> None:
    tenant = [r for r in compliant_tenant() if r["kind"] != "PartnerTenant"]
    r = partners_result(tenant)
    assert (r.requirement_met, r.actual_value["missing"]) == (False, [FABRIKAM])
    tenant = compliant_tenant()
    find(tenant, FABRIKAM)["domains"] = []
    r = partners_result([*tenant, federation(["contoso.com"])])
    assert r.requirement_met is False
    assert r.actual_value["unfederated_domains"] == ["fabrikamhealth.org"]
    assert r.details == (
        "partner domains Teams does not federate with: fabrikamhealth.org; "
        "also on the allow list, put there by others: contoso.com"
    )


def test_aad_2_1_reports_other_allowed_domains_and_open_federation_without_failing() -> None:
    r = partners_result([*compliant_tenant(), federation(["contoso.com", "fabrikamhealth.org"])])
    assert r.requirement_met is True
    assert r.actual_value["other_allowed_domains"] == ["contoso.com"]
    assert r.details == (
        "1 partner(s), as declared; also on the allow list, put there by others: contoso.com"
    )
    r = partners_result([*compliant_tenant(), federation(None)])
    assert r.requirement_met is True
    assert r.details.endswith("federation is open to every known domain (no allow list)")
    assert (
        partners_result([*compliant_tenant(), federation(None, False)]).actual_value["federation"]
        == "off"
    )


def test_aad_2_1_passes_without_partners(tmp_path: Path) -> None:
    network = write_network(tmp_path, lambda d: d["baseline"].pop("partners"))
    results = run_controls(network, {}, copy.deepcopy(declared_tenant(network)))
    r = result(results, "HC.AAD.2.1", "tenant")
    assert (r.requirement_met, r.details) == (True, "no partner declared, none in the tenant")


# --- HC.EHR.1.x: readiness for the Teams EHR connector ----------------------------------

VIRTUAL_CARE = "STM-Virtual-Care"
PHYSICIAN = "physician001@northwindhealth.org"


def test_ehr_readiness_on_a_ready_site() -> None:
    results = check_stm(compliant_site("STM"))
    assert result(results, "HC.EHR.1.1").actual_value == {PHYSICIAN: ["SPE_F1"]}
    assert result(results, "HC.EHR.1.2").actual_value == {VIRTUAL_CARE: "assigned"}
    assert result(results, "HC.EHR.1.2").details == f"Virtual-Visits assigned to {VIRTUAL_CARE}"
    assert result(results, "HC.EHR.1.3").details == f"Visit-SMS assigned to {VIRTUAL_CARE}"
    assert all(result(results, c).criticality == "should" for c in EHR_CONTROLS[:3])


def test_ehr_1_1_fails_when_teams_is_disabled_or_the_sku_lacks_it() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["licences"] = [{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}]
    results = check_stm(live)
    r = result(results, "HC.EHR.1.1")
    assert (r.requirement_met, r.actual_value) == (False, {PHYSICIAN: []})
    assert r.details == (
        f"no licence with Teams meetings (TEAMS1) through the site's groups: {PHYSICIAN}"
    )
    assert failed(results) == [("STM", "HC.EHR.1.1")]  # a should: the run still passes
    find(live, CLINICAL)["licences"] = [{"sku": "UNKNOWN_SKU", "disabled_plans": []}]
    assert result(check_stm(live), "HC.EHR.1.1").requirement_met is False


def test_ehr_1_1_counts_any_of_the_clinicians_groups() -> None:
    live = compliant_site("STM")
    find(live, CLINICAL)["members"].remove(PHYSICIAN)
    assert result(check_stm(live), "HC.EHR.1.1").requirement_met is False
    find(live, NURSE_MANAGERS)["members"].append(PHYSICIAN)  # SPE_E3 holds TEAMS1 too
    assert result(check_stm(live), "HC.EHR.1.1").actual_value == {PHYSICIAN: ["SPE_E3"]}


@pytest.mark.parametrize(
    ("control_id", "policy_type"),
    [("HC.EHR.1.2", "TeamsMeetingPolicy"), ("HC.EHR.1.3", "TeamsVirtualAppointmentsPolicy")],
)
def test_ehr_1_2_and_1_3_fail_on_an_unassigned_other_or_outranked_policy(
    control_id: str, policy_type: str
) -> None:
    live = compliant_site("STM")
    policies = find(live, VIRTUAL_CARE)["policies"]
    policies[policy_type]["misplaced"] = [CLINICAL]
    assert result(check_stm(live), control_id).actual_value == {
        VIRTUAL_CARE: f"ranked below {CLINICAL}"
    }
    policies[policy_type] = {"policy_name": "Default", "rank": 2}
    assert result(check_stm(live), control_id).actual_value == {VIRTUAL_CARE: "holds Default"}
    del policies[policy_type]
    results = check_stm(live)
    assert result(results, control_id).actual_value == {VIRTUAL_CARE: "not assigned"}
    assert failed(results) == [("STM", control_id)]


def test_ehr_1_3_fails_when_no_sms_policy_is_declared(tmp_path: Path) -> None:
    def no_sms(data: dict[str, Any]) -> None:
        data["baseline"]["policies"].pop("virtual_appointments")
        for service in data["baseline"]["virtual_visits"]["services"]:
            service["sms"] = False

    network = write_network(tmp_path, no_sms)
    r = result(run_controls(network, {"STM": compliant_site("STM", network)}, None), "HC.EHR.1.3")
    assert r.requirement_met is False
    assert r.details.startswith("no SMS policy declared (baseline.policies.virtual_appointments)")


def test_ehr_1_4_is_a_manual_step_never_failed() -> None:
    results = check_stm([])  # nothing in the tenant at all
    r = result(results, "HC.EHR.1.4")
    assert (r.criticality, r.requirement_met) == ("manual", None)
    assert "no API" in r.details and "https://ehrconnector.teams.microsoft.com" in r.details
    assert ("STM", "HC.EHR.1.4") not in failed(results)
    text = render_controls(results, "text", sites=["STM"])
    assert "  MANUAL  manual  HC.EHR.1.4" in text and "1 manual step(s)" in text
    assert "📝" in render_controls(results, "markdown", sites=["STM"])
    assert 'class="tag manual"' in render_controls(results, "html", sites=["STM"])


def test_ehr_readiness_is_not_reported_for_a_site_without_virtual_visits(tmp_path: Path) -> None:
    def off(data: dict[str, Any]) -> None:
        stm = next(s for s in data["sites"] if s["code"] == "STM")
        stm.setdefault("overrides", {})["virtual_visits"] = None

    network = write_network(tmp_path, off)
    results = run_controls(network, {"STM": compliant_site("STM", network)}, None)
    assert not [r for r in results if r.control_id.startswith("HC.EHR.")]
    assert failed(results) == []


# --- HC.TEAMS.1.4: effective policies -------------------------------------------------------


def test_teams_1_4_passes_when_every_member_holds_the_declared_policies() -> None:
    results = check_stm(compliant_site("STM"), compliant_tenant())
    r = result(results, "HC.TEAMS.1.4")
    assert (r.requirement_met, r.criticality) == (True, "shall")
    assert r.actual_value == {"users": 8, "differing": {}, "conflicts": {}}
    assert r.details == "8 user(s) hold the declared Teams policies through the site's own groups"
    tenant = result(results, "HC.TEAMS.1.4", "tenant")
    assert tenant.requirement_met
    assert tenant.details == "no user takes Teams policies from the network-wide policy groups"


def test_teams_1_4_fails_on_a_direct_assignment_and_a_user_not_read() -> None:
    live = compliant_site("STM")
    nurse = find(live, "nurse001@northwindhealth.org")
    nurse["effective"]["TeamsMessagingPolicy"] = {"policy_name": "Chat-Off", "assignment": "direct"}
    live.remove(find(live, "room001@northwindhealth.org"))
    results = check_stm(live)
    r = result(results, "HC.TEAMS.1.4")
    assert r.requirement_met is False
    assert r.actual_value["differing"]["nurse001@northwindhealth.org"] == {
        "TeamsMessagingPolicy": "direct assignment Chat-Off overrides Healthcare_ClinicalWorker"
    }
    assert set(r.actual_value["differing"]["room001@northwindhealth.org"].values()) == {
        "user not in the tenant"
    }
    assert r.details.startswith("nurse001@northwindhealth.org: TeamsMessagingPolicy: direct")
    assert failed(results) == [("STM", "HC.TEAMS.1.4")]


def test_teams_1_4_reports_users_in_conflict_without_failing(tmp_path: Path) -> None:
    def overlap(data: dict[str, Any]) -> None:
        # HSA gives its clinical workers another package, and STM's nurse works there too.
        hsa = next(s for s in data["sites"] if s["code"] == "HSA")
        hsa["overrides"] = {
            "roles": [{"key": "clinical", "policy_package": "Healthcare_InformationWorker"}]
        }
        hsa["members"]["clinical"].append("nurse001@northwindhealth.org")

    network = write_network(tmp_path, overlap)
    live = compliant_site("STM", network)
    declared_nurse = find(live, "nurse001@northwindhealth.org")
    assert "TeamsCallingPolicy" in declared_nurse["conflicts"]
    declared_nurse["effective"]["TeamsCallingPolicy"] = {"policy_name": "Healthcare_ClinicalWorker"}
    r = result(run_controls(network, {"STM": live}, None), "HC.TEAMS.1.4")
    assert r.requirement_met is True
    assert r.actual_value["conflicts"]["nurse001@northwindhealth.org"]["TeamsCallingPolicy"] == (
        "Healthcare_ClinicalWorker"
    )
    assert "1 user(s) in conflict" in r.details
    assert (
        "nurse001@northwindhealth.org: TeamsAppSetupPolicy is unread, TeamsCallingPolicy "
        "is Healthcare_ClinicalWorker"
    ) in r.details


def test_on_network_groups_the_package_and_visit_controls_read_the_tenants_groups(
    tmp_path: Path,
) -> None:
    network = write_network(tmp_path, lambda d: d["tenant"].update(policy_groups="network"))
    live = compliant_site("STM", network)
    assert all(r.get("policies") == {} for r in live if r["kind"] == "SecurityGroup")
    tenant = copy.deepcopy(declared_tenant(network))
    results = run_controls(network, {"STM": live}, tenant)
    assert failed(results) == []
    assert result(results, "HC.TEAMS.1.1").actual_value == {
        "Teams-Policy-Clinical-Workers": "Healthcare_ClinicalWorker"
    }
    assert result(results, "HC.EHR.1.2").actual_value == {"Teams-Policy-Virtual-Care": "assigned"}
    # An STM clinician missing from the network-wide group: the package does not reach them.
    group = find(tenant, "Teams-Policy-Clinical-Workers")
    group["members"].remove("physician001@northwindhealth.org")
    virtual = find(tenant, "Teams-Policy-Virtual-Care")
    virtual["policies"]["TeamsMeetingPolicy"]["policy_name"] = "Default"
    results = run_controls(network, {"STM": live}, tenant)
    assert result(results, "HC.TEAMS.1.1").actual_value == {
        "Teams-Policy-Clinical-Workers": "lacks 1 of the site's members: "
        "physician001@northwindhealth.org"
    }
    assert result(results, "HC.EHR.1.2").actual_value == {
        "Teams-Policy-Virtual-Care": "holds Default"
    }
    # Without the tenant's records the network-wide groups are unknown: missing.
    alone = run_controls(network, {"STM": live}, None)
    assert result(alone, "HC.TEAMS.1.1").actual_value == {
        "Teams-Policy-Clinical-Workers": "group missing"
    }
