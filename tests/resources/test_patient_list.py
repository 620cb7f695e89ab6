"""PatientList's provider against the emulator: the team's site, the list, columns, retention."""

from __future__ import annotations

import time

import pytest

from hcinfra.clients import connection
from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.patient_list import PatientListProvider
from hcinfra.resources.patient_list.columns import PATIENT_COLUMNS
from hcinfra.resources.patient_list.provider import PatientListError
from tests.emulator.docexamples import unified_group
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, Emulator
from tests.resources.conftest import configure_for

MANAGER = "claire.dubois@northwindhealth.org"
PATIENTS = [str(c["name"]) for c in PATIENT_COLUMNS]
CODE = {"name": "CodeStatus", "display_name": "Code status", "type": "choice"}
EXTRA = [
    {**CODE, "choices": ["Full code", "DNR"], "required": True},
    {"name": "Allergies", "type": "note"},
]
NOT_FOUND = {
    "status": 404,
    "body": {"error": {"code": "itemNotFound", "message": "Requested site could not be found"}},
}


def ward(emu: Emulator) -> str:
    """A ward team's Microsoft 365 group (every such group has a team site)."""
    return unified_group(emu, "stm-ward-3n", MANAGER)


def inputs(gid: str, **extra) -> dict:
    return {"group_id": gid, "columns": EXTRA, **extra}


