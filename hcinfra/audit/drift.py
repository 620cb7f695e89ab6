"""Declared against live, per object and per field."""

from __future__ import annotations

from typing import Any

from hcinfra.audit.model import Finding
from hcinfra.audit.records import Record

# Fields compared as sets: what is missing and what is extra are reported one by one.
LIST_FIELDS = ("members", "owners", "full_access", "send_as", "domains")
SCALAR_FIELDS = (
    "name",
    "description",
    "display_name",
    "alias",
    "visibility",
    "sign_in_blocked",
    "email",
    "published",
    "enabled",
    "provision_status",
    "time_zone",
)
# Named items of an object (a schedule's groups, a list's columns, a calendar's services
# and staff), matched by name without regard to case: an item missing or extra is one
# finding, and each of its properties is compared (lists as sets, values as settings are).
NAMED_FIELDS = ("groups", "columns", "services", "staff")


def _value(v: Any) -> str:
    return repr(v) if not isinstance(v, str) else f"'{v}'"


def compare_site(
    site: str, declared: list[Record], live: list[Record], shadows: list[Record]
) -> list[Finding]:
    """Every difference between a site's declared objects and the tenant's."""
    found: list[Finding] = []
    index = {_identity(r): r for r in live}
    for want in declared:
        have = index.get(_identity(want))
        if have is None:
            found.append(
                Finding(
                    site,
                    want["kind"],
                    want["name"],
                    None,
                    None,
                    "missing",
                    want["name"],
                    None,
                    f"{want['kind']} {want['name']} is declared but not in the tenant",
                )
            )
            continue
        found += _compare(site, want, have)
    for shadow in shadows:
        found.append(
            Finding(
                site,
                shadow["kind"],
                str(shadow["name"]),
                shadow.get("id"),
                None,
                "shadow",
                None,
                shadow.get("mail_nickname") or shadow.get("alias") or shadow["name"],
                f"{shadow['kind']} {shadow['name']} follows the site's naming but is not declared",
            )
        )
    return found


def _identity(record: Record) -> tuple[str, str]:
    # Groups and teams are found by mailNickname, so a renamed one is a changed name.
    key = record.get("mail_nickname") or record["name"]
    return record["kind"], str(key).lower()


def _compare(site: str, want: Record, have: Record) -> list[Finding]:
    out: list[Finding] = []
    kind, name, oid = want["kind"], str(want["name"]), have.get("id")

    def add(field: str, category: Any, declared: Any, actual: Any, message: str) -> None:
        out.append(Finding(site, kind, name, oid, field, category, declared, actual, message))

    for field in SCALAR_FIELDS:
        declared, actual = want.get(field), have.get(field)
        if field == "name":  # names are unique without regard to case, as they match
            declared, actual = str(declared).lower(), str(actual).lower()
        if field in want and declared != actual:
            add(
                field,
                "changed",
                want[field],
                have.get(field),
                f"{field}: declared {_value(want[field])}, actual {_value(have.get(field))}",
            )
    for field in LIST_FIELDS:
        if field not in want:
            continue
        wanted = {str(v).lower(): v for v in want[field]}
        held = {str(v).lower(): v for v in have.get(field) or []}
        for key in sorted(set(wanted) - set(held)):
            add(
                field,
                "missing",
                wanted[key],
                None,
                f"{field}: {wanted[key]} is declared but absent",
            )
        for key in sorted(set(held) - set(wanted)):
            add(field, "extra", None, held[key], f"{field}: {held[key]} is not declared")
    if want.get("archived") is False and have.get("archived"):
        add("archived", "archived", False, True, f"team {name} is archived")
    if "licences" in want and want["licences"] != have.get("licences"):
        add(
            "licences",
            "changed",
            want["licences"],
            have.get("licences"),
            "licences: declared "
            + _skus(want["licences"])
            + ", actual "
            + _skus(have.get("licences") or []),
        )
    if "policies" in want:
        out += _policies(site, want, have)
    if "effective" in want:
        out += _effective(site, want, have)
    if "settings" in want:
        out += _settings(site, want, have)
    for field in NAMED_FIELDS:
        if field in want:
            out += _named(site, want, have, field)
    return out


def _named(site: str, want: Record, have: Record, field: str) -> list[Finding]:
    out: list[Finding] = []
    held: dict[str, Any] = have.get(field) or {}
    by_key = {str(k).lower(): k for k in held}
    base = (site, want["kind"], str(want["name"]), have.get("id"))

    def add(where: str, category: Any, declared: Any, actual: Any, message: str) -> None:
        out.append(Finding(*base, where, category, declared, actual, message))

    for name, spec in want[field].items():
        key = by_key.get(str(name).lower())
        if key is None:
            add(field, "missing", name, None, f"{field}: {name} is declared but absent")
            continue
        actual: dict[str, Any] = held[key] or {}
        for prop, value in spec.items():
            where, got = f"{field}.{name}.{prop}", actual.get(prop)
            if isinstance(value, list):
                wanted = {str(v).lower(): v for v in value}
                seen = {str(v).lower(): v for v in got or []}
                for k in sorted(set(wanted) - set(seen)):
                    add(where, "missing", wanted[k], None, f"{name} {prop}: {wanted[k]} is absent")
                for k in sorted(set(seen) - set(wanted)):
                    add(where, "extra", None, seen[k], f"{name} {prop}: {seen[k]} is not declared")
            elif _norm(value) != _norm(got):
                add(
                    where,
                    "changed",
                    value,
                    got,
                    f"{name} {prop}: declared {_value(value)}, actual {_value(got)}",
                )
    wanted_keys = {str(k).lower() for k in want[field]}
    for key in sorted(k for k in held if str(k).lower() not in wanted_keys):
        add(field, "extra", None, key, f"{field}: {key} is not declared")
    return out


