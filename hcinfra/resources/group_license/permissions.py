"""What GroupLicenseAssignment's provider needs granted: Graph application permissions."""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions

# subscribedSkus: LicenseAssignment.Read.All is least privileged, but the hcinfra app holds
# Organization.Read.All (also documented) instead. Directory.Read.All reads the group's
# licence properties and the members in error with their licence states.
PERMISSIONS = Permissions(
    read=Grants(graph=("Organization.Read.All", "Directory.Read.All")),
    write=Grants(
        graph=("LicenseAssignment.ReadWrite.All", "Organization.Read.All", "Directory.Read.All")
    ),
)
