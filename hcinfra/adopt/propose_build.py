"""A draft network file from the tenant as read: roles, sites, mailboxes, teams, policies.

Sites are the codes the role groups' names hold (by the pattern); every other object is
placed at a site by its alias prefix (`stm-`). Where the sites differ, the baseline takes
the value most sites have and the others get overrides. Every guess is a `# review:`
comment at the key it is about; what cannot be placed is a note.

This module composes the parts (propose_teams, propose_mailboxes, propose_roles,
propose_policies) into sites, a tenant and the baseline. The order they run in is the
order of the notes: teams name the sites, which mailboxes need; roles set the packages,
which policies need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hcinfra.adopt.propose_mailboxes import build_mailboxes, note_unused_mail_groups
from hcinfra.adopt.propose_policies import build_policies
from hcinfra.adopt.propose_roles import build_roles, licence_pool
from hcinfra.adopt.propose_scan import Path, Scan
from hcinfra.adopt.propose_teams import build_teams
from hcinfra.network import naming
from hcinfra.network.model import GUID

PLACEHOLDER_TENANT = "00000000-0000-0000-0000-000000000000"


@dataclass
class Draft:
    """The draft's data, its review comments by path, and what could not be placed."""

    data: dict[str, Any]
    review: dict[Path, list[str]]
    notes: list[str]
    sites: int = 0


class Builder(Scan):
    """Builds a Draft from what was read."""

    def build(self) -> Draft:
        """The whole draft: the tenant, the baseline and the sites, with comments and notes."""
        self.classify()
        codes = sorted(self.groups)
        if not codes:
            self.note(
                f"no security group's name fits the pattern {self.pattern!r}: the draft has "
                "no sites (give --pattern as your groups are named, e.g. '{role} ({code})')"
            )
        teams = build_teams(self, codes)
        mailboxes, domains = build_mailboxes(self, codes)
        roles, site_roles = build_roles(self, codes)
        policies = build_policies(self, codes)
        sites = [
            self._site(code, site_roles.get(code, []), domains.get(code), teams, mailboxes)
            for code in codes
        ]
        baseline: dict[str, Any] = {"roles": roles}
        if mailboxes["baseline"]:
            baseline["mailboxes"] = mailboxes["baseline"]
        if teams["baseline"]:
            baseline["teams"] = teams["baseline"]
        if policies:
            baseline["policies"] = policies
        note_unused_mail_groups(self)
        data = {"tenant": self._tenant(sites), "baseline": baseline, "sites": sites}
        return Draft(data, dict(self.review), self.notes, len(codes))

    def _site(
        self,
        code: str,
        role_overrides: list[Any],
        domain: str | None,
        teams: dict[str, Any],
        mailboxes: dict[str, Any],
    ) -> dict[str, Any]:
        """A site: its name, mail domain, wards, members and overrides."""
        name = self.site_names.get(code, code)
        if name == code:
            self.flag(
                ("sites", code, "name"), "no hospital team names the site: its code stands in"
            )
        else:
            self.flag(("sites", code, "name"), "the name of the site's hospital team")
        if domain is None:
            named = sorted(
                str(d.get("DomainName")).lower()
                for d in self.live.domains
                if str(d.get("DomainName") or "").lower().split(".")[0] == naming.ascii_slug(code)
            )
            if named:
                domain = named[0]
                self.flag(
                    ("sites", code, "mail_domain"),
                    "no shared mailbox of the site shows its domain: the accepted domain "
                    "named after its code",
                )
            else:
                domain = self._default_domain()
                self.flag(
                    ("sites", code, "mail_domain"),
                    "no shared mailbox of the site shows its domain: the tenant's default domain",
                )
        site: dict[str, Any] = {"code": code, "name": name, "mail_domain": domain}
        if teams["wards"].get(code):
            site["wards"] = sorted(teams["wards"][code], key=lambda w: (w.casefold(), w))
        site["members"] = {
            key: rg.members for key, rg in sorted(self.groups[code].items()) if rg.members
        }
        overrides: dict[str, Any] = {}
        if role_overrides:
            overrides["roles"] = role_overrides
        if mailboxes["overrides"].get(code):
            overrides["mailboxes"] = mailboxes["overrides"][code]
        if teams["overrides"].get(code):
            overrides["teams"] = teams["overrides"][code]
        if overrides:
            site["overrides"] = overrides
        return site

    def _default_domain(self) -> str:
        """The tenant's default accepted domain (example.org when none is read)."""
        domains = self.live.domains
        chosen = next((d for d in domains if d.get("Default")), domains[0] if domains else None)
        return str((chosen or {}).get("DomainName") or "example.org").lower()

    def _tenant(self, sites: list[dict[str, Any]]) -> dict[str, Any]:
        """The tenant: its id, its domains with every site's, and its licence pool."""
        tenant_id = self.tenant_id
        if not GUID.match(tenant_id or ""):
            self.flag(
                ("tenant", "id"),
                f"the tenant id {tenant_id!r} is not the directory's GUID: put the GUID here",
            )
            tenant_id = PLACEHOLDER_TENANT
        domains = sorted(
            {str(d.get("DomainName")).lower() for d in self.live.domains if d.get("DomainName")}
        )
        for site in sites:
            if site["mail_domain"] not in domains:
                domains.append(site["mail_domain"])
                self.flag(
                    ("tenant", "domains"),
                    f"{site['mail_domain']} ({site['code']}) is not an accepted domain of the "
                    "tenant's Exchange",
                )
        tenant: dict[str, Any] = {"id": tenant_id.lower(), "domains": domains}
        pool = licence_pool(self)
        if pool:
            tenant["licence_pool"] = pool
            self.flag(("tenant", "licence_pool"), "the seats the tenant has bought (enabled units)")
        return tenant
