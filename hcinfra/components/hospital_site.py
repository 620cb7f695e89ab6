"""HospitalSite: one hospital's groups, licences, policy assignments, mailboxes and teams,
its wards' schedules and Patients lists, and its virtual visits calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from hcinfra.components.rank_order import RankOrder
from hcinfra.network.model import Network
from hcinfra.network.plan import SitePlan, plan_site
from hcinfra.network.policy_groups import plan_policy_groups
from hcinfra.resources import (
    GroupLicenseAssignment,
    GroupPolicyAssignment,
    MailSecurityGroup,
    PatientList,
    PolicyPackageAssignment,
    SecurityGroup,
    SharedMailbox,
    Team,
    VirtualVisits,
    WardSchedule,
)


@dataclass
class HospitalSiteArgs:
    """What a HospitalSite needs: the network file's contents and the site's code."""

    network: Network
    code: str


class HospitalSite(pulumi.ComponentResource):
    """Everything one hospital site declares, each child parented to the site."""

    groups: pulumi.Output[dict[str, dict[str, str]]]
    mailboxes: pulumi.Output[dict[str, dict[str, str]]]
    teams: pulumi.Output[dict[str, dict[str, str]]]
    objects: pulumi.Output[list[dict[str, str]]]
    policies: pulumi.Output[dict[str, dict[str, str]]]  # role → package or type → assignment id

    def __init__(
        self, name: str, args: HospitalSiteArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the site's objects from the network file (already validated)."""
        super().__init__("hcinfra:index:HospitalSite", name, None, opts)
        plan = plan_site(args.network, args.code)
        child = pulumi.ResourceOptions(parent=self)
        prefix = plan.code.lower()
        owners = plan.group_owners()

        groups: dict[str, SecurityGroup] = {}
        for g in plan.groups:
            groups[g.role] = SecurityGroup(
                f"{prefix}-{g.role}",
                display_name=g.display_name,
                mail_nickname=g.mail_nickname,
                description=g.description,
                members=g.members,
                owners=owners,
                opts=child,
            )
            if g.licences:
                GroupLicenseAssignment(
                    f"{prefix}-{g.role}-licences",
                    group_id=groups[g.role].object_id,
                    skus=g.licences,  # type: ignore[arg-type]
                    opts=child,
                )

        def peers(role: str) -> list[pulumi.Output[str]]:
            # Ranks are places among the site's own groups, not tenant-wide positions.
            return [groups[r].object_id for r in plan.ranked if r != role]

        policy_out: dict[str, dict[str, Any]] = {}
        # Past Teams' cap, the tenant stack's network-wide groups hold the policies instead.
        assigns = plan_policy_groups(args.network).site_assigns(plan.code)
        # Top-down, each after those ranked above: Pulumi deletes them bottom-up, so a
        # user never holds a lower role's policy alone while they go (rank_order).
        assigned = RankOrder()
        packaged = [(g, g.package) for g in plan.groups if g.package] if assigns else []
        policies = list(plan.policies) if assigns else []
        for rank in sorted({g.rank for g, _ in packaged} | {p.rank for p in policies}):
            after = pulumi.ResourceOptions(parent=self, depends_on=assigned.above(rank))
            for g, name in ((g, name) for g, name in packaged if g.rank == rank):
                package = PolicyPackageAssignment(
                    f"{prefix}-{g.role}-package",
                    group_id=groups[g.role].object_id,
                    package=name,
                    rank=g.rank,
                    ranked_with=peers(g.role),  # type: ignore[arg-type]
                    opts=after,
                )
                policy_out.setdefault(g.role, {})[name] = assigned.add(rank, package).id
            for p in (p for p in policies if p.rank == rank):
                policy = GroupPolicyAssignment(
                    f"{prefix}-{p.role}-{p.policy_type}",
                    group_id=groups[p.role].object_id,
                    policy_type=p.policy_type,
                    policy_name=p.policy_name,
                    rank=p.rank,
                    ranked_with=peers(p.role),  # type: ignore[arg-type]
                    opts=after,
                )
                policy_out.setdefault(p.role, {})[p.policy_type] = assigned.add(rank, policy).id
        # Mailbox rights go to mail-enabled security groups, made in Exchange (see plan).
        mail_groups = {
            mg.role: MailSecurityGroup(
                f"{prefix}-{mg.role}-mail",
                name=mg.name,
                alias=mg.alias,
                primary_smtp_address=mg.address,
                members=mg.members,
                owners=owners,
                opts=child,
            )
            for mg in plan.mail_groups
        }
        mailboxes = {
            m.key: SharedMailbox(
                f"{prefix}-mailbox-{m.key}",
                name=m.name,
                alias=m.alias,
                primary_smtp_address=m.address,
                display_name=m.display_name,
                full_access=[mail_groups[r].object_id for r in m.full_access],  # type: ignore[misc]
                send_as=[mail_groups[r].object_id for r in m.send_as],  # type: ignore[misc]
                opts=child,
            )
            for m in plan.mailboxes
        }
        teams = {
            t.key: Team(
                f"{prefix}-team-{t.key}",
                display_name=t.display_name,
                mail_nickname=t.mail_nickname,
                description=t.description,
                template=t.template,
                visibility=t.visibility,
                owners=self._role_members(plan, t.owners_role),
                members=t.members,
                opts=child,
            )
            for t in plan.teams
        }
        schedules = {
            s.team: WardSchedule(
                f"{prefix}-schedule-{s.team}",
                team_id=teams[s.team].team_id,
                time_zone=s.time_zone,
                groups=[{"name": g.name, "members": g.members} for g in s.groups],
                opts=child,
                **s.settings,
            )
            for s in plan.schedules
        }
        lists = {
            pl.team: PatientList(
                f"{prefix}-patients-{pl.team}",
                group_id=teams[pl.team].team_id,  # a team's id is its group's
                display_name=pl.display_name,
                description=pl.description,
                columns=pl.columns,  # type: ignore[arg-type]
                opts=child,
            )
            for pl in plan.patient_lists
        }
        visits = (
            VirtualVisits(
                f"{prefix}-visits",
                display_name=plan.visits.display_name,
                email=plan.visits.email,
                staff=plan.visits.staff,
                services=plan.visits.services,
                published=plan.visits.published,
                opts=child,
            )
            if plan.visits
            else None
        )
        group_out: dict[str, Any] = {
            role: {"id": g.object_id, "name": plan.group(role).display_name}
            for role, g in groups.items()
        }
        mailbox_out: dict[str, Any] = {
            m.key: {"address": m.address, "id": mailboxes[m.key].mailbox_guid}
            for m in plan.mailboxes
        }
        team_out: dict[str, Any] = {
            t.key: {"id": teams[t.key].team_id, "name": t.display_name} for t in plan.teams
        }
        self.groups = pulumi.Output.from_input(group_out)
        self.mailboxes = pulumi.Output.from_input(mailbox_out)
        self.teams = pulumi.Output.from_input(team_out)
        self.objects = pulumi.Output.from_input(
            self._objects(plan, groups, mailboxes, teams)
            + [
                {"kind": "MailSecurityGroup", "name": mg.name, "id": mail_groups[mg.role].object_id}
                for mg in plan.mail_groups
            ]
            + self._care_objects(plan, schedules, lists, visits)
        )
        self.policies = pulumi.Output.from_input(policy_out)
        self.register_outputs(
            {
                "policies": self.policies,
                "groups": self.groups,
                "mailboxes": self.mailboxes,
                "teams": self.teams,
                "objects": self.objects,
            }
        )

    @staticmethod
    def _care_objects(
        plan: SitePlan,
        schedules: dict[str, WardSchedule],
        lists: dict[str, PatientList],
        visits: VirtualVisits | None,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {"kind": "WardSchedule", "name": plan.team(k).display_name, "id": s.id}
            for k, s in schedules.items()
        ]
        rows += [
            {"kind": "PatientList", "name": f"{plan.team(k).display_name}: Patients", "id": pl.id}
            for k, pl in lists.items()
        ]
        if visits is not None and plan.visits:
            rows.append(
                {"kind": "VirtualVisits", "name": plan.visits.display_name, "id": visits.id}
            )
        return rows

    @staticmethod
    def _role_members(plan: SitePlan, role: str) -> list[str]:
        return list(plan.group(role).members)

    @staticmethod
    def _objects(
        plan: SitePlan, groups: dict[str, Any], mailboxes: dict[str, Any], teams: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        rows += [
            {"kind": "SecurityGroup", "name": g.display_name, "id": groups[g.role].object_id}
            for g in plan.groups
        ]
        rows += [
            {"kind": "SharedMailbox", "name": m.address, "id": mailboxes[m.key].mailbox_guid}
            for m in plan.mailboxes
        ]
        rows += [
            {"kind": "Team", "name": t.display_name, "id": teams[t.key].team_id} for t in plan.teams
        ]
        return rows
