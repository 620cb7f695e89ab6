"""hcinfra's automation identity: an app, its service principal, exactly the grants of
the permission manifest, and credentials that hold no secret (GitHub OIDC, a certificate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azuread as azuread

from hcinfra.permissions import manifest

# First-party resource apps whose app roles hcinfra is granted.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class Grants:
    """What the identity is granted, read from hcinfra's permission manifest."""

    graph: list[str]
    exchange: list[str]
    directory_roles: list[str]

    @classmethod
    def from_manifest(cls) -> Grants:
        """The union every resource kind declares (`hcinfra permissions`)."""
        services = manifest()["services"]
        return cls(
            list(services["graph"]), list(services["exchange"]), list(services["directory_roles"])
        )


@dataclass
class IdentityArgs:
    """The app's name, the GitHub subjects it trusts, and an optional certificate."""

    display_name: str
    github_subjects: list[str] = field(default_factory=list)  # repo:org/repo:environment:x
    certificate_pem: str | None = None  # the public certificate only; its key stays with you
    certificate_end_date: str | None = None


class Identity(pulumi.ComponentResource):
    """The Application, its ServicePrincipal, app role and directory role assignments."""

    client_id: pulumi.Output[str]
    principal_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create the identity with exactly the manifest's grants."""
        super().__init__("hcinfra:bootstrap:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        grants = Grants.from_manifest()
        graph = azuread.get_service_principal_output(client_id=GRAPH_APP_ID, opts=_invoke(self))
        exchange = azuread.get_service_principal_output(
            client_id=EXCHANGE_APP_ID, opts=_invoke(self)
        )
        resources = (
            (GRAPH_APP_ID, graph, grants.graph),
            (EXCHANGE_APP_ID, exchange, grants.exchange),
        )
        app = azuread.Application(
            name,
            display_name=args.display_name,
            sign_in_audience="AzureADMyOrg",
            # Listed so that the portal shows, and an admin can review, what is granted.
            required_resource_accesses=[
                azuread.ApplicationRequiredResourceAccessArgs(
                    resource_app_id=app_id,
                    resource_accesses=[
                        azuread.ApplicationRequiredResourceAccessResourceAccessArgs(
                            id=sp.app_role_ids[role], type="Role"
                        )
                        for role in roles
                    ],
                )
                for app_id, sp, roles in resources
                if roles
            ],
            opts=child,
        )
        principal = azuread.ServicePrincipal(
            name, client_id=app.client_id, app_role_assignment_required=False, opts=child
        )
        made: list[pulumi.CustomResource] = []
        # Admin consent: one assignment per application permission.
        for _, sp, roles in resources:
            made += [
                azuread.AppRoleAssignment(
                    f"{name}-{role}",
                    app_role_id=sp.app_role_ids[role],
                    principal_object_id=principal.object_id,
                    resource_object_id=sp.object_id,
                    opts=child,
                )
                for role in roles
            ]
        for role_name in grants.directory_roles:
            slug = role_name.lower().replace(" ", "-")
            role = azuread.DirectoryRole(f"{name}-{slug}", display_name=role_name, opts=child)
            made.append(
                azuread.DirectoryRoleAssignment(
                    f"{name}-{slug}",
                    role_id=role.template_id,
                    principal_object_id=principal.object_id,
                    opts=child,
                )
            )
        for n, subject in enumerate(args.github_subjects):
            made.append(
                azuread.ApplicationFederatedIdentityCredential(
                    f"{name}-github-{n}",
                    application_id=app.id,
                    display_name=f"github-{subject.split(':')[-1]}"[:120],
                    description=f"GitHub Actions OIDC: {subject}",
                    issuer=GITHUB_ISSUER,
                    subject=subject,
                    audiences=[TOKEN_EXCHANGE_AUDIENCE],
                    opts=child,
                )
            )
        if args.certificate_pem:
            made.append(
                azuread.ApplicationCertificate(
                    f"{name}-certificate",
                    application_id=app.id,
                    type="AsymmetricX509Cert",
                    encoding="pem",
                    value=args.certificate_pem,
                    end_date=args.certificate_end_date,
                    opts=child,
                )
            )
        # The client id is worth having once its grants and credentials exist.
        self.client_id = pulumi.Output.all(app.client_id, *(r.id for r in made)).apply(
            lambda v: str(v[0])
        )
        self.principal_id = principal.object_id
        self.register_outputs({"client_id": self.client_id, "principal_id": self.principal_id})


def _invoke(parent: pulumi.Resource) -> pulumi.InvokeOptions:
    return pulumi.InvokeOptions(parent=parent)
