"""What PatientList's provider needs granted: Graph application permissions.

Sites.Manage.All is the least privileged application permission for creating a list and
for creating and updating its columns (list-create, list-post-columns,
columndefinition-update); the team site's lookup (site-get) and the list reads accept
Sites.Read.All, which site-get's table does not list Sites.Manage.All for.
"""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions

PERMISSIONS = Permissions(
    read=Grants(graph=("Sites.Read.All",)),
    write=Grants(graph=("Sites.Manage.All", "Sites.Read.All")),
)
