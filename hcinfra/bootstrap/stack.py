"""The bootstrap stack's component: the identity first, then its state storage."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from hcinfra.bootstrap.identity import Identity, IdentityArgs
from hcinfra.bootstrap.storage import StateStorage, StorageArgs


@dataclass
class BootstrapArgs:
    """What a hospital network chooses once: names, place, the repositories it trusts."""

    tenant_id: str
    location: str
    resource_group: str
    account_name: str
    vault_name: str
    container: str = "pulumi-state"
    app_name: str = "hcinfra automation"
    github_subjects: list[str] = field(default_factory=list)
    certificate_pem: str | None = None
    certificate_end_date: str | None = None


class Bootstrap(pulumi.ComponentResource):
    """hcinfra's identity and state storage; outputs hold no secret."""

    client_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    backend_url: pulumi.Output[str]
    vault_uri: pulumi.Output[str]

    def __init__(
        self, name: str, args: BootstrapArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create both halves and expose what hcinfra's runs need to sign in."""
        super().__init__("hcinfra:bootstrap:Bootstrap", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = Identity(
            f"{name}-identity",
            IdentityArgs(
                display_name=args.app_name,
                github_subjects=list(args.github_subjects),
                certificate_pem=args.certificate_pem,
                certificate_end_date=args.certificate_end_date,
            ),
            opts=child,
        )
        store = StateStorage(
            f"{name}-state",
            StorageArgs(
                resource_group=args.resource_group,
                account_name=args.account_name,
                container=args.container,
                vault_name=args.vault_name,
                location=args.location,
                tenant_id=args.tenant_id,
                principal_id=identity.principal_id,
            ),
            opts=child,
        )
        self.client_id = identity.client_id
        self.tenant_id = pulumi.Output.from_input(args.tenant_id)
        self.backend_url = store.backend_url
        self.vault_uri = store.vault_uri
        self.register_outputs(
            {
                "client_id": self.client_id,
                "tenant_id": self.tenant_id,
                "backend_url": self.backend_url,
                "vault_uri": self.vault_uri,
            }
        )
