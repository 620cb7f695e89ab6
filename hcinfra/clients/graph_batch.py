"""Graph reads, and writes, through JSON `$batch`, 20 requests per call.

msgraph-sdk's batch types expect each response body as base64 (`get_bytes_value`),
so the JSON bodies Graph returns for JSON content come back empty: hcinfra posts the
batch envelope itself, with the same credential and retry transport as the SDK client.
Each inner request is throttled on its own, so items answered 429, 503 or 504 (a
collection's later page too) are sent again after the longest Retry-After among them,
within the retry policy's budget, and paged collections follow their `@odata.nextLink`
in the next round. Writes (`send`) are retried the same way when throttled, and
every other answer, a failure too, is the caller's to read item by item.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from azure.core.credentials import TokenCredential

from hcinfra.clients.credentials import SCOPES
from hcinfra.clients.errors import TenantError
from hcinfra.clients.retry import RETRY_STATUS, RetryPolicy, RetryTransport, retry_after
from hcinfra.clients.settings import Settings

log = logging.getLogger("hcinfra.graph")
MAX_PER_BATCH = 20  # Graph's JSON batching limit


@dataclass
class Answer:
    """One inner request's outcome: its status and body (a collection's pages joined)."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300

    def values(self) -> list[dict[str, Any]]:
        """A collection's items."""
        return list(self.body.get("value") or [])

    def raise_for(self, what: str) -> None:
        """Raise Graph's error for a failed answer, its message prefixed with `what`."""
        if self.ok:
            return
        error = self.body.get("error") or {}
        raise TenantError(
            "Microsoft Graph",
            self.status,
            str(error.get("code") or "Unknown"),
            f"{what}: {error.get('message') or 'no detail'}",
        )


@dataclass(frozen=True)
class Item:
    """One request of a `$batch` that `send` makes: its method, URL and JSON body."""

    method: str
    url: str  # relative to the version: /groups/{id}/members/{oid}/$ref
    body: dict[str, Any] | None = None


