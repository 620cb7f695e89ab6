"""Who may use a shared mailbox: its FullAccess and SendAs grants, tracked by SID.

Add/Get/Remove-MailboxPermission hold FullAccess, Add/Get/Remove-RecipientPermission
SendAs. A principal is resolved to its key by granting it (an existing grant is looked up):
its SID (UserSid, TrusteeSidString) where Exchange reports one, else the name Exchange shows
for it (a group's display name, a user's UPN), which the same answer carries. Whether
Exchange Online returns the SIDs is unverified (docs/emulator.md), so both work.
Grants nobody declares are removed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import KindProvider, log, until_found, warn
from hcinfra.resources.shared_mailbox.inputs import SharedMailboxInputs

SELF = "NT AUTHORITY\\SELF"
FULL, SEND_AS = "FullAccess", "SendAs"
# Per right: the cmdlets' noun, the principal parameter, the SID field of their output.
RIGHTS = {
    FULL: ("MailboxPermission", "User", "UserSid"),
    SEND_AS: ("RecipientPermission", "Trustee", "TrusteeSidString"),
}
GRANT_WAIT = 60.0  # a group made in the same run reaches Exchange after a while


class MailboxAccess(KindProvider):
    """The base of SharedMailbox's provider: the FullAccess and SendAs grant steps."""

    # -- grants ----------------------------------------------------------------
    def _holders(self, guid: str, right: str) -> dict[str, str]:
        """Explicit grants of one right: key (SID, or the name shown) to the name shown."""
        noun, who, sid_key = RIGHTS[right]
        rows = self.exchange(f"Get-{noun}", Identity=guid)
        return {
            _key(r, who, sid_key): str(r[who])
            for r in rows
            if r.get(who) != SELF
            and right in _rights(r)
            and not _true(r.get("IsInherited"))
            and not _true(r.get("Deny"))
            and r.get("AccessControlType", "Allow") == "Allow"
        }

    def _reconcile(
        self,
        guid: str,
        inputs: SharedMailboxInputs,
        known: dict[str, str],
        remap: bool,
        fresh: bool = False,
    ) -> dict[str, str]:
        """Grant what is declared, revoke the rest; `fresh`: a new mailbox, with no grant."""
        resolved: dict[str, str] = {}
        readded: set[str] = set()
        for right, wanted in ((FULL, inputs.full_access), (SEND_AS, inputs.send_as)):
            # A mailbox New-Mailbox just made holds no explicit grant: nothing to read.
            have = {} if fresh else self.call(partial(self._holders, guid, right))
            grant = partial(self._grant, guid, right, auto_mapping=inputs.auto_mapping)
            for name in wanted:
                sid = known.get(name) or resolved.get(name)
                if sid is None or sid not in have:
                    sid = self.call(partial(until_found, partial(grant, name), timeout=GRANT_WAIT))
                resolved[name] = sid
                if right == FULL and remap and sid in have and sid not in readded:
                    # AutoMapping is fixed when a grant is added: older grants are re-added.
                    readded.add(sid)
                    self.call(partial(self._revoke, guid, right, have[sid]))
                    self.call(partial(grant, name))
            mine = {resolved[name] for name in wanted}
            for sid, shown in have.items():
                if sid not in mine:
                    self.call(partial(self._revoke, guid, right, shown))
        return resolved

    def _held_keys(self, guid: str, inputs: SharedMailboxInputs) -> dict[str, str]:
        """Each declared principal holding its right: its key, looked up, nothing granted.

        For adoption: a grant made by hand shows its holder as Exchange prints it, which
        may not be how the inputs name it (a group by object id, a UPN in another case).
        """
        keys: dict[str, str] = {}
        for right, wanted in ((FULL, inputs.full_access), (SEND_AS, inputs.send_as)):
            noun, who, sid_key = RIGHTS[right]
            for name in wanted:
                try:
                    rows = self.exchange(f"Get-{noun}", Identity=guid, **{who: name})
                except TenantError as err:
                    if not err.not_found:
                        raise
                    continue  # no such principal: nothing holds the grant
                held = [r for r in rows if right in _rights(r) and not _true(r.get("Deny"))]
                if held:
                    keys[name] = _key(held[0], who, sid_key)
        return keys

    def _grant(self, guid: str, right: str, principal: str, auto_mapping: bool) -> str:
        """Add a grant; its holder's SID (an existing grant is looked up)."""
        noun, who, sid_key = RIGHTS[right]
        extra: dict[str, Any] = {"Confirm": False}
        if right == FULL:
            extra = {"InheritanceType": "All", "AutoMapping": auto_mapping}
        rows = self.exchange(
            f"Add-{noun}", Identity=guid, AccessRights=[right], **{who: principal}, **extra
        )
        rows = rows or self.exchange(f"Get-{noun}", Identity=guid, **{who: principal})
        return _key(rows[0], who, sid_key)

    def _revoke(self, guid: str, right: str, shown: str) -> None:
        noun, who, _ = RIGHTS[right]
        args = {"Identity": guid, who: shown, "AccessRights": [right], "Confirm": False}
        if right == FULL:
            args["InheritanceType"] = "All"
        log.info("removing %s of %s on shared mailbox %s", right, shown, guid)
        try:
            self.exchange(f"Remove-{noun}", **args)
        except TenantError as err:
            if not err.not_found:
                raise
            # A deleted principal shows as a bare SID that Exchange cannot resolve.
            warn(f"SharedMailbox {guid}: could not remove {right} of {shown}")


def _key(row: dict[str, Any], who: str, sid_key: str) -> str:
    """A grant holder's key: its SID when the row has one, else the name shown, lower-cased."""
    sid = row.get(sid_key)
    return str(sid) if sid else str(row[who]).lower()


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _rights(row: dict[str, Any]) -> set[str]:
    raw = row.get("AccessRights") or []
    items = raw if isinstance(raw, list) else [raw]
    return {part.strip() for item in items for part in str(item).split(",") if part.strip()}


def _named(declared: list[str], have: dict[str, str], by_sid: dict[str, str]) -> list[str]:
    """Grant holders as the inputs name them, declared ones first in declared order."""
    names = {by_sid.get(sid, shown) for sid, shown in have.items()}
    ordered = [d for d in declared if d in names]
    return ordered + sorted(names - set(ordered))
