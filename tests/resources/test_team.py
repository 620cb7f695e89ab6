"""Team's provider against the emulator: templates, adoption, async operations, drift, archive."""

from __future__ import annotations

import time

import pytest

from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.team import TeamProvider
from hcinfra.resources.team.calls import TeamOperationError
from hcinfra.resources.team.inputs import derive_nickname
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator

NURSE = "nurse001@northwindhealth.org"
MANAGER = "claire.dubois@northwindhealth.org"
DEPUTY = "marc.tremblay@northwindhealth.org"
WARD = ["General", "Announcements", "Huddles", "Rounds", "Staffing", "Training"]
HOSPITAL = ["General", "Announcements", "Compliance", "Custodial", "Human resources", "Pharmacy"]


def inputs(**extra) -> dict:
    base = {
        "display_name": "STM Ward 3 North",
        "description": "Ward 3 North, Saint-Michel",
        "template": "healthcareWard",
        "owners": [MANAGER],
        "members": [NURSE],
        "channels": [{"name": "Night shift", "description": "Handover at 23:00"}],
    }
    return {**base, **extra}


def checked(provider: TeamProvider, raw: dict, olds: dict | None = None) -> dict:
    result = provider.check(olds or {}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def state(emu: Emulator, kind: str) -> dict:
    return emu.admin("GET", "state").json().get(kind, {})


def channel_names(emu: Emulator, team_id: str) -> list[str]:
    return [c["displayName"] for c in state(emu, "channel").values() if c["teamId"] == team_id]


def statuses(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(c["method"], c["route"], c["status"]) for c in emu.requests()["counts"]]


def faults(emu: Emulator, **config) -> None:
    emu.admin("PUT", "faults", json=config).raise_for_status()


def user_id(emu: Emulator, upn: str) -> str:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        return c.get(f"/v1.0/users/{upn}").json()["id"]


@pytest.mark.parametrize(
    ("template", "channels"), [("healthcareWard", WARD), ("healthcareHospital", HOSPITAL)]
)
def test_create_from_a_healthcare_template(tenant: Emulator, template, channels):
    p = TeamProvider()
    made = p.create(checked(p, inputs(template=template)))
    [team] = state(tenant, "team").values()
    group = state(tenant, "group")[made.id]
    assert team["id"] == made.id and team["_template"] == template
    assert channel_names(tenant, made.id) == [*channels, "Night shift"]
    assert group["uniqueName"] == "team-stm-ward-3-north" and group["groupTypes"] == ["Unified"]
    assert group["visibility"] == "Private" and team["visibility"] == "private"
    manager, nurse = user_id(tenant, MANAGER), user_id(tenant, NURSE)
    assert group["_owners"] == [manager] and sorted(group["_members"]) == sorted([manager, nurse])
    outs = made.outs
    assert outs["team_id"] == outs["group_id"] == made.id and outs["archived"] is False
    assert outs["owner_ids"] == [manager] and outs["member_ids"] == [nurse]
    assert set(outs["channel_ids"]) == {*channels, "Night shift"}
    assert outs["mail_nickname"] == "stm-ward-3-north" and outs["retained"]
    assert outs["web_url"] and outs["internal_id"].startswith("19:")
    # Microsoft's idempotent path: a team made from the group, then an operation polled.
    seen = statuses(tenant)
    assert ("POST", "/teams", 202) in seen
    assert any(m == "GET" and "operations" in r and s == 200 for m, r, s in seen)


def wire(emu: Emulator, since: int) -> list[tuple[str, str]]:
    """Graph requests on the wire after `since` (tokens left out; a `$batch` counts once)."""
    return [
        (e["method"], e["route"])
        for e in emu.requests(since)["entries"]
        if not e["batch_item"] and "/oauth2/" not in e["path"] and "/.well-known/" not in e["path"]
    ]


def test_a_first_create_binds_its_people_and_reads_the_team_once(tenant: Emulator):
    faults(tenant, teamsOperationMs=100)
    p = TeamProvider()
    raw = checked(p, inputs(owners=[MANAGER, DEPUTY]))
    since = tenant.requests()["last"]
    made = p.create(raw)
    assert wire(tenant, since) == [
        ("POST", "/$batch"),  # three users by name
        ("PATCH", "/groups(uniqueName='{unique}')"),  # owners and members bound in it
        ("POST", "/teams"),
        ("GET", "/teams/{tid}/operations/{op}"),  # polled after a wait, not at once
        ("POST", "/$batch"),  # the team and its channels
        ("POST", "/teams/{tid}/channels"),  # the declared one; its answer holds its id
    ]
    group = state(tenant, "group")[made.id]
    owners = sorted(user_id(tenant, u) for u in (MANAGER, DEPUTY))
    assert sorted(group["_owners"]) == owners == made.outs["owner_ids"]
    assert sorted(group["_members"]) == sorted([*owners, user_id(tenant, NURSE)])
    assert set(made.outs["channel_ids"]) == {*WARD, "Night shift"}
    # Read back, the team shows no drift.
    read = p.read(made.id, made.outs)
    assert p.diff(made.id, read.outs, raw).changes is False


def test_standard_template_makes_the_team_with_put(tenant: Emulator):
    p = TeamProvider()
    made = p.create(checked(p, inputs(template="standard", channels=[])))
    assert channel_names(tenant, made.id) == ["General"]
    assert ("PUT", "/groups/{gid}/team", 201) in statuses(tenant)


def test_create_after_a_lost_group_upsert_response_adopts(tenant: Emulator):
    rule = {"match": "PATCH /v1.0/groups(uniqueName=*", "dropResponse": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    assert list(state(tenant, "group")) == [made.id] and list(state(tenant, "team")) == [made.id]


def test_a_retried_group_upsert_inside_the_replication_window_adopts(tenant: Emulator):
    # The lost upsert made the group, still unseen: the retry meets uniqueName's 400.
    match = "PATCH /v1.0/groups(uniqueName=*"
    faults(
        tenant,
        rules=[
            {"match": match, "dropResponse": 1, "limit": 1},
            {"match": match, "consistencyMs": 2500},
        ],
    )
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    assert list(state(tenant, "group")) == [made.id] and list(state(tenant, "team")) == [made.id]
    assert any(method == "PATCH" and code == 400 for method, _, code in statuses(tenant))


def test_create_after_a_lost_team_response_adopts(tenant: Emulator):
    faults(tenant, rules=[{"match": "POST /v1.0/teams", "dropResponse": 1, "limit": 1}])
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    assert list(state(tenant, "team")) == [made.id]
    assert ("POST", "/teams", 409) in statuses(tenant)  # the retry found the team made
    assert channel_names(tenant, made.id) == [*WARD, "Night shift"]


def test_create_run_twice_adopts_everything(tenant: Emulator):
    p = TeamProvider()
    first = p.create(checked(p, inputs()))
    again = p.create(checked(p, inputs()))
    assert first.id == again.id and len(state(tenant, "team")) == 1
    assert channel_names(tenant, first.id).count("Night shift") == 1


def test_replication_404s_after_group_creation_are_waited_out(tenant: Emulator):
    rule = {"match": "PATCH /v1.0/groups(uniqueName=*", "consistencyMs": 1500}
    faults(tenant, rules=[rule])
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    assert made.outs["owner_ids"] and len(state(tenant, "team")) == 1
    assert any(s == 404 for _, _, s in statuses(tenant))


def test_throttled_channel_creation_is_retried_after_retry_after(tenant: Emulator):
    rule = {"match": "POST /v1.0/teams/*/channels", "throttle": 1, "retryAfter": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    seen = statuses(tenant)
    assert ("POST", "/teams/{tid}/channels", 429) in seen
    assert ("POST", "/teams/{tid}/channels", 201) in seen
    assert "Night shift" in made.outs["channel_ids"]


def test_operation_poll_is_bounded_then_the_next_run_adopts(tenant: Emulator):
    faults(tenant, teamsOperationMs=4000)
    p = TeamProvider()
    started = time.monotonic()
    with pytest.raises(TeamOperationError) as err:
        p.create(checked(p, inputs(timeout_seconds=1)))
    assert time.monotonic() - started < 3
    assert "did not finish creating the team within 1s" in str(err.value)
    assert "next `pulumi up` adopts" in str(err.value)
    made = p.create(checked(p, inputs(timeout_seconds=30)))
    assert list(state(tenant, "team")) == [made.id]


def test_a_failed_operation_fails_clearly(tenant: Emulator):
    # Teams answers the create's operation as failed (a teamsAsyncOperation, as Graph
    # documents it), with its error.
    failed = {
        "id": "op",
        "operationType": "createTeam",
        "status": "failed",
        "attemptsCount": 1,
        "error": {"code": "TemplateError", "message": "bad template"},
    }
    rule = {"match": "GET /v1.0/teams/*/operations/*", "respond": {"body": failed}}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = TeamProvider()
    with pytest.raises(TeamOperationError, match=r"failed creating the team .*TemplateError"):
        p.create(checked(p, inputs()))


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator):
    p = TeamProvider()
    declared = checked(p, inputs(owners=[MANAGER, DEPUTY]))
    made = p.create(declared)
    deputy = user_id(tenant, DEPUTY)
    with tenant.client(headers=tenant.headers(GRAPH_SCOPE)) as c:
        assert c.patch(f"/v1.0/teams/{made.id}", json={"displayName": "Renamed"}).status_code == 204
        r = c.post(f"/v1.0/teams/{made.id}/channels", json={"displayName": "Coffee"})
        assert r.status_code == 201
        assert c.delete(f"/v1.0/groups/{made.id}/owners/{deputy}/$ref").status_code == 204
        assert c.post(f"/v1.0/teams/{made.id}/archive", json={}).status_code == 202
    read = p.read(made.id, dict(made.outs))
    assert read.outs["display_name"] == "Renamed" and read.outs["archived"] is True
    assert read.outs["owners"] == [MANAGER]
    assert "Coffee" in read.outs["channel_ids"] and read.outs["channels"] == declared["channels"]
    diff = p.diff(made.id, read.outs, declared)
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, declared)
    again = p.read(made.id, dict(made.outs))
    assert again.outs["display_name"] == "STM Ward 3 North" and again.outs["archived"] is False
    assert sorted(again.outs["owners"]) == sorted([MANAGER, DEPUTY])
    assert "Coffee" in channel_names(tenant, made.id)  # never deleted, only unmanaged
    assert p.diff(made.id, again.outs, declared).changes is False


def test_an_archived_team_alone_is_a_change(tenant: Emulator):
    p = TeamProvider()
    news = checked(p, inputs())
    assert p.diff("x", {**news, "archived": False}, news).changes is False
    assert p.diff("x", {**news, "archived": True}, news).changes is True


def test_a_declared_channel_missing_is_made_again(tenant: Emulator):
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    more = [*made.outs["channels"], {"name": "Bed management", "description": None}]
    read = p.read(made.id, {**made.outs, "channels": more})
    assert [c["name"] for c in read.outs["channels"]] == ["Night shift"]
    news = checked(p, inputs(channels=more))
    assert p.diff(made.id, read.outs, news).changes
    updated = p.update(made.id, read.outs, news)
    assert "Bed management" in updated.outs["channel_ids"]
    # Dropping a channel from the inputs leaves it in the team.
    p.update(made.id, updated.outs, checked(p, inputs(channels=[])))
    assert {"Night shift", "Bed management"} <= set(channel_names(tenant, made.id))


def test_visibility_and_members_update_in_place(tenant: Emulator):
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    news = checked(p, inputs(visibility="public", members=[]))
    assert p.diff(made.id, made.outs, news).replaces == []
    p.update(made.id, made.outs, news)
    read = p.read(made.id, dict(made.outs))
    assert read.outs["visibility"] == "public" and read.outs["members"] == []
    assert state(tenant, "group")[made.id]["visibility"] == "Public"


def test_template_or_nickname_change_is_a_replacement(tenant: Emulator):
    p = TeamProvider()
    old = checked(p, inputs())
    new = checked(p, inputs(template="healthcareHospital", mail_nickname="stm-3n-hospital"), old)
    diff = p.diff("x", old, new)
    assert sorted(diff.replaces) == ["mail_nickname", "template"]
    assert diff.delete_before_replace
    # The archived old team keeps its address, so a new template needs a new nickname.
    same = p.check(old, inputs(template="healthcareHospital"))
    assert [f.property for f in same.failures] == ["template"]
    # A renamed team keeps its derived nickname: an update, not a replacement.
    renamed = checked(p, inputs(display_name="STM Ward 3 North (Cardiology)"), old)
    assert renamed["mail_nickname"] == "stm-ward-3-north"
    assert p.diff("x", old, renamed).replaces == []
    assert tenant.requests()["total"] == 0


def test_delete_archives_and_keeps_everything(tenant: Emulator):
    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    p.delete(made.id, made.outs)
    team = state(tenant, "team")[made.id]
    assert team["isArchived"] is True and team["_spoReadOnly"] is True
    assert made.id in state(tenant, "group") and "Night shift" in channel_names(tenant, made.id)
    read = p.read(made.id, dict(made.outs))
    assert read.id == made.id and read.outs["archived"] is True
    assert ("POST", "/teams/{tid}/archive", 202) in statuses(tenant)
    assert not any(m == "DELETE" for m, _, _ in statuses(tenant))
    # Declared again, the same team comes back, unarchived, with its content.
    again = p.create(checked(p, inputs()))
    assert again.id == made.id and again.outs["archived"] is False
    assert state(tenant, "team")[made.id]["isArchived"] is False


def test_delete_with_allow_data_deletion_soft_deletes_the_group(tenant: Emulator):
    p = TeamProvider()
    made = p.create(checked(p, inputs(allow_data_deletion=True)))
    assert made.outs["retained"] == []
    p.delete(made.id, made.outs)
    assert state(tenant, "group") == {} and state(tenant, "team") == {}
    assert made.id in state(tenant, "deletedGroup")
    assert p.read(made.id, made.outs).id is None
    p.delete(made.id, made.outs)  # already gone: fine


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owners": []}, "owners"),
        ({"owners": None}, "owners"),
        ({"template": "healthcareClinic"}, "template"),
        ({"channels": [{"name": "Night shift"}, {"name": "night SHIFT"}]}, "channels"),
        ({"channels": [{"name": "Huddles"}]}, "channels"),
        ({"template": "standard", "channels": [{"name": "general"}]}, "channels"),
        ({"channels": [{"name": "Meds/Pharmacy"}]}, "channels"),
        ({"channels": [{"name": "x" * 51}]}, "channels"),
        ({"channels": [{"name": "_drafts"}]}, "channels"),
        ({"visibility": "hiddenMembership"}, "visibility"),
        ({"members": [MANAGER]}, "members"),
        ({"owners": ["Claire Dubois"]}, "owners"),
        ({"mail_nickname": "ward 3"}, "mail_nickname"),
        ({"display_name": "♥ ✚"}, "mail_nickname"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = TeamProvider()
    raw = {k: v for k, v in inputs(**change).items() if v is not None}
    result = p.check({}, raw)
    assert [f.property for f in result.failures] == [field], result.failures
    assert tenant.requests()["total"] == 0


def test_check_lists_every_problem(tenant: Emulator):
    p = TeamProvider()
    raw = inputs(
        owners=[],
        visibility="secret",
        channels=[{"name": "Rounds"}, {"name": "Pharmacy?"}],
        description="x" * 1025,
    )
    result = p.check({}, raw)
    assert sorted(f.property for f in result.failures) == [
        "channels",
        "description",
        "owners",
        "visibility",
    ]
    channels = next(f.reason for f in result.failures if f.property == "channels")
    assert "'Rounds' is made by the healthcareWard template" in channels
    assert "'Pharmacy?' has a character Teams refuses" in channels
    assert tenant.requests()["total"] == 0


def test_nickname_is_derived_safely():
    assert derive_nickname("Hôpital Saint-Luc — Urgences") == "hopital-saint-luc-urgences"
    assert derive_nickname("  ICU (Level 2) ") == "icu-level-2"
    assert len(derive_nickname("x" * 300)) == 64


def test_permission_denied_names_the_permission(tenant: Emulator):
    from hcinfra.clients import connection

    p = TeamProvider()
    made = p.create(checked(p, inputs()))
    connection.configure(
        {
            "hcinfra:tenantId": tenant.tenant_id,
            "hcinfra:clientId": AUDITOR_APP,
            "hcinfra:clientSecret": AUDITOR_SECRET,
            "hcinfra:endpoint": tenant.url,
            "hcinfra:caBundle": tenant.ca,
        }
    )
    # The auditor app reads (refresh works) but may not write.
    assert p.read(made.id, dict(made.outs)).outs["archived"] is False
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, inputs(display_name="Another ward")))
    assert "Team needs Group.ReadWrite.All" in str(err.value)
    assert "Team.Create" in str(err.value)
