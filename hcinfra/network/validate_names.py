"""Every name a site derives, checked against the limit of the service that will hold it.

The planner derives the names (SitePlan.names()); this is the one place that checks
them, each with its rule from limits.RULES. A name is never truncated: one that
does not fit is a problem naming the site, the field it comes from and the limit.
"""

from __future__ import annotations

from typing import Any

from hcinfra.network.limits import RULES
from hcinfra.network.model import Network, Site
from hcinfra.network.plan import DerivedName, SitePlan
from hcinfra.network.validate_keys import Add


def check_names(network: Network, index: int, plan: SitePlan, add: Add) -> None:
    """Report each derived name of this site that its service would refuse."""
    site = network.sites[index]
    reported: set[tuple[str, str]] = set()
    for name in plan.names():
        rule = RULES[name.rule]
        problem = rule.problem(name.value)
        if not problem or (name.what, name.value) in reported:
            continue
        reported.add((name.what, name.value))
        add(
            site.code,
            origin_path(network, site, index, name),
            f"derives the {name.what} {name.value!r}, which {problem}; see {rule.page}",
        )


def origin_path(network: Network, site: Site, index: int, name: DerivedName) -> tuple[Any, ...]:
    """The field a derived name comes from: the site's override when it sets it."""
    section, key, field = name.origin
    over = ("sites", index, "overrides", section)
    if section in ("roles", "mailboxes"):
        for j, item in enumerate(getattr(site.overrides, section)):
            if item.get("key") == key and field in item:
                return (*over, j, field)
        keys = [i.key for i in getattr(network.baseline, section)]
        if key in keys:
            return ("baseline", section, keys.index(key), field)
        for j, item in enumerate(getattr(site.overrides, section)):
            if item.get("key") == key:
                return (*over, j)
        return ("sites", index)
    if section == "teams":
        if field in (site.overrides.teams.get(key) or {}):
            return (*over, key, field)
        return ("baseline", "teams", key, field)
    if section == "virtual_visits":
        if field in (site.overrides.virtual_visits or {}):
            return (*over, field)
        return ("baseline", "virtual_visits", field)
    return ("sites", index, key)
