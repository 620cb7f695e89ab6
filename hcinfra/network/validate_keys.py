"""Keys and patterns: unique keys in every keyed list, overrides that name real items,
display name patterns with only the documented placeholders."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from hcinfra.network.model import Baseline, Site
from hcinfra.network.naming import ascii_slug, pattern_problem

Add = Callable[[str | None, tuple[Any, ...], str], None]

# The baseline's keyed lists and how a message names one of their keys; a new kind
# with a keyed list adds it here (overrides merge those lists by key).
KEYED_LISTS: dict[str, str] = {
    "roles": "role key",
    "mailboxes": "mailbox key",
    "partners": "partner key",
}
# The placeholders each pattern may use.
PATTERNS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("mailboxes", "*", "display_name"), ("site", "code")),
    (("teams", "hospital", "display_name"), ("site", "code")),
    (("teams", "hospital", "description"), ("site", "code")),
    (("teams", "ward", "display_name"), ("site", "code", "ward")),
    (("teams", "ward", "description"), ("site", "code", "ward")),
    (("care_coordination", "patient_list", "description"), ("site", "code", "ward")),
    (("virtual_visits", "display_name"), ("site", "code")),
    (("virtual_visits", "services", "*", "description"), ("site", "code")),
)


def close(value: str, known: list[str]) -> str:
    """'; did you mean …?' for the nearest known values, or ''."""
    near = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""


def duplicate_keys(items: list[Any], at: tuple[Any, ...], site: str | None, add: Add) -> None:
    """Each key once per keyed list (items are models or override mappings)."""
    section = at[-1]
    label = KEYED_LISTS.get(section, "key")
    first: dict[str, int] = {}
    for j, item in enumerate(items):
        key = item.get("key") if isinstance(item, dict) else getattr(item, "key", None)
        if not isinstance(key, str):
            continue
        if key in first:
            add(
                site,
                (*at, j, "key"),
                f"{label} {key!r} is used twice ({section}[{first[key]}] and {section}[{j}]); "
                "keys are unique in a list",
            )
        else:
            first[key] = j


def baseline_keys(baseline: Baseline, add: Add) -> None:
    """Unique keys in the baseline's keyed lists."""
    for section in KEYED_LISTS:
        duplicate_keys(getattr(baseline, section), ("baseline", section), None, add)


def override_keys(base: Baseline, site: Site, index: int, add: Add) -> bool:
    """Each override names its item by a text key, once; False when the site cannot merge."""
    ok = True
    for section, label in KEYED_LISTS.items():
        at = ("sites", index, "overrides", section)
        items = getattr(site.overrides, section)
        for j, item in enumerate(items):
            key = item.get("key")
            if key is None:
                add(
                    site.code,
                    (*at, j, "key"),
                    "an override names the baseline item it changes by its key",
                )
                ok = False
            elif not isinstance(key, str):
                add(site.code, (*at, j, "key"), f"a {label} is text; got {key!r}")
                ok = False
        duplicate_keys(items, at, site.code, add)
    return ok


def new_key_note(section: str, key: str, known: list[str], words: str) -> str:
    """A problem of an item an override adds, naming the key it gave."""
    label = KEYED_LISTS.get(section, "key")
    return (
        f"the override names the {label} {key!r}, which is not in the baseline, so it adds "
        f"a new item ({words}){close(key, known)}"
    )


def wards(site: Site, index: int, add: Add) -> None:
    """Each ward once, counting spellings that give the same team alias as one."""
    seen: dict[str, int] = {}
    for j, ward in enumerate(site.wards):
        slug = ascii_slug(ward)
        if slug in seen:
            other = site.wards[seen[slug]]
            same = (
                "is listed twice"
                if other.strip().lower() == ward.strip().lower()
                else (f"gives the same team alias as {other!r}")
            )
            add(site.code, ("sites", index, "wards", j), f"ward {ward!r} {same}")
        else:
            seen[slug] = j


def patterns(baseline: Baseline, at: tuple[Any, ...], site: str | None, add: Add) -> bool:
    """Every display name pattern takes only its placeholders; False when one does not."""
    ok = True
    for path, allowed in PATTERNS:
        for loc, template in _pattern_values(baseline, path):
            problem = pattern_problem(template, allowed)
            if problem:
                add(site, (*at, *loc), problem)
                ok = False
    return ok


def _pattern_values(baseline: Baseline, path: tuple[str, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if path[0] == "care_coordination":
        spec = baseline.care_coordination.patient_list
        value = spec.description if spec else None
        return [(path, value)] if isinstance(value, str) else []
    if path[0] == "virtual_visits":
        visits = baseline.virtual_visits
        if visits is None:
            return []
        if path[1] == "display_name":
            return [(path, visits.display_name)]
        return [
            (("virtual_visits", "services", i, "description"), s.description)
            for i, s in enumerate(visits.services)
            if s.description
        ]
    if path[0] == "mailboxes":
        return [
            (("mailboxes", i, path[2]), m.display_name) for i, m in enumerate(baseline.mailboxes)
        ]
    team = getattr(baseline.teams, path[1])
    value = getattr(team, path[2], None) if team else None
    return [((*path,), value)] if isinstance(value, str) else []
