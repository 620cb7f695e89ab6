"""What SharedMailbox's provider needs granted: Exchange as an app, and Graph to block sign-in."""

from __future__ import annotations

from typing import Any

from hcinfra.resources.base import Grants, Permissions

EXCHANGE: dict[str, Any] = {
    "exchange": ("Exchange.ManageAsApp",),
    "directory_roles": ("Exchange Administrator",),
}
PERMISSIONS = Permissions(
    read=Grants(graph=("User.Read.All",), **EXCHANGE),
    write=Grants(graph=("User.EnableDisableAccount.All", "User.Read.All"), **EXCHANGE),
)
