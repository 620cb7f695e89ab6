"""Teams admin service routes (stub, being filled in)."""

from __future__ import annotations

from hcinfra.emulator.core.http import Router
from hcinfra.emulator.core.service import Service
from hcinfra.emulator.core.tokens import TEAMS_ADMIN_AUDIENCE

router = Router()


class TeamsAdminService(Service):
    """/Skype.Policy/… and /Teams.VerticalPackaging/…."""

    name = "teamsadmin"
    prefixes = ("/Skype.Policy/", "/Teams.VerticalPackaging/")
    audience = TEAMS_ADMIN_AUDIENCE
    router = router
