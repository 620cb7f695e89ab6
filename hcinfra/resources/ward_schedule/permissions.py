"""What WardSchedule's provider needs granted: Graph application permissions.

Shifts' pages grant application access with Schedule.ReadWrite.All (writes) and
Schedule.Read.All (reads); members are resolved by name with User.ReadBasic.All.
"""

from __future__ import annotations

from hcinfra.resources.base import Grants, Permissions

PERMISSIONS = Permissions(
    read=Grants(graph=("Schedule.Read.All",)),
    write=Grants(graph=("Schedule.ReadWrite.All", "User.ReadBasic.All")),
)
