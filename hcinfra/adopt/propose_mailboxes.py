"""The draft's shared mailboxes, and their rights as roles through mail-enabled groups.

A mailbox is placed at a site by its alias prefix and keyed by its local part. hcinfra
grants full access and send as to a role's mail-enabled group, so a right is read as the
role whose group holds it (by name, else by the same members); a right held otherwise is
noted. A site's mail domain is the one most of its mailboxes have.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hcinfra.adopt.propose_names import make_key, to_template
from hcinfra.adopt.propose_scan import Path, Scan, baseline_fields, changed_fields, mode
from hcinfra.network import naming
from hcinfra.network.model import LOCAL_PART

# A comment on a mailbox, placed once the baseline and overrides are known:
# (code, mailbox key, field or None for the mailbox, text).
Pending = tuple[str, str, str | None, str]
Found = dict[str, dict[str, dict[str, Any]]]  # key → code → fields
Addresses = dict[str, list[tuple[str, str]]]  # code → (address, domain)


def build_mailboxes(scan: Scan, codes: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The baseline's mailboxes and the sites' overrides, and each site's mail domain."""
    pending: list[Pending] = []
    found, addresses = _read_mailboxes(scan, codes, pending)
    domains = _mail_domains(scan, addresses)
    return _place(scan, codes, found, pending), domains


def note_unused_mail_groups(scan: Scan) -> None:
    """Note each mail-enabled group that holds no right on a site's mailbox."""
    for mg in scan.mail_groups.values():
        gid = str(mg["id"]).lower()
        if gid not in scan.used_mail_groups:
            scan.used_mail_groups.add(gid)
            scan.note(
                f"mail-enabled security group '{mg.get('displayName')}' holds no right on "
                "a shared mailbox of a site: not placed"
            )


def _read_mailboxes(
    scan: Scan, codes: list[str], pending: list[Pending]
) -> tuple[Found, Addresses]:
    """Each shared mailbox's fields by key and site, and the sites' addresses."""
    found: Found = defaultdict(dict)
    addresses: Addresses = defaultdict(list)
    for mbx in scan.live.mailboxes:
        address = str(mbx.get("PrimarySmtpAddress") or "").lower()
        alias = str(mbx.get("Alias") or "")
        local, _, domain = address.partition("@")
        code = scan.site_of(alias, codes)
        if code is None:
            scan.note(
                f"shared mailbox {address} ({alias}): its alias starts with no site's "
                "code: not placed"
            )
            continue
        if not LOCAL_PART.match(local):
            scan.note(
                f"shared mailbox {address}: its local part is not one a network file "
                "takes: not placed"
            )
            continue
        key = make_key(naming.ascii_slug(local), set())
        if code in found[key]:
            scan.note(
                f"shared mailbox {address}: {code} has a mailbox of key '{key}' already: not placed"
            )
            continue
        guid = str(mbx.get("Guid"))
        rights = {}
        for right, held in (
            ("full_access", scan.live.full_access),
            ("send_as", scan.live.send_as),
        ):
            keys = {_trustee_role(scan, pending, t, code, key, right) for t in held.get(guid, [])}
            rights[right] = sorted(k for k in keys if k)
        values = {"site": scan.site_names[code], "code": code}
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
                text = (
                    f"{address} has the {what} '{live_value}', not "
                    f"'{derived}' as hcinfra names it: adopt refuses it until they agree"
                )
                pending.append((code, key, None, text))
    return found, addresses


def _mail_domains(scan: Scan, addresses: Addresses) -> dict[str, str]:
    """Each site's mail domain, the one most of its mailboxes have; the others flagged."""
    domains: dict[str, str] = {}
    for code, found_at in addresses.items():
        domains[code] = mode([d for _, d in found_at])
        for address, domain in found_at:
            if domain != domains[code]:
                scan.flag(
                    ("sites", code, "mail_domain"),
                    f"the shared mailbox {address} is at another domain than the site's: "
                    f"deploying gives it an address at {domains[code]}",
                )
    return domains


def _place(scan: Scan, codes: list[str], found: Found, pending: list[Pending]) -> dict[str, Any]:
    """The baseline's mailboxes (those every site has) and the overrides; comments placed."""
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
            scan.flag(
                ("sites", min(sites), "overrides", "mailboxes", key),
                f"only {', '.join(sorted(sites))} {'has' if len(sites) == 1 else 'have'} "
                "this mailbox: it is added by each site's overrides, not the baseline",
            )
            continue
        base = baseline_fields(sites)
        item = {"key": key, **_compact(base)}
        baseline.append(item)
        for code, fields in sorted(sites.items()):
            placed[(code, key, None)] = (("baseline", "mailboxes", key), item, True)
            changed = changed_fields(fields, base)
            if changed:
                over = {"key": key, **changed}
                overrides[code].append(over)
                path = ("sites", code, "overrides", "mailboxes", key)
                for f in changed:
                    placed[(code, key, f)] = (path, over, False)
    for code, key, about, text in pending:
        path, item, shared = placed.get((code, key, about)) or placed[(code, key, None)]
        where = (*path, about) if about and about in item else path
        scan.flag(where, f"at {code}: {text}" if shared else text)
    return {"baseline": baseline, "overrides": overrides}


def _trustee_role(
    scan: Scan, pending: list[Pending], trustee: str, code: str, key: str, right: str
) -> str | None:
    """The role whose mail-enabled group a mailbox right is granted to, or None."""
    doc = scan.mail_groups.get(trustee.lower())
    roles = scan.groups[code]
    said = f"{right} on {code}'s '{key}' mailbox"

    def pend(text: str) -> None:
        pending.append((code, key, right, text))

    if doc is None:
        direct = next((k for k, rg in roles.items() if rg.name.lower() == trustee.lower()), None)
        if direct:
            pend(f"'{trustee}' holds it itself; hcinfra grants it to the role's mail-enabled group")
            return direct
        what = "the user" if "@" in trustee else "the principal"
        scan.note(f"{said} is granted to {what} '{trustee}', not to a role: left out")
        return None
    scan.used_mail_groups.add(str(doc["id"]).lower())
    shown = str(doc.get("displayName") or "")
    members = set(scan.members_of(doc))
    for role, rg in roles.items():
        if shown.lower() == naming.mail_group_name(code, rg.role_name).lower():
            if members != set(rg.members):
                pend(
                    f"'{shown}' has other members than '{rg.name}': "
                    "hcinfra keeps them equal, so deploying changes them"
                )
            return role
    same = sorted(k for k, rg in roles.items() if set(rg.members) == members and members)
    if len(same) == 1:
        name = naming.mail_group_name(code, roles[same[0]].role_name)
        pend(
            f"'{shown}' holds the members of role '{same[0]}' but is "
            f"not named {name}: deploying makes that group and moves the right to it"
        )
        return same[0]
    scan.note(f"{said} is granted to '{shown}', a group no role's members match: left out")
    return None


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """A mailbox's fields without the empty defaults."""
    return {f: v for f, v in fields.items() if v not in (None, [])}
