"""A draft network file from the tenant as read: roles, sites, mailboxes, teams, policies.

Sites are the codes the role groups' names hold (by the pattern); every other object is
placed at a site by its alias prefix (`stm-`). Where the sites differ, the baseline takes
the value most sites have and the others get overrides. Every guess is a `# review:`
comment at the key it is about; what cannot be placed is a note.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hcinfra.adopt.propose_read import Live, has_team, is_unified
from hcinfra.errors import HcinfraError
from hcinfra.network import catalog, naming
from hcinfra.network.model import GUID, LOCAL_PART, UPN
from hcinfra.network.plan import TENANT_POLICIES
from hcinfra.resources import policy_ranks
from hcinfra.resources.team.inputs import TEMPLATE_CHANNELS
from hcinfra.resources.teams_apps import UnknownApp, canonical
from hcinfra.resources.teams_policy_settings import SETTINGS, service_settings, validate_settings

Path = tuple[Any, ...]
DEFAULT_PATTERN = "{code}-{role}"
PLACEHOLDER_TENANT = "00000000-0000-0000-0000-000000000000"
HEALTHCARE_TEMPLATES = ("healthcareWard", "healthcareHospital")


class PatternError(HcinfraError):
    """A --pattern that cannot read site codes and role names from group names."""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The pattern as a regular expression with the groups `code` and `role`."""
    problem = naming.pattern_problem(pattern, ("code", "role"))
    if problem:
        raise PatternError(f"--pattern: {problem}")
    parts = list(string.Formatter().parse(pattern))
    names = sorted(name for _, name, _, _ in parts if name is not None)
    if names != ["code", "role"]:
        raise PatternError(
            f"--pattern: {pattern!r} must hold {{code}} and {{role}} once each, "
            "such as '{code}-{role}' or '{role} ({code})'"
        )
    regex = ""
    for literal, name, _, _ in parts:
        regex += re.escape(literal)
        if name == "code":
            regex += r"(?P<code>[A-Z][A-Z0-9]{1,7})"
        elif name == "role":
            regex += r"(?P<role>\S(?:.*\S)?)"
    return re.compile(rf"^{regex}$", re.DOTALL)


def mode(values: list[Any]) -> Any:
    """The value most often given; ties go to the first in a stable order."""
    seen: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    for v in values:
        key = json.dumps(v, sort_keys=True, ensure_ascii=False)
        seen.setdefault(key, v)
        counts[key] += 1
    return seen[min(counts, key=lambda k: (-counts[k], k))]


def make_key(slug: str, taken: set[str]) -> str:
    """A network-file key from a slug, unique among `taken`."""
    key = slug[:32].rstrip("-")
    if not key or not key[0].isalpha():
        key = f"r-{key}"[:32].rstrip("-")
    base, n = key, 2
    while key in taken:
        suffix = f"-{n}"
        key = f"{base[: 32 - len(suffix)].rstrip('-')}{suffix}"
        n += 1
    return key


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not before.isalnum() and not after.isalnum()


def to_template(text: str, values: dict[str, str]) -> str:
    """A display name as a pattern: the site's name, the ward and the code as placeholders.

    The longest value found wins at each place; a code only as a word of its own.
    Literal braces are doubled. Rendering the pattern gives the text back.
    """
    tokens = sorted(((v, k) for k, v in values.items() if v), key=lambda t: (-len(t[0]), t[1]))
    out: list[str] = []
    literal = ""
    i = 0
    while i < len(text):
        for value, name in tokens:
            end = i + len(value)
            if text.startswith(value, i) and (name != "code" or _bounded(text, i, end)):
                out.append(literal.replace("{", "{{").replace("}", "}}"))
                out.append(f"{{{name}}}")
                literal, i = "", end
                break
        else:
            literal += text[i]
            i += 1
    out.append(literal.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def ward_name(display_name: str, slug: str) -> str | None:
    """The shortest part of a ward team's name whose slug is the ward's, or None."""
    best: str | None = None
    for i in range(len(display_name)):
        if not display_name[i].isalnum():
            continue
        for j in range(i + 1, len(display_name) + 1):
            part = display_name[i:j]
            if part[-1].isalnum() and naming.ascii_slug(part) == slug:
                if best is None or len(part) < len(best):
                    best = part
                break
    return best


@dataclass
class RoleGroup:
    """A security group read as a role's group at a site."""

    code: str
    role_name: str
    doc: dict[str, Any]
    members: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.doc["id"]).lower()

    @property
    def name(self) -> str:
        return str(self.doc.get("displayName") or "")


