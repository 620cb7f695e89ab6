"""The seed file: the tenant an emulator starts from (YAML)."""

from __future__ import annotations

import uuid
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

# Stable ids derived from names, so a seed gives the same tenant every time.
NAMESPACE = uuid.UUID("5b0f8a64-3f0b-4c8e-9b57-6c1d7a1e2f10")


def stable_id(*parts: str) -> str:
    """A deterministic GUID for a named object."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts).lower()))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SeedTenant(_Model):
    """The directory itself."""

    id: str
    display_name: str = Field(alias="displayName")
    country_letter_code: str = Field("US", alias="countryLetterCode")
    domains: list[str] = Field(min_length=1, description="the first is the initial domain")


class SeedUser(_Model):
    """One user, listed by name."""

    user_principal_name: str = Field(alias="userPrincipalName")
    display_name: str = Field(alias="displayName")
    id: str | None = None
    usage_location: str | None = Field(None, alias="usageLocation")
    account_enabled: bool = Field(True, alias="accountEnabled")
    department: str | None = None
    job_title: str | None = Field(None, alias="jobTitle")


class SeedUserBatch(_Model):
    """Many similar users: `{prefix}{n:03}@{domain}` for n in 1..count."""

    prefix: str
    count: int = Field(ge=1, le=100_000)
    domain: str
    display_name: str = Field(alias="displayName", description="may use {n}")
    usage_location: str | None = Field(None, alias="usageLocation")
    department: str | None = None
    job_title: str | None = Field(None, alias="jobTitle")

    def expand(self) -> list[SeedUser]:
        """The users this batch stands for."""
        return [
            SeedUser(
                user_principal_name=f"{self.prefix}{n:03}@{self.domain}",
                display_name=self.display_name.format(n=n),
                usage_location=self.usage_location,
                department=self.department,
                job_title=self.job_title,
            )
            for n in range(1, self.count + 1)
        ]


class SeedServicePlan(_Model):
    """A service plan inside a SKU."""

    service_plan_id: str = Field(alias="servicePlanId")
    service_plan_name: str = Field(alias="servicePlanName")
    applies_to: str = Field("User", alias="appliesTo")


class SeedSku(_Model):
    """A subscribed SKU and its seats."""

    sku_id: str = Field(alias="skuId")
    sku_part_number: str = Field(alias="skuPartNumber")
    prepaid_units: int = Field(ge=0, alias="prepaidUnits")
    service_plans: list[SeedServicePlan] = Field(default_factory=list, alias="servicePlans")
    prohibited_locations: list[str] = Field(
        default_factory=list,
        alias="prohibitedLocations",
        description="usage locations where the SKU's services are not offered",
    )


class SeedApp(_Model):
    """An app registration allowed to call the emulator, with what it was granted."""

    client_id: str = Field(alias="clientId")
    display_name: str = Field(alias="displayName")
    client_secret: str | None = Field(None, alias="clientSecret")
    certificate_pem: str | None = Field(None, alias="certificatePem")
    graph_permissions: list[str] = Field(default_factory=list, alias="graphPermissions")
    exchange_permissions: list[str] = Field(default_factory=list, alias="exchangePermissions")
    directory_roles: list[str] = Field(default_factory=list, alias="directoryRoles")
    # A public client signs users in (device code); its consented delegated permissions.
    public_client: bool = Field(False, alias="publicClient")
    delegated_permissions: list[str] = Field(default_factory=list, alias="delegatedPermissions")


class SeedExchange(_Model):
    """Which of the unverified Exchange Online answer shapes the emulator gives.

    Public evidence does not settle these (docs/emulator.md, Exchange "Evidence"), so
    clients are tested against each variant.
    """

    not_found_status: Literal[404, 400] = Field(404, alias="notFoundStatus")
    permission_sids: bool = Field(True, alias="permissionSids")  # UserSid, TrusteeSidString
    error_details: bool = Field(True, alias="errorDetails")  # False: innererror only


class Seed(_Model):
    """A whole seed file."""

    tenant: SeedTenant
    exchange: SeedExchange = Field(default_factory=SeedExchange)
    users: list[SeedUser] = Field(default_factory=list)
    user_batches: list[SeedUserBatch] = Field(default_factory=list, alias="userBatches")
    skus: list[SeedSku] = Field(default_factory=list)
    apps: list[SeedApp] = Field(default_factory=list)

    def all_users(self) -> list[SeedUser]:
        """Listed users, then the expanded batches."""
        out = list(self.users)
        for batch in self.user_batches:
            out.extend(batch.expand())
        return out

    @classmethod
    def from_yaml(cls, text: str) -> Seed:
        """Parse and validate a seed document."""
        data: Any = yaml.safe_load(text)
        return cls.model_validate(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Seed:
        """Read a seed file."""
        return cls.from_yaml(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> Seed:
        """The seed that ships with hcinfra: a hospital network tenant."""
        text = resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
        return cls.from_yaml(text)
