"""Team's dynamic provider: check, diff, create, read, update and delete a team."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    ReadResult,
    UpdateResult,
)

from hcinfra.clients.errors import TenantError
from hcinfra.resources.adoption import Candidate, NotAdopted
from hcinfra.resources.base import until_found, warn
from hcinfra.resources.directory import bind_urls, create_binds
from hcinfra.resources.group_refs import (
    binds_refused,
    group_json_by_unique,
    groups_by_nickname,
    made_but_not_visible,
    upsert_group,
)
from hcinfra.resources.team.calls import GRAPH, _post_for_operation
from hcinfra.resources.team.channels import TeamChannels
from hcinfra.resources.team.inputs import TeamInputs, template_channels
from hcinfra.resources.team.members import Refs, TeamMembers
from hcinfra.resources.team.permissions import PERMISSIONS
from hcinfra.resources.team.view import TeamState, read_team

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

RETAINED = [
    "the team, archived (channels, messages, tabs)",
    "its SharePoint site and files, read-only for members",
    "its Microsoft 365 group and group mailbox",
]


class TeamProvider(TeamChannels, TeamMembers):
    """Dynamic provider of Team."""

    kind = "Team"
    inputs_model = TeamInputs
    replace_on = ("template", "mail_nickname")
    # Archived by hand yet still declared: the update unarchives it.
    drift_outputs = ("archived",)
    permissions = PERMISSIONS

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # A derived nickname stays what it was: renaming a team must not replace it.
        if not news.get("mail_nickname") and olds.get("mail_nickname"):
            news = {**news, "mail_nickname": olds["mail_nickname"]}
        result = super().check(olds, news)
        new = result.inputs
        if (
            not result.failures
            and olds.get("template") not in (None, new["template"])
            and olds.get("mail_nickname") == new["mail_nickname"]
        ):
            reason = (
                "a new template makes a new team, and the old one (archived, or restorable for "
                "30 days) keeps its group and its address: set a new mail_nickname too"
            )
            return CheckResult(new, [CheckFailure("template", reason)])
        return result

    # -- lifecycle -------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, TeamInputs)
        resolved = self._resolve([*inputs.owners, *inputs.members], {})
        wanted = self._wanted(inputs, resolved)
        gid, has_team, bound = self.call(partial(self._upsert_group, inputs, wanted))
        if bound is None:
            self._reconcile(gid, inputs, resolved)  # adopted: read what it has
        else:
            # Made with what the request bound: only what did not fit in it remains.
            self._add_missing(gid, inputs, wanted, bound)
        if not has_team:
            self._make_team(gid, inputs)
        # One read, after the operation succeeded: Teams chooses the web URL, the internal
        # id and the ids of the template's channels; an adopted team may be archived.
        team, channels = self._view(gid, inputs)
        team = self._unarchive(gid, team, inputs)
        channel_ids = self._ensure_channels(gid, inputs, channels)
        return CreateResult(gid, self._outputs(gid, inputs, resolved, team, channel_ids))

    def find(self, inputs: TeamInputs) -> tuple[str, list[Candidate]]:
        # A team made by hand has no uniqueName: its group's mailNickname is the key.
        nickname = inputs.mail_nickname
        found = self._run(partial(groups_by_nickname, nickname), writing=False)
        teams = [Candidate(str(g["id"]), f"team {g['displayName']}") for g in found if g["team"]]
        bare = [g for g in found if g["unified"] and not g["team"]]
        if not teams and bare:
            # Its nickname is taken, so `sites up` could not make the team's group either.
            group = bare[0]
            raise NotAdopted(
                f"the Microsoft 365 group {group['displayName']} ({group['id']}) has the mail "
                f"nickname {nickname} but no team: make its team in Teams, or rename the group, "
                "then adopt again"
            )
        return f"team {nickname}", teams

    def adopted(self, id_: str, inputs: TeamInputs, props: dict[str, Any]) -> dict[str, Any]:
        # Names as declared: the read maps each owner's and member's id back to its UPN.
        resolved = self._resolve([*inputs.owners, *inputs.members], {})
        made = {
            **inputs.model_dump(mode="json"),
            "team_id": id_,
            "group_id": id_,
            "resolved": resolved,
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }
        result = self.read(id_, made)
        if result.id is None:
            raise NotAdopted(f"the team {id_} is gone")
        return dict(result.outs or {})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        conn = self.connection()
        try:
            team, channels, ids = self.call(
                partial(read_team, conn, id_, people=True), writing=False
            )
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # team and group gone: dropped from state
            raise
        owners, members = ids["owners"], ids["members"]
        plain = sorted(m for m in members if m not in owners)
        by_id = {v: k for k, v in dict(props.get("resolved") or {}).items()}
        actual = {str(c["displayName"]).lower(): c for c in channels}
        # Declared channels only: the rest (template, hand-made) show in channel_ids.
        declared = [str(c["name"]).lower() for c in props.get("channels") or []]
        outs = {
            **props,
            "display_name": team.display_name,
            "description": team.description,
            "visibility": team.visibility,
            "archived": team.archived,
            "owners": _in_order([by_id.get(o, o) for o in owners], props.get("owners")),
            "members": _in_order([by_id.get(m, m) for m in plain], props.get("members")),
            "channels": [
                {"name": actual[n]["displayName"], "description": actual[n].get("description")}
                for n in declared
                if n in actual
            ],
            "channel_ids": {str(c["displayName"]): c["id"] for c in channels},
            "owner_ids": sorted(owners),
            "member_ids": plain,
            "web_url": team.web_url,
            "internal_id": team.internal_id,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from msgraph.generated.models.team import Team as GraphTeam
        from msgraph.generated.models.team_visibility_type import TeamVisibilityType

        inputs = self.parse(news, TeamInputs)
        team, channels = self._view(id_, inputs)
        team = self._unarchive(id_, team, inputs)
        patch = GraphTeam(
            display_name=inputs.display_name,
            description=inputs.description,
            visibility=TeamVisibilityType(inputs.visibility),
        )
        self._run(lambda c: c.teams.by_team_id(id_).patch(patch))
        resolved = self._reconcile(id_, inputs, dict(olds.get("resolved") or {}))
        channel_ids = self._ensure_channels(id_, inputs, channels)
        made = {n.lower() for n in template_channels(inputs.template)}
        declared = {c.name.lower() for c in inputs.channels}
        for name in (n for n in channel_ids if n.lower() not in made | declared):
            pulumi.log.info(
                f"Team {inputs.display_name}: channel '{name}' is not declared; hcinfra never "
                "deletes channels, so it stays, with its content, unmanaged"
            )
        # The PATCH changes no output read above (web URL, internal id, archived).
        return UpdateResult(self._outputs(id_, inputs, resolved, team, channel_ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from msgraph.generated.teams.item.archive.archive_post_request_body import (
            ArchivePostRequestBody,
        )

        inputs = self.parse(props, TeamInputs)
        name = f"Team {inputs.display_name} ({id_})"
        try:
            if inputs.allow_data_deletion:
                self._run(lambda c: c.groups.by_group_id(id_).delete())
            else:
                body = ArchivePostRequestBody(should_set_spo_site_read_only_for_members=True)
                op = self._run(partial(_post_for_operation, id_, "archive", body))
                self._wait(id_, op, "archiving", inputs)
        except TenantError as err:
            if not err.not_found:
                raise
            pulumi.log.info(f"{name} was already gone")
            return
        if inputs.allow_data_deletion:
            warn(
                f"{name}: its Microsoft 365 group was deleted, with the team, channels and "
                "files. Microsoft keeps it restorable for 30 days: "
                f"POST /directory/deletedItems/{id_}/restore"
            )
        else:
            self.notice(
                f"{inputs.display_name} archived, not deleted (retained on destroy). "
                f"{name} kept: {'; '.join(RETAINED)}. To delete it, set "
                "allow_data_deletion=True, run `pulumi up`, then destroy again."
            )

    # -- steps -----------------------------------------------------------------
    def _upsert_group(
        self, inputs: TeamInputs, wanted: dict[str, list[str]]
    ) -> tuple[str, bool, Refs | None]:
        """The group's id, whether it has a team, and what its create bound (None: adopted)."""
        from msgraph.generated.models.group import Group

        body = Group(
            display_name=inputs.display_name,
            description=inputs.description,
            mail_nickname=inputs.mail_nickname,
            mail_enabled=True,
            security_enabled=False,
            group_types=["Unified"],
            visibility=inputs.visibility.capitalize(),
        )
        # Owners and members are bound in the create request (20 references in all).
        owners, members = create_binds(wanted["owners"], wanted["members"])

        async def upsert(
            client: GraphServiceClient, binds: tuple[list[str], list[str]]
        ) -> tuple[str, bool, Refs | None]:
            bind_owners, bind_members = binds
            body.additional_data = {
                **({"owners@odata.bind": bind_urls(bind_owners)} if bind_owners else {}),
                **({"members@odata.bind": bind_urls(bind_members)} if bind_members else {}),
            }
            made = await upsert_group(client, inputs.key, body)
            if made:
                return made, False, {"owners": set(bind_owners), "members": set(bind_members)}
            # 204: the group was there already (a retried create): adopt it and its team.
            self.notice(f"group {inputs.key} existed already: adopted it and any team it has")
            found = await group_json_by_unique(client, inputs.key)
            return (
                str(found["id"]),
                "Team" in (found.get("resourceProvisioningOptions") or []),
                None,
            )

        graph = self.connection().graph
        try:
            return graph.run(partial(upsert, binds=(owners, members)))
        except TenantError as err:
            # Checked first: uniqueName's conflict says "already exists" too.
            if not made_but_not_visible(err):
                if not binds_refused(err):
                    raise
                # A retried create met the group it made: Graph updates it, and an update
                # takes no binding lists. Upsert it plainly; it is reconciled by reading.
                return graph.run(partial(upsert, binds=([], [])))
        self.notice(f"group {inputs.key} made by a retried create, not visible yet: adopting it")
        found = until_found(lambda: graph.run(lambda c: group_json_by_unique(c, inputs.key)))
        return str(found["id"]), has_team(found), None

    def _make_team(self, gid: str, inputs: TeamInputs) -> None:
        from msgraph.generated.models.team import Team as GraphTeam

        try:
            if inputs.template == "standard":
                self._patient(lambda c: c.groups.by_group_id(gid).team.put(GraphTeam()), inputs)
                return
            body = GraphTeam(
                additional_data={
                    "template@odata.bind": f"{GRAPH}/teamsTemplates('{inputs.template}')",
                    "group@odata.bind": f"{GRAPH}/groups('{gid}')",
                }
            )
            op = self._patient(partial(_post_for_operation, None, "teams", body), inputs)
        except TenantError as err:
            if err.status != 409:
                raise
            self.notice(f"{inputs.display_name}: group {gid} had a team already: adopted it")
            return
        self._wait(gid, op, "creating the team", inputs)

    def _unarchive(self, tid: str, team: TeamState, inputs: TeamInputs) -> TeamState:
        """A declared team is active: one archived by hand, or by a destroy, comes back."""
        if not team.archived:
            return team
        pulumi.log.info(f"Team {inputs.display_name} is archived yet declared: unarchiving")
        op = self._run(partial(_post_for_operation, tid, "unarchive", None))
        self._wait(tid, op, "unarchiving", inputs)
        return team.unarchived()

    def _outputs(
        self,
        gid: str,
        inputs: TeamInputs,
        resolved: dict[str, str],
        team: TeamState,
        channel_ids: dict[str, str],
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "team_id": gid,
            "group_id": gid,
            "web_url": team.web_url,
            "internal_id": team.internal_id,
            "channel_ids": channel_ids,
            "archived": team.archived,
            "owner_ids": sorted({resolved[o] for o in inputs.owners}),
            "member_ids": sorted({resolved[m] for m in inputs.members}),
            "resolved": resolved,
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }


def has_team(group: dict[str, Any]) -> bool:
    """Whether a group (Graph's JSON) has a team."""
    return "Team" in (group.get("resourceProvisioningOptions") or [])


def _in_order(names: list[str], declared: list[str] | None) -> list[str]:
    """Names in their declared order, others after: order means nothing to Graph."""
    rank = {n: i for i, n in enumerate(declared or [])}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))
