"""What MailSecurityGroup's provider needs granted: Exchange as an app, nothing in Graph."""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions
from hcinfra.resources.shared_mailbox.permissions import EXCHANGE

# Exchange Administrator holds Organization Management, which BypassSecurityGroupManagerCheck
# needs for a group the app does not manage (Learn, Update-DistributionGroupMember).
PERMISSIONS = Permissions(read=Grants(**EXCHANGE), write=Grants(**EXCHANGE))
