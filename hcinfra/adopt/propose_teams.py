"""The draft's teams: the hospital team and the ward teams of each site.

A team is placed at a site by its alias prefix (`stm-hospital`, `stm-ward-icu`); the
hospital team's name is the site's name, a ward team's name gives the ward. Graph does not
show a team's template, so it is inferred from the channels; the owners give the role.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hcinfra.adopt.propose_names import to_template, ward_name
from hcinfra.adopt.propose_scan import Path, Scan, baseline_fields, changed_fields, mode
from hcinfra.network import naming
from hcinfra.resources.team.inputs import TEMPLATE_CHANNELS

HEALTHCARE_TEMPLATES = ("healthcareWard", "healthcareHospital")


def _template(scan: Scan, doc: dict[str, Any]) -> str | None:
    """The template whose channels the team has (Graph does not show it), or None."""
    gid = str(doc["id"])
    team = scan.live.teams.get(gid)
    channels = scan.live.channels.get(gid)
    if team is None or channels is None:
        return None
    names = {c.lower() for c in channels}
    for template in HEALTHCARE_TEMPLATES:
        if {c.lower() for c in TEMPLATE_CHANNELS[template]} <= names:
            return template
    if str(team.get("specialization") or "none") == "none":
        return "standard"
    return None


def _owners_role(scan: Scan, code: str, doc: dict[str, Any], path: Path) -> str | None:
    """The role at the site whose members are the team's owners, or hold most of them."""
    owners = set(scan.live.owners.get(str(doc["id"]), []))
    roles = scan.groups[code]
    same = sorted(k for k, rg in roles.items() if rg.members and set(rg.members) == owners)
    if same:
        return same[0]
    overlap = {k: len(owners & set(rg.members)) for k, rg in roles.items()}
    best = max(sorted(overlap), key=lambda k: overlap[k], default=None)
    if best is None or not overlap[best]:
        return None
    scan.flag(
        path,
        f"no role's members at {code} are exactly the team's owners "
        f"({', '.join(sorted(owners)) or 'none'}): '{best}' holds most of them",
    )
    return best


def build_teams(scan: Scan, codes: list[str]) -> dict[str, Any]:
    """The baseline's hospital and ward teams, the sites' overrides and wards; names sites."""
    found: dict[str, dict[str, Any]] = defaultdict(dict)  # code → 'hospital' / ward → doc
    for doc in scan.team_docs:
        alias = str(doc.get("mailNickname") or "").lower()
        name = str(doc.get("displayName") or "")
        code = scan.site_of(alias, codes)
        if code is None:
            scan.note(
                f"team '{name}' ({alias}): its alias starts with no site's code "
                f"({', '.join(f'{naming.ascii_slug(c)}-' for c in codes) or 'no sites'}): "
                "not placed"
            )
            continue
        rest = alias[len(naming.ascii_slug(code)) + 1 :]
        if rest == "hospital":
            found[code]["hospital"] = doc
            scan.site_names[code] = name
        else:
            found[code][rest] = doc
    specs: dict[str, dict[str, dict[str, Any]]] = {"hospital": {}, "ward": {}}
    wards: dict[str, list[str]] = {}
    for code in codes:
        scan.site_names.setdefault(code, code)
        values = {"site": scan.site_names[code], "code": code}
        hospital = found[code].get("hospital")
        if hospital:
            spec = _team_spec(scan, code, hospital, values, ("sites", code, "name"))
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
                scan.flag(path, f"the ward {ward!r} is read from the alias of team '{name}'")
            if not rest.startswith("ward-"):
                scan.flag(
                    path,
                    f"team '{name}' ({doc.get('mailNickname')}) is taken as the ward "
                    f"{ward!r}; hcinfra names that ward's team "
                    f"{naming.team_nickname(code, 'ward-' + naming.ascii_slug(ward))}, "
                    "so adopt would not find this one",
                )
            spec = _team_spec(scan, code, doc, {**values, "ward": ward}, path)
            if spec:
                wards[code].append(ward)
                ward_specs.append((ward, spec))
        if ward_specs:
            site_spec = mode([s for _, s in ward_specs])
            specs["ward"][code] = site_spec
            for ward, spec in ward_specs:
                if spec != site_spec:
                    differs = ", ".join(f for f in spec if spec[f] != site_spec[f])
                    scan.flag(
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
        base = baseline_fields(sites)
        baseline[kind] = {f: v for f, v in base.items() if v is not None}
        scan.flag(
            ("baseline", "teams", kind, "template"),
            "inferred from the teams' channels (Graph does not show a team's template)",
        )
        for code, spec in sorted(sites.items()):
            changed = changed_fields(spec, base)
            if changed:
                overrides[code][kind] = changed
        if kind == "hospital":
            # A site without one turns the baseline's off (a ward team needs a ward).
            for code in codes:
                if code not in sites:
                    overrides[code][kind] = None
                    scan.flag(
                        ("sites", code, "overrides", "teams", kind),
                        "the site has no hospital team (none with the alias "
                        f"{naming.team_nickname(code, 'hospital')})",
                    )
    return {"baseline": baseline, "overrides": overrides, "wards": wards}


def _team_spec(
    scan: Scan, code: str, doc: dict[str, Any], values: dict[str, str], path: Path
) -> dict[str, Any] | None:
    """A team's fields as the network file declares them, or None when no role owns it."""
    name = str(doc.get("displayName") or "")
    template = _template(scan, doc)
    if template is None:
        scan.flag(
            path,
            f"team '{name}': its template could not be read from its channels: the draft "
            "says 'standard'",
        )
        template = "standard"
    owners_role = _owners_role(scan, code, doc, path)
    if owners_role is None:
        scan.note(
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
