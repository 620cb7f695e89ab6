"""Fault injection: throttling, outages, dropped connections, latency, lagging reads.

A faults file (YAML) or `PUT /_emulator/faults` sets rules per route pattern, and
an optional mode enforces Graph's documented throttling limits with token
buckets. A named profile (hcinfra/emulator/profiles/) adds its rules and figures
under the document's own. Given a seed, the same sequence of requests meets the
same faults and the same latencies.
"""

from __future__ import annotations

import fnmatch
import math
import random
import threading
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator


class CannedResponse(BaseModel):
    """An answer given instead of the route's own: another shape of a contract, for tests."""

    model_config = ConfigDict(extra="forbid")

    status: int = Field(200, ge=100, le=599)
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict)


class FaultRule(BaseModel):
    """Faults for the requests whose `METHOD /path` matches `match` (a glob)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    match: str = Field(description="glob on 'METHOD /path', e.g. 'POST /v1.0/groups*' or '* *'")
    throttle: float = Field(0.0, ge=0, le=1, description="rate of 429 responses")
    retry_after: int = Field(1, ge=0, alias="retryAfter", description="Retry-After seconds")
    unavailable: float = Field(0.0, ge=0, le=1, description="rate of 503 responses")
    drop: float = Field(0.0, ge=0, le=1, description="rate of connections dropped unanswered")
    drop_response: float = Field(
        0.0, ge=0, le=1, alias="dropResponse", description="rate handled, then the reply dropped"
    )
    latency_ms: int = Field(0, ge=0, alias="latencyMs")
    latency_jitter_ms: int = Field(
        0, ge=0, alias="latencyJitterMs", description="up to this much more, from the rule's seed"
    )
    consistency_ms: int = Field(
        0, ge=0, alias="consistencyMs", description="objects created here stay unreadable this long"
    )
    limit: int | None = Field(None, ge=0, description="apply to at most this many requests")
    after: int = Field(0, ge=0, description="leave the first this many matching requests alone")
    retry_after_form: Literal["seconds", "date"] = Field(
        "seconds", alias="retryAfterForm", description="Retry-After as delay-seconds or HTTP-date"
    )
    unavailable_retry_after: bool = Field(
        False, alias="unavailableRetryAfter", description="503s carry Retry-After too"
    )
    respond: CannedResponse | None = Field(
        None, description="answer with this instead of the route (after the token and permission)"
    )
    source: str | None = Field(None, description="where the rule's figures come from (no effect)")

    def matches(self, method: str, path: str) -> bool:
        """True when the rule covers the request."""
        return fnmatch.fnmatchcase(f"{method} {path}", self.match)


class FaultsConfig(BaseModel):
    """The whole faults file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list)
    throttling: bool = Field(False, description="enforce Graph's documented limits")
    teams_operation_ms: int = Field(600, ge=0, alias="teamsOperationMs")
    license_processing_ms: int = Field(300, ge=0, alias="licenseProcessingMs")
    schedule_provision_ms: int = Field(300, ge=0, alias="scheduleProvisionMs")
    schedule_provision_error: str | None = Field(
        None, alias="scheduleProvisionError", description="new schedules fail with this code"
    )
    profile: str | None = Field(None, description="a named profile: its rules and figures")
    _profile_rules: list[FaultRule] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _apply_profile(self) -> FaultsConfig:
        if self.profile is None:
            return self
        # Imported here: a profile is built of FaultRules.
        from hcinfra.emulator.core.profiles import load_profile

        profile = load_profile(self.profile)
        # The document's own figures win over the profile's; its rules come after.
        for name, value in profile.figures().items():
            if name not in self.model_fields_set:
                setattr(self, name, value)
        self._profile_rules = list(profile.rules)
        return self

    def all_rules(self) -> list[FaultRule]:
        """The profile's rules, then the document's own."""
        return [*self._profile_rules, *self.rules]


@dataclass
class Decision:
    """What the fault layer does to one request."""

    status: int | None = None  # 429 or 503 answered without reaching the service
    retry_after: int | None = None
    retry_after_form: str = "seconds"
    unavailable_retry_after: bool = False
    throttle_scope: str | None = None
    drop: bool = False
    drop_response: bool = False
    latency_ms: int = 0
    consistency_ms: int = 0
    respond: CannedResponse | None = None


class TokenBucket:
    """A refilling budget of requests: `capacity` per `seconds`."""

    def __init__(self, capacity: float, seconds: float) -> None:
        self.capacity = capacity
        self.rate = capacity / seconds
        self.tokens = capacity
        self.stamp: float | None = None

    def take(self, now: float, cost: float = 1.0) -> float:
        """0 when allowed, else the seconds until enough budget returns."""
        if self.stamp is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate


