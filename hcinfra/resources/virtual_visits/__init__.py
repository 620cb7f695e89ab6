"""VirtualVisits: a site's Microsoft Bookings calendar for virtual visits.

Its services are online (`isLocationOnline`: each appointment is a Teams meeting), its
staff are the site's clinicians, and publishing the booking page is declared. Creating the
business and its services and staff takes a signed-in user (Microsoft supports no
application permission for them: hcinfra.clients.delegated); every other call is app-only.

The kind's whole life is in this package: `inputs` (what a calendar declares and its
checks), `calls` (Bookings over JSON, four calls at a time per mailbox), `provider`
(create/read/update/delete), `permissions` and `resource` (VirtualVisits).
"""

from __future__ import annotations

from hcinfra.resources.virtual_visits.inputs import VirtualVisitsInputs
from hcinfra.resources.virtual_visits.provider import VirtualVisitsProvider
from hcinfra.resources.virtual_visits.resource import VirtualVisits

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["VirtualVisits", "VirtualVisitsInputs", "VirtualVisitsProvider"]
