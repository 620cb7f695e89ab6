"""One retry policy for Graph, Exchange and Teams admin calls.

A 429 or 503 that carries Retry-After waits exactly what it says, in either of its HTTP
forms (delay-seconds or an HTTP-date, RFC 9110 §10.2.3); without it, 429, 503, 504 and
dropped connections back off exponentially with full jitter; the whole call is bounded
in time. Each retry is
logged with the request id, so a slow deployment can be traced in the service's logs.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import random
import time
from dataclasses import dataclass

import httpx

log = logging.getLogger("hcinfra.retry")

RETRY_STATUS = {429, 503, 504}
HONOURS_RETRY_AFTER = {429, 503}
TRANSIENT = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.PoolTimeout,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry."""

    # A deployment makes thousands of calls: at a third failing, 12 tries leave about one
    # call in 600,000 failing for good (8 would leave one in 7,000). See docs/resources.md.
    max_attempts: int = 12
    max_total_seconds: float = 180.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait before the next attempt."""
        if response is not None and response.status_code in HONOURS_RETRY_AFTER:
            told = retry_after(response.headers.get("Retry-After", ""))
            if told is not None:
                return told
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return random.uniform(0, ceiling)

    def gives_up(self, attempt: int, started: float, wait: float) -> bool:
        """True when another attempt would exceed the attempts or the time budget."""
        elapsed = time.monotonic() - started
        return attempt + 1 >= self.max_attempts or elapsed + wait > self.max_total_seconds


def retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds a Retry-After value asks for (delay-seconds or HTTP-date); None if unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None  # an HTTP-date is always GMT; a date without a zone is not one
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _request_id(request: httpx.Request, response: httpx.Response | None) -> str:
    if response is not None and response.headers.get("request-id"):
        return response.headers["request-id"]
    return request.headers.get("client-request-id", "-")


def _note(
    request: httpx.Request,
    response: httpx.Response | None,
    error: Exception | None,
    attempt: int,
    wait: float,
) -> None:
    cause = f"HTTP {response.status_code}" if response is not None else type(error).__name__
    log.warning(
        "retrying %s %s after %s (attempt %d, waiting %.1fs, request-id %s)",
        request.method,
        request.url.path,
        cause,
        attempt + 1,
        wait,
        _request_id(request, response),
    )


def _next_wait(
    policy: RetryPolicy,
    request: httpx.Request,
    response: httpx.Response | None,
    error: Exception | None,
    attempt: int,
    started: float,
) -> float | None:
    """Seconds to wait before retrying, or None to answer with this outcome now."""
    if response is not None and response.status_code not in RETRY_STATUS:
        return None
    wait = policy.delay(attempt, response)
    if policy.gives_up(attempt, started, wait):
        if response is None:
            raise error  # type: ignore[misc]
        return None
    _note(request, response, error, attempt, wait)
    return wait


class RetryTransport(httpx.BaseTransport):
    """A synchronous transport that applies the retry policy."""

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy | None = None) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        for attempt in itertools.count():
            response, error = None, None
            try:
                response = self.inner.handle_request(request)
                # A connection dropped mid-body fails here, inside the retry loop.
                response.read()
            except TRANSIENT as exc:
                response, error = None, exc
            wait = _next_wait(self.policy, request, response, error, attempt, started)
            if wait is None:
                assert response is not None
                return response
            if response is not None:
                response.close()
            time.sleep(wait)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The same policy for async clients (msgraph-sdk)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy | None = None) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        for attempt in itertools.count():
            response, error = None, None
            try:
                response = await self.inner.handle_async_request(request)
                await response.aread()
            except TRANSIENT as exc:
                response, error = None, exc
            wait = _next_wait(self.policy, request, response, error, attempt, started)
            if wait is None:
                assert response is not None
                return response
            if response is not None:
                await response.aclose()
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self.inner.aclose()