# Graph's documented limits enforced in throttling mode: (method, glob, scope, capacity, seconds).
# Checked against Learn's throttling-limits page; what they leave out: docs/emulator.md,
# "Latency profile".
GRAPH_LIMITS: list[tuple[str, str, str, float, float]] = [
    ("POST", "/*/teams", "teams-create", 10, 1),
    ("PUT", "/*/groups/*/team", "teams-create-from-group", 6, 1),
    ("POST", "/*/teams/*/channels", "teams-channel-write", 30, 1),
    # Shifts: /teams/{id}/schedule and everything under it, per verb.
    ("GET", "/*/teams/*/schedule*", "teams-schedule-read", 30, 1),
    ("POST", "/*/teams/*/schedule*", "teams-schedule-write", 30, 1),
    ("PATCH", "/*/teams/*/schedule*", "teams-schedule-write", 30, 1),
    ("PUT", "/*/teams/*/schedule*", "teams-schedule-write", 30, 1),
    ("DELETE", "/*/teams/*/schedule*", "teams-schedule-delete", 15, 1),
    # Teams administration (policy assignment, user configurations): the page has no row
    # of its own, so the Teams rows "Other GET API calls" and "Other API calls", 30 rps.
    ("GET", "/*/admin/teams/*", "teams-admin-read", 30, 1),
    ("POST", "/*/admin/teams/*", "teams-admin-write", 30, 1),
    ("*", "/*/teams*", "teams", 15000, 10),
    ("POST", "/*/groups*", "directory-write", 3000, 150),
    ("PATCH", "/*/groups*", "directory-write", 3000, 150),
    ("DELETE", "/*/groups*", "directory-write", 3000, 150),
    ("PATCH", "/*/users*", "directory-write", 3000, 150),
    ("POST", "/*/users/*/assignLicense", "directory-write", 3000, 150),
    ("*", "/*", "application", 130000, 10),
]


class Faults:
    """Decides, request by request, which faults apply."""

    def __init__(self, config: FaultsConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultsConfig())

    def configure(self, config: FaultsConfig) -> None:
        """Replace the rules; restarts the deterministic sequence."""
        with self._lock:
            self.config = config
            self._rules = config.all_rules()
            # The document's own rules keep the sequences they have without a profile.
            own = len(config.rules)
            keys = [f"{config.profile}:{config.seed}:{i}" for i in range(len(self._rules) - own)]
            keys += [f"{config.seed}:{i}" for i in range(own)]
            self._rng = [random.Random(key) for key in keys]
            self._hits = [0] * len(self._rules)
            self._seen = [0] * len(self._rules)
            self._buckets: dict[tuple[str, str], TokenBucket] = {}

    @staticmethod
    def load(data: dict[str, Any] | None) -> FaultsConfig:
        """Validate a faults document."""
        return FaultsConfig.model_validate(data or {})

    def decide(self, method: str, path: str, app_id: str, now: float) -> Decision:
        """The faults for one request, drawn from the seeded sequence of its rule."""
        decision = Decision()
        with self._lock:
            for i, rule in enumerate(self._rules):
                if not rule.matches(method, path):
                    continue
                self._seen[i] += 1
                if self._seen[i] <= rule.after:
                    continue
                if rule.limit is not None and self._hits[i] >= rule.limit:
                    continue
                self._hits[i] += 1
                rng = self._rng[i]
                draw = rng.random()
                decision.latency_ms += rule.latency_ms
                if rule.latency_jitter_ms:
                    # Drawn only for rules with a range: other rules keep their sequences.
                    decision.latency_ms += rng.randint(0, rule.latency_jitter_ms)
                decision.consistency_ms = max(decision.consistency_ms, rule.consistency_ms)
                if decision.respond is None:
                    decision.respond = rule.respond
                if decision.status is None and not decision.drop:
                    decision.retry_after_form = rule.retry_after_form
                    if draw < rule.throttle:
                        decision.status, decision.retry_after = 429, rule.retry_after
                    elif draw < rule.throttle + rule.unavailable:
                        decision.status = 503
                        if rule.unavailable_retry_after:
                            decision.retry_after = rule.retry_after
                            decision.unavailable_retry_after = True
                    elif draw < rule.throttle + rule.unavailable + rule.drop:
                        decision.drop = True
                    elif draw < rule.throttle + rule.unavailable + rule.drop + rule.drop_response:
                        decision.drop_response = True
            if (
                self.config.throttling
                and decision.status is None
                and path.startswith(("/v1.0/", "/beta/"))
            ):
                self._enforce_limits(method, path, app_id, now, decision)
        return decision

    def _enforce_limits(
        self, method: str, path: str, app_id: str, now: float, decision: Decision
    ) -> None:
        for lim_method, glob, scope, capacity, seconds in GRAPH_LIMITS:
            if lim_method not in ("*", method) or not fnmatch.fnmatchcase(path, glob):
                continue
            bucket = self._buckets.get((app_id, scope))
            if bucket is None:
                bucket = self._buckets[(app_id, scope)] = TokenBucket(capacity, seconds)
            wait = bucket.take(now)
            if wait > 0:
                decision.status = 429
                decision.retry_after = max(1, math.ceil(wait))
                decision.throttle_scope = scope
                return
