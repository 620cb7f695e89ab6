"""The one router every Graph area registers its handlers on."""

from hcinfra.emulator.core.http import Router

router = Router()
