"""The bootstrap stack: run once by an administrator, before the tenant baseline and sites."""

import pulumi

from hcinfra.bootstrap import Bootstrap, BootstrapArgs

config = pulumi.Config("hcinfra-bootstrap")
bootstrap = Bootstrap(
    "hcinfra",
    BootstrapArgs(
        tenant_id=config.require("tenantId"),
        location=config.get("location") or "canadacentral",
        resource_group=config.get("resourceGroup") or "rg-hcinfra-state",
        account_name=config.require("storageAccount"),
        vault_name=config.require("keyVault"),
        container=config.get("container") or "pulumi-state",
        app_name=config.get("appName") or "hcinfra automation",
        github_subjects=config.get_object("githubSubjects") or [],
        certificate_pem=config.get("certificatePem") or None,
    ),
)
pulumi.export("client_id", bootstrap.client_id)
pulumi.export("tenant_id", bootstrap.tenant_id)
pulumi.export("backend_url", bootstrap.backend_url)
pulumi.export("key_vault_uri", bootstrap.vault_uri)
