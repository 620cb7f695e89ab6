"""PartnerTenant's provider against the emulator: partner config, allow list, adopt, drift."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.partner_tenant import PartnerTenantProvider
from hcinfra.resources.partner_tenant.federation import (
    DomainBlocked,
    FederationShapeUnknown,
    parse,
)
from hcinfra.resources.partner_tenant.partner import ALLOWED, BLOCKED
from tests.emulator.harness import Emulator
from tests.resources.conftest import configure_for

PARTNER = "3d0f5dec-5d3d-455c-8016-e2af1ae4d31a"
FED = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"
XTAP = "/policies/crossTenantAccessPolicy/partners"


def inputs(**extra) -> dict:
    return {"tenant_id": PARTNER, "domains": ["partnerhealth.org"], **extra}


def checked(p: PartnerTenantProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def federation(emu: Emulator) -> dict:
    r = emu.teams_admin("GET", FED)
    assert r.status_code == 200, r.text
    return r.json()


def allow_list(emu: Emulator) -> list[str] | None:
    nested = federation(emu)["AllowedDomains"]
    return [d["Domain"] for d in nested["AllowedDomain"]] if "AllowedDomain" in nested else None


def set_federation(emu: Emulator, **body) -> None:
    r = emu.teams_admin("PUT", FED, json=body)
    assert r.status_code == 204, r.text


def restrict_to(emu: Emulator, *domains: str) -> None:
    set_federation(emu, AllowedDomains={"AllowList": list(domains)})


def partners(emu: Emulator) -> dict:
    return emu.admin("GET", "state").json().get("xtap.partner", {})


def statuses(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(c["method"], c["route"], c["status"]) for c in emu.requests()["counts"]]


def faults(emu: Emulator, **config) -> None:
    emu.admin("PUT", "faults", json=config).raise_for_status()


def test_create_trusts_the_partner_for_shared_channels_and_keeps_other_domains(tenant: Emulator):
    restrict_to(tenant, "fabrikam.com")
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs(trust_mfa=True)))
    assert made.id == PARTNER
    doc = partners(tenant)[PARTNER]
    assert doc["b2bDirectConnectInbound"] == ALLOWED
    assert doc["b2bDirectConnectOutbound"] == ALLOWED
    assert doc["b2bCollaborationInbound"] is None  # guests inherit the default settings
    assert doc["inboundTrust"]["isMfaAccepted"] is True
    assert allow_list(tenant) == ["fabrikam.com", "partnerhealth.org"]
    assert made.outs["federation_mode"] == "allow_list"
    assert made.outs["federated_domains"] == ["partnerhealth.org"]
    assert made.outs["adopted"] is False


def test_a_tenant_federating_with_every_domain_gets_no_allow_list(tenant: Emulator):
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    # Writing a list would block every other organisation: left alone, partner federated.
    assert allow_list(tenant) is None
    assert made.outs["federation_mode"] == "all_known_domains"
    assert made.outs["federated_domains"] == ["partnerhealth.org"]
    assert not [s for s in statuses(tenant) if s[0] == "PUT"]


def test_a_blocked_partner_domain_fails_before_anything_is_written(tenant: Emulator):
    set_federation(tenant, BlockedDomains=["partnerhealth.org"])
    p = PartnerTenantProvider()
    with pytest.raises(DomainBlocked, match=r"partnerhealth\.org is on the Teams federation block"):
        p.create(checked(p, inputs()))
    assert partners(tenant) == {}


def test_a_create_retried_after_a_lost_answer_adopts_the_partner(tenant: Emulator):
    faults(tenant, rules=[{"match": f"POST /v1.0{XTAP}", "dropResponse": 1, "limit": 1}])
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    assert list(partners(tenant)) == [PARTNER]
    assert ("POST", XTAP, 409) in statuses(tenant)  # the retry met the partner it made
    assert made.outs["adopted"] is True


def test_a_partner_configured_by_hand_is_adopted_and_set_as_declared(tenant: Emulator):
    body = {"tenantId": PARTNER, "b2bDirectConnectInbound": BLOCKED}
    assert tenant.graph("POST", XTAP, json=body).status_code == 201
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    assert made.outs["adopted"] is True
    assert partners(tenant)[PARTNER]["b2bDirectConnectInbound"] == ALLOWED


def test_drift_reports_a_missing_domain_and_changed_settings_then_update_repairs(
    tenant: Emulator,
):
    restrict_to(tenant, "fabrikam.com")
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    restrict_to(tenant, "fabrikam.com")  # someone took our domain off by hand
    r = tenant.graph("PATCH", f"{XTAP}/{PARTNER}", json={"b2bDirectConnectOutbound": BLOCKED})
    assert r.status_code == 204, r.text
    read = p.read(made.id, dict(made.outs))
    assert read.outs["domains"] == [] and read.outs["shared_channels"] is False
    diff = p.diff(made.id, read.outs, checked(p, inputs()))
    assert diff.changes and not diff.replaces
    p.update(made.id, read.outs, checked(p, inputs()))
    assert allow_list(tenant) == ["fabrikam.com", "partnerhealth.org"]
    assert partners(tenant)[PARTNER]["b2bDirectConnectOutbound"] == ALLOWED
    again = p.read(made.id, dict(made.outs))
    assert again.outs["domains"] == ["partnerhealth.org"] and again.outs["shared_channels"]


def test_a_partner_deleted_by_hand_reads_as_gone(tenant: Emulator):
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    assert tenant.graph("DELETE", f"{XTAP}/{PARTNER}").status_code == 204
    assert p.read(made.id, dict(made.outs)).id is None


def test_update_swaps_exactly_our_domains_and_the_trust(tenant: Emulator):
    restrict_to(tenant, "fabrikam.com")
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs(domains=["partnerhealth.org", "old.partnerhealth.org"])))
    news = checked(p, inputs(domains=["partnerhealth.org", "new.partnerhealth.org"]))
    news = {**news, "shared_channels": False, "trust_compliant_devices": True}
    p.update(made.id, dict(made.outs), news)
    assert allow_list(tenant) == ["fabrikam.com", "partnerhealth.org", "new.partnerhealth.org"]
    doc = partners(tenant)[PARTNER]
    assert doc["b2bDirectConnectInbound"] == BLOCKED
    assert doc["inboundTrust"]["isCompliantDeviceAccepted"] is True


def test_a_new_tenant_id_replaces_the_partner(tenant: Emulator):
    p = PartnerTenantProvider()
    other = "9c5d131d-b1c3-4fc4-9e3f-c6557947d551"
    diff = p.diff(PARTNER, checked(p, inputs()), checked(p, inputs(tenant_id=other)))
    assert diff.replaces == ["tenant_id"]


def test_delete_removes_our_domains_and_the_partner_only(tenant: Emulator):
    restrict_to(tenant, "fabrikam.com")
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    p.delete(made.id, dict(made.outs))
    assert allow_list(tenant) == ["fabrikam.com"]
    assert federation(tenant)["AllowFederatedUsers"] is True
    assert partners(tenant) == {}
    p.delete(made.id, dict(made.outs))  # gone already: nothing to do


def test_removing_the_last_allowed_domain_turns_federation_off(tenant: Emulator):
    # An empty allow list reads back as every known domain: that would open federation.
    restrict_to(tenant, "partnerhealth.org")
    p = PartnerTenantProvider()
    made = p.create(checked(p, inputs()))
    assert allow_list(tenant) == ["partnerhealth.org"]
    p.delete(made.id, dict(made.outs))
    assert federation(tenant)["AllowFederatedUsers"] is False


def test_throttled_partner_create_is_retried_after_retry_after(tenant: Emulator):
    rule = {"match": f"POST /v1.0{XTAP}", "throttle": 1, "retryAfter": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = PartnerTenantProvider()
    p.create(checked(p, inputs()))
    seen = statuses(tenant)
    assert ("POST", XTAP, 429) in seen and ("POST", XTAP, 201) in seen
    assert list(partners(tenant)) == [PARTNER]


def test_throttled_federation_write_is_retried(tenant: Emulator):
    restrict_to(tenant, "fabrikam.com")
    rule = {"match": f"PUT {FED}", "throttle": 1, "retryAfter": 1, "limit": 1}
    faults(tenant, rules=[rule])
    p = PartnerTenantProvider()
    p.create(checked(p, inputs()))
    assert allow_list(tenant) == ["fabrikam.com", "partnerhealth.org"]


def test_an_unknown_federation_answer_stops_before_any_write(tenant: Emulator):
    rule = {"match": f"GET {FED}", "respond": {"status": 200, "body": {"AllowedDomains": 7}}}
    faults(tenant, rules=[rule])
    p = PartnerTenantProvider()
    with pytest.raises(FederationShapeUnknown):
        p.create(checked(p, inputs()))
    assert partners(tenant) == {}
    assert not [s for s in statuses(tenant) if s[0] in ("PUT", "POST")]


def test_permission_refusal_names_the_permissions(tenant: Emulator):
    from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET

    configure_for(tenant, AUDITOR_APP, AUDITOR_SECRET)
    p = PartnerTenantProvider()
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, inputs()))
    assert "PartnerTenant needs Policy.ReadWrite.CrossTenantAccess" in str(err.value)
    assert "Teams Administrator" in str(err.value)


@pytest.mark.parametrize(
    ("raw", "where", "says"),
    [
        (inputs(tenant_id="partnerhealth.org"), "tenant_id", "is not a tenant id"),
        (inputs(tenant_id="3d0f5dec-5d3d-455c-8016"), "tenant_id", "is not a tenant id"),
        (inputs(domains=[]), "domains", "at least 1"),
        (inputs(domains=["nurse@partnerhealth.org"]), "domains", "is not a domain name"),
        (inputs(domains=["https://partnerhealth.org"]), "domains", "is not a domain name"),
        (inputs(domains=["*.partnerhealth.org"]), "domains", "not wildcards"),
        (inputs(domains=["partner health.org"]), "domains", "not a well-formed domain"),
        (inputs(domains=["localhost"]), "domains", "not a well-formed domain"),
        (inputs(domains=["-bad.org"]), "domains", "not a well-formed domain"),
        (inputs(domains=["a.org", "A.org"]), "domains", "repeated: a.org"),
        (inputs(shared_channels="yes"), "shared_channels", "boolean"),
        (inputs(trust_mfa=None), "trust_mfa", "boolean"),
        (inputs(name="Partner"), "name", "Extra inputs"),
        ({"domains": ["partnerhealth.org"]}, "tenant_id", "Field required"),
    ],
)
def test_every_bad_input_is_refused_at_check(raw: dict, where: str, says: str):
    result = PartnerTenantProvider().check({}, raw)
    assert any(f.property.startswith(where) and says in f.reason for f in result.failures), [
        (f.property, f.reason) for f in result.failures
    ]


def test_every_bad_domain_is_named_at_once():
    result = PartnerTenantProvider().check({}, inputs(domains=["ok.org", "x@y.org", "bad"]))
    [failure] = result.failures
    assert "x@y.org" in failure.reason and "'bad'" in failure.reason


@pytest.mark.parametrize(
    ("body", "allowed"),
    [
        ({"Identity": "Global", "AllowedDomains": {}}, None),
        ({"Identity": "Global", "AllowedDomains": {"AllowAllKnownDomains": {}}}, None),
        ({"Identity": "Global", "AllowedDomains": "AllowAllKnownDomains"}, None),
        ({"Identity": "Global", "AllowedDomains": []}, None),
        ({"Identity": "Global"}, None),
        ({"AllowedDomains": {"AllowedDomain": [{"Domain": "A.org"}, "b.org"]}}, ("a.org", "b.org")),
        ({"AllowedDomains": {"AllowedDomain": []}}, None),  # empty: never turned into a list
        ({"AllowedDomains": {"AllowList": ["a.org"]}}, ("a.org",)),
        ({"AllowedDomains": "Domain=a.org,Domain=b.org"}, ("a.org", "b.org")),
        ({"AllowedDomains": ["a.org"]}, ("a.org",)),
        ([{"Identity": "Tag:x"}, {"Identity": "Global", "AllowedDomains": ["a.org"]}], ("a.org",)),
        ({"value": [{"Identity": "Global", "AllowedDomains": ["a.org"]}]}, ("a.org",)),
    ],
)
def test_the_federation_answer_is_read_in_every_shape_seen(body, allowed):
    assert parse(body).allowed == allowed


def test_federation_strings_and_blocked_objects_are_read():
    fed = parse({"AllowFederatedUsers": "False", "BlockedDomains": [{"Domain": "x.org"}, "y.org"]})
    assert fed.enabled is False and fed.blocked == ("x.org", "y.org")
    with pytest.raises(FederationShapeUnknown):
        parse({"AllowedDomains": {"Something": 1}})
    with pytest.raises(FederationShapeUnknown):
        parse("Global")
