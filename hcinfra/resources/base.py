"""What every resource kind shares: input checking, exact diffs, permissions, errors.

A kind subclasses KindProvider with its pydantic input model and implements
create/read/update/delete against `self.connection()`. The provider object
holds nothing but its class: Pulumi pickles it into the state, so clients,
tokens and secrets are built inside the provider process (hcinfra.clients).
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ResourceProvider,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pydantic import BaseModel, ConfigDict, ValidationError

from hcinfra.clients import connection
from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.adoption import UNSUPPORTED, Candidate, NotAdopted, adopting, pick

log = logging.getLogger("hcinfra.resources")
PROVIDER_KEY = "__provider"
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class Grants:
    """Permissions of one direction (read or write) across the three services."""

    graph: tuple[str, ...] = ()
    exchange: tuple[str, ...] = ()
    directory_roles: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """Every permission and role, for error messages."""
        return [*self.graph, *self.exchange, *(f"the {r} role" for r in self.directory_roles)]


@dataclass(frozen=True)
class Permissions:
    """What a resource kind needs to read (refresh, preview) and to write (up, destroy)."""

    read: Grants = field(default_factory=Grants)
    write: Grants = field(default_factory=Grants)
    delegated: tuple[str, ...] = ()  # Graph scopes of a signed-in user, not the app's


class Inputs(BaseModel):
    """Base of the kinds' input models: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckError(HcinfraError):
    """Input that cannot be deployed, raised from a kind's extra checks."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{p}: {r}" for p, r in failures))


class KindProvider(ResourceProvider):
    """Base dynamic provider of a resource kind."""

    kind: ClassVar[str] = ""
    inputs_model: ClassVar[type[Inputs]] = Inputs
    replace_on: ClassVar[tuple[str, ...]] = ()
    # Outputs in which read (refresh) records drift: any of them set in the olds makes an
    # update even when the inputs are unchanged, and the update repairs the drift.
    drift_outputs: ClassVar[tuple[str, ...]] = ()
    permissions: ClassVar[Permissions] = Permissions()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # While `hcinfra adopt` runs, a create adopts the live object and nothing writes.
        for name, wrap in (("create", _adopt_create), ("update", _no_write), ("delete", _no_write)):
            if name in cls.__dict__:
                setattr(cls, name, wrap(cls.__dict__[name]))
        if "diff" in cls.__dict__:
            cls.diff = _no_diff(cls.__dict__["diff"])  # type: ignore[method-assign]

    # -- adopting ----------------------------------------------------------------
    def find(self, inputs: Any) -> tuple[str, list[Candidate]]:
        """The natural key of the declared object, and the live objects it matches (reads)."""
        raise NotAdopted(f"a {self.kind} {UNSUPPORTED} yet: `hcinfra sites up` will create it")

    def adopted(self, id_: str, inputs: Any, props: dict[str, Any]) -> dict[str, Any]:
        """The outputs of the live object `id_`, complete, as refresh would read them."""
        result = self.read(id_, props)
        if result.id is None:
            raise NotAdopted(f"the {self.kind} {id_} is gone")
        return dict(result.outs or {})

    def adopt(self, props: dict[str, Any]) -> CreateResult:
        """Take the one live object the declared one matches, writing nothing."""
        inputs = self.parse(props, self.inputs_model)
        key, found = self.find(inputs)
        chosen = pick(self.kind, key, found)
        outs = self.adopted(chosen.id, inputs, props)
        self.notice(f"adopted {key}: {chosen.label} ({chosen.id})")
        return CreateResult(chosen.id, outs)

    def configure(self, req: ConfigureRequest) -> None:
        # The dynamic Config keeps the whole stack config, secrets decrypted, in _props.
        raw: dict[str, Any] = getattr(req.config, "_props", None) or {}
        connection.configure({str(k): str(v) for k, v in raw.items() if v is not None})

    # -- checking --------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        raw = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        # During preview, inputs computed from other resources are not known yet:
        # check everything else now; the engine checks again once they are known.
        unknown = {k for k, v in raw.items() if _is_unknown(v)}
        try:
            model = self.inputs_model.model_validate(raw)
        except ValidationError as err:
            failures = [
                _failure(e) for e in err.errors() if (e.get("loc") or ("",))[0] not in unknown
            ]
            return CheckResult(raw, failures)
        if unknown:
            return CheckResult(raw, [])
        checked = model.model_dump(mode="json")
        if olds and _same_inputs(olds, checked):
            # Deployed with these very inputs, which passed then: a plan with nothing to
            # change reads nothing. Whether the tenant still agrees is drift's question.
            return CheckResult(checked, [])
        try:
            self.check_more(model)
        except CheckError as err:
            return CheckResult(raw, [CheckFailure(p, r) for p, r in err.failures])
        return CheckResult(checked, [])

    def check_more(self, inputs: Any) -> None:
        """Checks beyond the model (may read the tenant, never write). Raise CheckError."""

    # -- diffing ---------------------------------------------------------------
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if adopting():
            return DiffResult(changes=False)
        fields = self.inputs_model.model_fields
        changed = [name for name in fields if _norm(olds.get(name)) != _norm(news.get(name))]
        replaces = [name for name in changed if name in self.replace_on]
        drifted = any(olds.get(name) for name in self.drift_outputs)
        return DiffResult(
            changes=bool(changed) or drifted,
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    # -- helpers for kinds -----------------------------------------------------
    def parse(self, props: dict[str, Any], model: type[M]) -> M:
        """The inputs part of a resource's properties."""
        fields = model.model_fields
        return model.model_validate({k: v for k, v in props.items() if k in fields})

    def connection(self) -> connection.Connection:
        """The tenant connection of this provider process."""
        return connection.connect()

    def notice(self, message: str) -> None:
        """Something the operator should see: the provider's log and Pulumi's output.

        For what the declared state does not show: a retained mailbox, an archived team, an
        adopted object, a placement retried. `hcinfra sites` lists each under its summary,
        by its first sentence: start `message` with a short one saying what happened.
        A dynamic provider has no engine connection, so `pulumi.log.warn` writes
        `warning: …` to the provider's stderr, which the engine shows and reports as a
        diagnostic event (`info#err`); the Python log gets it at info level, since an
        unconfigured warning would reach that same stderr a second time.
        """
        log.info("%s: %s", self.kind, message)
        warn(f"{self.kind}: {message}")

    def exchange(self, cmdlet: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run an Exchange cmdlet; each warning it writes goes to the engine's log too."""
        result = self.connection().exchange.invoke(cmdlet, **parameters)
        for warning in result.warnings:
            log.warning("%s %s: %s", self.kind, cmdlet, warning)
            warn(f"{self.kind}: {cmdlet} warned: {warning}")
        return result

    def call(self, action: Callable[[], R], *, writing: bool = True) -> R:
        """Run a tenant call; a refusal names the permissions this kind needs."""
        try:
            return action()
        except TenantError as err:
            if err.status in (401, 403) and not isinstance(err, PermissionDenied):
                grants = self.permissions.write if writing else self.permissions.read
                raise PermissionDenied(err, self.kind, grants.names()) from None
            raise


def _adopt_create(create: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(create)
    def wrapper(self: KindProvider, props: dict[str, Any]) -> Any:
        return self.adopt(props) if adopting() else create(self, props)

    return wrapper


def _no_write(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: KindProvider, *args: Any) -> Any:
        if adopting():
            raise HcinfraError(f"{self.kind}: adopting writes nothing ({method.__name__})")
        return method(self, *args)

    return wrapper


def _no_diff(diff: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(diff)
    def wrapper(self: KindProvider, *args: Any) -> Any:
        # A resource already in the state stays as it is while adopting.
        return DiffResult(changes=False) if adopting() else diff(self, *args)

    return wrapper


_warning_lock = threading.Lock()


def warn(message: str) -> None:
    """A warning for the engine's output, from a provider method.

    A dynamic provider has no engine connection, and `pulumi.log.warn` then prints
    `warning: …` to stderr in two writes (the text, then the newline): two threads
    warning at once could join their lines, and the engine would report one warning.
    Here each line goes out whole.
    """
    import pulumi
    from pulumi.runtime.settings import get_engine

    if get_engine() is not None:
        pulumi.log.warn(message)
        return
    with _warning_lock:
        sys.stderr.write(f"warning: {message}\n")
        sys.stderr.flush()


def _same_inputs(olds: dict[str, Any], checked: dict[str, Any]) -> bool:
    return all(_norm(olds.get(k)) == _norm(v) for k, v in checked.items())


def _is_unknown(value: Any) -> bool:
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, list):
        return any(_is_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_is_unknown(v) for v in value.values())
    return False


def _failure(error: Any) -> CheckFailure:
    path = ".".join(str(p) for p in error.get("loc", ())) or "(inputs)"
    return CheckFailure(path, str(error.get("msg", "invalid value")))


def _norm(value: Any) -> Any:
    # None inside dicts equals an absent key; lists compare in order (kinds sort them).
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if v is not None}
    return value


def until_found(action: Callable[[], R], *, timeout: float = 120.0, interval: float = 2.0) -> R:
    """Retry an action while the tenant still answers 404 for an object just made.

    Directory writes replicate asynchronously: Graph documents 404s for minutes
    after a group is created (3 retries 10 s apart advised before making a team).
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except TenantError as err:
            if not err.not_found or time.monotonic() + interval > deadline:
                raise
            log.info("%s not visible yet; retrying in %.1fs", err.message, interval)
            time.sleep(interval)