@dataclass
class Draft:
    """The draft's data, its review comments by path, and what could not be placed."""

    data: dict[str, Any]
    review: dict[Path, list[str]]
    notes: list[str]
    sites: int = 0


class Builder:
    """Builds a Draft from what was read."""

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
        self.site_names: dict[str, str] = {}
        self.packages: dict[str, str | None] = {}  # role key → the baseline's package
        # Mailbox comments, placed once the baseline and overrides are known:
        # (code, mailbox key, field or None, text).
        self.pending: list[tuple[str, str, str | None, str]] = []

    # -- notes ---------------------------------------------------------------------
    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def flag(self, path: Path, text: str) -> None:
        if text not in self.review[path]:
            self.review[path].append(text)

    # -- the whole draft -----------------------------------------------------------
    def build(self) -> Draft:
        self._classify()
        codes = sorted(self.groups)
        if not codes:
            self.note(
                f"no security group's name fits the pattern {self.pattern!r}: the draft has "
                "no sites (give --pattern as your groups are named, e.g. '{role} ({code})')"
            )
        teams = self._teams(codes)
        mailboxes, domains = self._mailboxes(codes)
        roles, site_roles = self._roles(codes)
        policies = self._policies(codes)
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
        for mg in self.mail_groups.values():
            gid = str(mg["id"]).lower()
            if gid not in self.used_mail_groups:
                self.used_mail_groups.add(gid)
                self.note(
                    f"mail-enabled security group '{mg.get('displayName')}' holds no right on "
                    "a shared mailbox of a site: not placed"
                )
        data = {"tenant": self._tenant(sites), "baseline": baseline, "sites": sites}
        return Draft(data, dict(self.review), self.notes, len(codes))

    # -- groups ----------------------------------------------------------------------
    def _classify(self) -> None:
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
            found.append(RoleGroup(m["code"], m["role"], g, self._members(g)))
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

    def _members(self, g: dict[str, Any]) -> list[str]:
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

    def site_of(self, alias: str, codes: list[str]) -> str | None:
        """The site whose alias prefix (`stm-`) begins an alias; the longest wins."""
        fits = [c for c in codes if alias.lower().startswith(f"{naming.ascii_slug(c)}-")]
        return max(fits, key=len) if fits else None

    # -- roles -------------------------------------------------------------------------
    def _licences(self, rg: RoleGroup) -> list[dict[str, Any]]:
        out = []
        for lic in rg.doc.get("assignedLicenses") or []:
            sku = self.live.skus.get(str(lic.get("skuId", "")).lower()) or {}
            part = str(sku.get("skuPartNumber") or lic.get("skuId"))
            if part not in catalog.SKUS:
                self.note(
                    f"group '{rg.name}' is licensed with {part}, which a network file cannot "
                    f"name (known: {', '.join(catalog.SKUS)}): left out"
                )
                continue
            plans = {
                str(p.get("servicePlanId", "")).lower(): str(p.get("servicePlanName"))
                for p in sku.get("servicePlans") or []
            }
            disabled = []
            for pid in lic.get("disabledPlans") or []:
                plan = plans.get(str(pid).lower())
                if plan is None or plan not in catalog.SERVICE_PLANS[part]:
                    self.note(
                        f"group '{rg.name}': the disabled plan {plan or pid} is not a plan "
                        f"of {part} a network file knows: left out"
                    )
                    continue
                disabled.append(plan)
            entry: dict[str, Any] = {"sku": part}
            if disabled:
                entry["disabled_plans"] = sorted(set(disabled))
            out.append(entry)
        return sorted(out, key=lambda e: str(e["sku"]))

    def _held(self, rg: RoleGroup) -> dict[str, str]:
        return {
            str(a.get("policyType")): policy_ranks.policy_of(a)
            for a in self.live.assignments
            if policy_ranks.group_of(a) == rg.id
        }

    def _package(self, rg: RoleGroup) -> str | None:
        """The group's package when it holds all of its policy types; a partial one noted."""
        found = self._package_of(rg)
        if found:
            return found
        held = self._held(rg)
        for package in catalog.PACKAGES:
            partial = sorted(t for t, n in held.items() if n == package)
            if partial:
                self.note(
                    f"group '{rg.name}' holds {package} for {', '.join(partial)} only, not "
                    "for all of the package's policy types: not declared as its package"
                )
        return None

    def _roles(self, codes: list[str]) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
        per_site: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # key → code → fields
        for code in codes:
            for key, rg in self.groups[code].items():
                per_site[key][code] = {
                    "name": rg.role_name,
                    "description": rg.doc.get("description") or None,
                    "licences": self._licences(rg),
                    "policy_package": self._package(rg),
                }
                self._group_names(code, key, rg)
        roles = []
        overrides: dict[str, list[Any]] = defaultdict(list)
        for key in sorted(per_site):
            sites = per_site[key]
            base = {f: mode([s[f] for s in sites.values()]) for f in next(iter(sites.values()))}
            self.packages[key] = base["policy_package"]
            role: dict[str, Any] = {"key": key, "name": base["name"]}
            for f in ("description", "licences", "policy_package"):
                if base[f]:
                    role[f] = base[f]
            roles.append(role)
            for code, fields in sorted(sites.items()):
                changed = {f: v for f, v in fields.items() if v != base[f]}
                if changed:
                    overrides[code].append({"key": key, **changed})
            missing = [c for c in codes if c not in sites]
            if missing:
                self.flag(
                    ("baseline", "roles", key),
                    f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no group of "
                    "this role: the baseline gives every site one, so deploying makes it "
                    "(empty)",
                )
        return roles, overrides

    def _group_names(self, code: str, key: str, rg: RoleGroup) -> None:
        path = ("sites", code, "members", key)
        derived = naming.group_name(code, rg.role_name)
        nickname = naming.group_nickname(code, rg.role_name)
        live_nick = str(rg.doc.get("mailNickname") or "")
        if rg.name != derived:
            self.flag(path, f"the live group '{rg.name}' would be renamed '{derived}'")
        if live_nick.lower() != nickname:
            self.flag(
                path,
                f"the live group's mailNickname is '{live_nick}', not '{nickname}' as hcinfra "
                "names it: adopt finds a group by its mailNickname, so it would not find "
                "this one",
            )
        if not rg.members:
            self.flag(path, f"the live group '{rg.name}' has no members")

    # -- policies ----------------------------------------------------------------------
    def _policies(self, codes: list[str]) -> dict[str, Any]:
        by_id = {rg.id: (code, key) for code in codes for key, rg in self.groups[code].items()}
        types = dict((t, k) for k, t in TENANT_POLICIES)
        held: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        for code in codes:
            for key, rg in sorted(self.groups[code].items()):
                package = self._package_of(rg)
                for policy_type, name in sorted(self._held(rg).items()):
                    if package and policy_type in catalog.PACKAGE_POLICY_TYPES:
                        continue
                    if name in catalog.PACKAGES:
                        continue  # a part of a package, noted with the role
                    if policy_type not in types:
                        self.note(
                            f"group '{rg.name}' holds the {policy_type} '{name}': a network "
                            "file assigns that type only through a policy package, not placed"
                        )
                        continue
                    held[policy_type][name].append((key, code))
        out: dict[str, Any] = {}
        for kind, policy_type in TENANT_POLICIES:
            names = held.get(policy_type)
            if not names:
                continue
            chosen = min(names, key=lambda n: (-len(names[n]), n))
            for other in sorted(n for n in names if n != chosen):
                holders = ", ".join(
                    naming.group_name(c, self.role_names[k]) for k, c in names[other]
                )
                self.note(
                    f"the {policy_type} '{other}' ({holders}) is not placed: the baseline "
                    f"assigns one {policy_type} ('{chosen}')"
                )
            roles = sorted({k for k, _ in names[chosen]})
            kept = []
            for key in roles:
                if self.packages.get(key) and policy_type in catalog.PACKAGE_POLICY_TYPES:
                    self.note(
                        f"role '{key}' gets {policy_type} from its package at most sites: "
                        f"'{chosen}' is not assigned to it in the draft"
                    )
                    continue
                kept.append(key)
                lacking = [
                    c for c in codes if key in self.groups[c] and (key, c) not in names[chosen]
                ]
                if lacking:
                    self.flag(
                        ("baseline", "policies", kind, "roles"),
                        f"role '{key}' holds '{chosen}' at some sites, not at "
                        f"{', '.join(lacking)}: deploying assigns it there",
                    )
            if not kept:
                continue
            spec: dict[str, Any] = {"name": chosen}
            settings, pinned = self._settings(policy_type, chosen, ("baseline", "policies", kind))
            if pinned:
                spec["pinned_apps"] = pinned
            if settings:
                spec["settings"] = settings
            spec["roles"] = kept
            out[kind] = spec
        precedence = self._precedence(out, by_id)
        if precedence:
            out["precedence"] = precedence
        return out

    def _package_of(self, rg: RoleGroup) -> str | None:
        held = self._held(rg)
        return next(
            (
                p
                for p in catalog.PACKAGES
                if all(held.get(t) == p for t in catalog.PACKAGE_POLICY_TYPES)
            ),
            None,
        )

    def _settings(
        self, policy_type: str, name: str, path: Path
    ) -> tuple[dict[str, Any], list[str]]:
        instances = self.live.policies.get(policy_type, [])
        wanted = {f"tag:{name}".lower(), name.lower()}
        doc = next((p for p in instances if str(p.get("Identity", "")).lower() in wanted), None)
        glob = next((p for p in instances if str(p.get("Identity", "")).lower() == "global"), None)
        if doc is None:
            self.flag(
                (*path, "name"),
                f"the {policy_type} '{name}' is assigned but could not be read: no settings",
            )
            return {}, []
        shown = service_settings(doc, self.live.apps)
        default = service_settings(glob, self.live.apps) if glob else {}
        fields = [f for f in SETTINGS[policy_type].model_fields if f != "Description"]
        settings = {
            f: shown[f]
            for f in fields
            if f in shown and (f not in default or default[f] != shown[f])
        }
        pinned: list[str] = []
        if policy_type == "TeamsAppSetupPolicy":
            for app in settings.pop("PinnedAppBarApps", None) or []:
                try:
                    pinned.append(canonical(str(app)))
                except UnknownApp:
                    self.note(f"the {policy_type} '{name}' pins the app {app!r}: left out")
            if "AppPresetList" in settings:
                presets = []
                for app in settings["AppPresetList"] or []:
                    try:
                        presets.append(canonical(str(app)))
                    except UnknownApp:
                        self.note(f"the {policy_type} '{name}' installs the app {app!r}: left out")
                settings["AppPresetList"] = presets
        try:
            validate_settings(policy_type, settings)
        except ValidationError as err:
            for e in err.errors():
                bad = str(e["loc"][0]) if e["loc"] else ""
                if bad in settings:
                    self.note(
                        f"the {policy_type} '{name}' setting {bad}={settings.pop(bad)!r} is "
                        "not one a network file takes: left out"
                    )
        self.flag(
            (*path, "settings" if settings else "name"),
            "settings are those that differ from the tenant's Global policy"
            if settings
            else "no setting differs from the tenant's Global policy, so none is declared",
        )
        return dict(sorted(settings.items())), pinned

    def _precedence(self, policies: dict[str, Any], by_id: dict[str, tuple[str, str]]) -> list[str]:
        ranked = sorted(
            {k for k, p in self.packages.items() if p}
            | {r for kind, spec in policies.items() for r in spec.get("roles", [])}
        )
        if len(ranked) < 2:
            return []
        wins: Counter[tuple[str, str]] = Counter()
        for policy_type in sorted({str(a.get("policyType")) for a in self.live.assignments}):
            order = [
                by_id[g]
                for g in policy_ranks.order(self.live.assignments, policy_type)
                if g in by_id
            ]
            for i, (code, first) in enumerate(order):
                for other_code, later in order[i + 1 :]:
                    if code == other_code and first != later:
                        wins[(first, later)] += 1
        if not wins:
            return []

        def score(role: str) -> int:
            return sum(
                (wins[(role, o)] > wins[(o, role)]) - (wins[(o, role)] > wins[(role, o)])
                for o in ranked
                if o != role
            )

        self.flag(
            ("baseline", "policies", "precedence"),
            "inferred from the order of the groups' policy assignments (first wins)",
        )
        return sorted(ranked, key=lambda r: (-score(r), r))

    # -- teams -------------------------------------------------------------------------
    def _template(self, doc: dict[str, Any]) -> str | None:
        gid = str(doc["id"])
        team = self.live.teams.get(gid)
        channels = self.live.channels.get(gid)
        if team is None or channels is None:
            return None
        names = {c.lower() for c in channels}
        for template in HEALTHCARE_TEMPLATES:
            if {c.lower() for c in TEMPLATE_CHANNELS[template]} <= names:
                return template
        if str(team.get("specialization") or "none") == "none":
            return "standard"
        return None

    def _owners_role(self, code: str, doc: dict[str, Any], path: Path) -> str | None:
        owners = set(self.live.owners.get(str(doc["id"]), []))
        roles = self.groups[code]
        same = sorted(k for k, rg in roles.items() if rg.members and set(rg.members) == owners)
        if same:
            return same[0]
        overlap = {k: len(owners & set(rg.members)) for k, rg in roles.items()}
        best = max(sorted(overlap), key=lambda k: overlap[k], default=None)
        if best is None or not overlap[best]:
            return None
        self.flag(
            path,
            f"no role's members at {code} are exactly the team's owners "
            f"({', '.join(sorted(owners)) or 'none'}): '{best}' holds most of them",
        )
        return best

    def _teams(self, codes: list[str]) -> dict[str, Any]:
        found: dict[str, dict[str, Any]] = defaultdict(dict)  # code → 'hospital' / ward → doc
        for doc in self.team_docs:
            alias = str(doc.get("mailNickname") or "").lower()
            name = str(doc.get("displayName") or "")
            code = self.site_of(alias, codes)
            if code is None:
                self.note(
                    f"team '{name}' ({alias}): its alias starts with no site's code "
                    f"({', '.join(f'{naming.ascii_slug(c)}-' for c in codes) or 'no sites'}): "
                    "not placed"
                )
                continue
            rest = alias[len(naming.ascii_slug(code)) + 1 :]
            if rest == "hospital":
                found[code]["hospital"] = doc
                self.site_names[code] = name
            else:
                found[code][rest] = doc
        specs: dict[str, dict[str, dict[str, Any]]] = {"hospital": {}, "ward": {}}
        wards: dict[str, list[str]] = {}
        for code in codes:
            self.site_names.setdefault(code, code)
            values = {"site": self.site_names[code], "code": code}
            hospital = found[code].get("hospital")
            if hospital:
                spec = self._team_spec(code, hospital, values, ("sites", code, "name"))
                if spec:
                    specs["hospital"][code] = spec
            ward_specs = []
            wards[code] = []
            for rest, doc in sorted(found[code].items()):
                if rest == "hospital":
                    continue
                slug = rest[5:] if rest.startswith("ward-") else rest
                name = str(doc.get("displayName") or "")
                ward = ward_name(name, slug)
                path = ("sites", code, "wards")
                if ward is None:
                    ward = slug.replace("-", " ")
                    self.flag(path, f"the ward {ward!r} is read from the alias of team '{name}'")
                if not rest.startswith("ward-"):
                    self.flag(
                        path,
                        f"team '{name}' ({doc.get('mailNickname')}) is taken as the ward "
                        f"{ward!r}; hcinfra names that ward's team "
                        f"{naming.team_nickname(code, 'ward-' + naming.ascii_slug(ward))}, "
                        "so adopt would not find this one",
                    )
                spec = self._team_spec(code, doc, {**values, "ward": ward}, path)
                if spec:
                    wards[code].append(ward)
                    ward_specs.append((ward, spec))
            if ward_specs:
                site_spec = mode([s for _, s in ward_specs])
                specs["ward"][code] = site_spec
                for ward, spec in ward_specs:
                    if spec != site_spec:
                        differs = ", ".join(f for f in spec if spec[f] != site_spec[f])
                        self.flag(
                            ("sites", code, "wards"),
                            f"the team of ward {ward!r} differs from the site's other ward "
                            f"teams in {differs}: the draft gives it theirs",
                        )
        baseline: dict[str, Any] = {}
        overrides: dict[str, dict[str, Any]] = defaultdict(dict)
        for kind in ("hospital", "ward"):
            if not specs[kind]:
                continue
            sites = specs[kind]
            base = {f: mode([s[f] for s in sites.values()]) for f in next(iter(sites.values()))}
            baseline[kind] = {f: v for f, v in base.items() if v is not None}
            self.flag(
                ("baseline", "teams", kind, "template"),
                "inferred from the teams' channels (Graph does not show a team's template)",
            )
            for code, spec in sorted(sites.items()):
                changed = {f: v for f, v in spec.items() if v != base[f]}
                if changed:
                    overrides[code][kind] = changed
            if kind == "hospital":
                # A site without one turns the baseline's off (a ward team needs a ward).
                for code in codes:
                    if code not in sites:
                        overrides[code][kind] = None
                        self.flag(
                            ("sites", code, "overrides", "teams", kind),
                            "the site has no hospital team (none with the alias "
                            f"{naming.team_nickname(code, 'hospital')})",
                        )
        return {"baseline": baseline, "overrides": overrides, "wards": wards}

    def _team_spec(
        self, code: str, doc: dict[str, Any], values: dict[str, str], path: Path
    ) -> dict[str, Any] | None:
        name = str(doc.get("displayName") or "")
        template = self._template(doc)
        if template is None:
            self.flag(
                path,
                f"team '{name}': its template could not be read from its channels: the draft "
                "says 'standard'",
            )
            template = "standard"
        owners_role = self._owners_role(code, doc, path)
        if owners_role is None:
            self.note(
                f"team '{name}' at {code}: no role's group at the site holds its owners, and a "
                "team is owned by a role: not placed"
            )
            return None
        description = doc.get("description")
        return {
            "template": template,
            "display_name": to_template(name, values),
            "description": to_template(str(description), values) if description else None,
            "owners_role": owners_role,
            "visibility": str(doc.get("visibility") or "private").lower(),
        }

    # -- mailboxes -----------------------------------------------------------------------
    def _trustee_role(self, trustee: str, code: str, key: str, right: str) -> str | None:
        """The role whose mail-enabled group a mailbox right is granted to, or None."""
        doc = self.mail_groups.get(trustee.lower())
        roles = self.groups[code]
        said = f"{right} on {code}'s '{key}' mailbox"
        if doc is None:
            direct = next(
                (k for k, rg in roles.items() if rg.name.lower() == trustee.lower()), None
            )
            if direct:
                self.pending.append(
                    (
                        code,
                        key,
                        right,
                        f"'{trustee}' holds it itself; hcinfra grants it to the "
                        "role's mail-enabled group",
                    )
                )
                return direct
            what = "the user" if "@" in trustee else "the principal"
            self.note(f"{said} is granted to {what} '{trustee}', not to a role: left out")
            return None
        self.used_mail_groups.add(str(doc["id"]).lower())
        shown = str(doc.get("displayName") or "")
        members = set(self._members(doc))
        for role, rg in roles.items():
            if shown.lower() == naming.mail_group_name(code, rg.role_name).lower():
                if members != set(rg.members):
                    self.pending.append(
                        (
                            code,
                            key,
                            right,
                            f"'{shown}' has other members than '{rg.name}': "
                            "hcinfra keeps them equal, so deploying changes them",
                        )
                    )
                return role
        same = sorted(k for k, rg in roles.items() if set(rg.members) == members and members)
        if len(same) == 1:
            name = naming.mail_group_name(code, roles[same[0]].role_name)
            self.pending.append(
                (
                    code,
                    key,
                    right,
                    f"'{shown}' holds the members of role '{same[0]}' but is "
                    f"not named {name}: deploying makes that group and moves the right to it",
                )
            )
            return same[0]
        self.note(f"{said} is granted to '{shown}', a group no role's members match: left out")
        return None

    def _mailboxes(self, codes: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
        found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # key → code → fields
        addresses: dict[str, list[tuple[str, str]]] = defaultdict(list)  # code → (address, domain)
        for mbx in self.live.mailboxes:
            address = str(mbx.get("PrimarySmtpAddress") or "").lower()
            alias = str(mbx.get("Alias") or "")
            local, _, domain = address.partition("@")
            code = self.site_of(alias, codes)
            if code is None:
                self.note(
                    f"shared mailbox {address} ({alias}): its alias starts with no site's "
                    "code: not placed"
                )
                continue
            if not LOCAL_PART.match(local):
                self.note(
                    f"shared mailbox {address}: its local part is not one a network file "
                    "takes: not placed"
                )
                continue
            key = make_key(naming.ascii_slug(local), set())
            if code in found[key]:
                self.note(
                    f"shared mailbox {address}: {code} has a mailbox of key '{key}' already: "
                    "not placed"
                )
                continue
            guid = str(mbx.get("Guid"))
            rights = {}
            for right, held in (
                ("full_access", self.live.full_access),
                ("send_as", self.live.send_as),
            ):
                keys = {self._trustee_role(t, code, key, right) for t in held.get(guid, [])}
                rights[right] = sorted(k for k in keys if k)
            values = {"site": self.site_names[code], "code": code}
            found[key][code] = {
                "local_part": local,
                "display_name": to_template(str(mbx.get("DisplayName") or alias), values),
                **rights,
            }
            addresses[code].append((address, domain))
            for what, live_value, derived in (
                ("name", mbx.get("Name"), naming.mailbox_name(code, local)),
                ("alias", alias, naming.mailbox_alias(code, local)),
            ):
                if str(live_value or "").lower() != derived.lower():
                    self.pending.append(
                        (
                            code,
                            key,
                            None,
                            f"{address} has the {what} '{live_value}', not "
                            f"'{derived}' as hcinfra names it: adopt refuses it until they agree",
                        )
                    )
        domains = {}
        for code, found_at in addresses.items():
            domains[code] = mode([d for _, d in found_at])
            for address, domain in found_at:
                if domain != domains[code]:
                    self.flag(
                        ("sites", code, "mail_domain"),
                        f"the shared mailbox {address} is at another domain than the site's: "
                        f"deploying gives it an address at {domains[code]}",
                    )
        baseline: list[dict[str, Any]] = []
        overrides: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Where each site's mailbox (field None) or overridden field is written, and whether
        # the baseline item is shared by every site.
        placed: dict[tuple[str, str, str | None], tuple[Path, dict[str, Any], bool]] = {}
        for key in sorted(found):
            sites = found[key]
            if len(sites) < len(codes):
                for code, fields in sorted(sites.items()):
                    item = {"key": key, **_compact(fields)}
                    overrides[code].append(item)
                    path = ("sites", code, "overrides", "mailboxes", key)
                    placed[(code, key, None)] = (path, item, False)
                self.flag(
                    ("sites", min(sites), "overrides", "mailboxes", key),
                    f"only {', '.join(sorted(sites))} {'has' if len(sites) == 1 else 'have'} "
                    "this mailbox: it is added by each site's overrides, not the baseline",
                )
                continue
            base = {f: mode([s[f] for s in sites.values()]) for f in next(iter(sites.values()))}
            item = {"key": key, **_compact(base)}
            baseline.append(item)
            for code, fields in sorted(sites.items()):
                placed[(code, key, None)] = (("baseline", "mailboxes", key), item, True)
                changed = {f: v for f, v in fields.items() if v != base[f]}
                if changed:
                    over = {"key": key, **changed}
                    overrides[code].append(over)
                    path = ("sites", code, "overrides", "mailboxes", key)
                    for f in changed:
                        placed[(code, key, f)] = (path, over, False)
        for code, key, about, text in self.pending:
            path, item, shared = placed.get((code, key, about)) or placed[(code, key, None)]
            where = (*path, about) if about and about in item else path
            self.flag(where, f"at {code}: {text}" if shared else text)
        return {"baseline": baseline, "overrides": overrides}, domains

    # -- sites and tenant --------------------------------------------------------------
    def _site(
        self,
        code: str,
        role_overrides: list[Any],
        domain: str | None,
        teams: dict[str, Any],
        mailboxes: dict[str, Any],
    ) -> dict[str, Any]:
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
        domains = self.live.domains
        chosen = next((d for d in domains if d.get("Default")), domains[0] if domains else None)
        return str((chosen or {}).get("DomainName") or "example.org").lower()

    def _tenant(self, sites: list[dict[str, Any]]) -> dict[str, Any]:
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
        pool = self._pool()
        if pool:
            tenant["licence_pool"] = pool
            self.flag(("tenant", "licence_pool"), "the seats the tenant has bought (enabled units)")
        return tenant

    def _pool(self) -> dict[str, int]:
        need: Counter[str] = Counter()
        for groups in self.groups.values():
            for rg in groups.values():
                for lic in self._licences_quiet(rg):
                    need[lic] += len(rg.members)
        by_part = {str(s.get("skuPartNumber")): s for s in self.live.skus.values()}
        pool = {}
        for part in sorted(need):
            enabled = (by_part.get(part, {}).get("prepaidUnits") or {}).get("enabled")
            if not isinstance(enabled, int):
                continue
            if need[part] > enabled:
                self.note(
                    f"the groups hold {need[part]} members licensed with {part} but the tenant "
                    f"has {enabled} seats: the licence pool leaves {part} out"
                )
                continue
            pool[part] = enabled
        return pool

    def _licences_quiet(self, rg: RoleGroup) -> list[str]:
        parts = []
        for lic in rg.doc.get("assignedLicenses") or []:
            sku = self.live.skus.get(str(lic.get("skuId", "")).lower()) or {}
            part = str(sku.get("skuPartNumber") or "")
            if part in catalog.SKUS:
                parts.append(part)
        return parts


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """A mailbox's fields without the empty defaults."""
    return {f: v for f, v in fields.items() if v not in (None, [])}