def checked(p: PatientListProvider, raw: dict, olds: dict | None = None) -> dict:
    result = p.check(olds or {}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def lists(emu: Emulator) -> dict:
    return emu.admin("GET", "state").json().get("spList", {})


def names(emu: Emulator, lid: str) -> list[str]:
    return [c["name"] for c in lists(emu)[lid]["_columns"]]


def statuses(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(c["method"], c["route"], c["status"]) for c in emu.requests()["counts"]]


def faults(emu: Emulator, **config) -> None:
    emu.admin("PUT", "faults", json=config).raise_for_status()


def wire(emu: Emulator, since: int) -> list[tuple[str, str]]:
    return [
        (e["method"], e["route"])
        for e in emu.requests(since)["entries"]
        if "/oauth2/" not in e["path"] and "/.well-known/" not in e["path"]
    ]


def column(emu: Emulator, made, name: str) -> dict:
    return next(c for c in lists(emu)[made.id]["_columns"] if c["name"] == name)


def test_create_makes_a_generic_list_with_the_patient_and_site_columns(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    raw = checked(p, inputs(gid))
    since = tenant.requests()["last"]
    made = p.create(raw)
    # The team's site, then the list with every column in one request.
    assert wire(tenant, since) == [
        ("GET", "/groups/{gid}/sites/root"),
        ("POST", "/sites/{sid}/lists"),
    ]
    doc = lists(tenant)[made.id]
    assert doc["displayName"] == "Patients" and doc["list"]["template"] == "genericList"
    assert names(tenant, made.id)[0] == "Title"  # the base template's own column
    assert {*PATIENTS, "CodeStatus", "Allergies"} <= set(names(tenant, made.id))
    assert column(tenant, made, "CodeStatus")["choice"]["choices"] == ["Full code", "DNR"]
    assert column(tenant, made, "CodeStatus")["required"] is True
    assert column(tenant, made, "Allergies")["text"]["allowMultipleLines"] is True
    assert column(tenant, made, "AttendingPhysician")["personOrGroup"]
    outs = made.outs
    assert outs["list_id"] == made.id and outs["site_id"] == doc["_siteId"]
    assert outs["web_url"].endswith("/Lists/Patients") and outs["retained"]
    assert outs["column_names"] == [*PATIENTS, "CodeStatus", "Allergies"]
    read = p.read(made.id, dict(outs))
    assert read.outs["drifted_columns"] == [] and p.diff(made.id, read.outs, raw).changes is False


def test_a_new_teams_site_that_404s_is_waited_for(tenant: Emulator):
    gid = ward(tenant)
    rule = {"match": "GET /v1.0/groups/*/sites/root", "respond": NOT_FOUND, "limit": 2}
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    assert list(lists(tenant)) == [made.id]
    seen = {s for m, r, s in statuses(tenant) if r == "/groups/{gid}/sites/root"}
    assert seen == {404, 200}


def test_a_site_that_never_comes_fails_clearly_within_the_timeout(tenant: Emulator):
    gid = ward(tenant)
    faults(tenant, rules=[{"match": "GET /v1.0/groups/*/sites/root", "respond": NOT_FOUND}])
    p = PatientListProvider()
    started = time.monotonic()
    with pytest.raises(PatientListError, match=r"has no SharePoint site within 1s"):
        p.create(checked(p, inputs(gid, timeout_seconds=1)))
    assert time.monotonic() - started < 3 and lists(tenant) == {}


def test_a_security_group_has_no_site(tenant: Emulator):
    gid = tenant.make_group("stm-clinical-sg")
    p = PatientListProvider()
    with pytest.raises(PatientListError, match="has no SharePoint site"):
        p.create(checked(p, inputs(gid, timeout_seconds=0.5)))


def test_a_lost_create_answer_adopts_the_list_it_made(tenant: Emulator):
    gid = ward(tenant)
    rule = {"match": "POST /v1.0/sites/*/lists", "dropResponse": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    assert list(lists(tenant)) == [made.id]
    assert ("POST", "/sites/{sid}/lists", 409) in statuses(tenant)  # nameAlreadyExists
    assert names(tenant, made.id).count("CodeStatus") == 1
    assert made.outs["column_names"][-1] == "Allergies"


def test_create_run_twice_adopts_and_adds_what_the_list_lacks(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    first = p.create(checked(p, inputs(gid, columns=[])))
    again = p.create(checked(p, inputs(gid)))
    assert first.id == again.id and len(lists(tenant)) == 1
    assert {"CodeStatus", "Allergies"} <= set(names(tenant, first.id))
    assert ("POST", "/sites/{sid}/lists/{lid}/columns", 201) in statuses(tenant)


def test_throttled_create_waits_for_retry_after(tenant: Emulator):
    gid = ward(tenant)
    rule = {"match": "POST /v1.0/sites/*/lists", "throttle": 1, "retryAfter": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    started = time.monotonic()
    made = p.create(checked(p, inputs(gid)))
    assert time.monotonic() - started >= 1.0
    seen = {s for m, r, s in statuses(tenant) if (m, r) == ("POST", "/sites/{sid}/lists")}
    assert seen == {429, 201} and list(lists(tenant)) == [made.id]


def test_read_shows_column_drift_and_update_repairs_it(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    declared = checked(p, inputs(gid))
    made = p.create(declared)
    sid = made.outs["site_id"]
    bed, code = column(tenant, made, "Bed"), column(tenant, made, "CodeStatus")
    base = f"/sites/{sid}/lists/{made.id}/columns"
    r = tenant.graph("PATCH", f"{base}/{bed['id']}", json={"displayName": "Room"})
    assert r.status_code == 200, r.text
    r = tenant.graph("PATCH", f"{base}/{code['id']}", json={"choice": {"choices": ["DNR"]}})
    assert r.status_code == 200, r.text
    r = tenant.graph("POST", base, json={"name": "Coffee", "boolean": {}})
    assert r.status_code == 201, r.text
    read = p.read(made.id, dict(made.outs))
    assert read.outs["drifted_columns"] == ["Bed"]
    assert read.outs["columns"][0]["choices"] == ["DNR"]
    assert read.outs["unmanaged_columns"] == ["Coffee"]
    diff = p.diff(made.id, read.outs, declared)
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, declared)
    again = p.read(made.id, dict(made.outs))
    assert (
        again.outs["drifted_columns"] == []
        and p.diff(made.id, again.outs, declared).changes is False
    )
    assert column(tenant, made, "Bed")["displayName"] == "Bed"
    assert column(tenant, made, "CodeStatus")["choice"]["choices"] == ["Full code", "DNR"]
    assert "Coffee" in names(tenant, made.id)  # never deleted, only unmanaged


def test_update_adds_and_changes_columns_and_never_deletes_one(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    news = checked(
        p,
        inputs(
            gid,
            columns=[
                {**CODE, "display_name": "Resuscitation", "choices": ["Full code", "DNR", "DNI"]},
                {"name": "FallRisk", "display_name": "Fall risk", "type": "boolean"},
            ],
        ),
        made.outs,
    )
    assert p.diff(made.id, made.outs, news).replaces == []
    updated = p.update(made.id, made.outs, news)
    code = column(tenant, made, "CodeStatus")
    assert code["displayName"] == "Resuscitation" and code["required"] is False
    assert code["choice"]["choices"] == ["Full code", "DNR", "DNI"]
    assert column(tenant, made, "FallRisk")["boolean"] == {}
    assert "Allergies" in names(tenant, made.id)  # dropped from the inputs, kept with its data
    read = p.read(made.id, {**made.outs, **updated.outs})
    assert read.outs["unmanaged_columns"] == ["Allergies"]
    assert p.diff(made.id, read.outs, news).changes is False


def test_a_columns_type_cannot_change(tenant: Emulator):
    p = PatientListProvider()
    gid = "0b0c0d0e-0f10-4a1b-8c2d-3e4f5a6b7c8d"
    old = checked(p, inputs(gid))
    result = p.check(old, inputs(gid, columns=[{"name": "Allergies", "type": "text"}, EXTRA[0]]))
    assert [f.property for f in result.failures] == ["columns"]
    assert "'Allergies' from note to text" in result.failures[0].reason
    assert tenant.requests()["total"] == 0


def test_a_new_name_or_description_is_a_new_list(tenant: Emulator):
    p = PatientListProvider()
    gid = "0b0c0d0e-0f10-4a1b-8c2d-3e4f5a6b7c8d"
    old = checked(p, inputs(gid))
    new = checked(p, inputs(gid, display_name="Patients 3N", description="Rounds"), old)
    assert sorted(p.diff("x", old, new).replaces) == ["description", "display_name"]


def test_delete_keeps_the_list_and_its_items(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    p.delete(made.id, made.outs)
    assert list(lists(tenant)) == [made.id]
    assert not any(m == "DELETE" for m, _, _ in statuses(tenant))
    # Declared again, the same list comes back.
    assert p.create(checked(p, inputs(gid))).id == made.id


def test_delete_with_allow_data_deletion_deletes_the_list(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid, allow_data_deletion=True)))
    assert made.outs["retained"] == []
    p.delete(made.id, made.outs)
    assert lists(tenant) == {}
    assert ("DELETE", "/sites/{sid}/lists/{lid}", 204) in statuses(tenant)
    assert p.read(made.id, dict(made.outs)).id is None
    p.delete(made.id, made.outs)  # already gone: fine


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"group_id": "ward-3n"}, "group_id"),
        ({"group_id": None}, "group_id"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": " Patients"}, "display_name"),
        ({"display_name": "x" * 256}, "display_name"),
        ({"description": "x" * 1025}, "description"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"colour": "blue"}, "colour"),
        ({"columns": [{"name": "Code Status", "type": "text"}]}, "columns.0.name"),
        ({"columns": [{"name": "x" * 33, "type": "text"}]}, "columns.0.name"),
        ({"columns": [{"name": "9Lives", "type": "text"}]}, "columns.0.name"),
        ({"columns": [{"name": "Weight", "type": "decimal"}]}, "columns.0.type"),
        ({"columns": [{"name": "Code", "type": "choice"}]}, "columns.0.choices"),
        ({"columns": [{"name": "Code", "type": "choice", "choices": []}]}, "columns.0.choices"),
        (
            {"columns": [{"name": "Code", "type": "choice", "choices": ["A", "a"]}]},
            "columns.0.choices",
        ),
        ({"columns": [{"name": "Code", "type": "text", "choices": ["A"]}]}, "columns.0.choices"),
        ({"columns": [{"name": "Bed", "type": "text"}]}, "columns"),
        ({"columns": [{"name": "title", "type": "text"}]}, "columns"),
        ({"columns": [{"name": "A", "type": "text"}, {"name": "a", "type": "number"}]}, "columns"),
        ({"columns": [{"name": "Room", "display_name": "Bed", "type": "text"}]}, "columns"),
        ({"columns": [{"name": "A", "type": "text", "width": 3}]}, "columns.0.width"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = PatientListProvider()
    raw = {k: v for k, v in inputs("0b0c0d0e-0f10-4a1b-8c2d-3e4f5a6b7c8d", **change).items()}
    raw = {k: v for k, v in raw.items() if v is not None}
    result = p.check({}, raw)
    assert [f.property for f in result.failures] == [field], result.failures
    assert tenant.requests()["total"] == 0


def test_check_lists_every_problem(tenant: Emulator):
    p = PatientListProvider()
    raw = {
        "group_id": "nope",
        "display_name": "",
        "columns": [{"name": "Bed", "type": "text"}, {"name": "Notes", "type": "note"}],
    }
    result = p.check({}, raw)
    assert sorted(f.property for f in result.failures) == ["columns", "display_name", "group_id"]
    reason = next(f.reason for f in result.failures if f.property == "columns")
    assert "'Bed' is one of the Patients columns" in reason and "'Notes'" in reason
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_permission(tenant: Emulator):
    gid = ward(tenant)
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    configure_for(tenant, AUDITOR_APP, AUDITOR_SECRET)
    try:
        # The auditor reads (refresh works) but may not write.
        assert p.read(made.id, dict(made.outs)).outs["drifted_columns"] == []
        with pytest.raises(PermissionDenied) as err:
            p.create(checked(p, inputs(gid, display_name="Patients 3N")))
    finally:
        connection.configure({})
    assert "PatientList needs Sites.Manage.All, Sites.Read.All" in str(err.value)


def test_a_library_of_the_same_name_is_not_adopted(tenant: Emulator):
    gid = ward(tenant)
    sid = tenant.graph("GET", f"/groups/{gid}/sites/root").json()["id"]
    assert tenant.graph("POST", f"/sites/{sid}/lists", json={"displayName": "Patients"}).is_success
    # The site answers that its "Patients" is a document library.
    library = {"id": "b57af081-936c-4803-a120-d94887b03864", "displayName": "Patients"}
    body = {"value": [{**library, "list": {"template": "documentLibrary"}}]}
    rule = {"match": "GET /v1.0/sites/*/lists", "respond": {"status": 200, "body": body}}
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    with pytest.raises(PatientListError, match="is a documentLibrary, not a list hcinfra made"):
        p.create(checked(p, inputs(gid)))
    assert ("POST", "/sites/{sid}/lists", 409) in statuses(tenant)


def test_a_taken_name_said_with_a_400_is_adopted_too(tenant: Emulator):
    gid = ward(tenant)
    sid = tenant.graph("GET", f"/groups/{gid}/sites/root").json()["id"]
    assert tenant.graph("POST", f"/sites/{sid}/lists", json={"displayName": "Patients"}).is_success
    taken = {"code": "invalidRequest", "message": "A list with the specified title already exists."}
    rule = {
        "match": "POST /v1.0/sites/*/lists",
        "respond": {"status": 400, "body": {"error": taken}},
    }
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    made = p.create(checked(p, inputs(gid)))
    assert list(lists(tenant)) == [made.id]
    assert {*PATIENTS, "CodeStatus", "Allergies"} <= set(names(tenant, made.id))
