"""The audit commands' work: read the tenant once for the chosen sites, then export,
compare or check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hcinfra.audit import drift, records
from hcinfra.audit.controls import run_controls
from hcinfra.audit.model import ControlResult, Finding
from hcinfra.audit.records import TENANT, Record
from hcinfra.audit.snapshot import Snapshot, read_snapshot
from hcinfra.clients.connection import Connection, connect
from hcinfra.network.model import Network
from hcinfra.network.plan import TEAMS_POLICY_TYPES

# The tenant-wide policy types the baseline may declare (messaging, app setup, the virtual
# visits' meeting and SMS policies).
POLICY_TYPES = list(TEAMS_POLICY_TYPES)


@dataclass
class Audit:
    """The live records of the chosen sites (and of the tenant's policies)."""

    network: Network
    codes: list[str]  # sites, "tenant" first when chosen
    snapshot: Snapshot
    live: dict[str, list[Record]] = field(default_factory=dict)
    shadows: dict[str, list[Record]] = field(default_factory=dict)
    # The network-wide policy groups as read, by role: the sites' package and visit
    # controls look at them where the site's own groups hold no policies.
    network_groups: dict[str, Record] = field(default_factory=dict)

    @property
    def sites(self) -> list[str]:
        """The site codes, without the tenant."""
        return [c for c in self.codes if c != TENANT]

    def findings(self) -> list[Finding]:
        """Declared against live for every chosen site."""
        found: list[Finding] = []
        for code in self.codes:
            declared = (
                records.declared_tenant(self.network)
                if code == TENANT
                else records.declared_site(self.network, code)
            )
            found += drift.compare_site(code, declared, self.live[code], self.shadows[code])
        return found

    def controls(self) -> list[ControlResult]:
        """The compliance controls over the live records (the tenant's shadows among them:
        a partner nobody declared is what HC.AAD.2.1 looks for)."""
        tenant = None
        if TENANT in self.codes:
            tenant = [*self.live[TENANT], *self.shadows.get(TENANT, [])]
        return run_controls(
            self.network,
            {c: self.live[c] for c in self.sites},
            tenant,
            network_groups=self.network_groups,
        )

    def export(self, out: Path) -> list[Path]:
        """One YAML file per chosen site: managed objects, then shadows; byte-stable."""
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for code in self.codes:
            doc: dict[str, Any] = {
                "site": code,
                "objects": self.live[code],
                "shadow_objects": self.shadows[code],
            }
            if code != TENANT:
                site = self.network.site(code)
                doc["name"] = site.name
                doc["mail_domain"] = site.mail_domain
            path = out / f"{code.lower()}.yaml"
            text = yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, width=100)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def choose(network: Network, codes: list[str] | None) -> list[str]:
    """The chosen stacks, tenant first; all of them when none are named."""
    wanted = codes or [TENANT, *network.codes()]
    return [c for c in [TENANT, *network.codes()] if c in wanted]


def read(network: Network, codes: list[str], conn: Connection | None = None) -> Audit:
    """Read the tenant once for the chosen stacks."""
    conn = conn or connect()
    sites = [c for c in codes if c != TENANT]
    prefixes = [records.site_prefix(c) for c in sites]
    plan = records.policy_plan(network)
    if TENANT in codes or not all(plan.site_assigns(c) for c in sites):
        # The network-wide policy groups: the tenant's, and those the sites' controls read.
        prefixes.append(records.NETWORK_PREFIX)
    snap = read_snapshot(
        conn,
        prefixes,
        POLICY_TYPES if TENANT in codes else [],
        wanted=records.wanted(network, codes),
    )
    audit = Audit(network, codes, snap)
    audit.network_groups = records.live_network_groups(network, snap)
    for code in sites:
        audit.live[code], audit.shadows[code] = records.live_site(network, code, snap)
    if TENANT in codes:
        audit.live[TENANT], audit.shadows[TENANT] = records.live_tenant(network, snap)
    return audit
