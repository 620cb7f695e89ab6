"""The network file's shape: the tenant, a baseline every site inherits, and the sites."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

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
    meeting: PolicySpec | None = Field(
        None, description="TeamsMeetingPolicy for virtual visits: lobby, anonymous join, recording"
    )
    virtual_appointments: PolicySpec | None = Field(
        None, description="TeamsVirtualAppointmentsPolicy: SMS notifications to patients"
    )
    precedence: list[str] = Field(
        default_factory=list,
        description="role keys, first wins for a user in two groups; unlisted roles "
        "holding a Teams policy follow in the order of `roles`",
    )


class ShiftGroupSpec(Spec):
    """A Shifts scheduling group on every ward schedule, its members from roles."""

    key: str
    name: str = Field(min_length=1, max_length=100, description="e.g. Nurses")
    roles: list[str] = Field(min_length=1, description="role keys whose site members it holds")

    _check_key = field_validator("key")(classmethod(lambda cls, v: _key(v)))


class ScheduleSpec(Spec):
    """The Shifts schedule every ward team gets."""

    groups: list[ShiftGroupSpec] = Field(default_factory=list)
    open_shifts: bool = True
    swap_shifts: bool = True
    offer_shifts: bool = True
    time_off: bool = True
    time_clock: bool = False


class ListColumnSpec(Spec):
    """A column a network adds to every ward's Patients list (PatientList's column types)."""

    name: str = Field(description="the internal name: ASCII letters, digits and _, 32 at most")
    display_name: str | None = None
    type: str
    required: bool = False
    description: str | None = None
    choices: list[str] | None = None


class PatientListSpec(Spec):
    """The Patients list every ward team gets: hcinfra's columns and the network's own."""

    display_name: str = Field("Patients", min_length=1, max_length=255)
    description: str | None = Field(None, description="may use {site}, {code} and {ward}")
    columns: list[ListColumnSpec] = Field(default_factory=list)


class CareCoordinationSpec(Spec):
    """What each ward team carries for the care team: a Shifts schedule, a Patients list."""

    schedule: ScheduleSpec | None = None
    patient_list: PatientListSpec | None = None


class VisitServiceSpec(Spec):
    """A kind of virtual visit: a Bookings service whose appointments are Teams meetings."""

    key: str
    name: str = Field(min_length=1, max_length=255, description="e.g. Follow-up visit")
    duration: str = Field("PT30M", description="ISO 8601, e.g. PT30M or PT1H15M")
    description: str | None = None
    roles: list[str] = Field(
        default_factory=list, description="staff roles who give it; all staff when empty"
    )
    sms: bool = Field(False, description="text reminders to patients (needs the SMS policy)")

    _check_key = field_validator("key")(classmethod(lambda cls, v: _key(v)))


class VirtualVisitsSpec(Spec):
    """A site's Bookings calendar for virtual visits."""

    display_name: str = Field("{site} Virtual Visits", description="may use {site} and {code}")
    local_part: str = Field("visits", description="the address patients see, at the site's domain")
    staff_roles: list[str] = Field(min_length=1, description="role keys whose members give visits")
    staff_role: str = Field("teamMember", description="their Bookings role")
    services: list[VisitServiceSpec] = Field(default_factory=list)
    published: bool = False

    _check_local_part = field_validator("local_part")(classmethod(lambda cls, v: _local_part(v)))


class PartnerSpec(Spec):
    """A partner hospital's tenant: cross-tenant access and Teams federation, tenant-wide."""

    key: str
    name: str = Field(min_length=1, max_length=120)
    tenant_id: str
    domains: list[str] = Field(min_length=1)
    shared_channels: bool = True
    trust_mfa: bool = False
    trust_compliant_devices: bool = False

    _check_key = field_validator("key")(classmethod(lambda cls, v: _key(v)))

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        if not GUID.match(value):
            raise ValueError(f"a tenant id is the partner directory's GUID; got {value!r}")
        return value.lower()


class Baseline(Spec):
    """What every site inherits."""

    roles: list[RoleSpec] = Field(default_factory=list)
    mailboxes: list[MailboxSpec] = Field(default_factory=list)
    teams: TeamsSpec = Field(default_factory=TeamsSpec)
    policies: PoliciesSpec = Field(default_factory=PoliciesSpec)
    timezone: str | None = Field(None, description="IANA name, e.g. America/Toronto")
    care_coordination: CareCoordinationSpec = Field(default_factory=CareCoordinationSpec)
    virtual_visits: VirtualVisitsSpec | None = None
    partners: list[PartnerSpec] = Field(default_factory=list)


class SiteOverrides(Spec):
    """Changes to the baseline for one site: fields merge, lists merge by key."""

    roles: list[dict[str, Any]] = Field(default_factory=list)
    mailboxes: list[dict[str, Any]] = Field(default_factory=list)
    teams: dict[str, Any] = Field(default_factory=dict)
    care_coordination: dict[str, Any] = Field(default_factory=dict)
    virtual_visits: dict[str, Any] | None = Field(
        default_factory=dict, description="null turns virtual visits off at this site"
    )
    partners: list[dict[str, Any]] = Field(default_factory=list)


class Site(Spec):
    """One hospital."""

    code: str
    name: str = Field(min_length=1, max_length=120)
    mail_domain: str
    wards: list[str] = Field(default_factory=list)
    timezone: str | None = Field(None, description="IANA name; the baseline's when unset")
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
    policy_groups: Literal["auto", "site", "network"] = Field(
        "auto",
        description="which groups hold Teams policies: each site's role groups, one "
        "network-wide group per role, or auto (site groups while the network-wide ones "
        "would still fit beside them under Teams' 64 groups per policy type)",
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not GUID.match(value):
            raise ValueError(
                "a tenant id is the directory's GUID, such as "
                f"6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41; got {value!r}"
            )
        return value


# The ring of the sites in no declared ring, and the --ring that selects every stack.
REST_RING, ALL_RINGS = "rest", "all"


class RingSpec(Spec):
    """A ring of the staged rollout: sites `hcinfra sites up` deploys together."""

    name: str
    sites: list[str] = Field(default_factory=list, description="site codes")


class Network(Spec):
    """A whole network file."""

    tenant: TenantSpec
    baseline: Baseline
    sites: list[Site] = Field(default_factory=list)
    rings: list[RingSpec] = Field(
        default_factory=list,
        description="the staged rollout of `hcinfra sites up`, in order; the sites in no ring "
        "form the last ring, `rest` (validated in validate.py)",
    )

    def site(self, code: str) -> Site:
        """The site with that code."""
        for site in self.sites:
            if site.code == code:
                return site
        raise KeyError(f"no site '{code}' in the network (sites: {self.codes()})")

    def codes(self) -> list[str]:
        """Site codes in file order."""
        return [s.code for s in self.sites]
