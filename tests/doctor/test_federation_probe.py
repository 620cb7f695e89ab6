"""`hcinfra doctor`'s probe of the federation configuration PartnerTenant reads and writes."""

from __future__ import annotations

import pytest

from tests.doctor.conftest import Doctor
from tests.doctor.test_contracts import respond
from tests.emulator.harness import Emulator

FEDERATION = "GET /Skype.Policy/configurations/TenantFederationSettings/*"
CHECK = "contract.teams.federation"


def test_the_emulators_answer_is_the_evidenced_shape(emu: Emulator, doctor: Doctor) -> None:
    run = doctor()
    check = run.check(CHECK)
    assert check["status"] == "ok", check
    assert "every known domain" in check["finding"]


def test_an_allow_list_is_reported_with_its_size(emu: Emulator, doctor: Doctor) -> None:
    path = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"
    body = {"AllowedDomains": {"AllowList": ["contoso.com", "fabrikam.com"]}}
    assert emu.teams_admin("PUT", path, json=body).status_code == 204
    check = doctor().check(CHECK)
    assert check["status"] == "ok" and "an allow list of 2 domain(s)" in check["finding"]


@pytest.mark.parametrize(
    "body",
    [
        {"value": [{"Identity": "Global", "AllowedDomains": {}, "AllowFederatedUsers": True}]},
        {"Identity": "Global", "AllowedDomains": ["contoso.com"], "AllowFederatedUsers": True},
        {"Identity": "Global", "AllowedDomains": "Domain=contoso.com", "AllowFederatedUsers": True},
    ],
    ids=["value-wrapper", "bare-strings", "powershell-text"],
)
def test_a_readable_but_other_shape_is_a_warning(emu: Emulator, doctor: Doctor, body) -> None:
    respond(emu, FEDERATION, 200, body)
    check = doctor().check(CHECK)
    assert check["status"] == "warning", check
    assert "not in the evidenced shape" in check["finding"]


def test_an_unreadable_shape_is_a_problem(emu: Emulator, doctor: Doctor) -> None:
    respond(emu, FEDERATION, 200, {"Identity": "Global", "AllowedDomains": {"Mode": "Open"}})
    run = doctor()
    assert run.code == 2
    check = run.check(CHECK)
    assert check["status"] == "problem" and "cannot read" in check["finding"]
    assert check["fix"]
