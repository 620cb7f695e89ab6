"""Which Graph application permissions each route accepts (least privileged first)."""

from __future__ import annotations

READ_DIR = ["Directory.Read.All", "Directory.ReadWrite.All"]
WRITE_DIR = ["Directory.ReadWrite.All"]

ROUTE_PERMISSIONS: dict[str, list[str]] = {
    "groups.read": [
        "GroupMember.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "GroupMember.ReadWrite.All",
        *READ_DIR,
    ],
    "groups.create": ["Group.Create", "Group.ReadWrite.All", *WRITE_DIR],
    "groups.write": ["Group.ReadWrite.All", *WRITE_DIR],
    "members.read": [
        "GroupMember.Read.All",
        "Group.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        *READ_DIR,
    ],
    "members.write": ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", *WRITE_DIR],
    "deleted.read": ["Group.Read.All", "Group.ReadWrite.All", *READ_DIR],
    "deleted.write": ["Group.ReadWrite.All", *WRITE_DIR],
    "users.read": ["User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", *READ_DIR],
    "users.write": ["User.ReadWrite.All", *WRITE_DIR],
    "skus.read": [
        "LicenseAssignment.Read.All",
        "Organization.Read.All",
        "Organization.ReadWrite.All",
        *READ_DIR,
    ],
    "licenses.group": ["LicenseAssignment.ReadWrite.All", "Group.ReadWrite.All", *WRITE_DIR],
    "licenses.user": ["LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", *WRITE_DIR],
    "teams.create": ["Team.Create", "Teamwork.Migrate.All", "Group.ReadWrite.All", *WRITE_DIR],
    "teams.read": [
        "Team.ReadBasic.All",
        "TeamSettings.Read.All",
        "TeamSettings.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        *READ_DIR,
    ],
    "teams.write": ["TeamSettings.ReadWrite.All", "Group.ReadWrite.All", *WRITE_DIR],
    "teams.fromgroup": ["Team.Create", "Group.ReadWrite.All", *WRITE_DIR],
    "channels.read": [
        "Channel.ReadBasic.All",
        "ChannelSettings.Read.All",
        "ChannelSettings.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        *READ_DIR,
    ],
    "channels.create": [
        "Channel.Create",
        "Teamwork.Migrate.All",
        "Group.ReadWrite.All",
        *WRITE_DIR,
    ],
    "templates.read": ["TeamTemplates.Read.All", "TeamTemplates.Read"],
    "appcatalog.read": ["AppCatalog.Read.All", "AppCatalog.ReadWrite.All"],
    # SharePoint through Graph: site-get, list-list, list-get, list-create, list-list-columns,
    # list-post-columns, columndefinition-update. List DELETE has no reference page: strict.
    "sites.read": ["Sites.Read.All", "Sites.ReadWrite.All"],
    "lists.read": ["Sites.Read.All", "Sites.ReadWrite.All"],
    "lists.create": ["Sites.Manage.All", "Sites.ReadWrite.All"],
    "lists.delete": ["Sites.Manage.All", "Sites.FullControl.All"],
    "columns.read": [
        "Sites.Read.All",
        "Sites.Manage.All",
        "Sites.FullControl.All",
        "Sites.ReadWrite.All",
    ],
    "columns.write": ["Sites.Manage.All", "Sites.FullControl.All"],
    # Shifts (team-put-schedule, schedule-get, schedulinggroup-*): application permissions.
    "schedule.read": ["Schedule.Read.All", "Schedule.ReadWrite.All"],
    "schedule.write": ["Schedule.ReadWrite.All"],
    # Cross-tenant access partners (crosstenantaccesspolicy-post-partners and its pages).
    "xtap.read": ["Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess"],
    "xtap.write": ["Policy.ReadWrite.CrossTenantAccess"],
    # Teams administration (teamsadministration-teamspolicyuserassignment-assign, -unassign,
    # teamspolicyassignment-getpolicyid; teamsuserconfiguration-get, teamsadminroot-list-
    # userconfigurations): one permission each, "Higher privileged permissions: Not available."
    "teams.policyUserAssign": ["TeamsPolicyUserAssign.ReadWrite.All"],
    "teams.userConfigurations": ["TeamsUserConfiguration.Read.All"],
    "batch": [],
}
# Teams-workload routes answer a missing permission in their own words.
TEAMS_ROUTES = {
    k for k in ROUTE_PERMISSIONS if k.startswith(("teams.", "channels.", "templates.", "schedule."))
}
# Blocking or enabling sign-in alone also accepts this narrower permission.
ENABLE_DISABLE = "User.EnableDisableAccount.All"
