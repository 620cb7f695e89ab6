"""What a PartnerTenant declares: the partner's tenant id, its domains and the trust given.

REF: https://learn.microsoft.com/graph/api/resources/crosstenantaccesspolicyconfigurationpartner
REF: https://learn.microsoft.com/powershell/module/teams/set-cstenantfederationconfiguration
"""

from __future__ import annotations

import re

from pydantic import Field, StrictBool, field_validator

from hcinfra.resources.base import Inputs

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# A DNS name of at least two labels: letters, digits and inner hyphens, a letter TLD.
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 4000  # the federation allow list's documented limit


def domain_of(value: str) -> str:
    """A domain name, lower-cased; else ValueError saying what is wrong with it."""
    domain = value.strip().lower().rstrip(".")
    if "@" in domain or "/" in domain or ":" in domain:
        raise ValueError(f"'{value}' is not a domain name (give e.g. partnerhealth.org)")
    if domain.startswith("*."):
        raise ValueError(f"'{value}': the federation list takes domains, not wildcards")
    if not DOMAIN.match(domain):
        raise ValueError(f"'{value}' is not a well-formed domain name")
    return domain


class PartnerTenantInputs(Inputs):
    """What a PartnerTenant declares."""

    tenant_id: str = Field(description="the partner's Microsoft Entra tenant id (a GUID)")
    domains: list[str] = Field(min_length=1, max_length=MAX_DOMAINS)
    shared_channels: StrictBool = True  # B2B direct connect both ways: all users, Office 365
    trust_mfa: StrictBool = False  # inbound trust: accept the partner's MFA claims
    trust_compliant_devices: StrictBool = False  # inbound trust: its compliant-device claims

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        if not GUID.match(value):
            raise ValueError(f"'{value}' is not a tenant id (a GUID such as the partner's tid)")
        return value.lower()

    @field_validator("domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        problems, out = [], []
        for value in values:
            try:
                out.append(domain_of(value))
            except ValueError as err:
                problems.append(str(err))
        if problems:
            raise ValueError("; ".join(problems))
        repeated = sorted({d for d in out if out.count(d) > 1})
        if repeated:
            raise ValueError(f"each domain may appear once; repeated: {', '.join(repeated)}")
        return out
