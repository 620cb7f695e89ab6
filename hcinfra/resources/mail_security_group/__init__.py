"""MailSecurityGroup: an Exchange-managed mail-enabled security group, for mailbox rights.

Exchange Online grants FullAccess and SendAs to mail-enabled security groups, and Graph
can neither create them nor change their members (docs/emulator.md, Exchange "Evidence"),
so this kind runs entirely through Exchange's admin API: New-, Get-, Set- and
Remove-DistributionGroup, Get- and Update-DistributionGroupMember. Its members are kept
exactly as declared; joining and leaving are closed, so only this stack changes them.

`inputs` (what a group declares), `calls` (the cmdlets), `provider`, `permissions` and
`resource` (MailSecurityGroup).
"""

from __future__ import annotations

from hcinfra.resources.mail_security_group.inputs import MailSecurityGroupInputs
from hcinfra.resources.mail_security_group.provider import MailSecurityGroupProvider
from hcinfra.resources.mail_security_group.resource import MailSecurityGroup

__all__ = ["MailSecurityGroup", "MailSecurityGroupInputs", "MailSecurityGroupProvider"]
