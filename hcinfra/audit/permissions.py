"""What the audit commands (export, drift, check) read with beyond the kinds' read grants.

The audit reads what each resource kind reads on refresh (their `read` grants), and each
role member's effective Teams policies, which no kind reads:
`GET /admin/teams/userConfigurations/{id}` takes TeamsUserConfiguration.Read.All
(teamsadministration-teamsuserconfiguration-get; no higher permission is offered). The
permission manifest (hcinfra.permissions) adds these to its union, so `hcinfra
permissions` lists them and the bootstrap grants them. Plain names here: the audit
imports this module and stays clear of the providers' (and Pulumi's) imports.
"""

from __future__ import annotations

USER_CONFIGURATIONS = "TeamsUserConfiguration.Read.All"
GRAPH: tuple[str, ...] = (USER_CONFIGURATIONS,)  # application permissions of Microsoft Graph
