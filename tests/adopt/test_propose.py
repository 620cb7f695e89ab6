"""`hcinfra adopt --propose` against the emulator: a draft network file from a tenant made
by hand, straight through the emulator's APIs (not by hcinfra), with no write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hcinfra.adopt.propose import propose, propose_command
from hcinfra.clients import connection
from hcinfra.clients.connection import Connection
from hcinfra.clients.settings import Settings
from hcinfra.network import load_network
from hcinfra.network.model import Network
from hcinfra.network.plan import SitePlan, plan_site
from hcinfra.resources import healthcare_packages
from tests.conftest import REPO
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator

SAMPLE = REPO / "stacks" / "network.yaml"
GRAPH = "https://graph.microsoft.com/v1.0"
GPA = "/Skype.Policy/groupPolicyAssignments"
MANAGER = "claire.dubois@northwindhealth.org"
NURSES = ["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"]


def settings_for(emu: Emulator) -> Settings:
    return Settings(
        tenant_id=emu.tenant_id,
        client_id=HCINFRA_APP,
        client_secret=HCINFRA_SECRET,
        endpoint=emu.url,
        ca_bundle=emu.ca,
    )


class Hand:
    """Objects made as an administrator would, straight through the emulator's APIs."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.ids: dict[str, str] = {}
        self.skus = {
            s["skuPartNumber"]: s for s in emu.graph("GET", "/subscribedSkus").json()["value"]
        }
        emu.admin("PUT", "faults", json={"teamsOperationMs": 0}).raise_for_status()

    def user(self, upn: str) -> str:
        if upn not in self.ids:
            self.ids[upn] = str(self.emu.graph("GET", f"/users/{upn}").json()["id"])
        return self.ids[upn]

    def _binds(self, upns: list[str]) -> list[str]:
        return [f"{GRAPH}/directoryObjects/{self.user(u)}" for u in upns]

    def group(
        self, name: str, nickname: str, members: list[str], description: str | None = None
    ) -> str:
        body: dict[str, Any] = {
            "displayName": name,
            "mailNickname": nickname,
            "mailEnabled": False,
            "securityEnabled": True,
        }
        if description:
            body["description"] = description
        if members:
            body["members@odata.bind"] = self._binds(members)
        r = self.emu.graph("POST", "/groups", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def licence(self, gid: str, sku: str, disabled: list[str] = ()) -> None:  # type: ignore[assignment]
        doc = self.skus[sku]
        plans = {p["servicePlanName"]: p["servicePlanId"] for p in doc["servicePlans"]}
        add = {"skuId": doc["skuId"], "disabledPlans": [plans[p] for p in disabled]}
        r = self.emu.graph(
            "POST",
            f"/groups/{gid}/assignLicense",
            json={"addLicenses": [add], "removeLicenses": []},
        )
        assert r.is_success, r.text

    def team(
        self,
        name: str,
        nickname: str,
        owners: list[str],
        template: str,
        description: str | None = None,
        visibility: str = "Private",
    ) -> str:
        body: dict[str, Any] = {
            "displayName": name,
            "mailNickname": nickname,
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "visibility": visibility,
            "owners@odata.bind": self._binds(owners),
            "members@odata.bind": self._binds(owners),
        }
        if description:
            body["description"] = description
        r = self.emu.graph("POST", "/groups", json=body)
        assert r.status_code == 201, r.text
        gid = str(r.json()["id"])
        r = self.emu.graph(
            "POST",
            "/teams",
            json={
                "template@odata.bind": f"{GRAPH}/teamsTemplates('{template}')",
                "group@odata.bind": f"{GRAPH}/groups('{gid}')",
            },
        )
        assert r.status_code == 202, r.text
        return gid

    def mail_group(self, name: str, alias: str, address: str, members: list[str]) -> None:
        self.emu.exo(
            "New-DistributionGroup",
            Type="Security",
            Name=name,
            DisplayName=name,
            Alias=alias,
            PrimarySmtpAddress=address,
            Members=members,
        )

    def mailbox(
        self,
        name: str,
        alias: str,
        address: str,
        display: str,
        full_access: list[str] = (),  # type: ignore[assignment]
        send_as: list[str] = (),  # type: ignore[assignment]
    ) -> None:
        self.emu.exo(
            "New-Mailbox",
            Shared=True,
            Name=name,
            Alias=alias,
            PrimarySmtpAddress=address,
            DisplayName=display,
        )
        for who in full_access:
            self.emu.exo(
                "Add-MailboxPermission",
                Identity=address,
                User=who,
                AccessRights=["FullAccess"],
                InheritanceType="All",
                AutoMapping=False,
            )
        for who in send_as:
            self.emu.exo(
                "Add-RecipientPermission", Identity=address, Trustee=who, AccessRights=["SendAs"]
            )

    def policy(self, policy_type: str, name: str, settings: dict[str, Any]) -> None:
        r = self.emu.teams_admin(
            "POST",
            f"/Skype.Policy/configurations/{policy_type}",
            json={"Identity": name, **settings},
        )
        assert r.status_code == 201, r.text

    def assign(self, gid: str, policy_type: str, name: str, priority: int) -> None:
        r = self.emu.teams_admin(
            "PUT",
            f"{GPA}/{gid}/policyTypes/{policy_type}",
            json={"policyName": name, "priority": priority},
        )
        assert r.status_code == 204, r.text

    def app_id(self, name: str) -> str:
        r = self.emu.graph(
            "GET", f"/appCatalogs/teamsApps?$filter=displayName eq '{name}'&$select=id"
        )
        return str(r.json()["value"][0]["id"])


@pytest.fixture
def hand(emu: Emulator) -> Hand:
    return Hand(emu)


@pytest.fixture
def conn(emu: Emulator) -> Connection:
    return Connection(settings_for(emu))


@dataclass
class Drafted:
    network: Network
    text: str
    notes: list[str]
    calls: list[str]  # the tenant calls made (sign-in left out)


def draft(emu: Emulator, conn: Connection, tmp_path: Path, **kw: Any) -> Drafted:
    """Propose, check that nothing was written, and load the draft as `hcinfra validate` does."""
    mark = emu.requests()["last"]
    text, notes = propose(conn, **kw)
    log = emu.requests(mark)
    assert log["writes"] == 0, log
    calls = [
        e["path"]
        for e in log["entries"]
        if not e["batch_item"] and not e["route"].startswith("/{tenant}/")
    ]
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    return Drafted(load_network(path), text, notes, calls)


# -- a tenant made by hand ------------------------------------------------------------


def hand_made_tenant(hand: Hand) -> None:
    """Two sites' role groups with members and a licence, one shared mailbox whose full
    access a mail-enabled group holds, a team, and a group named otherwise."""
    for code, nurses, manager in (
        ("STM", NURSES, MANAGER),
        ("HSA", ["nurse010@northwindhealth.org"], "marc.tremblay@northwindhealth.org"),
    ):
        slug = code.lower()
        clinical = hand.group(f"{code}-Clinical-Workers", f"{slug}-clinical-workers", nurses)
        hand.licence(clinical, "SPE_F1", ["YAMMER_ENTERPRISE"])
        hand.group(f"{code}-Nurse-Managers", f"{slug}-nurse-managers", [manager])
    hand.mail_group(
        "STM-Nurse-Managers-Mail",
        "stm-nurse-managers-mail",
        "stm-nurse-managers-mail@stm.northwindhealth.org",
        [MANAGER],
    )
    hand.mailbox(
        "STM-scheduling",
        "stm-scheduling",
        "scheduling@stm.northwindhealth.org",
        "STM Scheduling",
        full_access=["STM-Nurse-Managers-Mail"],
    )
    hand.team("STM 3 Nord", "stm-ward-3-nord", [MANAGER], "healthcareWard", "3 Nord at STM")
    hand.group("Pharmacy Staff", "pharmacy-staff", ["li.wei@northwindhealth.org"])


def test_a_hand_made_tenant_gives_a_valid_draft_with_no_write(
    emu: Emulator, hand: Hand, conn: Connection, tmp_path: Path
):
    hand_made_tenant(hand)
    d = draft(emu, conn, tmp_path)
    network, text, notes = d.network, d.text, d.notes

    assert network.tenant.id == emu.tenant_id
    assert "stm.northwindhealth.org" in network.tenant.domains
    assert network.codes() == ["HSA", "STM"]
    roles = {r.key: r for r in network.baseline.roles}
    assert sorted(roles) == ["clinical-workers", "nurse-managers"]
    assert roles["clinical-workers"].name == "Clinical-Workers"
    assert [lic.model_dump() for lic in roles["clinical-workers"].licences] == [
        {"sku": "SPE_F1", "disabled_plans": ["YAMMER_ENTERPRISE"]}
    ]
    assert network.tenant.licence_pool == {"SPE_F1": 250}
    stm, hsa = network.site("STM"), network.site("HSA")
    assert stm.members == {"clinical-workers": NURSES, "nurse-managers": [MANAGER]}
    assert hsa.members["nurse-managers"] == ["marc.tremblay@northwindhealth.org"]
    assert stm.mail_domain == "stm.northwindhealth.org"

    # The mailbox only STM has is added by STM's overrides; the mail group maps to its role.
    plan = plan_site(network, "STM")
    [mbx] = plan.mailboxes
    assert (mbx.name, mbx.alias, mbx.address, mbx.display_name) == (
        "STM-scheduling",
        "stm-scheduling",
        "scheduling@stm.northwindhealth.org",
        "STM Scheduling",
    )
    assert mbx.full_access == ["nurse-managers"] and mbx.send_as == []
    assert [g.name for g in plan.mail_groups] == ["STM-Nurse-Managers-Mail"]
    assert plan_site(network, "HSA").mailboxes == []

    # The ward team: its ward, template (from its channels), owners and description.
    assert stm.wards == ["3 Nord"]
    [team] = plan.teams
    assert (team.display_name, team.mail_nickname, team.template, team.owners_role) == (
        "STM 3 Nord",
        "stm-ward-3-nord",
        "healthcareWard",
        "nurse-managers",
    )
    assert team.description == "3 Nord at STM"

    # What could not be placed, and the guesses.
    assert any("'Pharmacy Staff' does not fit the pattern" in n for n in notes)
    assert "# review:" in text
    assert "Pharmacy Staff" in text.split("# Not placed")[1]
    assert text.startswith("# A draft network file")
    assert emu.tenant_id in text.splitlines()[1]


def test_two_runs_on_an_unchanged_tenant_are_identical(
    emu: Emulator, hand: Hand, conn: Connection, tmp_path: Path
):
    hand_made_tenant(hand)
    first, _ = propose(conn)
    again, _ = propose(conn)
    assert first == again
    assert "Generated on" not in first


def test_another_pattern_reads_other_names_and_says_what_adopting_renames(
    emu: Emulator, hand: Hand, conn: Connection, tmp_path: Path
):
    hand.group("Clinical-Workers (STM)", "clinical-workers-stm", NURSES)
    hand.group("STM-Clinical-Workers", "stm-cw", NURSES)  # the default pattern's shape
    d = draft(emu, conn, tmp_path, pattern="{role} ({code})")
    network, text, notes = d.network, d.text, d.notes
    assert network.codes() == ["STM"]
    assert network.site("STM").members == {"clinical-workers": NURSES}
    assert any("'STM-Clinical-Workers' does not fit the pattern" in n for n in notes)
    assert "would be renamed 'STM-Clinical-Workers'" in text
    assert "mailNickname is 'clinical-workers-stm'" in text


def test_sites_that_differ_get_overrides_and_what_cannot_be_placed_is_noted(
    emu: Emulator, hand: Hand, conn: Connection, tmp_path: Path
):
    emu.make_package_policies("Healthcare_ClinicalWorker")
    people = {
        "STM": ["nurse001@northwindhealth.org"],
        "HSA": ["nurse010@northwindhealth.org"],
        "CHM": ["nurse020@northwindhealth.org"],
    }
    gids = {}
    for code, description in (("STM", "Nurses"), ("HSA", "Nurses"), ("CHM", "Infirmières")):
        slug = code.lower()
        gids[code] = hand.group(
            f"{code}-Clinical-Workers", f"{slug}-clinical-workers", people[code], description
        )
        hand.mailbox(
            f"{code}-info", f"{slug}-info", f"info@{slug}.northwindhealth.org", f"{code} Info"
        )
    for code in ("STM", "HSA"):
        hand.group(f"{code}-Nurse-Managers", f"{code.lower()}-nurse-managers", [MANAGER])
    hand.emu.exo(
        "Add-MailboxPermission",
        Identity="info@hsa.northwindhealth.org",
        User=MANAGER,
        AccessRights=["FullAccess"],
    )
    hand.assign(gids["STM"], "TeamsMessagingPolicy", "Healthcare_ClinicalWorker", 1)
    hand.policy("TeamsCallingPolicy", "Night-Calls", {})
    hand.assign(gids["HSA"], "TeamsCallingPolicy", "Night-Calls", 1)
    hand.team("Hôpital Saint-Michel", "stm-hospital", [MANAGER], "healthcareHospital")
    hand.team("Research", "research", [MANAGER], "standard")
    hand.mail_group("Unused-Mail", "unused-mail", "unused@northwindhealth.org", [MANAGER])
    r = emu.graph(
        "POST",
        "/groups",
        json={
            "displayName": "Social Club",
            "mailNickname": "social-club",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
        },
    )
    assert r.status_code == 201, r.text

    d = draft(emu, conn, tmp_path)
    network = d.network
    assert network.codes() == ["CHM", "HSA", "STM"]
    clinical = next(r for r in network.baseline.roles if r.key == "clinical-workers")
    assert clinical.description == "Nurses" and clinical.policy_package is None
    chm = network.site("CHM")
    assert chm.overrides.roles == [{"key": "clinical-workers", "description": "Infirmières"}]
    assert plan_site(network, "CHM").group("clinical-workers").description == "Infirmières"
    # The info mailbox every site has is in the baseline, its name a pattern.
    [info] = network.baseline.mailboxes
    assert (info.key, info.display_name, info.full_access) == ("info", "{code} Info", [])
    assert network.site("STM").name == "Hôpital Saint-Michel"
    assert network.baseline.teams.hospital is not None
    assert network.baseline.teams.hospital.owners_role == "nurse-managers"
    said = "\n".join(d.notes)
    for words in (
        f"granted to the user '{MANAGER}', not to a role",
        "holds Healthcare_ClinicalWorker for TeamsMessagingPolicy only",
        "holds the TeamsCallingPolicy 'Night-Calls'",
        "team 'Research' (research): its alias starts with no site's code",
        "'Unused-Mail' holds no right",
        "Microsoft 365 group 'Social Club' (social-club) has no team",
    ):
        assert words in said, said
    assert "CHM has no group of this role" in d.text
    assert [network.site(c).overrides.teams for c in ("CHM", "HSA")] == [{"hospital": None}] * 2
    assert plan_site(network, "HSA").teams == []


# -- the sample's STM, made by hand ---------------------------------------------------


def make_site(hand: Hand, network: Network, plan: SitePlan) -> None:
    """What the network declares for one site, made by hand (not by hcinfra's providers)."""
    hand.emu.make_package_policies()
    gids = {}
    for g in plan.groups:
        gids[g.role] = hand.group(g.display_name, g.mail_nickname, g.members, g.description)
        for lic in g.licences:
            hand.licence(gids[g.role], lic["sku"], lic.get("disabled_plans") or [])
    for mg in plan.mail_groups:
        hand.mail_group(mg.name, mg.alias, mg.address, mg.members)
    names = {mg.role: mg.name for mg in plan.mail_groups}
    for m in plan.mailboxes:
        hand.mailbox(
            m.name,
            m.alias,
            m.address,
            m.display_name,
            [names[r] for r in m.full_access],
            [names[r] for r in m.send_as],
        )
    for t in plan.teams:
        owners = plan.members_of(t.owners_role)
        hand.team(t.display_name, t.mail_nickname, owners, t.template, t.description)
    policies = network.baseline.policies
    for kind, policy_type in (
        ("messaging", "TeamsMessagingPolicy"),
        ("app_setup", "TeamsAppSetupPolicy"),
        ("meeting", "TeamsMeetingPolicy"),
        ("virtual_appointments", "TeamsVirtualAppointmentsPolicy"),
    ):
        spec = getattr(policies, kind)
        settings = dict(spec.settings)
        if kind == "app_setup":
            from hcinfra.resources.teams_apps import TEAMS_APPS

            settings["PinnedAppBarApps"] = [
                {"Id": TEAMS_APPS[a] or hand.app_id(a), "Order": n}
                for n, a in enumerate(spec.pinned_apps, start=1)
            ]
        hand.policy(policy_type, spec.name, settings)
    # Assignments in rank order, each appended to its type's list: the declared precedence.
    wanted = [
        (g.rank, gids[g.role], policy_type, g.package)
        for g in plan.groups
        if g.package
        for policy_type in healthcare_packages.POLICY_TYPES
    ]
    wanted += [(p.rank, gids[p.role], p.policy_type, p.policy_name) for p in plan.policies]
    for _, gid, policy_type, name in sorted(wanted):
        hand.assign(gid, policy_type, name, 999)


def shape(plan: SitePlan) -> dict[str, Any]:
    """What the round trip keeps: groups, mailboxes, teams and policies, by name."""
    return {
        "groups": sorted(
            (
                g.display_name,
                g.mail_nickname,
                g.description,
                tuple(sorted(m.lower() for m in g.members)),
                tuple(
                    (lic["sku"], tuple(sorted(lic.get("disabled_plans") or [])))
                    for lic in sorted(g.licences, key=lambda lic: lic["sku"])
                ),
                g.package,
                g.rank,
            )
            for g in plan.groups
        ),
        "mail_groups": sorted(
            (g.name, g.alias, tuple(sorted(m.lower() for m in g.members))) for g in plan.mail_groups
        ),
        "mailboxes": sorted(
            (
                m.name,
                m.alias,
                m.address,
                m.display_name,
                tuple(sorted(plan.group(r).display_name for r in m.full_access)),
                tuple(sorted(plan.group(r).display_name for r in m.send_as)),
            )
            for m in plan.mailboxes
        ),
        "teams": sorted(
            (
                t.display_name,
                t.mail_nickname,
                t.template,
                t.description,
                plan.group(t.owners_role).display_name,
                t.visibility,
            )
            for t in plan.teams
        ),
        "policies": sorted(
            (plan.group(p.role).display_name, p.policy_type, p.policy_name, p.rank)
            for p in plan.policies
        ),
    }


def test_the_samples_site_made_by_hand_proposes_the_same_plan(
    emu: Emulator, hand: Hand, conn: Connection, tmp_path: Path
):
    sample = load_network(SAMPLE)
    declared = plan_site(sample, "STM")
    make_site(hand, sample, declared)
    d = draft(emu, conn, tmp_path)
    network = d.network
    # Two Graph batches; Get-AcceptedDomain, Get-Mailbox, Get-MailboxPermission per mailbox,
    # Get-RecipientPermission; the assignments and the four tenant-wide policy types.
    assert len(d.calls) == 2 + 3 + len(declared.mailboxes) + 1 + 4, d.calls
    assert network.codes() == ["STM"]
    site = network.site("STM")
    assert (site.name, site.mail_domain) == ("Hôpital Saint-Michel", "stm.northwindhealth.org")
    assert site.wards == ["3 Nord", "4 Sud"]
    assert shape(plan_site(network, "STM")) == shape(declared)
    # Role keys are the names' slugs (clinical-workers, not the sample's clinical).
    proposed = {r.key: r.name for r in network.baseline.roles}
    names = {r.key: r.name for r in sample.baseline.roles}
    assert [proposed[k] for k in network.baseline.policies.precedence] == [
        names[k] for k in sample.baseline.policies.precedence
    ]
    assert network.baseline.policies.app_setup is not None
    assert (
        network.baseline.policies.app_setup.pinned_apps
        == sample.baseline.policies.app_setup.pinned_apps
    )
    assert d.notes == []


# -- the command ----------------------------------------------------------------------


@pytest.fixture
def configured(emu: Emulator, monkeypatch: pytest.MonkeyPatch):
    s = settings_for(emu)
    for var, value in (
        ("AZURE_TENANT_ID", s.tenant_id),
        ("AZURE_CLIENT_ID", s.client_id),
        ("AZURE_CLIENT_SECRET", s.client_secret),
        ("HCINFRA_ENDPOINT", s.endpoint),
        ("HCINFRA_CA_BUNDLE", s.ca_bundle),
    ):
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(connection, "_configured", None)  # settings from the environment
    return emu


def test_the_command_writes_the_draft_and_prints_the_notes(
    configured: Emulator, hand: Hand, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    hand_made_tenant(hand)
    out = tmp_path / "network.yaml"
    assert propose_command(str(out), "{code}-{role}") == 0
    captured = capsys.readouterr()
    assert "note: security group 'Pharmacy Staff' does not fit" in captured.err
    assert str(out) in captured.out
    text = out.read_text(encoding="utf-8")
    assert "# Generated on " in text
    load_network(out)
    # A draft it wrote is written again; any other file is never overwritten.
    assert propose_command(str(out), "{code}-{role}") == 0
    other = tmp_path / "mine.yaml"
    other.write_text("tenant: {}\n", encoding="utf-8")
    assert propose_command(str(other), "{code}-{role}") == 1
    assert "is not a draft this command wrote" in capsys.readouterr().err
    assert other.read_text(encoding="utf-8") == "tenant: {}\n"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [("{code}", "{code} and {role} once each"), ("{site}-{role}", "unknown placeholder {site}")],
)
def test_a_bad_pattern_is_one_message_and_exit_1(
    configured: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern, words
):
    assert propose_command(str(tmp_path / "n.yaml"), pattern) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "n.yaml").exists()


def test_a_tenant_it_cannot_reach_is_one_message_and_exit_1(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    for var in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "HCINFRA_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(connection, "_configured", None)
    assert propose_command(str(tmp_path / "n.yaml"), "{code}-{role}") == 1
    err = capsys.readouterr().err
    assert "hcinfra adopt --propose" in err and "Traceback" not in err
