"""What VirtualVisits needs: app-only Bookings permissions, and one delegated permission.

App-only (the automation app): Bookings.Read.All reads the calendar; Bookings.Manage.All
publishes and unpublishes (the only application permission those two pages accept) and
so covers the updates and deletes that take Bookings.ReadWrite.All. Creating the business,
its services and its staff takes the signed-in user's delegated Bookings.Manage.All
(DELEGATED below): Microsoft supports no application permission for them.
"""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions

PERMISSIONS = Permissions(
    read=Grants(graph=("Bookings.Read.All",)),
    write=Grants(graph=("Bookings.Manage.All",)),
    delegated=("Bookings.Manage.All",),
)
DELEGATED = ["Bookings.Manage.All (delegated: the signed-in user of `hcinfra signin`)"]