def _skus(licences: list[dict[str, Any]]) -> str:
    if not licences:
        return "none"
    return ", ".join(
        lic["sku"]
        + (f" without {', '.join(lic['disabled_plans'])}" if lic["disabled_plans"] else "")
        for lic in licences
    )


def _policies(site: str, want: Record, have: Record) -> list[Finding]:
    out: list[Finding] = []
    held: dict[str, Any] = have.get("policies") or {}
    for policy_type, spec in want["policies"].items():
        field = f"policies.{policy_type}"
        live = held.get(policy_type)
        base = (site, want["kind"], str(want["name"]), have.get("id"), field)
        if live is None:
            out.append(
                Finding(
                    *base,
                    "missing",
                    spec["policy_name"],
                    None,
                    f"{policy_type}: {spec['policy_name']} is not assigned",
                )
            )
            continue
        if str(live["policy_name"]).lower() != str(spec["policy_name"]).lower():
            out.append(
                Finding(
                    *base,
                    "changed",
                    spec["policy_name"],
                    live["policy_name"],
                    f"{policy_type}: assigned {live['policy_name']} instead of "
                    f"{spec['policy_name']}",
                )
            )
        if live.get("misplaced"):
            out.append(
                Finding(
                    *base[:4],
                    f"{field}.rank",
                    "changed",
                    spec["rank"],
                    live.get("rank"),
                    f"{policy_type}: ranked {live.get('rank')} among the site's groups instead "
                    f"of {spec['rank']} (out of order with {', '.join(live['misplaced'])})",
                )
            )
    for policy_type in sorted(set(held) - set(want["policies"])):
        out.append(
            Finding(
                site,
                want["kind"],
                str(want["name"]),
                have.get("id"),
                f"policies.{policy_type}",
                "extra",
                None,
                held[policy_type]["policy_name"],
                f"{policy_type}: {held[policy_type]['policy_name']} is assigned but not declared",
            )
        )
    return out


def _how(live: dict[str, Any], spec: dict[str, Any]) -> str:
    """What gives a user a policy other than the declared one, in words."""
    name, declared = live.get("policy_name"), spec["policy_name"]
    group = f"group policy {declared} of {spec['via']}" if spec.get("via") else declared
    if live.get("assignment") == "direct":
        return f"direct assignment {name} overrides {group}"
    if live.get("assignment") == "default":
        return f"the {name} default applies instead of {group}: no assignment reaches the user"
    return f"{name} of {live.get('via') or 'another group'} applies instead of {group}"


def _effective(site: str, want: Record, have: Record) -> list[Finding]:
    """A user's effective Teams policies against the declared ones, by policy name."""
    out: list[Finding] = []
    held: dict[str, Any] = have.get("effective") or {}
    for policy_type, spec in want["effective"].items():
        base = (site, want["kind"], str(want["name"]), have.get("id"), f"effective.{policy_type}")
        live = held.get(policy_type)
        if live is None:
            out.append(
                Finding(
                    *base,
                    "missing",
                    spec["policy_name"],
                    None,
                    f"{policy_type}: not among the user's effective policies",
                )
            )
        elif str(live.get("policy_name")).lower() != str(spec["policy_name"]).lower():
            out.append(
                Finding(
                    *base,
                    "changed",
                    spec["policy_name"],
                    live.get("policy_name"),
                    f"{policy_type}: {_how(live, spec)}",
                )
            )
    return out


def _settings(site: str, want: Record, have: Record) -> list[Finding]:
    out: list[Finding] = []
    held: dict[str, Any] = have.get("settings") or {}
    for key, value in want["settings"].items():
        field = f"settings.{key}"
        base = (site, want["kind"], str(want["name"]), have.get("id"), field)
        actual = held.get(key)
        if isinstance(value, list):
            wanted = [str(v).lower() for v in value]
            got = [str(v).lower() for v in actual or []]
            absent = [v for v in value if str(v).lower() not in got]
            extra = [v for v in actual or [] if str(v).lower() not in wanted]
            for v in absent:
                out.append(Finding(*base, "missing", v, None, f"{key}: {v} is declared but absent"))
            for v in extra:
                out.append(Finding(*base, "extra", None, v, f"{key}: {v} is not declared"))
            if not absent and not extra and wanted != got:
                out.append(
                    Finding(
                        *base,
                        "changed",
                        value,
                        actual,
                        f"{key}: declared order {value}, actual {actual}",
                    )
                )
        elif _norm(value) != _norm(actual):
            out.append(
                Finding(
                    *base,
                    "changed",
                    value,
                    actual,
                    f"{key}: declared {_value(value)}, actual {_value(actual)}",
                )
            )
    return out


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
