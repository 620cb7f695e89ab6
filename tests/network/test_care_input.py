"""Bad input in the care blocks: time zones, care_coordination, virtual_visits, partners.

Each test writes a file a new user might write and asserts the problem: its site (or
none, for the baseline), its field path and line, and the offending value in words.
Every problem of a file is listed in one run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hcinfra.network import NetworkError, load_network
from hcinfra.network.load import Problem
from hcinfra.network.plan import plan_site
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"
FABRIKAM = "0b7e3c2a-4d5f-4e6a-9b8c-7d6e5f4a3b2c"
CONTOSO = "2c8f4d3b-5e6a-4f7b-8c9d-0e1f2a3b4c5d"


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems(tmp_path: Path, data: dict) -> list[Problem]:
    with pytest.raises(NetworkError) as err:
        load_network(write(tmp_path, data))
    return err.value.problems


def one(found: list[Problem], path: str, *words: str) -> Problem:
    hits = [p for p in found if p.path == path and all(w in p.message for w in words)]
    assert hits, f"no problem at {path} with {words}: {[str(p) for p in found]}"
    assert len(hits) == 1, f"{path} {words} reported {len(hits)} times"
    return hits[0]


def in_words(found: list[Problem]) -> None:
    """No regular expression, no pydantic jargon, no problem twice, and every line known."""
    for p in found:
        for jargon in ("match pattern", "^", "Input should", "Value error", "literal_", "String "):
            assert jargon not in p.message, str(p)
        assert p.line is not None, str(p)
    assert len({str(p) for p in found}) == len(found), [str(p) for p in found]


# -- one run reports everything --------------------------------------------------------


def test_every_bad_care_value_is_reported_at_once(tmp_path: Path):
    data = sample()
    base = data["baseline"]
    base["timezone"] = "Eastern Time"
    data["sites"][1]["timezone"] = "Mars/Olympus"
    groups = base["care_coordination"]["schedule"]["groups"]
    groups.append({"key": "nurses", "name": "NURSES", "roles": ["clinical"]})
    groups.append({"key": "night", "name": " Night", "roles": ["clinical"]})
    base["care_coordination"]["patient_list"]["columns"] += [
        {"name": "Bed Number", "type": "text"},
        {"name": "Weight", "type": "colour"},
        {"name": "Diet", "type": "choice"},
        {"name": "Allergies", "type": "text", "choices": ["Latex"]},
        {"name": "Bed", "type": "text"},
        {"name": "fallrisk", "type": "boolean"},
        {"name": "Precautions", "display_name": "Code status", "type": "text"},
    ]
    visits = base["virtual_visits"]
    visits["staff_role"] = "doctor"
    visits["services"] += [
        {"key": "chat", "name": "Chat", "duration": "30 minutes"},
        {"key": "empty", "name": "Empty", "duration": "PT0M"},
        {"key": "stay", "name": "Stay", "duration": "P2D", "roles": ["clinical"]},
        {"key": "follow-up", "name": "FOLLOW-UP VISIT"},
    ]
    del base["policies"]["virtual_appointments"]  # follow-up has sms: true
    base["policies"]["meeting"]["settings"]["AutoAdmittedUsers"] = "Anyone"
    base["policies"]["meeting"]["settings"]["AllowLobbyBypass"] = True
    base["partners"] += [
        {
            "key": "typo",
            "name": "Typo",
            "tenant_id": CONTOSO,
            "domains": ["not a domain", "a@b.org"],
        },
        {
            "key": "us",
            "name": "Us",
            "tenant_id": data["tenant"]["id"].upper(),
            "domains": ["us.org"],
        },
        {"key": "fab2", "name": "Fabrikam again", "tenant_id": FABRIKAM, "domains": ["fab2.org"]},
        {
            "key": "mirror",
            "name": "Mirror",
            "tenant_id": "3d9a5e4c-6f7b-4a8c-9dae-1f2a3b4c5d6e",
            "domains": ["northwindhealth.org", "mirror.org", "Mirror.org"],
        },
    ]
    data["sites"][2]["overrides"]["partners"] = [{"key": "fabrikam", "trust_mfa": True}]
    found = problems(tmp_path, data)
    in_words(found)

    at = "baseline."
    one(found, at + "timezone", "'Eastern Time' is not an IANA time zone name")
    assert one(found, "sites[1].timezone", "'Mars/Olympus'", "IANA").site == "HSA"
    sched = at + "care_coordination.schedule.groups"
    one(found, sched + "[2].key", "scheduling group key 'nurses' is used twice")
    one(found, sched + "[2].name", "name 'NURSES' is used twice", "as 'Nurses'")
    one(found, sched + "[3].name", "' Night' is not a Shifts group name", "leading or trailing")
    cols = at + "care_coordination.patient_list.columns"
    one(found, cols + "[2].name", "1 to 32 ASCII letters", "got 'Bed Number'")
    one(found, cols + "[3].type", "unknown column type 'colour'", "text, note, dateTime")
    one(found, cols + "[4].choices", "column 'Diet'", "a choice column needs its choices")
    one(found, cols + "[5].choices", "column 'Allergies'", "only a choice column has choices")
    one(found, cols + "[6].name", "'Bed' is one of the Patients columns already")
    one(found, cols + "[7].name", "'fallrisk' is declared twice", "columns[0] and columns[7]")
    one(found, cols + "[8].display_name", "display name 'Code status' is taken by columns[1]")
    vv = at + "virtual_visits"
    one(found, vv + ".staff_role", "'doctor' is not a Bookings staff role", "teamMember")
    one(found, vv + ".services[2].duration", "'30 minutes' is not an ISO 8601 duration")
    one(found, vv + ".services[3].duration", "service 'empty' lasts 'PT0M'", "more than 0")
    one(found, vv + ".services[4].duration", "service 'stay' lasts 'P2D'", "at most a day")
    one(found, vv + ".services[4].roles", "role 'clinical' is not one of the calendar's staff")
    one(found, vv + ".services[5].key", "service key 'follow-up' is used twice")
    one(found, vv + ".services[5].name", "'FOLLOW-UP VISIT' is used twice")
    one(found, vv + ".services[0].sms", "service 'follow-up'", "EnableSmsNotifications: true")
    meeting = at + "policies.meeting.settings"
    one(found, meeting + ".AutoAdmittedUsers", "should be one of", "got 'Anyone'")
    one(found, meeting + ".AllowLobbyBypass", "'AllowLobbyBypass' is not a setting")
    one(found, at + "partners[1].domains[0]", "partner 'typo'", "'not a domain'")
    one(found, at + "partners[1].domains[1]", "'a@b.org' is not a domain name")
    one(found, at + "partners[2].tenant_id", "partner 'us' has this network's own tenant id")
    one(found, at + "partners[3].tenant_id", "'fabrikam' and 'fab2' are the same tenant")
    one(found, at + "partners[4].domains", "'mirror' lists this tenant's own domains")
    one(found, at + "partners[4].domains[2]", "domain 'Mirror.org' is listed twice")
    differs = one(
        found,
        "sites[2].overrides.partners[0]",
        "declares partner 'fabrikam' unlike the baseline",
        "trust_mfa: True here, False there",
    )
    assert differs.site == "CHM"
    assert all(p.site is None for p in found if p.path.startswith("baseline."))
    assert len(found) == 29, [str(p) for p in found]


def test_unknown_roles_and_bad_placeholders_are_reported_together(tmp_path: Path):
    data = sample()
    base = data["baseline"]
    base["care_coordination"]["schedule"]["groups"][0]["roles"] = ["clinicals"]
    base["care_coordination"]["patient_list"]["description"] = "{ward} at {hospital}"
    base["virtual_visits"]["display_name"] = "{code} {ward} visits"
    base["virtual_visits"]["staff_roles"] = ["virtual-care", "surgeons"]
    found = problems(tmp_path, data)
    in_words(found)
    one(
        found,
        "baseline.care_coordination.schedule.groups[0].roles",
        "scheduling group 'nurses': unknown role 'clinicals'",
        "did you mean 'clinical'",
    )
    one(found, "baseline.virtual_visits.staff_roles[1]", "unknown role 'surgeons'")
    one(
        found,
        "baseline.care_coordination.patient_list.description",
        "unknown placeholder {hospital}",
        "{site}, {code}, {ward}",
    )
    p = one(found, "baseline.virtual_visits.display_name", "unknown placeholder {ward}")
    assert "{site}, {code}" in p.message and p.site is None


@pytest.mark.parametrize("where", ["schedule", "staff_roles", "owners_role"])
def test_an_unknown_role_alone_is_a_problem_not_a_traceback(tmp_path: Path, where: str):
    data = sample()
    if where == "schedule":
        data["baseline"]["care_coordination"]["schedule"]["groups"][0]["roles"] = ["surgeons"]
    elif where == "staff_roles":
        data["baseline"]["virtual_visits"]["staff_roles"] = ["surgeons"]
    else:
        data["baseline"]["teams"]["ward"]["owners_role"] = "surgeons"
    found = problems(tmp_path, data)
    named = [p.message for p in found if "surgeons" in p.message]
    assert len(named) == 1 and "unknown role 'surgeons'" in named[0], found


def test_bad_types_and_forms_in_the_new_blocks_are_listed_together(tmp_path: Path):
    data = sample()
    base = data["baseline"]
    base["timezone"] = 5
    base["partners"][0]["tenant_id"] = "fabrikam.onmicrosoft.com"
    base["partners"][0]["domains"] = []
    base["virtual_visits"]["local_part"] = "virtual visits"
    base["virtual_visits"]["services"][0]["key"] = "Follow Up"
    base["virtual_visits"]["services"][1]["duration"] = 45
    base["care_coordination"]["patient_list"]["columns"][0].pop("type")
    data["sites"][1]["wards"] = ["Cardiologie", "cardiologie"]
    found = problems(tmp_path, data)
    in_words(found)
    one(found, "baseline.timezone", "should be text; got 5")
    one(found, "baseline.partners[0].tenant_id", "GUID", "got 'fabrikam.onmicrosoft.com'")
    one(found, "baseline.partners[0].domains", "should not be empty")
    one(found, "baseline.virtual_visits.local_part", "a local part is", "got 'virtual visits'")
    one(found, "baseline.virtual_visits.services[0].key", "a key is", "got 'Follow Up'")
    one(found, "baseline.virtual_visits.services[1].duration", "should be text; got 45")
    one(found, "baseline.care_coordination.patient_list.columns[0].type", "missing")
    assert one(found, "sites[1].wards[1]", "'cardiologie'", "listed twice").site == "HSA"


# -- time zones and ward teams ---------------------------------------------------------


def test_ward_schedules_without_a_time_zone_anywhere(tmp_path: Path):
    data = sample()
    del data["baseline"]["timezone"]
    data["sites"][0]["timezone"] = "Europe/Paris"  # STM has its own
    data["sites"][2]["wards"] = []  # CHM has no ward, so no schedule
    found = problems(tmp_path, data)
    [p] = found
    assert p.site == "HSA" and p.path == "sites[1].timezone" and p.line is not None
    assert "the ward schedules need the site's time zone" in p.message
    assert "America/Toronto" in p.message


def test_a_schedule_or_patient_list_without_a_ward_team(tmp_path: Path):
    data = sample()
    del data["baseline"]["teams"]["ward"]
    found = problems(tmp_path, data)
    p = one(found, "baseline.care_coordination", "declare teams.ward as well")
    assert p.site is None and p.line is not None
    del data["baseline"]["care_coordination"]["schedule"]
    one(problems(tmp_path, data), "baseline.care_coordination", "Patients lists go on ward")


# -- the calendar ----------------------------------------------------------------------


def test_a_calendar_over_100_staff(tmp_path: Path):
    data = sample()
    doctors = [f"doctor{n:03d}@northwindhealth.org" for n in range(101)]
    data["sites"][0]["members"]["virtual-care"] = doctors
    found = problems(tmp_path, data)
    [p] = found
    assert (p.site, p.path) == ("STM", "sites[0].members")
    assert "101 staff" in p.message and "at most 100" in p.message
    data["sites"][0]["members"]["virtual-care"] = doctors[:100]
    load_network(write(tmp_path, data))


def test_two_sites_deriving_the_same_calendar_name(tmp_path: Path):
    data = sample()
    data["baseline"]["virtual_visits"]["display_name"] = "Virtual Visits"
    found = problems(tmp_path, data)
    p = one(found, "sites[2]", "Bookings calendar name 'Virtual Visits'", "sites HSA and STM")
    assert p.site == "CHM"
    data["sites"][1]["overrides"]["virtual_visits"] = {"display_name": "{site} visits"}
    data["sites"][2]["overrides"]["virtual_visits"] = {"display_name": "{code} visits"}
    load_network(write(tmp_path, data))


def test_sms_needs_the_policy_with_sms_on_for_the_roles_giving_the_service(tmp_path: Path):
    data = sample()
    data["baseline"]["policies"]["virtual_appointments"]["settings"] = {
        "EnableSmsNotifications": False
    }
    found = problems(tmp_path, data)
    [p] = found
    assert p.path == "baseline.virtual_visits.services[0].sms"
    assert "assigned to virtual-care" in p.message


# -- sites' overrides ------------------------------------------------------------------


def test_virtual_visits_off_at_one_site_and_valid_overrides_plan_as_expected(tmp_path: Path):
    data = sample()
    data["sites"][0]["overrides"] = {"virtual_visits": None}
    hsa = data["sites"][1]
    hsa["timezone"] = "Europe/Paris"
    hsa["overrides"]["virtual_visits"] = {
        "services": [
            {"key": "pre-op", "duration": "PT1H"},
            {"key": "cardio", "name": "Cardiology follow-up", "duration": "PT20M"},
        ]
    }
    hsa["overrides"]["care_coordination"] = {
        "schedule": {"groups": [{"key": "managers", "name": "Cadres"}], "time_clock": True},
        "patient_list": {"columns": [{"name": "Telemetry", "type": "boolean"}]},
    }
    network = load_network(write(tmp_path, data))

    stm = plan_site(network, "STM")
    assert stm.visits is None
    assert [s.team for s in stm.schedules] == ["ward-3-nord", "ward-4-sud"]

    plan = plan_site(network, "HSA")
    assert plan.timezone == "Europe/Paris"
    assert {s.time_zone for s in plan.schedules} == {"Europe/Paris"}
    assert [(g.key, g.name) for g in plan.schedules[0].groups] == [
        ("nurses", "Nurses"),
        ("managers", "Cadres"),  # merged by key: the roles stay the baseline's
    ]
    assert plan.schedules[0].groups[1].members == plan.group("nurse-managers").members
    assert plan.schedules[0].settings["time_clock_enabled"] is True
    assert [c["name"] for c in plan.patient_lists[0].columns] == ["Telemetry"]  # replaced
    assert plan.visits is not None
    assert [(s["display_name"], s["duration"]) for s in plan.visits.services] == [
        ("Follow-up visit", "PT30M"),
        ("Pre-operative consult", "PT1H"),
        ("Cardiology follow-up", "PT20M"),
    ]

    chm = plan_site(network, "CHM")
    assert chm.timezone == "America/Toronto" and chm.visits is not None
    assert [s["display_name"] for s in chm.visits.services] == [
        "Follow-up visit",
        "Pre-operative consult",
    ]
    assert [c["name"] for c in chm.patient_lists[0].columns] == ["FallRisk", "CodeStatus"]


def test_problems_of_a_sites_override_name_the_site_and_the_override(tmp_path: Path):
    data = sample()
    hsa = data["sites"][1]["overrides"]
    hsa["virtual_visits"] = {
        "services": [{"key": "late", "name": "Late", "duration": "PT25H", "roles": ["clinical"]}]
    }
    hsa["care_coordination"] = {
        "patient_list": {
            "columns": [{"name": "Bed", "type": "text"}, {"name": "x y", "type": "text"}]
        }
    }
    data["sites"][2]["timezone"] = "Europe/Pariss"
    found = problems(tmp_path, data)
    in_words(found)
    assert {p.site for p in found} == {"HSA", "CHM"}
    cols = "sites[1].overrides.care_coordination.patient_list.columns"
    one(found, cols + "[0].name", "'Bed' is one of the Patients columns")
    one(found, cols + "[1].name", "got 'x y'")
    services = "sites[1].overrides.virtual_visits.services"  # merged by key: named by key
    one(found, services, "service 'late' lasts 'PT25H'")
    one(found, services, "service 'late': role 'clinical' is not one of the calendar's staff")
    one(found, "sites[2].timezone", "'Europe/Pariss' is not an IANA time zone name")
    assert len(found) == 5, [str(p) for p in found]


def test_a_partner_key_means_the_same_partner_at_every_site(tmp_path: Path):
    data = sample()
    contoso = {"key": "contoso", "name": "Contoso", "tenant_id": CONTOSO, "domains": ["c.org"]}
    data["sites"][1]["overrides"]["partners"] = [contoso]
    data["sites"][2]["overrides"]["partners"] = [{**contoso, "domains": ["contoso.org"]}]
    data["sites"][0]["overrides"] = {
        "partners": [{"key": "fab", "name": "Fab", "tenant_id": FABRIKAM, "domains": ["f.org"]}]
    }
    found = problems(tmp_path, data)
    in_words(found)
    p = one(found, "sites[2].overrides.partners[0]", "partner 'contoso' unlike site HSA")
    assert p.site == "CHM" and "domains: ['contoso.org'] here, ['c.org'] there" in p.message
    p = one(found, "sites[0].overrides.partners[0].tenant_id", "'fabrikam' and 'fab'")
    assert p.site == "STM"
    assert len(found) == 2, [str(p) for p in found]
    # The same declaration at two sites is one partner, and valid.
    data["sites"][2]["overrides"]["partners"] = [contoso]
    del data["sites"][0]["overrides"]
    load_network(write(tmp_path, data))


def test_a_bad_pattern_or_baseline_hides_no_partner_seat_or_time_zone_problem(tmp_path: Path):
    data = sample()
    base = data["baseline"]
    base["virtual_visits"]["display_name"] = "{hospital} Virtual Visits"  # unknown placeholder
    base["partners"][0]["tenant_id"] = data["tenant"]["id"]  # the network's own tenant
    data["tenant"]["licence_pool"]["SPE_F1"] = 1
    found = problems(tmp_path, data)
    one(found, "baseline.virtual_visits.display_name", "unknown placeholder {hospital}")
    one(found, "baseline.partners[0].tenant_id", "own tenant")
    one(found, "tenant.licence_pool.SPE_F1", "the pool has 1")

    # A type error in the baseline: each site's own time zone is still checked.
    data = sample()
    data["baseline"]["roles"][0]["seats"] = "many"
    data["sites"][0]["timezone"] = "Montreal"
    found = problems(tmp_path, data)
    one(found, "baseline.roles[0].seats", "should be a whole number")
    one(found, "sites[0].timezone", "'Montreal' is not an IANA time zone name")
