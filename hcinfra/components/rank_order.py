"""Ordering a precedence list's changes so that no user ever holds a lower role's policy.

Teams gives a user the policy of the first group in a type's list they belong to. When
a user's groups change one at a time (a move between network-wide and site groups, or
a site leaving), the order matters: removing the higher group first leaves the user
with the lower one's policy until the other goes. So assignments wait for those ranked
above them (Pulumi then creates them top-down and deletes them bottom-up), and the
network-wide groups wait for those ranked below them (a user leaves the lower groups
first).
"""

from __future__ import annotations

from typing import TypeVar

import pulumi

R = TypeVar("R", bound=pulumi.Resource)


class RankOrder:
    """The resources made so far by rank (1 first), and what a new one must wait for."""

    def __init__(self) -> None:
        self.made: dict[int, list[pulumi.Resource]] = {}

    def above(self, rank: int) -> list[pulumi.Resource]:
        """Everything made at a rank before `rank`."""
        return [r for k in sorted(self.made) if k < rank for r in self.made[k]]

    def below(self, rank: int) -> list[pulumi.Resource]:
        """Everything made at a rank after `rank`."""
        return [r for k in sorted(self.made) if k > rank for r in self.made[k]]

    def add(self, rank: int, resource: R) -> R:
        """Record a resource at its rank; returns it."""
        self.made.setdefault(rank, []).append(resource)
        return resource
