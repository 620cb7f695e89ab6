"""WardSchedule's dynamic provider: check, diff, create, read, update and delete."""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from hcinfra.clients.errors import TenantError
from hcinfra.resources.adoption import NOT_FOUND, Candidate, NotAdopted
from hcinfra.resources.base import until_found, warn
from hcinfra.resources.directory import resolve_users
from hcinfra.resources.ward_schedule.calls import WardScheduleCalls, status_of
from hcinfra.resources.ward_schedule.inputs import SchedulingGroupSpec, WardScheduleInputs
from hcinfra.resources.ward_schedule.permissions import PERMISSIONS

RETAINED = [
    "the schedule, enabled, with its shifts, open shifts, time off and requests",
    "its scheduling groups, marked inactive (Graph's DELETE keeps them and their shifts)",
]
# Graph's names of the settings, to the inputs' names.
SETTING_INPUTS = {
    "openShiftsEnabled": "open_shifts_enabled",
    "swapShiftsRequestsEnabled": "swap_shifts_requests_enabled",
    "offerShiftRequestsEnabled": "offer_shift_requests_enabled",
    "timeOffRequestsEnabled": "time_off_requests_enabled",
    "timeClockEnabled": "time_clock_enabled",
}


class WardScheduleProvider(WardScheduleCalls):
    """Dynamic provider of WardSchedule."""

    kind = "WardSchedule"
    inputs_model = WardScheduleInputs
    replace_on = ("team_id",)
    permissions = PERMISSIONS

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        disabled = olds.get("enabled") is False
        unprovisioned = olds.get("provision_status") not in (None, "") and (
            str(olds["provision_status"]).lower() != "completed"
        )
        if (disabled or unprovisioned) and not result.changes:
            # Disabled by hand, or not provisioned: the update enables it and waits again.
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    # -- lifecycle -------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, WardScheduleInputs)
        resolved = self._resolve(inputs, {})
        schedule = self._provision(inputs)
        group_ids = self._ensure_groups(inputs, resolved, self._groups(inputs.team_id), {}, [])
        return CreateResult(inputs.team_id, self._outputs(inputs, resolved, schedule, group_ids))

    def find(self, inputs: WardScheduleInputs) -> tuple[str, list[Candidate]]:
        # A team has one schedule at most. One disabled or not provisioned is not taken:
        # `hcinfra sites up` enables and provisions it, adopting its groups by name.
        tid = inputs.team_id
        key = f"schedule of team {tid}"
        schedule, _ = self._read(tid)
        if schedule.status == 404:  # no schedule (or no team)
            return key, []
        self.call(lambda: schedule.raise_for(key), writing=False)
        body = schedule.body
        if body.get("enabled") is not True or status_of(body) != "completed":
            raise NotAdopted(
                f"{NOT_FOUND} the {self.kind} {key} enabled and provisioned (it is enabled: "
                f"{body.get('enabled')}, provisionStatus {body.get('provisionStatus')}): "
                "`hcinfra sites up` will enable it"
            )
        return key, [Candidate(tid, f"schedule in {body.get('timeZone')}")]

    def adopted(
        self, id_: str, inputs: WardScheduleInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        # As a create records it: members resolved, each declared group by name (as a
        # create adopts one); a declared group the schedule lacks is drift for `up`.
        resolved = self._resolve(inputs, {})
        existing = self._groups(id_)
        group_ids = {
            spec.name: str(have["id"])
            for spec in inputs.groups
            if (have := _named_group(existing, spec.name)) is not None
        }
        outs = self._outputs(inputs, resolved, {}, group_ids)
        return super().adopted(id_, inputs, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        schedule, groups = self._read(id_)
        if schedule.status == 404:
            return ReadResult(None, {})  # the team (and its schedule) is gone
        # Raised through call(): a refusal names the permission reads need.
        self.call(lambda: schedule.raise_for(f"schedule of team {id_}"), writing=False)
        if groups.status != 404:  # 404 while the schedule is not provisioned
            self.call(lambda: groups.raise_for(f"groups of team {id_}"), writing=False)
        found = {str(g["id"]): g for g in groups.values()} if groups.ok else {}
        by_id = {v: k for k, v in dict(props.get("resolved") or {}).items()}
        declared = {str(g["name"]).lower(): g for g in props.get("groups") or []}
        mine: list[dict[str, Any]] = []
        for gid in dict(props.get("group_ids") or {}).values():
            group = found.get(gid)
            if group is None or not group.get("isActive"):
                continue  # deactivated or gone behind our back: drift, which update repairs
            name = str(group.get("displayName"))
            spec = declared.get(name.lower(), {})
            members = [by_id.get(u, u) for u in group.get("userIds") or []]
            mine.append({"name": name, "members": _in_order(members, spec.get("members"))})
        order = list(declared)
        mine.sort(
            key=lambda g: order.index(g["name"].lower()) if g["name"].lower() in order else 99
        )
        body = schedule.body
        outs = {
            **props,
            "time_zone": body.get("timeZone"),
            **{SETTING_INPUTS[k]: body.get(k) for k in SETTING_INPUTS if k in body},
            "groups": mine,
            "enabled": body.get("enabled"),
            "provision_status": body.get("provisionStatus"),
            "group_ids": {
                str(g.get("displayName")): gid
                for gid, g in found.items()
                if gid in set((props.get("group_ids") or {}).values())
            },
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, WardScheduleInputs)
        resolved = self._resolve(inputs, dict(olds.get("resolved") or {}))
        schedule = self._provision(inputs)
        declared = {g.name.lower() for g in inputs.groups}
        old_ids: dict[str, str] = dict(olds.get("group_ids") or {})
        # Groups this resource declared before and declares no more: deactivated, kept.
        dropped = [gid for name, gid in old_ids.items() if name.lower() not in declared]
        group_ids = self._ensure_groups(inputs, resolved, self._groups(id_), old_ids, dropped)
        return UpdateResult(self._outputs(inputs, resolved, schedule, group_ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, WardScheduleInputs)
        name = f"WardSchedule of team {id_}"
        try:
            for gid in dict(props.get("group_ids") or {}).values():
                self._deactivate_quietly(id_, gid)
            if inputs.allow_data_deletion:
                self._enable(inputs, enabled=False)
        except TenantError as err:
            if not err.not_found:
                raise
            pulumi.log.info(f"{name}: the team was already gone")
            return
        if inputs.allow_data_deletion:
            warn(
                f"{name}: the schedule was disabled (enabled: false) and its scheduling "
                "groups deactivated. Microsoft offers no API that deletes a schedule or a "
                "scheduling group: their shifts and requests stay with the team until the "
                "team itself is deleted."
            )
        else:
            self.notice(
                f"schedule of team {id_} kept (retained on destroy): {'; '.join(RETAINED)}. "
                "Set allow_data_deletion=True, run `pulumi up`, then destroy again to "
                "disable it too."
            )

    # -- steps -----------------------------------------------------------------
    def _resolve(self, inputs: WardScheduleInputs, known: dict[str, str]) -> dict[str, str]:
        """Members' object ids: Shifts takes user ids, not userPrincipalNames."""
        conn = self.connection()
        names = [m for g in inputs.groups for m in g.members]
        return self.call(lambda: resolve_users(conn, names, known), writing=False)

    def _provision(self, inputs: WardScheduleInputs) -> dict[str, Any]:
        """Enable the schedule (a team made a moment ago may answer 404) and wait for it."""
        emulated = bool(self.connection().settings.endpoint)
        act = partial(self._enable, inputs)
        interval = 0.25 if emulated else 10.0
        schedule = until_found(act, timeout=inputs.timeout_seconds, interval=interval)
        return self._wait(inputs, schedule)

    def _ensure_groups(
        self,
        inputs: WardScheduleInputs,
        resolved: dict[str, str],
        existing: list[dict[str, Any]],
        known: dict[str, str],
        dropped: list[str],
    ) -> dict[str, str]:
        """Each declared group adopted (by its known id, else by name) or made; `dropped`
        deactivated."""
        tid = inputs.team_id
        ids: dict[str, str] = {}
        by_id = {str(g.get("id")): g for g in existing}
        known_ids = {name.lower(): gid for name, gid in known.items()}
        for spec in inputs.groups:
            want = _wanted(spec, resolved)
            same = [g for g in existing if _name(g) == spec.name.lower()]
            # The group this resource made, even renamed by hand; else an active one of the
            # name first: a destroyed (inactive) group is reactivated only if alone.
            have = by_id.get(known_ids.get(spec.name.lower(), ""))
            if have is None:
                have = _named_group(existing, spec.name)
            if have is None:
                have = self._create_group(tid, want)
            elif not have.get("isActive"):
                self.notice(f"scheduling group {spec.name} was inactive: reactivated it")
            if not _matches(have, want):
                have = {**have, **self._put_group(tid, str(have["id"]), want)}
            ids[spec.name] = str(have["id"])
            for extra in same:
                if str(extra["id"]) != ids[spec.name] and extra.get("isActive"):
                    # Two active groups of one name (a create Graph accepted twice): one stays.
                    self.notice(
                        f"scheduling group {spec.name} existed twice: deactivated the extra "
                        f"one ({extra['id']}), whose shifts stay in it"
                    )
                    self._deactivate_quietly(tid, str(extra["id"]))
        for gid in dropped:
            if gid not in ids.values():
                self._deactivate_quietly(tid, gid)
        return ids

    def _create_group(self, tid: str, want: dict[str, Any]) -> dict[str, Any]:
        """POST the group; a name taken already (a retried create) adopts that group."""
        try:
            return self._post_group(tid, want)
        except TenantError as err:
            if err.status != 409 and not (err.status == 400 and "exist" in err.message.lower()):
                raise
        found = [g for g in self._groups(tid) if _name(g) == want["displayName"].lower()]
        if not found:
            raise TenantError(
                "Microsoft Graph",
                409,
                "Conflict",
                f"scheduling group {want['displayName']} is said to exist but is not listed",
            )
        self.notice(f"scheduling group {want['displayName']} existed already: adopted it")
        return next((g for g in found if g.get("isActive")), found[0])

    def _deactivate_quietly(self, tid: str, gid: str) -> None:
        """DELETE a scheduling group (marks it inactive); one already gone is fine."""
        try:
            self._deactivate(tid, gid)
        except TenantError as err:
            if not err.not_found or _team_gone(err):
                raise

    def _outputs(
        self,
        inputs: WardScheduleInputs,
        resolved: dict[str, str],
        schedule: dict[str, Any],
        group_ids: dict[str, str],
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "enabled": True,
            "provision_status": schedule.get("provisionStatus"),
            "group_ids": group_ids,
            "member_ids": {g.name: [resolved[m] for m in g.members] for g in inputs.groups},
            "resolved": resolved,
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }


def _name(group: dict[str, Any]) -> str:
    return str(group.get("displayName") or "").lower()


def _named_group(existing: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The group of this name to take: an active one first (an inactive one only if alone)."""
    same = [g for g in existing if _name(g) == name.lower()]
    return next((g for g in same if g.get("isActive")), same[0] if same else None)


def _wanted(spec: SchedulingGroupSpec, resolved: dict[str, str]) -> dict[str, Any]:
    """The whole group, as schedulinggroup-put replaces it."""
    ids = list(dict.fromkeys(resolved[m] for m in spec.members))
    return {"displayName": spec.name, "isActive": True, "userIds": ids}


def _matches(have: dict[str, Any], want: dict[str, Any]) -> bool:
    return (
        have.get("displayName") == want["displayName"]
        and have.get("isActive") is True
        and sorted(have.get("userIds") or []) == sorted(want["userIds"])
    )


def _team_gone(err: TenantError) -> bool:
    return "team was not found" in err.message


def _in_order(names: list[str], declared: list[str] | None) -> list[str]:
    """Names in their declared order, others after: order means nothing to Shifts."""
    rank = {n: i for i, n in enumerate(declared or [])}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))
