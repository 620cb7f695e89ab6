"""SecurityGroup: an Entra ID security group with assigned members and owners, or a rule.

Idempotency: the group's uniqueName is its key (`PATCH /groups(uniqueName=…)` with
`Prefer: create-if-missing`), so a create retried after a lost response adopts
the group it made. Owners and members are bound in the create request (20 in all)
and the rest added 20 a request; later changes are reconciled against a read, where
an "already exists" answer counts as done. Destroy soft-deletes: Graph keeps the
group restorable for 30 days.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult
from pydantic import Field, field_validator, model_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import Grants, Inputs, KindProvider, Permissions, log, until_found
from hcinfra.resources.directory import (
    add_members,
    add_refs,
    bind_urls,
    create_binds,
    read_refs,
    remove_refs,
    resolve_users,
)
from hcinfra.resources.group_refs import (
    binds_refused,
    group_id_by_unique,
    groups_by_nickname,
    made_but_not_visible,
    upsert_group,
)
from hcinfra.resources.kind_resource import KindResource

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.group import Group

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
NICKNAME = re.compile(r"^[\x21-\x7e]+$")
NICKNAME_FORBIDDEN = set('@()\\[]";:<>,')

PERMISSIONS = Permissions(
    read=Grants(graph=("GroupMember.Read.All", "User.Read.All")),
    write=Grants(graph=("Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All")),
)


def declared_order(found: list[str], declared: list[str] | None) -> list[str]:
    """The tenant's principals in the stack's declared order, any others after them.

    Graph lists members in its own order; reporting that order would make a refresh
    show a reordered list as drift and every later preview an update.
    """
    position = {name: n for n, name in enumerate(declared or [])}
    return sorted(found, key=lambda name: position.get(name, len(position)))


def _principal(value: str) -> str:
    if not (GUID.match(value) or ("@" in value and " " not in value)):
        raise ValueError(f"'{value}' is neither a userPrincipalName nor an object id")
    return value


class SecurityGroupInputs(Inputs):
    """What a SecurityGroup declares."""

    display_name: str = Field(min_length=1, max_length=256)
    mail_nickname: str = Field(min_length=1, max_length=64)
    unique_name: str | None = Field(None, min_length=1, max_length=128)
    description: str | None = Field(None, max_length=1024)
    members: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    membership_rule: str | None = None
    membership_rule_processing_state: Literal["On", "Paused"] = "On"
    is_assignable_to_role: bool = False

    @field_validator("mail_nickname")
    @classmethod
    def _nickname(cls, value: str) -> str:
        if not NICKNAME.match(value) or set(value) & NICKNAME_FORBIDDEN:
            raise ValueError(
                'mailNickname must be ASCII without spaces or any of @ ( ) \\ [ ] " ; : < > ,'
            )
        return value

    @field_validator("members", "owners")
    @classmethod
    def _principals(cls, values: list[str]) -> list[str]:
        if len(set(v.lower() for v in values)) != len(values):
            raise ValueError("each member or owner may appear once")
        return [_principal(v) for v in values]

    @model_validator(mode="after")
    def _rule_or_members(self) -> SecurityGroupInputs:
        if self.membership_rule and self.members:
            raise ValueError("a group has either a membership_rule or assigned members, not both")
        if self.is_assignable_to_role and self.membership_rule:
            raise ValueError("a role-assignable group cannot have dynamic membership")
        return self

    @property
    def key(self) -> str:
        """The uniqueName the group is found by."""
        return self.unique_name or self.mail_nickname

    def body(self) -> Group:
        """The Graph group this declares (without members and owners)."""
        from msgraph.generated.models.group import Group

        dynamic = bool(self.membership_rule)
        return Group(
            display_name=self.display_name,
            mail_nickname=self.mail_nickname,
            description=self.description,
            mail_enabled=False,
            security_enabled=True,
            group_types=["DynamicMembership"] if dynamic else [],
            membership_rule=self.membership_rule,
            membership_rule_processing_state=(
                self.membership_rule_processing_state if dynamic else None
            ),
            is_assignable_to_role=self.is_assignable_to_role or None,
        )


class SecurityGroupProvider(KindProvider):
    """Dynamic provider of SecurityGroup."""

    kind = "SecurityGroup"
    inputs_model = SecurityGroupInputs
    replace_on = ("is_assignable_to_role", "unique_name")
    permissions = PERMISSIONS

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, SecurityGroupInputs)
        graph = self.connection().graph
        resolved = self._resolve([*inputs.owners, *inputs.members], {})
        owner_ids = [resolved[n] for n in inputs.owners]
        member_ids = [] if inputs.membership_rule else [resolved[n] for n in inputs.members]
        bound = create_binds(owner_ids, member_ids)

        async def upsert(client: GraphServiceClient, binds: tuple[list[str], list[str]]) -> str:
            body = inputs.body()
            owners, members = binds
            if owners or members:
                body.additional_data = {
                    **({"owners@odata.bind": bind_urls(owners)} if owners else {}),
                    **({"members@odata.bind": bind_urls(members)} if members else {}),
                }
            made = await upsert_group(client, inputs.key, body)
            if made:
                return made
            # 204: the group was there already (a retried create): adopt it.
            self.notice(f"group {inputs.key} existed already: adopted it")
            return await group_id_by_unique(client, inputs.key)

        try:
            gid = self.call(lambda: graph.run(partial(upsert, binds=bound)))
        except TenantError as err:
            if made_but_not_visible(err):
                # A retried upsert inside the replication window: the first one made the
                # group, which Graph does not show yet. Wait for it and adopt it.
                log.info("SecurityGroup %s made but not visible yet; adopting it", inputs.key)
                gid = self.call(
                    lambda: until_found(
                        lambda: graph.run(lambda c: group_id_by_unique(c, inputs.key))
                    )
                )
            elif binds_refused(err):
                # A retried create met the group it made: Graph updates it, and an update
                # takes no binding lists. Upsert it plainly, then reconcile by reading.
                gid = self.call(lambda: graph.run(partial(upsert, binds=([], []))))
            else:
                raise
            resolved = self._reconcile(gid, inputs, resolved)
            return CreateResult(gid, self._outputs(gid, inputs, resolved))
        # Made with what the request bound: only what did not fit in it remains to add.
        have = {"owners": set(bound[0]), "members": set(bound[1])}
        self._add_missing(gid, inputs, resolved, have)
        return CreateResult(gid, self._outputs(gid, inputs, resolved))

    def find(self, inputs: SecurityGroupInputs) -> tuple[str, list[Candidate]]:
        graph = self.connection().graph
        nickname = inputs.mail_nickname
        found = self.call(lambda: graph.run(partial(groups_by_nickname, nickname)), writing=False)
        security = [
            Candidate(str(g["id"]), f"group {g['displayName']}")
            for g in found
            if g["securityEnabled"] and not g["mailEnabled"] and not g["unified"]
        ]
        return f"security group {nickname}", security

    def adopted(
        self, id_: str, inputs: SecurityGroupInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        # Names as declared: the read maps each member's id back to its UPN.
        resolved = self._resolve([*inputs.owners, *inputs.members], {})
        outs = self.read(id_, {**self._outputs(id_, inputs, resolved), "resolved": resolved}).outs
        return dict(outs or {})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        graph = self.connection().graph
        try:
            group = self.call(
                lambda: graph.run(lambda c: c.groups.by_group_id(id_).get()), writing=False
            )
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # gone: the engine drops it from state
            raise
        assert group is not None
        known: dict[str, str] = dict(props.get("resolved") or {})
        refs = self.call(lambda: self._refs(id_, ["members", "owners"]), writing=False)
        members, owners = refs["members"], refs["owners"]
        by_id = {v: k for k, v in known.items()}
        outs = {
            **props,
            "display_name": group.display_name,
            "mail_nickname": group.mail_nickname,
            "description": group.description,
            "membership_rule": group.membership_rule,
            "membership_rule_processing_state": (
                group.membership_rule_processing_state if group.membership_rule else "On"
            ),
            "is_assignable_to_role": bool(group.is_assignable_to_role),
            "members": (
                []
                if group.membership_rule
                else declared_order([by_id.get(m, m) for m in members], props.get("members"))
            ),
            "owners": declared_order([by_id.get(o, o) for o in owners], props.get("owners")),
            "member_ids": members,
            "owner_ids": owners,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from msgraph.generated.models.group import Group

        inputs = self.parse(news, SecurityGroupInputs)
        graph = self.connection().graph
        patch = Group(
            display_name=inputs.display_name,
            mail_nickname=inputs.mail_nickname,
            description=inputs.description,
            membership_rule=inputs.membership_rule,
        )
        if inputs.membership_rule:
            patch.membership_rule_processing_state = inputs.membership_rule_processing_state
        self.call(lambda: graph.run(lambda c: c.groups.by_group_id(id_).patch(patch)))
        resolved = self._reconcile(id_, inputs, dict(olds.get("resolved") or {}))
        return UpdateResult(self._outputs(id_, inputs, resolved))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        graph = self.connection().graph
        try:
            self.call(lambda: graph.run(lambda c: c.groups.by_group_id(id_).delete()))
        except TenantError as err:
            if not err.not_found:
                raise
        pulumi.log.info(
            f"SecurityGroup {props.get('display_name')} ({id_}) deleted; Graph keeps it "
            "restorable for 30 days: POST /directory/deletedItems/{id}/restore"
        )
        log.info("deleted group %s: restorable for 30 days from deleted items", id_)

    # -- members and owners ----------------------------------------------------
    def _refs(self, gid: str, relations: list[str]) -> dict[str, list[str]]:
        return read_refs(self.connection(), gid, relations)

    def _resolve(self, principals: list[str], known: dict[str, str]) -> dict[str, str]:
        conn = self.connection()
        return self.call(lambda: resolve_users(conn, principals, known), writing=False)

    def _reconcile(
        self, gid: str, inputs: SecurityGroupInputs, known: dict[str, str]
    ) -> dict[str, str]:
        """Change the group by difference against a read of it: add, then remove."""
        resolved = self._resolve([*inputs.owners, *inputs.members], known)
        relations = ["owners"] if inputs.membership_rule else ["owners", "members"]
        # A group made a moment ago may not be visible yet: Graph answers 404.
        live = until_found(partial(self._refs, gid, relations))
        have = {r: set(live[r]) for r in relations}
        self._add_missing(gid, inputs, resolved, have)
        names = _names({**known, **resolved})
        conn = self.connection()
        for relation in relations:
            wanted = inputs.owners if relation == "owners" else inputs.members
            extra = sorted(have[relation] - {resolved[n] for n in wanted})
            if extra:
                self.call(partial(remove_refs, conn, gid, relation, extra, names))
        return resolved

    def _add_missing(
        self,
        gid: str,
        inputs: SecurityGroupInputs,
        resolved: dict[str, str],
        have: dict[str, set[str]],
    ) -> None:
        """Add the declared owners and members the group lacks, through `$batch`."""
        conn = self.connection()
        names = _names(resolved)
        owners = sorted({resolved[n] for n in inputs.owners} - have["owners"])
        if owners:
            self.call(partial(add_refs, conn, gid, "owners", owners, names))
        if inputs.membership_rule:
            return
        missing = sorted({resolved[n] for n in inputs.members} - have["members"])
        if missing:
            self.call(partial(add_members, conn, gid, missing, names))

    def _outputs(
        self, gid: str, inputs: SecurityGroupInputs, resolved: dict[str, str]
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "object_id": gid,
            "resolved": resolved,
            "member_ids": sorted(resolved[m] for m in inputs.members),
            "owner_ids": sorted(resolved[o] for o in inputs.owners),
        }


def _names(resolved: dict[str, str]) -> dict[str, str]:
    """Object id → the name the stack gave it, for error messages."""
    return {oid: name for name, oid in resolved.items() if oid != name}


class SecurityGroup(KindResource):
    """An Entra ID security group: role groups of a hospital site."""

    display_name: pulumi.Output[str]
    mail_nickname: pulumi.Output[str]
    member_ids: pulumi.Output[list[str]]
    owner_ids: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        display_name: pulumi.Input[str],
        mail_nickname: pulumi.Input[str],
        unique_name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        members: pulumi.Input[list[str]] | None = None,
        owners: pulumi.Input[list[str]] | None = None,
        membership_rule: pulumi.Input[str] | None = None,
        membership_rule_processing_state: pulumi.Input[str] = "On",
        is_assignable_to_role: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a security group; members and owners by userPrincipalName or object id."""
        super().__init__(
            SecurityGroupProvider(),
            resource_name,
            {
                "display_name": display_name,
                "mail_nickname": mail_nickname,
                "unique_name": unique_name,
                "description": description,
                "members": members or [],
                "owners": owners or [],
                "membership_rule": membership_rule,
                "membership_rule_processing_state": membership_rule_processing_state,
                "is_assignable_to_role": is_assignable_to_role,
                "member_ids": None,
                "owner_ids": None,
                "resolved": None,
            },
            opts,
        )

    @property
    def object_id(self) -> pulumi.Output[str]:
        """The group's object id: the resource id, known even while an update is previewed."""
        return self.id
