"""The emulated tenant: its store, clock, faults, request log and services."""

from __future__ import annotations

import secrets
from typing import Any

from hcinfra.emulator.core.clock import Clock
from hcinfra.emulator.core.faults import Faults, FaultsConfig
from hcinfra.emulator.core.requestlog import RequestLog
from hcinfra.emulator.core.seed import Seed, stable_id
from hcinfra.emulator.core.service import Service
from hcinfra.emulator.core.store import Store
from hcinfra.emulator.core.tokens import Signer


class Tenant:
    """One Microsoft 365 tenant as the emulator holds it."""

    def __init__(
        self,
        seed: Seed | None = None,
        state_path: str | None = None,
        faults: FaultsConfig | None = None,
    ) -> None:
        self.store = Store(state_path)
        self.clock = Clock()
        self.faults = Faults(faults)
        self.log = RequestLog()
        key = self.store.get_meta("signing-key")
        if key is None:
            key = secrets.token_hex(32)
            self.store.set_meta("signing-key", key)
        self.signer = Signer(key)
        self.services: list[Service] = self._build_services()
        stored_seed = self.store.get_meta("seed")
        if self.store.is_empty or stored_seed is None:
            self.seed = seed or Seed.default()
            self.apply_seed(self.seed)
        else:
            # A state file wins over --seed: restarting must not lose the tenant.
            self.seed = Seed.model_validate_json(stored_seed)

    def _build_services(self) -> list[Service]:
        from hcinfra.emulator.exchange.routes import ExchangeService
        from hcinfra.emulator.graph.routes import GraphService
        from hcinfra.emulator.identity.routes import IdentityService
        from hcinfra.emulator.teamsadmin.routes import TeamsAdminService

        return [
            IdentityService(self),
            GraphService(self),
            ExchangeService(self),
            TeamsAdminService(self),
        ]

    def service(self, name: str) -> Any:
        """The service of that name (identity, graph, exchange, teamsadmin)."""
        return next(s for s in self.services if s.name == name)

    @property
    def tenant_id(self) -> str:
        """The directory (tenant) id."""
        return self.seed.tenant.id

    @property
    def domains(self) -> list[str]:
        """Verified domains; the first is the initial one."""
        return self.seed.tenant.domains

    def apply_seed(self, seed: Seed) -> None:
        """Replace the whole tenant with what the seed declares."""
        key = self.store.get_meta("signing-key")
        with self.store.batch():
            self.store.clear()
            if key:
                self.store.set_meta("signing-key", key)
            self.seed = seed
            for app in seed.apps:
                self.store.put(
                    "app",
                    app.client_id,
                    {
                        **app.model_dump(by_alias=True),
                        "objectId": stable_id("serviceprincipal", app.client_id),
                    },
                )
            for service in self.services:
                service.on_seed(seed)
            self.store.set_meta("seed", seed.model_dump_json(by_alias=True))

    def reset(self) -> None:
        """Back to the seed, with an empty request log and the clock back to wall time."""
        self.clock.offset = 0.0
        self.apply_seed(self.seed)
        self.log.clear()
