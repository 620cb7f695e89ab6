"""Team: a Microsoft Teams team from a template, on a Microsoft 365 group hcinfra owns.

Idempotency follows Microsoft's pattern: the group is upserted by a uniqueName
derived from its mail nickname, owners and members are added, then the team is
made *from* that group (`POST /teams` with `group@odata.bind`, or
`PUT /groups/{id}/team` for the standard template). A retry after a lost
response adopts the group and, on 409, its team. Destroy archives by default:
nothing a ward wrote is lost unless `allow_data_deletion` says so.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Literal, TypeVar

import pulumi
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import HeadersInspectionHandlerOption
from msgraph import GraphServiceClient
from msgraph.generated.models.channel import Channel
from msgraph.generated.models.group import Group
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.team import Team as GraphTeam
from msgraph.generated.models.team_visibility_type import TeamVisibilityType
from msgraph.generated.models.teams_async_operation_status import TeamsAsyncOperationStatus
from msgraph.generated.models.user import User
from msgraph.generated.teams.item.archive.archive_post_request_body import ArchivePostRequestBody
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)
from pydantic import Field, ValidationInfo, field_validator, model_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import Grants, Inputs, KindProvider, Permissions, log, until_found
from hcinfra.resources.security_group import ALREADY, GUID, NICKNAME, NICKNAME_FORBIDDEN

T = TypeVar("T")
Call = Callable[[GraphServiceClient], Awaitable[T]]
GRAPH = "https://graph.microsoft.com/v1.0"
CHANNEL_FORBIDDEN = set("~#%&*{}+/\\:<>?|'\"")
OPERATION = re.compile(r"operations\('([^']+)'\)")
# Channels each built-in template makes (every team, custom ones too, has General).
TEMPLATE_CHANNELS: dict[str, list[str]] = {
    "standard": ["General"],
    "healthcareWard": ["General", "Announcements", "Huddles", "Rounds", "Staffing", "Training"],
    "healthcareHospital": (
        ["General", "Announcements", "Compliance", "Custodial", "Human resources", "Pharmacy"]
    ),
}
RETAINED = [
    "the team, archived (channels, messages, tabs)",
    "its SharePoint site and files, read-only for members",
    "its Microsoft 365 group and group mailbox",
]
TEAMS_READ = ("Team.ReadBasic.All", "Channel.ReadBasic.All")
GROUP_WRITE = ("Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All")
TEAMS_WRITE = ("Team.Create", "TeamSettings.ReadWrite.All", "Channel.Create", *TEAMS_READ)
PERMISSIONS = Permissions(
    read=Grants(graph=(*TEAMS_READ, "Directory.Read.All")),
    write=Grants(graph=(*GROUP_WRITE, *TEAMS_WRITE)),
)
# team_id and group_id are the resource id (see Team), which stays known in previews.
OUTPUTS: tuple[str, ...] = (
    "web_url",
    "internal_id",
    "channel_ids",
    "archived",
)
OUTPUTS += ("owner_ids", "member_ids", "retained", "resolved")


class TeamOperationError(Exception):
    """A Teams async operation that failed or did not finish in time."""


def derive_nickname(display_name: str) -> str:
    """A mail nickname from a display name: lowercase ASCII letters, digits and hyphens."""
    plain = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:64].strip("-")


def channel_name_problem(name: str) -> str | None:
    """Why Teams would refuse a channel name, or None."""
    if not name.strip() or len(name) > 50:
        return f"'{name}' is not 1 to 50 characters"
    if set(name) & CHANNEL_FORBIDDEN or ".." in name:
        return f"'{name}' has a character Teams refuses (~ # % & * {{ }} + / \\ : < > ? | ' \")"
    if name.startswith(("_", ".")) or name.endswith("."):
        return f"'{name}' starts with _ or . or ends with ."
    return None


def template_channels(template: str | None) -> list[str]:
    """Channels a template makes; of a custom template only General is known."""
    return TEMPLATE_CHANNELS.get(template or "", ["General"])


class ChannelSpec(Inputs):
    """A standard channel the team should have besides its template's."""

    name: str
    description: str | None = Field(None, max_length=1024)


