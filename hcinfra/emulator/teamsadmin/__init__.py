"""The Teams admin service, as the MicrosoftTeams PowerShell module calls it."""
