"""The limits of the services that hold the names a site derives, with their Learn pages.

One rule per (service, field). SitePlan.names() tags every derived name with a
rule key; validate_names checks each. A new kind adds its rule here and its
names there. docs/network.md lists the same table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Graph group mailNickname: ASCII 0-127 except these.
NICKNAME_FORBIDDEN = set('@()\\[]";:.<>, ')
# Exchange Alias: letters, digits and these; periods only between other valid characters.
ALIAS_EXTRA = set("!#$%&'*+-/=?^_`{|}~.")
# Teams channel names.
CHANNEL_FORBIDDEN = set("~#%&*{}+/\\:<>?|'\"")
CHANNEL_RESERVED = {"forms", "con", "conin$", "conout$", "prn", "aux", "nul", "desktop.ini"}
CHANNEL_RESERVED |= {f"com{n}" for n in range(1, 10)} | {f"lpt{n}" for n in range(1, 10)}


@dataclass(frozen=True)
class NameRule:
    """A service's limit on one kind of name."""

    service: str  # "Graph", "Exchange", "Teams"
    field: str  # what the service calls the field, e.g. "group mailNickname"
    max_length: int
    page: str

    def problem(self, value: str) -> str | None:
        """Why the service would refuse this value, in words, or None."""
        if not value.strip():
            return "is empty"
        if len(value) > self.max_length:
            return (
                f"is {len(value)} characters; {self.service} allows {self.max_length} "
                f"({self.field})"
            )
        controls = sorted({f"U+{ord(c):04X}" for c in value if unicodedata.category(c) == "Cc"})
        if controls:
            return f"has control characters ({', '.join(controls)})"
        return self.characters(value)

    def characters(self, value: str) -> str | None:
        """Character rules beyond the length; none by default."""
        return None


@dataclass(frozen=True)
class NicknameRule(NameRule):
    """Graph mailNickname: ASCII without @ ( ) \\ [ ] " ; : . < > , or spaces."""

    def characters(self, value: str) -> str | None:
        """Characters outside ASCII or in the forbidden set."""
        bad = sorted({c for c in value if ord(c) > 127 or c in NICKNAME_FORBIDDEN})
        if bad:
            return f"has characters a mailNickname refuses ({' '.join(map(repr, bad))})"
        return None


@dataclass(frozen=True)
class AliasRule(NameRule):
    """Exchange Alias: letters, digits, ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and inner periods."""

    def characters(self, value: str) -> str | None:
        """Characters Exchange refuses in an alias, and misplaced periods."""
        bad = sorted(
            {c for c in value if not (c.isascii() and c.isalnum()) and c not in ALIAS_EXTRA}
        )
        bad = [c for c in bad if not "\u00a1" <= c <= "\u00ff"]
        if bad:
            return f"has characters an Exchange alias refuses ({' '.join(map(repr, bad))})"
        if value.startswith(".") or value.endswith(".") or ".." in value:
            return "has a period that is not between two other characters"
        return None


@dataclass(frozen=True)
class ChannelRule(NameRule):
    """Teams channel names: no ~ # % & * { } + / \\ : < > ? | ' " or .., no reserved word."""

    def characters(self, value: str) -> str | None:
        """Characters, sequences and words Teams refuses in a channel name."""
        bad = sorted(set(value) & CHANNEL_FORBIDDEN)
        if bad:
            return f"has characters Teams refuses in a channel name ({' '.join(bad)})"
        if ".." in value:
            return "has '..', which Teams refuses in a channel name"
        if value.startswith(("_", ".")) or value.endswith("."):
            return "starts with '_' or '.', or ends with '.', which Teams refuses"
        if value.lower() in CHANNEL_RESERVED or "_vti_" in value.lower():
            return "is a name Teams reserves"
        return None


GRAPH_GROUP = "https://learn.microsoft.com/graph/api/resources/group"
GRAPH_GROUP_POST = "https://learn.microsoft.com/graph/api/group-post-groups"
NEW_MAILBOX = "https://learn.microsoft.com/powershell/module/exchange/new-mailbox"
NEW_DG = "https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup"
NEW_TEAM = "https://learn.microsoft.com/powershell/module/teams/new-team"
CHANNEL_POST = "https://learn.microsoft.com/graph/api/channel-post"
BOOKINGS = "https://learn.microsoft.com/graph/api/resources/bookingbusiness"
TEAMS_LIMITS = "https://learn.microsoft.com/microsoftteams/limits-specifications-teams"

RULES: dict[str, NameRule] = {
    "group.displayName": NameRule("Graph", "group displayName", 256, GRAPH_GROUP_POST),
    "group.mailNickname": NicknameRule("Graph", "group mailNickname", 64, GRAPH_GROUP),
    "exchange.name": NameRule(
        "Exchange", "-Name of New-Mailbox and New-DistributionGroup", 64, NEW_DG
    ),
    "exchange.alias": AliasRule("Exchange", "-Alias", 64, NEW_MAILBOX),
    "exchange.displayName": NameRule("Exchange", "-DisplayName", 256, NEW_MAILBOX),
    "team.displayName": NameRule("Teams", "team displayName, New-Team", 256, NEW_TEAM),
    "team.description": NameRule("Teams", "team description, New-Team", 1024, NEW_TEAM),
    "channel.displayName": ChannelRule("Teams", "channel displayName", 50, CHANNEL_POST),
    # VirtualVisits' own limit (Bookings publishes none); the business id derives from it.
    "bookings.displayName": NameRule("Bookings", "bookingBusiness displayName", 255, BOOKINGS),
}
