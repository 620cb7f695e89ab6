"""TeamsPolicy: a custom Teams policy instance (`Tag:<name>`) of one of seven policy types.

Settings are typed per policy type and named as the MicrosoftTeams cmdlets name them
(AllowGiphy, ReadReceiptsEnabledType…), so a misspelt or mistyped setting fails at
check instead of halfway through a deployment. Only the declared settings are
managed: the service merges a PUT, so undeclared ones keep whatever they hold.

Idempotency: a create retried after a lost response meets 409 Conflict, adopts the
instance and writes the declared settings over it. `hcinfra adopt` finds the instance by
its type and identity (Tag:<name>), unique within the type, and writes nothing. Destroy
deletes the instance (a policy holds no user data); the service refuses while a group or
user still has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field, ValidationInfo, field_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources import teams_apps
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import Grants, Inputs, KindProvider, Permissions
from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.teams_policy_settings import (
    AnySettings,
    BareSettings,
    PolicySettings,
    PolicyType,
    service_settings,
    validate_settings,
)

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

TEAMS_ADMIN = Grants(directory_roles=("Teams Administrator",))
# What every Teams admin service kind needs (the assignment kinds share it).
PERMISSIONS = Permissions(read=TEAMS_ADMIN, write=TEAMS_ADMIN)
# TeamsPolicy also reads the tenant's app catalog, for apps whose ids are unpublished.
_WITH_CATALOG = Grants(graph=("AppCatalog.Read.All",), directory_roles=TEAMS_ADMIN.directory_roles)
POLICY_PERMISSIONS = Permissions(read=_WITH_CATALOG, write=_WITH_CATALOG)


class TeamsPolicyInputs(Inputs):
    """What a TeamsPolicy declares."""

    policy_type: PolicyType
    name: str = Field(min_length=1, max_length=256)
    settings: AnySettings | dict[str, Any] = Field(default_factory=dict, validate_default=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value.strip() != value:
            raise ValueError("the name may not start or end with spaces")
        if value.lower() == "global":
            raise ValueError(
                "'Global' is the org-wide default policy, which hcinfra does not manage; "
                "name a custom policy instead"
            )
        if value.lower().startswith("tag:"):
            raise ValueError(f"give the name without 'Tag:' (the instance becomes Tag:{value[4:]})")
        if ":" in value or "/" in value:
            raise ValueError("the name may not contain ':' or '/'")
        return value

    @field_validator("settings", mode="wrap")
    @classmethod
    def _settings(cls, value: Any, _handler: Any, info: ValidationInfo) -> Any:
        if "policy_type" not in info.data:
            return value  # the policy type failed; its failure says so
        if isinstance(value, (PolicySettings, BareSettings)):
            value = value.model_dump(mode="json")
        return validate_settings(info.data["policy_type"], value)

    @property
    def identity(self) -> str:
        """The instance's identity."""
        return f"Tag:{self.name}"

    @property
    def typed(self) -> PolicySettings | BareSettings:
        """The settings, validated for the policy type."""
        assert isinstance(self.settings, (PolicySettings, BareSettings))
        return self.settings


def instance_path(policy_type: str, identity: str) -> str:
    """The path of one policy instance."""
    return f"/Skype.Policy/configurations/{policy_type}/configuration/{quote(identity, safe=':')}"


class PolicyStillAssigned(TenantError):
    """Deleting a policy that groups or users still have."""

    def describe(self) -> str:
        return (
            f"{self.message} Remove (or re-point) those assignments first, e.g. by making "
            "the GroupPolicyAssignment or PolicyPackageAssignment resources depend on this "
            f"policy so they go first. ({self.service} answered {self.status} {self.code})"
        )


