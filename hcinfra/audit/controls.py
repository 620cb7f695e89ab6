"""Healthcare compliance controls over the live tenant (docs/controls.md gives each rationale).

Each control reads the records of one site (or the tenant's policies) and yields a
result in ScubaGear's shape. Roles are recognised by the healthcare package the network
gives them, so a network may name its roles as it likes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hcinfra.audit.model import ControlResult
from hcinfra.audit.records import Record
from hcinfra.network import catalog
from hcinfra.network.model import Network
from hcinfra.network.plan import plan_site

CLINICAL, INFORMATION, PATIENT_ROOM = catalog.PACKAGES


def _groups(records: list[Record]) -> dict[str, Record]:
    return {str(r["name"]).lower(): r for r in records if r["kind"] == "SecurityGroup"}


class Site:
    """What the controls of one site look at: its plan and its live records."""

    def __init__(self, network: Network, code: str, records: list[Record]) -> None:
        self.code = code
        self.plan = plan_site(network, code)
        self.records = records
        self.groups = _groups(records)

    def role_groups(self, package: str) -> list[tuple[str, Record | None]]:
        """(group name, live record) of each role the network gives `package`."""
        return [
            (g.display_name, self.groups.get(g.display_name.lower()))
            for g in self.plan.groups
            if g.package == package
        ]


def _package_control(
    control_id: str, package: str, role: str
) -> Callable[[Site], Iterator[ControlResult]]:
    def check(site: Site) -> Iterator[ControlResult]:
        wrong: dict[str, Any] = {}
        for name, record in site.role_groups(package):
            held = (record or {}).get("policies") or {}
            off = sorted(
                t
                for t in catalog.PACKAGE_POLICY_TYPES
                if str((held.get(t) or {}).get("policy_name", "")).lower() != package.lower()
            )
            if record is None or off:
                wrong[name] = "group missing" if record is None else off
        groups = [n for n, _ in site.role_groups(package)]
        yield ControlResult(
            control_id,
            site.code,
            "shall",
            f"{role} groups carry the {package} policy package",
            not wrong,
            wrong or {n: package for n in groups},
            "; ".join(
                f"{n}: {v if isinstance(v, str) else 'not ' + package + ' for ' + ', '.join(v)}"
                for n, v in wrong.items()
            )
            or (
                f"{len(groups)} group(s) hold every policy of the package"
                if groups
                else "no such role"
            ),
        )

    return check


def shared_mailboxes(site: Site) -> Iterator[ControlResult]:
    """Shared mailboxes: sign-in blocked, FullAccess through groups only."""
    boxes = [r for r in site.records if r["kind"] == "SharedMailbox"]
    open_ = [r["name"] for r in boxes if r.get("sign_in_blocked") is False]
    unknown = [r["name"] for r in boxes if r.get("sign_in_blocked") is None]
    yield ControlResult(
        "HC.EXO.1.1",
        site.code,
        "shall",
        "Shared mailboxes have sign-in blocked",
        not open_ and not unknown,
        {r["name"]: r.get("sign_in_blocked") for r in boxes},
        "; ".join(
            [f"sign-in allowed: {', '.join(open_)}"] * bool(open_)
            + [f"sign-in state unreadable: {', '.join(unknown)}"] * bool(unknown)
        )
        or f"{len(boxes)} mailbox(es) blocked",
    )
    users = {r["name"]: [t for t in r.get("full_access") or [] if "@" in str(t)] for r in boxes}
    users = {k: v for k, v in users.items() if v}
    yield ControlResult(
        "HC.EXO.1.2",
        site.code,
        "shall",
        "No FullAccess to shared mailboxes is granted to individual users (groups only)",
        not users,
        users or {str(r["name"]): list(r.get("full_access") or []) for r in boxes},
        "; ".join(f"{k}: {', '.join(v)}" for k, v in users.items())
        or "FullAccess held by groups only",
    )


def ward_owners(site: Site) -> Iterator[ControlResult]:
    """Each ward team has two owners or more: one absent owner must not orphan the ward."""
    wards = {t.display_name for t in site.plan.teams if t.key.startswith("ward-")}
    teams = {str(r["name"]).lower(): r for r in site.records if r["kind"] == "Team"}
    counts = {n: len((teams.get(n.lower()) or {}).get("owners") or []) for n in sorted(wards)}
    short = {k: v for k, v in counts.items() if v < 2}
    yield ControlResult(
        "HC.TEAMS.3.1",
        site.code,
        "shall",
        "Each ward team has at least two owners",
        not short,
        counts,
        "; ".join(f"{k}: {v} owner(s)" for k, v in short.items()) or f"{len(counts)} ward team(s)",
    )


def clinical_and_rooms(site: Site) -> Iterator[ControlResult]:
    """No user is both a clinical worker and a patient-room account."""

    def members(package: str) -> set[str]:
        return {m for _, r in site.role_groups(package) for m in (r or {}).get("members") or []}

    both = sorted(members(CLINICAL) & members(PATIENT_ROOM))
    yield ControlResult(
        "HC.AAD.1.1",
        site.code,
        "shall",
        "No user belongs to both a clinical group and a patient-room group",
        not both,
        both,
        f"in both: {', '.join(both)}" if both else "the groups are disjoint",
    )


def licences(site: Site) -> Iterator[ControlResult]:
    """Role groups that need a licence hold one, and no member is in licence error."""
    missing: list[str] = []
    errors: dict[str, list[str]] = {}
    for g in site.plan.groups:
        if not g.licences:
            continue
        record = site.groups.get(g.display_name.lower())
        if record is None or not record.get("licences"):
            missing.append(g.display_name)
        if record and record.get("licence_errors"):
            errors[g.display_name] = list(record["licence_errors"])
    yield ControlResult(
        "HC.LIC.1.1",
        site.code,
        "shall",
        "Every role group that needs a licence has one assigned",
        not missing,
        missing,
        f"no licence: {', '.join(missing)}" if missing else "every licensed role holds its licence",
    )
    yield ControlResult(
        "HC.LIC.1.2",
        site.code,
        "should",
        "No role group has members in licence error",
        not errors,
        errors,
        "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()) or "no member in error",
    )


SITE_CONTROLS: list[Callable[[Site], Iterator[ControlResult]]] = [
    _package_control("HC.TEAMS.1.1", CLINICAL, "Clinical worker"),
    _package_control("HC.TEAMS.1.2", PATIENT_ROOM, "Patient room"),
    _package_control("HC.TEAMS.1.3", INFORMATION, "Information worker"),
    shared_mailboxes,
    ward_owners,
    clinical_and_rooms,
    licences,
]


def messaging(network: Network, records: list[Record]) -> Iterator[ControlResult]:
    """The secure-messaging policy: priority messages allowed, read receipts for everyone."""
    declared = network.baseline.policies.messaging
    name = declared.name if declared else None
    live = next((r for r in records if r.get("policy_type") == "TeamsMessagingPolicy"), None)
    settings: dict[str, Any] = (live or {}).get("settings") or {}
    checks: list[tuple[str, str, str, Any]] = [
        ("HC.TEAMS.2.1", "AllowPriorityMessages", "allows priority notifications", True),
        (
            "HC.TEAMS.2.2",
            "ReadReceiptsEnabledType",
            "turns read receipts on for everyone",
            "Everyone",
        ),
    ]
    for control_id, key, what, wanted in checks:
        actual = settings.get(key)
        # Teams matches enum values without regard to case, as drift does.
        same = (
            actual.lower() == wanted.lower()
            if isinstance(actual, str) and isinstance(wanted, str)
            else actual == wanted
        )
        met = live is not None and same
        yield ControlResult(
            control_id,
            "tenant",
            "shall",
            f"The secure-messaging policy {what}",
            met,
            actual,
            f"{name}: {key} is {actual!r}"
            if live
            else f"no secure-messaging policy {name or '(none declared)'} in the tenant",
        )


def run_controls(
    network: Network, sites: dict[str, list[Record]], tenant: list[Record] | None
) -> list[ControlResult]:
    """Every control over the sites' live records, and the tenant's when read."""
    results: list[ControlResult] = []
    if tenant is not None:
        results += messaging(network, tenant)
    for code, records in sites.items():
        site = Site(network, code, records)
        for control in SITE_CONTROLS:
            results += control(site)
    return results
