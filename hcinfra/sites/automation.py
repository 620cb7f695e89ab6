"""The Automation API with two Pulumi CLI runs per action instead of up to eight.

For an `up`, the SDK runs the CLI for `version`, `stack select` (and `stack init` for a
new stack), one `config set` per key, `up`, then `stack output` twice and `stack history`
for the result. Each run is a Go process of about 100 MiB and a few hundred milliseconds.
Here: `stack select --create`, then the action. The version comes from a cache
(hcinfra.engine.version), the config is written to the stack's settings file (without
a salt, so that the stack's state decides it: SiteWorkspace.write_config), and the
change summary of up, refresh and destroy comes from the engine's summary event, as the
SDK's own preview takes it. The tenant stack's preview and up add one `stack output`
when a site may be moving off the network-wide policy groups (hcinfra.sites.group_move).
tests/e2e/test_sites_cli_runs.py fails if the SDK changes
what this relies on (the SDK is pinned in pyproject.toml).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation._cmd import _parse_and_validate_pulumi_version
from pulumi.automation._env import _SKIP_VERSION_CHECK_VAR
from pulumi.automation._minimum_version import _MINIMUM_VERSION
from pulumi.automation._stack import StackInitMode
from pulumi.automation.events import SummaryEvent

from hcinfra.engine import Engine
from hcinfra.engine.version import cli_version
from hcinfra.sites.stackfile import stack_file, update_stack_file

SALT = "encryptionsalt"  # the passphrase provider's key in a stack's settings file


class KnownCommand(auto.PulumiCommand):
    """The engine's CLI, with its version from the cache instead of a `pulumi version` run."""

    def __init__(self, engine: Engine) -> None:
        # Not PulumiCommand.__init__: it runs `pulumi version` even with skip_version_check.
        self.command = str(engine.pulumi)
        # The SDK's own check (a CLI older than its minimum is refused), and its opt-out.
        self.version = _parse_and_validate_pulumi_version(
            min_version=_MINIMUM_VERSION,
            current_version=cli_version(engine),
            opt_out=os.environ.get(_SKIP_VERSION_CHECK_VAR) is not None,
        )


class SiteWorkspace(auto.LocalWorkspace):
    """A local workspace that selects a stack, creating it when missing, in one CLI run."""

    def select_stack(self, stack_name: str) -> None:
        # The SDK's create_or_select runs `stack select`, then `stack init` when it fails.
        args = ["stack", "select", "--create", "--stack", stack_name]
        if self.secrets_provider:
            args += ["--secrets-provider", self.secrets_provider]
        self._run_pulumi_cmd_sync(args)

    def write_config(self, stack_name: str, values: dict[str, str]) -> None:
        """Set plain config values in the stack's settings file, and drop its salt.

        The file holds nothing secret, so a salt there protects nothing; a stale one (from a
        run against another backend or passphrase) fails the run with "incorrect passphrase".
        Without it the CLI takes the salt from the stack's state (select_stack sets
        PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER), or makes one for a new stack, and
        writes it back. Everything else is kept; the file is rewritten only when it changes.
        """
        path = stack_file(Path(self.work_dir), stack_name)
        update_stack_file(path, values, drop=(SALT,))


class SiteStack(auto.Stack):
    """A stack whose up, refresh and destroy take their summary from the engine's events.

    The SDK reads it back with `stack history` once the command is done (and `up` its
    outputs with two runs of `stack output`). Here the result's `outputs` is empty, and its
    `summary` holds the summary event's `resource_changes` and the times; `version`,
    `message`, `environment` and `config` are not known.
    """

    _events: list[SummaryEvent] | None = None

    def outputs(self) -> auto.OutputMap:
        # Within up: nothing of hcinfra reads the outputs from the result.
        return {} if self._events is not None else super().outputs()

    def recorded_outputs(self) -> dict[str, Any]:
        """The outputs of the last update, secrets masked: one `stack output` run (the
        SDK's outputs() makes two, to tell secrets apart)."""
        done = self._run_pulumi_cmd_sync(["stack", "output", "--json", "--stack", self.name])
        value = json.loads(done.stdout or "{}")
        return value if isinstance(value, dict) else {}

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        if self._events is None:
            return super().info(show_secrets)
        # A stand-in the SDK asserts on; replaced once its event stream is drained.
        return auto.UpdateSummary("", datetime.now(), "", {}, {}, "in-progress")

    def up(self, *args: Any, **kwargs: Any) -> auto.UpResult:
        return self._summarized("update", super().up, args, kwargs)

    def refresh(self, *args: Any, **kwargs: Any) -> auto.RefreshResult:
        return self._summarized("refresh", super().refresh, args, kwargs)

    def destroy(self, *args: Any, **kwargs: Any) -> auto.DestroyResult:
        return self._summarized("destroy", super().destroy, args, kwargs)

    def _summarized(
        self, kind: str, run: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        events: list[SummaryEvent] = []
        given = kwargs.pop("on_event", None)

        def on_event(event: auto.EngineEvent) -> None:
            if event.summary_event:
                events.append(event.summary_event)
            if given:
                given(event)

        started = datetime.now()
        self._events = events
        try:
            result = run(*args, on_event=on_event, **kwargs)
        finally:
            self._events = None
        # The SDK stops its event server, with grace, before returning: every event is in.
        if not events:
            raise RuntimeError(f"the engine sent no summary event for the {kind}")
        result.summary = auto.UpdateSummary(
            kind,
            started,
            "",
            {},
            {},
            "succeeded",  # a failed run raised CommandError above
            end_time=datetime.now(),
            resource_changes=events[-1].resource_changes,
        )
        return result


def select_stack(
    name: str,
    program: auto.PulumiFn,
    work_dir: Path,
    engine: Engine,
    env: dict[str, str],
    project: auto.ProjectSettings,
    config: dict[str, str],
    secrets_provider: str = "passphrase",
) -> SiteStack:
    """Select (or create) an inline program's stack and set its plain config: one CLI run."""
    if project.main is None:
        project.main = os.getcwd()  # as the SDK's create_or_select_stack sets it
    # An existing stack's secrets keep the salt its state records (one key derivation,
    # no secret re-encrypted), where the CLI would otherwise make an unrelated one.
    env = {"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true", **env}
    workspace = SiteWorkspace(
        work_dir=str(work_dir),
        pulumi_home=str(engine.home),
        program=program,
        env_vars=env,
        secrets_provider=secrets_provider,
        project_settings=project,
        pulumi_command=KnownCommand(engine),
    )
    # Before the select: a new stack's create must not meet a stale salt.
    workspace.write_config(name, config)
    # Not SiteStack.select: that makes a plain Stack.
    return SiteStack(name, workspace, StackInitMode.SELECT)
