"""VirtualVisits' Graph calls: Bookings as JSON, four at a time per booking mailbox.

Bodies are sent as JSON rather than msgraph-sdk models: kiota writes a Duration as
Python's `str(timedelta)` ("0:30:00"), not the ISO 8601 form Bookings takes ("PT30M").
The same credential and retry transport as the SDK client carry them. Microsoft allows
4 concurrent requests per app and booking mailbox: each call holds the mailbox's
semaphore. Two credentials: the app's for most calls, the signed-in user's for the
calls Microsoft takes with delegated permissions only.

REF: https://learn.microsoft.com/en-us/graph/api/resources/booking-api-overview
REF: https://learn.microsoft.com/en-us/graph/throttling-limits#microsoft-bookings-service-limits
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hcinfra.errors import HcinfraError

if TYPE_CHECKING:
    import httpx
    from azure.core.credentials import TokenCredential

    from hcinfra.clients.settings import Settings

CONCURRENT_PER_MAILBOX = 4
# Evolvable enum members (scheduler, teamMember) are shown only when asked for.
PREFER = {"Prefer": "include-unknown-enum-members"}
BUSINESSES = "/solutions/bookingBusinesses"


class LostAnswer(HcinfraError):
    """A create whose answer was lost: it may have been made, so it is never sent again."""


def _no_replay(inner: Any) -> Any:
    """A transport that turns a dropped connection into LostAnswer, which no retry replays.

    Bookings creates are not idempotent (the same name again is another business, service
    or staff member); a create whose answer is lost is looked for, never sent again.
    """
    import httpx

    from hcinfra.clients.retry import TRANSIENT

    class NoReplay(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            try:
                response = inner.handle_request(request)
                response.read()
            except TRANSIENT as err:
                raise LostAnswer(f"{request.method} {request.url.path}: {err}") from err
            return response

    return NoReplay()


_guard = threading.Lock()
_mailboxes: dict[str, threading.BoundedSemaphore] = {}


def mailbox_slot(business: str) -> threading.BoundedSemaphore:
    """The semaphore of one booking mailbox, shared by every call of the process."""
    with _guard:
        slot = _mailboxes.get(business.lower())
        if slot is None:
            slot = _mailboxes[business.lower()] = threading.BoundedSemaphore(CONCURRENT_PER_MAILBOX)
        return slot


def business_path(bid: str, *rest: str) -> str:
    """The path of a business (its SMTP address escaped) or of something in it."""
    return "/".join([BUSINESSES, quote(bid, safe="@"), *rest])


class BookingsApi:
    """Bookings over JSON with one credential (the app's or the signed-in user's)."""

    def __init__(self, settings: Settings, credential: TokenCredential) -> None:
        self.settings = settings
        self.credential = credential

    @cached_property
    def http(self) -> httpx.Client:
        """An httpx client over the retry transport (429 waits Retry-After)."""
        import httpx

        from hcinfra.clients.retry import RetryTransport

        transport = RetryTransport(httpx.HTTPTransport(verify=self.settings.verify))
        return httpx.Client(transport=transport, timeout=60)

    @cached_property
    def http_once(self) -> httpx.Client:
        """The same for creates: 429 and 503 are retried, a lost answer is not."""
        import httpx

        from hcinfra.clients.retry import RetryTransport

        inner = _no_replay(httpx.HTTPTransport(verify=self.settings.verify))
        return httpx.Client(transport=RetryTransport(inner), timeout=60)

    def create(self, path: str, body: Any, business: str = "") -> dict[str, Any]:
        """A POST that makes something: LostAnswer when its answer does not arrive."""
        return self.request("POST", path, body, business, once=True)

    def request(
        self, method: str, path: str, body: Any = None, business: str = "", once: bool = False
    ) -> dict[str, Any]:
        """One call; its JSON answer ({} when empty); a refusal as TenantError."""
        from hcinfra.clients.credentials import SCOPES
        from hcinfra.clients.graph_batch import response_error

        token = self.credential.get_token(SCOPES["graph"]).token
        headers = {"Authorization": f"Bearer {token}", **PREFER}
        url = self.settings.graph_url + path
        slot = mailbox_slot(business) if business else None
        if slot is not None:
            slot.acquire()
        try:
            http = self.http_once if once else self.http
            response = http.request(method, url, json=body, headers=headers)
        finally:
            if slot is not None:
                slot.release()
        if response.status_code >= 400:
            raise response_error(response)
        if not response.content:
            return {}
        answer = response.json()
        return answer if isinstance(answer, dict) else {"value": answer}


_apis_lock = threading.Lock()
_apis: dict[tuple[Any, ...], BookingsApi] = {}


def bookings_api(settings: Settings, credential: TokenCredential, who: str) -> BookingsApi:
    """The process's BookingsApi for these settings and credential (`who`: app or user)."""
    key = (*settings.key(), who)
    with _apis_lock:
        api = _apis.get(key)
        if api is None:
            api = _apis[key] = BookingsApi(settings, credential)
        return api