class TeamsPolicyProvider(KindProvider):
    """Dynamic provider of TeamsPolicy."""

    kind = "TeamsPolicy"
    inputs_model = TeamsPolicyInputs
    replace_on: ClassVar[tuple[str, ...]] = ("policy_type", "name")
    permissions = POLICY_PERMISSIONS

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(_id, olds, news)
        # A replacement always names another instance, so the new one can exist first and
        # assignments can move to it before the old one goes.
        return DiffResult(
            changes=result.changes, replaces=result.replaces, delete_before_replace=False
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, TeamsPolicyInputs)
        teams = self.connection().teams
        looked_up = self._look_up_apps(inputs)
        body = inputs.typed.body(looked_up)
        collection = f"/Skype.Policy/configurations/{inputs.policy_type}"
        try:
            doc = self.call(
                lambda: teams.call("POST", collection, {"Identity": inputs.name, **body})
            )
        except TenantError as err:
            if err.status != 409:
                raise
            # Ours from a create whose answer was lost, or one made by hand: adopt it.
            self.notice(f"{inputs.policy_type} {inputs.identity} existed already: adopted it")
            path = instance_path(inputs.policy_type, inputs.identity)
            doc = self.call(lambda: teams.call("PUT", path, body))
        return CreateResult(_id(inputs), self._outputs(inputs, doc, looked_up))

    def find(self, inputs: TeamsPolicyInputs) -> tuple[str, list[Candidate]]:
        # The instance's identity is unique within its type: one match at most.
        key = f"{inputs.policy_type} {inputs.identity}"
        doc = self._instance(inputs.policy_type, inputs.identity)
        if doc is None:
            return key, []
        label = f"{inputs.policy_type} {doc.get('Identity', inputs.identity)}"
        return key, [Candidate(_id(inputs), label)]

    def adopted(self, id_: str, inputs: TeamsPolicyInputs, props: dict[str, Any]) -> dict[str, Any]:
        # As a create records it: the declared settings read back, app ids looked up.
        looked_up = self._look_up_apps(inputs)
        return super().adopted(id_, inputs, self._outputs(inputs, {}, looked_up))

    def _instance(self, policy_type: str, identity: str) -> dict[str, Any] | None:
        """The instance as the service holds it, or None when there is none."""
        teams = self.connection().teams
        try:
            doc: dict[str, Any] = self.call(
                lambda: teams.call("GET", instance_path(policy_type, identity)), writing=False
            )
        except TenantError as err:
            if err.not_found:
                return None
            raise
        return doc

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        policy_type, _, identity = id_.partition("/")
        doc = self._instance(policy_type, identity)
        if doc is None:
            return ReadResult(None, {})  # gone: the engine drops it from state
        effective = service_settings(doc, props.get("app_ids") or {})
        declared = props.get("settings") or {}
        outs = {
            **props,
            "policy_type": policy_type,
            "name": identity.removeprefix("Tag:"),
            "settings": {k: effective.get(k) for k, v in declared.items() if v is not None},
            "identity": doc.get("Identity", identity),
            "effective_settings": effective,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, TeamsPolicyInputs)
        teams = self.connection().teams
        path = instance_path(inputs.policy_type, inputs.identity)
        looked_up = self._look_up_apps(inputs)
        doc = self.call(lambda: teams.call("PUT", path, inputs.typed.body(looked_up)))
        return UpdateResult(self._outputs(inputs, doc, looked_up))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        policy_type, _, identity = id_.partition("/")
        teams = self.connection().teams
        try:
            self.call(lambda: teams.call("DELETE", instance_path(policy_type, identity)))
        except TenantError as err:
            if err.status == 409:
                raise PolicyStillAssigned(
                    err.service, err.status, err.code, err.message, err.request_id
                ) from None
            if not err.not_found:
                raise
        pulumi.log.info(f"{policy_type} {identity} deleted")

    def _look_up_apps(self, inputs: TeamsPolicyInputs) -> dict[str, str]:
        """Ids of the catalogue's apps Microsoft does not publish, from the tenant's catalog."""
        names = teams_apps.needs_lookup(inputs.typed.apps())
        if not names:
            return {}
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.app_catalogs.teams_apps.teams_apps_request_builder import (
            TeamsAppsRequestBuilder,
        )

        graph = self.connection().graph

        async def look_up(client: GraphServiceClient) -> dict[str, str]:
            found: dict[str, str] = {}
            for name in names:
                config = RequestConfiguration(
                    query_parameters=TeamsAppsRequestBuilder.TeamsAppsRequestBuilderGetQueryParameters(
                        filter=f"displayName eq '{name}'"
                    )
                )
                page = await client.app_catalogs.teams_apps.get(config)
                apps = (page.value if page else None) or []
                if apps and apps[0].id:
                    found[name] = apps[0].id
            return found

        return self.call(lambda: graph.run(look_up), writing=False)

    def _outputs(
        self, inputs: TeamsPolicyInputs, doc: Mapping[str, Any], looked_up: dict[str, str]
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "identity": doc.get("Identity", inputs.identity),
            "effective_settings": service_settings(doc, looked_up),
            "app_ids": looked_up,
        }


def _id(inputs: TeamsPolicyInputs) -> str:
    return f"{inputs.policy_type}/{inputs.identity}"


class TeamsPolicy(KindResource):
    """A custom Teams policy of one of the managed types (teams_policy_settings.SETTINGS)."""

    identity: pulumi.Output[str]
    effective_settings: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        *,
        policy_type: pulumi.Input[str],
        name: pulumi.Input[str],
        settings: pulumi.Input[Mapping[str, Any]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a custom policy of `policy_type` named `name`; settings by cmdlet name."""
        super().__init__(
            TeamsPolicyProvider(),
            resource_name,
            {
                "policy_type": policy_type,
                "name": name,
                "settings": settings or {},
                "identity": None,
                "effective_settings": None,
                "app_ids": None,
            },
            opts,
        )
