"""Graph answers as JSON rather than models: msgraph-sdk's request builders, unparsed answers.

The first answer kiota parses into a model loads most of msgraph-sdk's generated models:
resolving the fields of a group, an async operation or any other entity imports every
type they refer to, transitively. That is about 1,200 modules, 1.3 to 1.8 s of CPU and
some 40 MiB in each provider process (measured on this project's 2-core machine), paid
by the first create of every stack. The calls on a deploy's path need an id or a status,
so they keep the SDK's request builders, middleware and authentication but take the
HTTP answer through kiota's native response handler and read its JSON.
"""

from __future__ import annotations

from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_http.middleware.options import ResponseHandlerOption

from hcinfra.clients.graph_batch import response_error


def unparsed(headers: dict[str, str] | None = None, query: Any = None) -> RequestConfiguration[Any]:
    """A request configuration whose answer comes back as the HTTP response, unparsed."""
    config: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
    for name, value in (headers or {}).items():
        config.headers.add(name, value)
    config.options = [ResponseHandlerOption(NativeResponseHandler())]
    return config


def json_of(response: Any) -> dict[str, Any]:
    """The JSON body of an unparsed answer ({} when empty); a refusal as TenantError."""
    if response.status_code >= 400:
        raise response_error(response)
    if not response.content:
        return {}
    body = response.json()
    return body if isinstance(body, dict) else {"value": body}