class GraphBatch:
    """Runs many Graph requests in as few `$batch` calls as Graph allows."""

    def __init__(
        self, settings: Settings, credential: TokenCredential, policy: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.credential = credential
        self.policy = policy or RetryPolicy()
        transport = RetryTransport(httpx.HTTPTransport(verify=settings.verify), self.policy)
        self.http = httpx.Client(transport=transport, timeout=60)
        self.calls = 0  # $batch posts made, for the benchmark and the tests

    def get(self, requests: Mapping[str, str]) -> dict[str, Answer]:
        """GET each relative URL (`/groups/{id}/members?...`); answers by request id."""
        pending = {rid: url for rid, url in requests.items()}
        pages: dict[str, list[dict[str, Any]]] = {}
        answers: dict[str, Answer] = {}
        started = time.monotonic()
        attempt = 0
        while pending:
            retry: dict[str, str] = {}
            throttled: set[str] = set()  # first pages and later pages alike
            wait = 0.0
            ids = list(pending)
            for chunk in (ids[i : i + MAX_PER_BATCH] for i in range(0, len(ids), MAX_PER_BATCH)):
                for rid, item in self._post({rid: pending[rid] for rid in chunk}).items():
                    status = int(item.get("status", 0))
                    raw = item.get("body")
                    body: dict[str, Any] = raw if isinstance(raw, dict) else {}
                    if status in RETRY_STATUS:
                        retry[rid] = pending[rid]
                        throttled.add(rid)
                        told = retry_after(_header(item.get("headers") or {}, "retry-after"))
                        wait = max(wait, told or 0.0)
                        continue
                    if 200 <= status < 300 and "value" in body:
                        pages.setdefault(rid, []).extend(body["value"])
                        link = body.get("@odata.nextLink")
                        if link:
                            retry[rid] = self._relative(link)
                            continue
                        body = {**body, "value": pages.pop(rid)}
                    answers[rid] = Answer(status, body)
            pending = retry
            if throttled:
                attempt += 1
                self._wait(attempt, started, wait, f"{len(throttled)} batched reads")
        return answers

    def send(self, requests: Mapping[str, Item]) -> dict[str, Answer]:
        """Send each request (writes too), 20 to a `$batch`; answers by request id.

        Items answered 429, 503 or 504 go again in the next round, after the longest
        Retry-After among them, within the retry policy's budget. Any other answer is
        returned as it came: the caller decides what a 404 or a 400 means. A collection's
        later pages are not followed (`get` does that).
        """
        pending = dict(requests)
        answers: dict[str, Answer] = {}
        started = time.monotonic()
        attempt = 0
        while pending:
            throttled: dict[str, Item] = {}
            wait = 0.0
            ids = list(pending)
            for chunk in (ids[i : i + MAX_PER_BATCH] for i in range(0, len(ids), MAX_PER_BATCH)):
                replies = self._post_items([_envelope(rid, pending[rid]) for rid in chunk])
                for rid in chunk:
                    item = replies.get(rid)
                    if item is None:
                        answers[rid] = Answer(502, _no_answer())
                        continue
                    status = int(item.get("status", 0))
                    if status in RETRY_STATUS:
                        throttled[rid] = pending[rid]
                        told = retry_after(_header(item.get("headers") or {}, "retry-after"))
                        wait = max(wait, told or 0.0)
                        continue
                    raw = item.get("body")
                    answers[rid] = Answer(status, raw if isinstance(raw, dict) else {})
            pending = throttled
            if throttled:
                attempt += 1
                self._wait(attempt, started, wait, f"{len(throttled)} batched requests")
        return answers

    def _wait(self, attempt: int, started: float, wait: float, what: str) -> None:
        """Sleep before sending throttled items again, or give up past the budget."""
        wait = wait or self.policy.delay(attempt, None)
        if self.policy.gives_up(attempt, started, wait):
            raise TenantError(
                "Microsoft Graph",
                429,
                "TooManyRequests",
                f"{what} still throttled after {attempt} tries",
            )
        log.info("batch: %s throttled; again in %.1fs", what, wait)
        time.sleep(wait)

    def item_headers(self, url: str) -> dict[str, str]:
        """Headers the item for `url` carries: a `$batch` item does not get the envelope's."""
        return {}

    def _post(self, chunk: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        requests = []
        for rid, url in chunk.items():
            item: dict[str, Any] = {"id": rid, "method": "GET", "url": url}
            if headers := self.item_headers(url):
                item["headers"] = headers
            requests.append(item)
        return self._post_items(requests)

    def _post_items(self, requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        token = self.credential.get_token(SCOPES["graph"]).token
        response = self.http.post(
            f"{self.settings.graph_url}/$batch",
            json={"requests": requests},
            headers={"Authorization": f"Bearer {token}"},
        )
        self.calls += 1
        if response.status_code >= 400:
            raise response_error(response)
        return {str(r.get("id")): r for r in response.json().get("responses") or []}

    def _relative(self, link: str) -> str:
        parts = urlsplit(link)
        path = parts.path
        base = urlsplit(self.settings.graph_url).path.rstrip("/")
        if base and path.startswith(base):
            path = path[len(base) :]
        return f"{path}?{parts.query}" if parts.query else path


def _envelope(rid: str, item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rid, "method": item.method, "url": item.url}
    if item.body is not None:
        # A $batch item with a body must say its Content-Type (json-batching).
        out["headers"] = {"Content-Type": "application/json"}
        out["body"] = item.body
    return out


def _no_answer() -> dict[str, Any]:
    message = "the $batch answer had no response for this request"
    return {"error": {"code": "NoResponse", "message": message}}


def _header(headers: Mapping[str, Any], name: str) -> str:
    return next((str(v) for k, v in headers.items() if k.lower() == name), "")


def response_error(response: httpx.Response) -> TenantError:
    """Graph's error in an HTTP answer, as TenantError."""
    try:
        err = response.json().get("error") or {}
    except ValueError:
        err = {}
    return TenantError(
        "Microsoft Graph",
        response.status_code,
        str(err.get("code") or "Unknown"),
        str(err.get("message") or response.reason_phrase),
        response.headers.get("request-id", ""),
    )
