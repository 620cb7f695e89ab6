"""The Teams admin service's federation configuration, as the emulator serves it."""

from __future__ import annotations

import pytest

from tests.emulator.harness import Emulator

FED = "/Skype.Policy/configurations/TenantFederationSettings"
GLOBAL = f"{FED}/configuration/Global"


def test_a_new_tenant_federates_with_every_known_domain(emu: Emulator):
    r = emu.teams_admin("GET", GLOBAL + "?adminDomain=northwindhealth.onmicrosoft.com")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["Identity"] == "Global" and doc["AllowFederatedUsers"] is True
    assert doc["AllowedDomains"] == {} and doc["BlockedDomains"] == []
    listed = emu.teams_admin("GET", FED).json()
    assert isinstance(listed, list) and listed == [doc]


def test_an_allow_list_is_written_flat_and_read_nested(emu: Emulator):
    body = {"AllowedDomains": {"AllowList": ["Contoso.com", "fabrikam.com"]}}
    assert emu.teams_admin("PUT", GLOBAL, json=body).status_code == 204
    doc = emu.teams_admin("GET", GLOBAL).json()
    assert doc["AllowedDomains"] == {
        "AllowedDomain": [{"Domain": "contoso.com"}, {"Domain": "fabrikam.com"}]
    }
    # A merge: what was not sent keeps its value.
    assert emu.teams_admin("PUT", GLOBAL, json={"AllowTeamsConsumer": False}).status_code == 204
    doc = emu.teams_admin("GET", GLOBAL).json()
    assert doc["AllowTeamsConsumer"] is False and len(doc["AllowedDomains"]["AllowedDomain"]) == 2
    # [] and an empty AllowList both go back to every known domain.
    for value in ([], {"AllowList": []}):
        assert emu.teams_admin("PUT", GLOBAL, json={"AllowedDomains": value}).status_code == 204
        assert emu.teams_admin("GET", GLOBAL).json()["AllowedDomains"] == {}


@pytest.mark.parametrize(
    "body",
    [
        {"AllowedDomains": {"AllowedDomain": [{"Domain": "contoso.com"}]}},  # the read shape
        {"AllowedDomains": ["contoso.com"]},
        {"AllowedDomains": {"AllowList": [{"Domain": "contoso.com"}]}},
        {"AllowedDomains": {"AllowList": ["not a domain"]}},
        {"AllowedDomainsAsAList": ["contoso.com"]},  # a cmdlet parameter, not a property
        {"BlockedDomains": "contoso.com"},
        {"AllowFederatedUsers": "true"},
        {"Identity": "Global"},
        {},
    ],
)
def test_shapes_the_evidence_does_not_show_are_refused(emu: Emulator, body: dict):
    r = emu.teams_admin("PUT", GLOBAL, json=body)
    assert r.status_code == 400, r.text
    assert emu.teams_admin("GET", GLOBAL).json()["AllowedDomains"] == {}


def test_only_the_global_instance_exists(emu: Emulator):
    r = emu.teams_admin("GET", f"{FED}/configuration/Tag:Partners")
    assert r.status_code == 404
    assert emu.teams_admin("PUT", f"{FED}/configuration/Tag:Partners", json={}).status_code == 404


def test_the_allow_list_holds_at_most_4000_domains(emu: Emulator):
    domains = [f"d{i}.example.org" for i in range(4001)]
    body = {"AllowedDomains": {"AllowList": domains}}
    assert emu.teams_admin("PUT", GLOBAL, json=body).status_code == 400
