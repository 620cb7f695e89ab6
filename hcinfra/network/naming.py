"""The naming convention: every object name a site derives from its code and the role.

Display names keep the site's own spelling (accents included); mail nicknames,
aliases and addresses are ASCII, as Exchange and Entra ID require. No name is
ever truncated: validate_names checks each against its service's limit.
"""

from __future__ import annotations

import re
import string
import unicodedata


def ascii_slug(text: str) -> str:
    """Lowercase ASCII with dashes: 'Hôpital Sainte-Anne' → 'hopital-sainte-anne'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def group_name(code: str, role_name: str) -> str:
    """A role group's display name, e.g. STM-Clinical-Workers."""
    return f"{code}-{role_name}"


def group_nickname(code: str, role_name: str) -> str:
    """A role group's mailNickname (and uniqueName), e.g. stm-clinical-workers."""
    return ascii_slug(group_name(code, role_name))


def mailbox_alias(code: str, local_part: str) -> str:
    """A shared mailbox's alias, unique in the tenant: stm-info."""
    return f"{ascii_slug(code)}-{ascii_slug(local_part)}"


def mailbox_name(code: str, local_part: str) -> str:
    """A shared mailbox's Exchange name, unique in the tenant: STM-info."""
    return f"{code}-{local_part}"


def mailbox_address(local_part: str, domain: str) -> str:
    """A shared mailbox's primary address: info@stm.northwindhealth.org."""
    return f"{local_part.lower()}@{domain.lower()}"


def mail_group_name(code: str, role_name: str) -> str:
    """The Exchange name (and display name) of a role's mail-enabled security group."""
    return f"{group_name(code, role_name)}-Mail"


def mail_group_alias(code: str, role_name: str) -> str:
    """Its alias and address local part: stm-clinical-workers-mail (not truncated: validated)."""
    return ascii_slug(mail_group_name(code, role_name))


def team_nickname(code: str, key: str) -> str:
    """A team's group alias: stm-hospital, stm-ward-3-nord."""
    return f"{ascii_slug(code)}-{ascii_slug(key)}"


def render(template: str, **values: str) -> str:
    """Fill {site}, {code} and {ward} in a display name pattern (checked by pattern_problem)."""
    return template.format(**values)


def pattern_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Why a display name pattern cannot be filled, in words, or None."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return (
            f"the pattern {template!r} has an unbalanced brace; placeholders are written "
            f"{{name}} and a literal brace is doubled ({{{{ or }}}})"
        )
    known = ", ".join(f"{{{a}}}" for a in allowed)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            shown = f"{{{name}}}" if name else "{}"
            return (
                f"the pattern {template!r} uses the unknown placeholder {shown}; it may use {known}"
            )
        if spec or conversion:
            return (
                f"the pattern {template!r} adds a conversion or format to {{{name}}}; "
                f"write the placeholder plainly: {known}"
            )
    return None
