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
    "HC.EXO.1.1",
    "HC.EXO.1.2",
    "HC.TEAMS.3.1",
    "HC.AAD.1.1",
    "HC.LIC.1.1",
    "HC.LIC.1.2",
]
TENANT_CONTROLS = ["HC.TEAMS.2.1", "HC.TEAMS.2.2"]
CRITICALITY = {c: "shall" for c in [*SITE_CONTROLS, *TENANT_CONTROLS]} | {"HC.LIC.1.2": "should"}

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
    return sorted((r.site, r.control_id) for r in results if not r.requirement_met)


def check_stm(live: list[Record], tenant: list[Record] | None = None) -> list[ControlResult]:
    return run_controls(NETWORK, {"STM": live}, tenant)


# --- a compliant network ----------------------------------------------------------------


def test_every_control_passes_on_a_compliant_network() -> None:
    results = run_controls(NETWORK, {c: compliant_site(c) for c in SITES}, compliant_tenant())
    assert failed(results) == []
    assert [(r.site, r.control_id) for r in results] == [("tenant", c) for c in TENANT_CONTROLS] + [
        (s, c) for s in SITES for c in SITE_CONTROLS
    ]
    assert all(r.criticality == CRITICALITY[r.control_id] for r in results)
    assert all(r.requirement and r.details for r in results)


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
    assert [r.control_id for r in results] == SITE_CONTROLS


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
    tenant = [r for r in compliant_tenant() if r["policy_type"] != "TeamsMessagingPolicy"]
    results = check_stm(compliant_site("STM"), tenant)
    for control_id in TENANT_CONTROLS:
        r = result(results, control_id, "tenant")
        assert (r.requirement_met, r.actual_value) == (False, None)
        assert r.details == "no secure-messaging policy Secure-Messaging in the tenant"
    assert failed(results) == [("tenant", c) for c in TENANT_CONTROLS]


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
    assert doc["summary"] == {"passed": 7, "failed": 2, "failed_shall": 1}
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
    assert doc["summary"] == {"passed": 11, "failed": 0, "failed_shall": 0}


def test_check_exits_0_when_only_a_should_control_fails(
    offline: dict[str, list[Record]], tmp_path: Path
) -> None:
    find(offline["STM"], CLINICAL)["licence_errors"] = ["nurse002@northwindhealth.org"]
    code, doc = check("tenant", "STM", tmp_path=tmp_path)
    assert code == 0
    assert doc["summary"] == {"passed": 10, "failed": 1, "failed_shall": 0}


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
