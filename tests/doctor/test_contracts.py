"""The contract probes against answers of other shapes, set with the faults' `respond` rules.

`respond` answers a route with a canned body after the token and permission checks, and
the request log records it; so these runs also show the doctor still makes no write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from tests.doctor.conftest import Doctor
from tests.emulator.harness import Emulator

ASSIGNMENTS = "GET /Skype.Policy/groupPolicyAssignments*"
PASCAL_ITEM = {
    "GroupId": "0b0c0d0e-0000-4000-8000-000000000001",
    "PolicyType": "TeamsMessagingPolicy",
    "PolicyName": "Tag:Secure-Messaging",
    "Rank": 1,
}
CAMEL_ITEM = {
    "groupId": "0b0c0d0e-0000-4000-8000-000000000001",
    "policyType": "TeamsMessagingPolicy",
    "policyName": "Tag:Secure-Messaging",
    "priority": 1,
    "createdTime": "2026-12-01T00:00:00Z",
    "createdBy": "hcinfra",
}


def respond(emu: Emulator, match: str, status: int, body: Any) -> None:
    """Answer every request matching `match` with this status and body."""
    rule = {"match": match, "respond": {"status": status, "body": body}}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()


def test_teams_assignments_pascal_case_is_a_mismatch(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, ASSIGNMENTS, 200, [PASCAL_ITEM])
    run = doctor()
    assert run.code == 2
    check = run.check("contract.teams.group-assignments")
    assert check["status"] == "problem"
    assert "GroupId" in check["finding"] and "Rank" in check["finding"]
    assert "groupId, policyType, policyName, priority" in check["finding"]
    assert check["fix"]
    # The canned answer went through the log like any other.
    answered = [e for e in run.log["entries"] if e["route"].endswith("groupPolicyAssignments")]
    assert [e["status"] for e in answered] == [200]


def test_teams_assignments_camel_case_items_pass(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, ASSIGNMENTS, 200, [CAMEL_ITEM])
    run = doctor()
    assert run.code == 0, run.report
    assert run.status("contract.teams.group-assignments") == "ok"


def test_teams_assignments_wrapped_in_value_is_a_mismatch(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, ASSIGNMENTS, 200, {"value": [CAMEL_ITEM]})
    run = doctor()
    assert run.code == 2
    assert "not a bare array" in run.check("contract.teams.group-assignments")["finding"]


def test_teams_assignments_of_a_real_group(emu: Emulator, doctor: Doctor) -> None:
    """The emulator's own answer, once a group holds a TeamsMessagingPolicy (camelCase)."""
    group = emu.make_group("stm-probe-group")
    r = emu.teams_admin(
        "POST", "/Skype.Policy/configurations/TeamsMessagingPolicy", json={"Identity": "Probe"}
    )
    assert r.status_code == 201, r.text
    path = f"/Skype.Policy/groupPolicyAssignments/{group}/policyTypes/TeamsMessagingPolicy"
    r = emu.teams_admin("PUT", path, json={"policyName": "Probe", "priority": 1})
    assert r.is_success, r.text
    run = doctor()
    check = run.check("contract.teams.group-assignments")
    assert check["status"] == "ok", check
    assert run.code == 0


def test_teams_policy_read_without_global(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, "GET /Skype.Policy/configurations/*", 200, [{"Identity": "Tag:Other"}])
    run = doctor()
    assert run.code == 2
    check = run.check("contract.teams.policy-read")
    assert check["status"] == "problem" and "Tag:Other" in check["finding"]


def test_exchange_not_found_as_500_is_a_mismatch(emu: Emulator, doctor: Doctor) -> None:
    body = {"error": {"code": "InternalServerError", "message": "Error executing cmdlet"}}
    respond(emu, "POST /adminapi/*", 500, body)
    run = doctor()
    assert run.code == 2
    check = run.check("contract.exchange.not-found")
    assert check["status"] == "problem"
    assert "500" in check["finding"] and "ManagementObjectNotFoundException" in check["finding"]
    # Get-AcceptedDomain met the same answer: it says so instead of guessing.
    assert run.status("domains.accepted") == "could-not-check"


def test_exchange_not_found_as_200_is_a_mismatch(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, "POST /adminapi/*", 200, {"@adminapi.warnings": [], "value": []})
    run = doctor()
    assert run.code == 2
    check = run.check("contract.exchange.not-found")
    assert check["status"] == "problem" and "succeeded" in check["finding"]


@pytest.fixture
def exchange_variant(emu: Emulator) -> Iterator[Callable[..., None]]:
    """Load the default seed with an `exchange:` answer variant; the default one afterwards."""

    def load(**exchange: Any) -> None:
        seed = yaml.safe_load(
            resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
        )
        seed["exchange"] = exchange
        emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()

    yield load
    load()


@pytest.mark.parametrize("details", [True, False], ids=["details", "innererror-only"])
def test_exchange_not_found_as_400_with_the_exception_passes(
    exchange_variant: Callable[..., None], doctor: Doctor, details: bool
) -> None:
    """The other answer hcinfra accepts: 400 naming ManagementObjectNotFoundException."""
    exchange_variant(notFoundStatus=400, errorDetails=details)
    run = doctor()
    assert run.code == 0, run.report
    check = run.check("contract.exchange.not-found")
    assert check["status"] == "ok"
    assert "400 with" in check["finding"]
    assert "ManagementObjectNotFoundException" in check["finding"]
