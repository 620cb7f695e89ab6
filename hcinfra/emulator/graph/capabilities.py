"""The documented query capabilities of each Graph collection the emulator serves, as data.

Each filterable property lists the `$filter` operators that work by default and those that
need an advanced query (`ConsistencyLevel: eventual` and `$count=true`), from the
"Supports $filter (…)" notes of the resource pages and the operator table of "Advanced
query capabilities on Microsoft Entra ID objects". `not` and `ne` are advanced-only on
directory objects; `in` works wherever `eq` works by default; `endsWith` works, with
advanced queries, on mail, otherMails, userPrincipalName and proxyAddresses only.
`any` marks a collection property filtered through a lambda (`groupTypes/any(c:c eq 'x')`).

REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries
REF: https://learn.microsoft.com/en-us/graph/api/resources/group
REF: https://learn.microsoft.com/en-us/graph/api/resources/user
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ops:
    """The $filter operators a property supports: by default, and only in advanced queries."""

    default: frozenset[str]
    advanced: frozenset[str] = frozenset()
    collection: bool = False  # filtered through any(), not compared directly


def ops(default: str, advanced: str = "", collection: bool = False) -> Ops:
    """Ops from space-separated operator names."""
    return Ops(frozenset(default.split()), frozenset(advanced.split()), collection)


# group resource page: "Supports $filter (eq, ne, not, ge, le, in, startsWith, eq on null)".
_TEXT = ops("eq in ge le startswith null", "ne not")
GROUP_FILTERS: dict[str, Ops] = {
    "classification": ops("eq ge le startswith", "ne not"),
    "createdDateTime": ops("eq ge le in", "ne not"),
    "description": ops("eq ge le startswith", "ne not"),
    "displayName": _TEXT,
    "expirationDateTime": ops("eq ge le in", "ne not"),
    "groupTypes": ops("eq", "not", collection=True),
    "hasMembersWithLicenseErrors": ops("eq"),
    "id": ops("eq in", "ne not"),
    "isAssignableToRole": ops("eq", "ne not"),
    "mail": ops("eq in ge le startswith null", "ne not endswith"),
    "mailEnabled": ops("eq", "ne not"),
    "mailNickname": _TEXT,
    "membershipRule": ops("eq ge le startswith", "ne not"),
    "membershipRuleProcessingState": ops("eq in", "ne not"),
    "onPremisesSyncEnabled": ops("eq in null", "ne not"),
    "preferredLanguage": _TEXT,
    "proxyAddresses": ops("eq startswith", "not endswith", collection=True),
    "renewedDateTime": ops("eq ge le in", "ne not"),
    # resourceProvisioningOptions/Any(x:x eq 'Team') is the documented way to list teams.
    "resourceProvisioningOptions": ops("eq", "not", collection=True),
    "securityEnabled": ops("eq in", "ne not"),
    "uniqueName": ops("eq in", "ne not"),
}

# The operator table of "Advanced query capabilities", user rows.
USER_FILTERS: dict[str, Ops] = {
    "accountEnabled": ops("eq in", "ne not ge le"),
    "businessPhones": ops("eq", "not", collection=True),
    "city": ops("eq ge in startswith", "ne not null"),
    "createdDateTime": ops("eq ge le", "ne not in"),
    "department": ops("eq ge le in startswith", "ne not null"),
    "displayName": ops("eq in startswith", "ne not null"),
    "givenName": ops("eq ge le in startswith", "ne null"),
    "id": ops("eq in", "ne not"),
    "jobTitle": ops("eq ge le in", "ne null"),
    "mail": ops("eq ge le in startswith", "ne endswith"),
    "mailNickname": ops("eq ge le in startswith", "ne null"),
    "mobilePhone": ops("", "eq ne ge le in startswith null"),
    "officeLocation": ops("", "eq ne ge le in startswith null"),
    "otherMails": ops("eq ge le startswith", "ne endswith", collection=True),
    "postalCode": ops("", "eq ne ge le in startswith null"),
    "preferredLanguage": ops("", "eq ne ge le in startswith null"),
    "proxyAddresses": ops("eq ge le startswith", "ne null endswith", collection=True),
    "surname": ops("eq ge le in startswith", "ne null"),
    "usageLocation": ops("eq ge le in startswith", "ne"),
    "userPrincipalName": ops("eq le in startswith", "ne endswith"),
    "userType": ops("eq in", "ne not null"),
}

# "List teamsApp": any field, with equal, not-equal, and, or and not (no advanced query).
TEAMS_APP_FILTERS: dict[str, Ops] = {
    name: ops("eq ne not") for name in ("id", "externalId", "displayName", "distributionMethod")
}

# $orderby: True works by default, False needs an advanced query.
GROUP_ORDERBY = {"displayName": True}
DELETED_GROUP_ORDERBY = {"displayName": True, "deletedDateTime": False}
USER_ORDERBY = {"displayName": True, "userPrincipalName": True, "createdDateTime": False}

# $search: tokenized properties; the others match from their start (startswith).
GROUP_SEARCH = {"displayName": True, "description": True, "mail": False, "mailNickname": False}
USER_SEARCH = {
    "displayName": True,
    "givenName": False,
    "surname": False,
    "mail": False,
    "userPrincipalName": False,
    "mailNickname": False,
}