class TeamInputs(Inputs):
    """What a Team declares."""

    display_name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(None, max_length=1024)
    mail_nickname: str
    template: str = "standard"
    visibility: Literal["private", "public"] = "private"
    owners: list[str]
    members: list[str] = Field(default_factory=list)
    channels: list[ChannelSpec] = Field(default_factory=list)
    allow_data_deletion: bool = False
    timeout_seconds: float = Field(900, gt=0, le=3600)
    poll_interval_seconds: float | None = Field(None, gt=0, le=300)

    @model_validator(mode="before")
    @classmethod
    def _default_nickname(cls, data: Any) -> Any:
        name = data.get("display_name") if isinstance(data, dict) else None
        if isinstance(name, str) and not data.get("mail_nickname"):
            return {**data, "mail_nickname": derive_nickname(name)}
        return data

    @field_validator("mail_nickname")
    @classmethod
    def _nickname(cls, value: str) -> str:
        if not value:
            raise ValueError("display_name has no ASCII letter or digit to derive it from: set it")
        if len(value) > 64 or not NICKNAME.match(value) or set(value) & NICKNAME_FORBIDDEN:
            raise ValueError('1-64 ASCII characters, no spaces nor @ ( ) \\ [ ] " ; : < > ,')
        return value

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        if value not in TEMPLATE_CHANNELS and not GUID.match(value):
            raise ValueError(
                f"unknown template '{value}': use standard, healthcareWard, healthcareHospital "
                "or a custom template's id (a GUID)"
            )
        return value

    @field_validator("owners", "members")
    @classmethod
    def _users(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if info.field_name == "owners" and not values:
            raise ValueError("a team needs at least one owner (app-only creation requires one)")
        bad = [v for v in values if not (GUID.match(v) or ("@" in v and " " not in v))]
        if bad:
            raise ValueError(f"neither a userPrincipalName nor an object id: {', '.join(bad)}")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each user may appear once")
        owners = {o.lower() for o in info.data.get("owners") or []}
        both = [v for v in values if info.field_name == "members" and v.lower() in owners]
        if both:
            raise ValueError(f"owners are members already; list them once: {', '.join(both)}")
        return values

    @field_validator("channels")
    @classmethod
    def _channels(cls, values: list[ChannelSpec], info: ValidationInfo) -> list[ChannelSpec]:
        template = info.data.get("template")
        made, seen, problems = {n.lower() for n in template_channels(template)}, set(), []
        for ch in values:
            if problem := channel_name_problem(ch.name):
                problems.append(problem)
            elif ch.name.lower() in made:
                problems.append(f"'{ch.name}' is made by the {template or 'team'} template")
            elif ch.name.lower() in seen:
                problems.append(f"'{ch.name}' appears twice (names are case-insensitive)")
            seen.add(ch.name.lower())
        if problems:
            raise ValueError("; ".join(problems))
        return values

    @property
    def key(self) -> str:
        """The backing group's uniqueName, so a retried create finds what it made."""
        return f"team-{self.mail_nickname}"


class TeamProvider(KindProvider):
    """Dynamic provider of Team."""

    kind = "Team"
    inputs_model = TeamInputs
    replace_on = ("template", "mail_nickname")
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

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        if olds.get("archived") and not result.changes:
            # Archived by hand yet still declared: the update unarchives it.
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    # -- lifecycle -------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, TeamInputs)
        resolved = self._resolve([*inputs.owners, *inputs.members], {})
        gid, has_team = self.call(partial(self._upsert_group, inputs))
        self._reconcile(gid, inputs, resolved)
        if not has_team:
            self._make_team(gid, inputs)
        self._unarchive(gid, self._await_team(gid, inputs), inputs)
        channel_ids = self._ensure_channels(gid, inputs)
        team = self._await_team(gid, inputs)
        return CreateResult(gid, self._outputs(gid, inputs, resolved, team, channel_ids))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            team = self._run(lambda c: c.teams.by_team_id(id_).get(), writing=False)
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # team and group gone: dropped from state
            raise
        assert team is not None
        channels = self.call(partial(self._channels, id_), writing=False)
        owners = self._run(partial(_ids, id_, "owners"), writing=False)
        members = self._run(partial(_ids, id_, "members"), writing=False)
        plain = sorted(m for m in members if m not in owners)
        by_id = {v: k for k, v in dict(props.get("resolved") or {}).items()}
        actual = {str(c.display_name).lower(): c for c in channels}
        # Declared channels only: the rest (template, hand-made) show in channel_ids.
        declared = [str(c["name"]).lower() for c in props.get("channels") or []]
        outs = {
            **props,
            "display_name": team.display_name,
            "description": team.description,
            "visibility": str(team.visibility.value) if team.visibility else None,
            "archived": bool(team.is_archived),
            "owners": _in_order([by_id.get(o, o) for o in owners], props.get("owners")),
            "members": _in_order([by_id.get(m, m) for m in plain], props.get("members")),
            "channels": [
                {"name": actual[n].display_name, "description": actual[n].description}
                for n in declared
                if n in actual
            ],
            "channel_ids": {str(c.display_name): c.id for c in channels},
            "owner_ids": sorted(owners),
            "member_ids": plain,
            "web_url": team.web_url,
            "internal_id": team.internal_id,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, TeamInputs)
        self._unarchive(id_, self._await_team(id_, inputs), inputs)
        patch = GraphTeam(
            display_name=inputs.display_name,
            description=inputs.description,
            visibility=TeamVisibilityType(inputs.visibility),
        )
        self._run(lambda c: c.teams.by_team_id(id_).patch(patch))
        resolved = self._reconcile(id_, inputs, dict(olds.get("resolved") or {}))
        channel_ids = self._ensure_channels(id_, inputs)
        made = {n.lower() for n in template_channels(inputs.template)}
        declared = {c.name.lower() for c in inputs.channels}
        for name in (n for n in channel_ids if n.lower() not in made | declared):
            pulumi.log.info(
                f"Team {inputs.display_name}: channel '{name}' is not declared; hcinfra never "
                "deletes channels, so it stays, with its content, unmanaged"
            )
        team = self._await_team(id_, inputs)
        return UpdateResult(self._outputs(id_, inputs, resolved, team, channel_ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
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
            pulumi.log.warn(
                f"{name}: its Microsoft 365 group was deleted, with the team, channels and "
                "files. Microsoft keeps it restorable for 30 days: "
                f"POST /directory/deletedItems/{id_}/restore"
            )
        else:
            pulumi.log.warn(
                f"{name} archived, not deleted. Kept: {'; '.join(RETAINED)}. To delete it, set "
                "allow_data_deletion=True, run `pulumi up`, then destroy again."
            )

    # -- steps -----------------------------------------------------------------
    def _run(self, action: Call[T], writing: bool = True) -> T:
        graph = self.connection().graph
        return self.call(lambda: graph.run(action), writing=writing)

    def _patient(self, action: Call[T], inputs: TeamInputs, interval: float = 0) -> T:
        """Run, retrying the 404s Graph answers while a new group replicates."""
        retry = interval or self._pace(inputs)[1]
        act = partial(self.connection().graph.run, action)
        return self.call(partial(until_found, act, timeout=inputs.timeout_seconds, interval=retry))

    def _pace(self, inputs: TeamInputs) -> tuple[float, float]:
        """Seconds between operation polls, and between retries of replication 404s."""
        emulated = bool(self.connection().settings.endpoint)
        # Microsoft asks for 30 s or more between polls, and 10 s between 404 retries.
        poll = inputs.poll_interval_seconds or (0.2 if emulated else 30.0)
        return poll, 0.25 if emulated else 10.0

    def _upsert_group(self, inputs: TeamInputs) -> tuple[str, bool]:
        body = Group(
            display_name=inputs.display_name,
            description=inputs.description,
            mail_nickname=inputs.mail_nickname,
            mail_enabled=True,
            security_enabled=False,
            group_types=["Unified"],
            visibility=inputs.visibility.capitalize(),
        )

        async def upsert(client: GraphServiceClient) -> tuple[str, bool]:
            config: RequestConfiguration[Any] = RequestConfiguration()
            config.headers.add("Prefer", "create-if-missing")
            made = await client.groups_with_unique_name(inputs.key).patch(body, config)
            if made is not None and made.id:
                return made.id, False
            # 204: the group was there already (a retried create): adopt it and its team.
            log.info("Team group %s exists already; adopting it", inputs.key)
            found = await client.groups_with_unique_name(inputs.key).get()
            assert found is not None and found.id
            return found.id, "Team" in (found.resource_provisioning_options or [])

        return self.connection().graph.run(upsert)

    def _make_team(self, gid: str, inputs: TeamInputs) -> None:
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
            log.info("group %s has a team already; adopting it", gid)
            return
        self._wait(gid, op, "creating the team", inputs)

    def _unarchive(self, tid: str, team: GraphTeam, inputs: TeamInputs) -> None:
        """A declared team is active: one archived by hand, or by a destroy, comes back."""
        if team.is_archived:
            pulumi.log.info(f"Team {inputs.display_name} is archived yet declared: unarchiving")
            op = self._run(partial(_post_for_operation, tid, "unarchive", None))
            self._wait(tid, op, "unarchiving", inputs)

    def _wait(self, tid: str, op_id: str | None, what: str, inputs: TeamInputs) -> None:
        """Poll a Teams async operation until it succeeds, fails, or the timeout passes."""
        poll, status = self._pace(inputs)[0], "notStarted"
        deadline = time.monotonic() + inputs.timeout_seconds
        while op_id is not None:
            try:
                op = self._run(
                    lambda c: (
                        c.teams.by_team_id(tid)
                        .operations.by_teams_async_operation_id(str(op_id))
                        .get()
                    )
                )
            except TenantError as err:
                if not err.not_found:
                    raise
                op = None  # the operation itself may not be readable yet
            if op is not None and op.status is not None:
                status = str(op.status.value)
                if op.status == TeamsAsyncOperationStatus.Succeeded:
                    return
                if op.status == TeamsAsyncOperationStatus.Failed:
                    error = f"{op.error.code}: {op.error.message}" if op.error else "no detail"
                    raise TeamOperationError(
                        f"Team {inputs.display_name}: Teams failed {what} (operation {op_id}, "
                        f"{error})"
                    )
            if time.monotonic() + poll > deadline:
                raise TeamOperationError(
                    f"Team {inputs.display_name}: Teams did not finish {what} within "
                    f"{inputs.timeout_seconds:g}s (operation {op_id}, last status {status}). "
                    "Nothing is lost: the next `pulumi up` adopts the team once it is ready "
                    "(raise timeout_seconds to wait longer)."
                )
            time.sleep(poll)

    def _await_team(self, gid: str, inputs: TeamInputs) -> GraphTeam:
        try:
            team = self._patient(
                lambda c: c.teams.by_team_id(gid).get(), inputs, self._pace(inputs)[0]
            )
        except TenantError as err:
            if not err.not_found:
                raise
            raise TeamOperationError(
                f"Team {inputs.display_name}: the team of group {gid} was not readable within "
                f"{inputs.timeout_seconds:g}s. The next `pulumi up` adopts it once it is ready."
            ) from None
        assert team is not None
        return team

    # -- channels --------------------------------------------------------------
    def _channels(self, tid: str) -> list[Channel]:
        page = self.connection().graph.run(lambda c: c.teams.by_team_id(tid).channels.get())
        return [c for c in (page.value or []) if c.display_name] if page is not None else []

    def _ensure_channels(self, tid: str, inputs: TeamInputs) -> dict[str, str]:
        have = {str(c.display_name).lower() for c in self.call(partial(self._channels, tid))}
        for spec in inputs.channels:
            if spec.name.lower() in have:
                continue
            ch = Channel(display_name=spec.name, description=spec.description)
            try:
                self._patient(partial(_post_channel, tid, ch), inputs)
            except TenantError as err:
                if not (err.status == 400 and "already existed" in err.message):
                    raise
                pulumi.log.warn(
                    f"Team {inputs.display_name}: Teams keeps the name '{spec.name}' for a "
                    "deleted channel: restore that channel in Teams, or rename it here"
                )
        return {str(c.display_name): str(c.id) for c in self.call(partial(self._channels, tid))}

    # -- owners and members ----------------------------------------------------
    def _resolve(self, principals: list[str], known: dict[str, str]) -> dict[str, str]:
        out = {}
        for name in principals:
            if name in known or GUID.match(name):
                out[name] = known.get(name, name)
            else:
                user = self._run(partial(_get_user, name))
                assert user is not None and user.id
                out[name] = user.id
        return out

    def _reconcile(self, gid: str, inputs: TeamInputs, known: dict[str, str]) -> dict[str, str]:
        resolved = self._resolve([*inputs.owners, *inputs.members], known)
        owners = {resolved[n] for n in inputs.owners}
        # Owners are members too, or Teams does not show them the team.
        wanted = {"owners": owners, "members": owners | {resolved[n] for n in inputs.members}}
        for relation, want in wanted.items():
            # A group made a moment ago may not be visible yet: Graph answers 404.
            have = set(self._patient(partial(_ids, gid, relation), inputs))
            for oid in sorted(want - have):
                try:
                    self._patient(partial(_add_ref, gid, relation, oid), inputs)
                except TenantError as err:
                    if not (err.status == 400 and ALREADY in err.message):
                        raise
            # Added before removing: a Microsoft 365 group keeps at least one owner.
            for oid in sorted(have - want):
                self._run(partial(_remove_ref, gid, relation, oid))
        return resolved

    def _outputs(
        self,
        gid: str,
        inputs: TeamInputs,
        resolved: dict[str, str],
        team: GraphTeam,
        channel_ids: dict[str, str],
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "team_id": gid,
            "group_id": gid,
            "web_url": team.web_url,
            "internal_id": team.internal_id,
            "channel_ids": channel_ids,
            "archived": bool(team.is_archived),
            "owner_ids": sorted({resolved[o] for o in inputs.owners}),
            "member_ids": sorted({resolved[m] for m in inputs.members}),
            "resolved": resolved,
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }


def _in_order(names: list[str], declared: list[str] | None) -> list[str]:
    """Names in their declared order, others after: order means nothing to Graph."""
    rank = {n: i for i, n in enumerate(declared or [])}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


async def _ids(gid: str, relation: str, client: GraphServiceClient) -> list[str]:
    builder = getattr(client.groups.by_group_id(gid), relation)
    page = await builder.get()
    ids = [o.id for o in (page.value or []) if o.id]
    while page.odata_next_link:
        page = await builder.with_url(page.odata_next_link).get()
        ids += [o.id for o in (page.value or []) if o.id]
    return ids


async def _add_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    ref = ReferenceCreate(odata_id=f"{GRAPH}/directoryObjects/{oid}")
    await getattr(client.groups.by_group_id(gid), relation).ref.post(ref)


async def _remove_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    group = client.groups.by_group_id(gid)
    await getattr(group, relation).by_directory_object_id(oid).ref.delete()


async def _get_user(name: str, client: GraphServiceClient) -> User | None:
    return await client.users.by_user_id(name).get()


async def _post_channel(tid: str, channel: Channel, client: GraphServiceClient) -> Channel | None:
    return await client.teams.by_team_id(tid).channels.post(channel)


async def _post_for_operation(
    tid: str | None, action: str, body: Any, client: GraphServiceClient
) -> str | None:
    """POST an action Teams answers with 202 and a Location; return its operation id."""
    option = HeadersInspectionHandlerOption(inspect_response_headers=True)
    config: RequestConfiguration[Any] = RequestConfiguration(options=[option])
    if action == "teams":
        await client.teams.post(body, config)
    elif action == "archive":
        await client.teams.by_team_id(str(tid)).archive.post(body, config)
    else:
        await client.teams.by_team_id(str(tid)).unarchive.post(config)
    location = next(iter(option.response_headers.get("location") or []), "")
    match = OPERATION.search(location)
    return match.group(1) if match else None


class Team(Resource):
    """A Microsoft Teams team from a template (a ward, a unit, a hospital), on its own group."""

    web_url: pulumi.Output[str]
    internal_id: pulumi.Output[str]
    channel_ids: pulumi.Output[dict[str, str]]
    archived: pulumi.Output[bool]
    owner_ids: pulumi.Output[list[str]]
    member_ids: pulumi.Output[list[str]]
    retained: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        display_name: pulumi.Input[str],
        owners: pulumi.Input[list[str]],
        template: pulumi.Input[str] = "standard",
        description: pulumi.Input[str] | None = None,
        mail_nickname: pulumi.Input[str] | None = None,
        visibility: pulumi.Input[str] = "private",
        members: pulumi.Input[list[str]] | None = None,
        channels: pulumi.Input[list[dict[str, str]]] | None = None,
        allow_data_deletion: bool = False,
        timeout_seconds: float = 900,
        poll_interval_seconds: float | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a team; owners and members by userPrincipalName or object id."""
        props: dict[str, Any] = {
            "display_name": display_name,
            "description": description,
            "mail_nickname": mail_nickname,
            "template": template,
            "visibility": visibility,
            "owners": owners,
            "members": members or [],
            "channels": channels or [],
            "allow_data_deletion": allow_data_deletion,
            "timeout_seconds": timeout_seconds,
            "poll_interval_seconds": poll_interval_seconds,
        }
        super().__init__(TeamProvider(), resource_name, {**props, **dict.fromkeys(OUTPUTS)}, opts)

    @property
    def team_id(self) -> pulumi.Output[str]:
        """The team's id: the resource id, known even while an update is previewed."""
        return self.id

    @property
    def group_id(self) -> pulumi.Output[str]:
        """The backing Microsoft 365 group's id (the same as the team's)."""
        return self.id
