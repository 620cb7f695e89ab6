"""What PartnerTenant's provider needs granted: Graph's cross-tenant access, Teams admin.

Graph: reading a partner configuration needs Policy.Read.All (least privileged), writing
it Policy.ReadWrite.CrossTenantAccess (crosstenantaccesspolicy-post-partners and the
partner's get, update and delete pages). The federation configuration is the Teams admin
service's, which app-only callers reach with the Teams Administrator role.
"""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions
from hcinfra.resources.teams_policy import TEAMS_ADMIN

PERMISSIONS = Permissions(
    read=Grants(graph=("Policy.Read.All",), directory_roles=TEAMS_ADMIN.directory_roles),
    write=Grants(
        graph=("Policy.ReadWrite.CrossTenantAccess",),
        directory_roles=TEAMS_ADMIN.directory_roles,
    ),
)
