"""The network file's shape: the tenant, a baseline every site inherits, and the sites."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
KEY = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCAL_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Spec(BaseModel):
    """Base of the file's sections: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _key(value: str) -> str:
    if not KEY.match(value):
        raise ValueError(
            "a key is 1 to 32 lowercase letters, digits and dashes, starting with a letter; "
            f"got {value!r}"
        )
    return value


def _upns(values: list[str]) -> list[str]:
    for v in values:
        if not UPN.match(v):
            raise ValueError(f"{v!r} is not a userPrincipalName (name@domain)")
    return values


def _local_part(value: str) -> str:
    if not LOCAL_PART.match(value):
        raise ValueError(
            "a local part is 1 to 64 letters, digits, '.', '_' and '-', and starts and ends "
            f"with a letter or digit; got {value!r}"
        )
    return value


def control_characters(value: str) -> list[str]:
    """The control characters in a value, as U+XXXX."""
    return sorted({f"U+{ord(c):04X}" for c in value if unicodedata.category(c) == "Cc"})


class LicenceSpec(Spec):
    """A SKU by part number, with service plans to leave off."""

    sku: str
    disabled_plans: list[str] = Field(default_factory=list)


class RoleSpec(Spec):
    """A role: one security group per site, its licences and its Teams policy package."""

    key: str
    name: str = Field(min_length=1, max_length=60, description="e.g. Clinical-Workers")
    description: str | None = None
    licences: list[LicenceSpec] = Field(default_factory=list)
    policy_package: str | None = None
    seats: int = Field(0, ge=0, description="expected members per site, for the licence pool")
    members: list[str] = Field(default_factory=list)

    _check_key = field_validator("key")(classmethod(lambda cls, v: _key(v)))
    _check_members = field_validator("members")(classmethod(lambda cls, v: _upns(v)))


class MailboxSpec(Spec):
    """A shared mailbox pattern such as info@ or scheduling@."""

    key: str
    local_part: str
    display_name: str = Field(description="may use {site} and {code}")
    full_access: list[str] = Field(default_factory=list, description="role keys")
    send_as: list[str] = Field(default_factory=list, description="role keys")

    _check_key = field_validator("key")(classmethod(lambda cls, v: _key(v)))
    _check_local_part = field_validator("local_part")(classmethod(lambda cls, v: _local_part(v)))


class TeamSpec(Spec):
    """A team made from a template, owned by a role's group members."""

    template: str
    display_name: str = Field(description="may use {site}, {code} and, for wards, {ward}")
    description: str | None = None
    owners_role: str
    visibility: str = "private"

    @field_validator("visibility")
    @classmethod
    def _visibility(cls, value: str) -> str:
        if value not in ("private", "public"):
            raise ValueError(f"visibility is 'private' or 'public'; got {value!r}")
        return value


class TeamsSpec(Spec):
    """The hospital team and the team every ward gets."""

    hospital: TeamSpec | None = None
    ward: TeamSpec | None = None


class PolicySpec(Spec):
    """A tenant-wide Teams policy and the roles it is assigned to."""

    name: str = Field(min_length=1, max_length=64)
    settings: dict[str, Any] = Field(default_factory=dict)
    roles: list[str] = Field(default_factory=list)


class AppSetupPolicySpec(PolicySpec):
    """The clinical app setup policy: the apps pinned, in order."""

    pinned_apps: list[str] = Field(default_factory=list)


class PoliciesSpec(Spec):
    """The tenant-wide policies the TenantBaseline stack owns."""

    messaging: PolicySpec | None = None
    app_setup: AppSetupPolicySpec | None = None
    precedence: list[str] = Field(
        default_factory=list,
        description="role keys, first wins for a user in two groups; unlisted roles "
        "holding a Teams policy follow in the order of `roles`",
    )


class Baseline(Spec):
    """What every site inherits."""

    roles: list[RoleSpec] = Field(default_factory=list)
    mailboxes: list[MailboxSpec] = Field(default_factory=list)
    teams: TeamsSpec = Field(default_factory=TeamsSpec)
    policies: PoliciesSpec = Field(default_factory=PoliciesSpec)


class SiteOverrides(Spec):
    """Changes to the baseline for one site: fields merge, lists merge by key."""

    roles: list[dict[str, Any]] = Field(default_factory=list)
    mailboxes: list[dict[str, Any]] = Field(default_factory=list)
    teams: dict[str, Any] = Field(default_factory=dict)


class Site(Spec):
    """One hospital."""

    code: str
    name: str = Field(min_length=1, max_length=120)
    mail_domain: str
    wards: list[str] = Field(default_factory=list)
    members: dict[str, list[str]] = Field(default_factory=dict, description="role key → UPNs")
    overrides: SiteOverrides = Field(default_factory=SiteOverrides)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError(f"a site code has no surrounding spaces; got {value!r}")
        if control_characters(value):
            raise ValueError(
                f"a site code has no control characters; got {value!r} "
                f"({', '.join(control_characters(value))})"
            )
        if not CODE.match(value):
            raise ValueError(
                "a site code is 2 to 8 capital letters or digits, starting with a letter; "
                f"got {value!r}"
            )
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for role, upns in value.items():
            _key(role)
            _upns(upns)
        return value


class TenantSpec(Spec):
    """The tenant: its id, its mail domains, and its licence pool."""

    id: str
    domains: list[str] = Field(min_length=1)
    licence_pool: dict[str, int] = Field(default_factory=dict, description="seats per SKU")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not GUID.match(value):
            raise ValueError(
                "a tenant id is the directory's GUID, such as "
                f"6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41; got {value!r}"
            )
        return value


class Network(Spec):
    """A whole network file."""

    tenant: TenantSpec
    baseline: Baseline
    sites: list[Site] = Field(default_factory=list)

    def site(self, code: str) -> Site:
        """The site with that code."""
        for site in self.sites:
            if site.code == code:
                return site
        raise KeyError(f"no site '{code}' in the network (sites: {self.codes()})")

    def codes(self) -> list[str]:
        """Site codes in file order."""
        return [s.code for s in self.sites]
