"""MailSecurityGroup's dynamic provider: diff, create, read, update and delete the group."""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from hcinfra.clients.errors import TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.mail_security_group.calls import CLOSED, KIND, GroupCalls
from hcinfra.resources.mail_security_group.inputs import MailSecurityGroupInputs
from hcinfra.resources.mail_security_group.permissions import PERMISSIONS


class GroupConflict(HcinfraError):
    """The name or address belongs to a recipient this resource may not adopt."""


class MailSecurityGroupProvider(GroupCalls):
    """Dynamic provider of MailSecurityGroup."""

    kind = "MailSecurityGroup"
    inputs_model = MailSecurityGroupInputs
    # Set-DistributionGroup as emulated cannot rename or readdress a group.
    replace_on = ("name", "alias", "primary_smtp_address")
    permissions = PERMISSIONS

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        base = super().diff(id_, olds, news)
        # Membership opened, or the group shown in address lists, by hand is drift too.
        opened = any(olds.get(k) not in (None, CLOSED) for k in ("join_restriction", "depart"))
        hidden = olds.get("hidden") not in (None, bool(news.get("hidden_from_address_lists", True)))
        changes = bool(base.changes) or opened or hidden
        # Make the new group first: the mailbox grants move to it before the old one goes.
        return DiffResult(changes=changes, replaces=base.replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, MailSecurityGroupInputs)
        address = inputs.primary_smtp_address
        # New first, no Get before it: Exchange refuses a taken name or address (400), so
        # a create retried after a lost answer meets its own group and adopts it below.
        rec: dict[str, Any] | None
        members: list[str] | None
        try:
            rec, members = self.call(partial(self._new, inputs)), inputs.members
        except TenantError as err:
            rec = self.call(partial(self._find, address)) if err.status == 400 else None
            if rec is None:
                raise
            self.notice(f"group {address} existed already: adopted it ({err.message})")
            members = None  # an adopted group's members are read
        _adoptable(rec, inputs)
        return CreateResult(rec["Guid"], self._converge(rec, inputs, members))

    def find(self, inputs: MailSecurityGroupInputs) -> tuple[str, list[Candidate]]:
        alias = inputs.alias
        found = self.call(partial(self._by_alias, alias), writing=False)
        same = [g for g in found if str(g.get("Alias", "")).lower() == alias.lower()]
        groups = [g for g in same if g.get("RecipientTypeDetails") == KIND]
        if same and not groups:
            other = same[0]
            raise GroupConflict(
                f"the alias {alias} belongs to a {other.get('RecipientTypeDetails')} named "
                f"'{other.get('Name')}': a MailSecurityGroup adopts only a {KIND}, so nothing "
                "was changed. Choose another alias and address."
            )
        if len(groups) == 1:
            _fixed_as_declared(groups[0], inputs)
        key = f"mail-enabled security group {alias}"
        return key, [Candidate(str(g["Guid"]), f"group {g.get('Name')}") for g in groups]

    def adopted(
        self, id_: str, inputs: MailSecurityGroupInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        result = self.read(id_, inputs.model_dump(mode="json"))
        if result.id is None:
            raise GroupConflict(f"group {id_} is gone from Exchange")
        return dict(result.outs or {})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        rec = self.call(partial(self._find, id_), writing=False)
        if rec is None:
            return ReadResult(None, {})
        members = self.call(partial(self._members, id_), writing=False)
        display = rec.get("DisplayName")
        outs = {
            **props,
            "display_name": None
            if props.get("display_name") is None and display == rec.get("Name")
            else display,
            "members": _in_declared_order(members, props.get("members") or []),
            **_state(rec),
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, MailSecurityGroupInputs)
        rec = self.call(partial(self._find, id_))
        if rec is None:
            raise GroupConflict(f"group {id_} is gone from Exchange; run `pulumi refresh`")
        return UpdateResult(self._converge(rec, inputs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.call(partial(self._remove, id_))
        except TenantError as err:
            if not err.not_found:
                raise
        pulumi.log.info(
            f"MailSecurityGroup {props.get('primary_smtp_address')} ({id_}) removed; mailbox "
            "rights granted to it no longer apply"
        )

    def _converge(
        self, rec: dict[str, Any], inputs: MailSecurityGroupInputs, known: list[str] | None = None
    ) -> dict[str, Any]:
        """Settle the group's settings and members; `known`: members it has (New just set)."""
        guid = rec["Guid"]
        self._settle(rec, inputs)
        have = self.call(partial(self._members, guid)) if known is None else _lower(known)
        if have != _lower(inputs.members):
            self.call(partial(self._set_members, guid, inputs.members))
        return {
            **inputs.model_dump(mode="json"),
            "group_guid": guid,
            "object_id": rec["ExternalDirectoryObjectId"],
            "hidden": inputs.hidden_from_address_lists,
            "join_restriction": CLOSED,
            "depart": CLOSED,
        }


def _lower(upns: list[str]) -> list[str]:
    return sorted(m.lower() for m in upns)


def _state(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "group_guid": rec["Guid"],
        "object_id": rec["ExternalDirectoryObjectId"],
        "hidden": rec.get("HiddenFromAddressListsEnabled"),
        "join_restriction": rec.get("MemberJoinRestriction"),
        "depart": rec.get("MemberDepartRestriction"),
    }


def _adoptable(rec: dict[str, Any], inputs: MailSecurityGroupInputs) -> None:
    """Refuse to adopt anything but the mail-enabled security group this resource declares."""
    kind = rec.get("RecipientTypeDetails")
    if kind != KIND or str(rec.get("Name", "")).lower() != inputs.name.lower():
        raise GroupConflict(
            f"{inputs.primary_smtp_address} belongs to a {kind} named '{rec.get('Name')}': a "
            f"MailSecurityGroup adopts only a {KIND} named '{inputs.name}', so nothing was "
            "changed. Choose another address, or declare the group's name to adopt it."
        )


def _fixed_as_declared(rec: dict[str, Any], inputs: MailSecurityGroupInputs) -> None:
    """Refuse to adopt a group whose name or address differs: neither changes in place."""
    mismatched = [
        f"{field} is '{rec.get(key)}', not '{value}'"
        for field, key, value in (
            ("name", "Name", inputs.name),
            ("primary_smtp_address", "PrimarySmtpAddress", inputs.primary_smtp_address),
        )
        if str(rec.get(key, "")).lower() != value.lower()
    ]
    if mismatched:
        raise GroupConflict(
            f"the group of alias {inputs.alias} ({rec.get('Guid')}) differs where nothing "
            f"changes in place: its {'; '.join(mismatched)}. Nothing was changed: declare "
            "its name and address to adopt it (a new name or address makes a new group)."
        )


def _in_declared_order(held: list[str], declared: list[str]) -> list[str]:
    """Members as read, declared ones in declared order first: Exchange's order is no drift."""
    have = {m.lower() for m in held}
    kept = [m for m in declared if m.lower() in have]
    known = {m.lower() for m in declared}
    return kept + sorted(m for m in held if m.lower() not in known)
