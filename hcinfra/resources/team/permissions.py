"""What Team's provider needs granted: Graph application permissions to read and write."""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions

TEAMS_READ = ("Team.ReadBasic.All", "Channel.ReadBasic.All")
GROUP_WRITE = ("Group.ReadWrite.All", "GroupMember.ReadWrite.All", "User.Read.All")
TEAMS_WRITE = ("Team.Create", "TeamSettings.ReadWrite.All", "Channel.Create", *TEAMS_READ)
PERMISSIONS = Permissions(
    read=Grants(graph=(*TEAMS_READ, "Directory.Read.All")),
    write=Grants(graph=(*GROUP_WRITE, *TEAMS_WRITE)),
)
