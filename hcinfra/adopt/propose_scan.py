"""What the draft's builders share: the tenant's groups sorted by kind, and what to say.

Every group is one of: a role's group at a site (a security group the pattern splits),
a mail-enabled security group (a mailbox right's trustee), a team, or a note. The builders
(propose_roles, propose_mailboxes, propose_teams, propose_policies) read that, add
`# review:` comments by path and notes, and take the baseline as the value most sites have.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from hcinfra.adopt.propose_names import compile_pattern, make_key
from hcinfra.adopt.propose_read import Live, has_team, is_unified
from hcinfra.network import naming
from hcinfra.network.model import UPN

Path = tuple[Any, ...]


def mode(values: list[Any]) -> Any:
    """The value most often given; ties go to the first in a stable order."""
    seen: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    for v in values:
        key = json.dumps(v, sort_keys=True, ensure_ascii=False)
        seen.setdefault(key, v)
        counts[key] += 1
    return seen[min(counts, key=lambda k: (-counts[k], k))]


def baseline_fields(sites: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each field's value most sites have (the fields are those of the first site)."""
    return {f: mode([s[f] for s in sites.values()]) for f in next(iter(sites.values()))}


def changed_fields(fields: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the baseline's: a site's overrides."""
    return {f: v for f, v in fields.items() if v != base[f]}


@dataclass
class RoleGroup:
    """A security group read as a role's group at a site."""

    code: str
    role_name: str
    doc: dict[str, Any]
    members: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The group's object id, lowercase."""
        return str(self.doc["id"]).lower()

    @property
    def name(self) -> str:
        """The group's display name as read."""
        return str(self.doc.get("displayName") or "")


class Scan:
    """The tenant as read with its groups sorted, and the review comments and notes so far."""

    def __init__(self, live: Live, pattern: str, tenant_id: str) -> None:
        self.live = live
        self.pattern = pattern
        self.regex = compile_pattern(pattern)
        self.tenant_id = tenant_id
        self.review: dict[Path, list[str]] = defaultdict(list)
        self.notes: list[str] = []
        self.groups: dict[str, dict[str, RoleGroup]] = defaultdict(dict)  # code → key → group
        self.role_names: dict[str, str] = {}  # key → the name most sites use
        self.mail_groups: dict[str, dict[str, Any]] = {}  # display name, alias, mail → doc
        self.used_mail_groups: set[str] = set()
        self.team_docs: list[dict[str, Any]] = []
        self.site_names: dict[str, str] = {}  # set by the teams, read by mailboxes and sites
        self.packages: dict[str, str | None] = {}  # role key → the baseline's package

    def note(self, text: str) -> None:
        """Add a note (what could not be placed), once."""
        if text not in self.notes:
            self.notes.append(text)

    def flag(self, path: Path, text: str) -> None:
        """Add a `# review:` comment at a path of the draft, once."""
        if text not in self.review[path]:
            self.review[path].append(text)

    def site_of(self, alias: str, codes: list[str]) -> str | None:
        """The site whose alias prefix (`stm-`) begins an alias; the longest wins."""
        fits = [c for c in codes if alias.lower().startswith(f"{naming.ascii_slug(c)}-")]
        return max(fits, key=len) if fits else None

    def members_of(self, g: dict[str, Any]) -> list[str]:
        """A group's members as lowercase UPNs; members that are no user are noted."""
        upns = []
        for m in self.live.members.get(str(g["id"]), []):
            upn = m.get("userPrincipalName")
            kind = str(m.get("@odata.type") or "").rpartition(".")[2] or "object"
            if not upn or kind not in ("user", "object"):
                self.note(
                    f"group '{g.get('displayName')}' has a member that is no user "
                    f"({kind} {m.get('id')}): a network file lists users, left out"
                )
                continue
            if not UPN.match(str(upn)):
                self.note(f"group '{g.get('displayName')}' has the member {upn!r}: left out")
                continue
            upns.append(str(upn).lower())
        return sorted(set(upns))

    def classify(self) -> None:
        """Sort the groups into role groups, mail-enabled groups and teams; note the rest."""
        found: list[RoleGroup] = []
        for g in self.live.groups:
            name = str(g.get("displayName") or "")
            alias = str(g.get("mailNickname") or "")
            if is_unified(g):
                if has_team(g):
                    self.team_docs.append(g)
                else:
                    self.note(f"Microsoft 365 group '{name}' ({alias}) has no team: not placed")
                continue
            if not g.get("securityEnabled"):
                self.note(f"distribution group '{name}': a network file declares none, not placed")
                continue
            if g.get("mailEnabled"):
                for value in (name, alias, g.get("mail")):
                    if value:
                        self.mail_groups.setdefault(str(value).lower(), g)
                continue
            m = self.regex.match(name)
            if not m:
                self.note(
                    f"security group '{name}' does not fit the pattern {self.pattern!r}: not placed"
                )
                continue
            found.append(RoleGroup(m["code"], m["role"], g, self.members_of(g)))
        names: dict[str, list[str]] = defaultdict(list)
        for rg in found:
            names[naming.ascii_slug(rg.role_name)].append(rg.role_name)
        keys: dict[str, str] = {}
        for slug in sorted(names):
            key = make_key(slug, set(keys.values()))
            keys[slug] = key
            self.role_names[key] = mode(names[slug])
            if key != slug:
                self.flag(
                    ("baseline", "roles", key, "key"),
                    f"the key is made from the role name {self.role_names[key]!r}, whose "
                    f"slug {slug!r} is not a key (1 to 32 lowercase letters, digits and "
                    "dashes, starting with a letter)",
                )
        for rg in found:
            key = keys[naming.ascii_slug(rg.role_name)]
            held = self.groups[rg.code].get(key)
            if held:
                self.note(
                    f"security group '{rg.name}' is a second group of role '{key}' at "
                    f"{rg.code} (after '{held.name}'): not placed"
                )
                continue
            self.groups[rg.code][key] = rg
