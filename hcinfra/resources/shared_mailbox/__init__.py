"""SharedMailbox: an Exchange Online shared mailbox, its sign-in blocked, and who may use it.

Exchange runs through the admin API's InvokeCommand (New-, Get-, Set-, Remove-Mailbox,
Add/Get/Remove-MailboxPermission for FullAccess, Add/Get/Remove-RecipientPermission for
SendAs). The address is the mailbox's key: a create that finds a shared mailbox there
(a retry after a lost response) adopts it, and one that finds any other mailbox refuses
and changes nothing. New-Mailbox leaves the linked Entra user able to sign in, so Graph
blocks it. Grants are tracked by SID, the one identifier Exchange reports for users and
groups alike. Destroy keeps the mailbox unless `allow_data_deletion` is set.

Set-Mailbox changes the display name; the Set-Mailbox hcinfra's emulator implements cannot
rename or readdress a mailbox, so a new name, alias or address replaces it (made first,
then the old one deleted, i.e. retained unless allow_data_deletion).

The kind's whole life is in this package: `inputs` (what a shared mailbox declares and
Exchange's alias and address rules), `provider` (create/read/update/delete/diff, the
mailbox and its blocked sign-in), `access` (FullAccess and SendAs grants, resolved to
SIDs), `permissions` (what the app needs granted) and `resource` (SharedMailbox).
"""

from __future__ import annotations

from hcinfra.resources.shared_mailbox.inputs import SharedMailboxInputs
from hcinfra.resources.shared_mailbox.provider import SharedMailboxProvider
from hcinfra.resources.shared_mailbox.resource import SharedMailbox

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["SharedMailbox", "SharedMailboxInputs", "SharedMailboxProvider"]
