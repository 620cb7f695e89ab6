"""The emulator as an ASGI application: admin routes, tokens, faults, dispatch, log."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
import uuid
from email.utils import formatdate
from typing import Any

import yaml
from pydantic import ValidationError

from hcinfra.emulator.core.faults import Decision, Faults
from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.seed import Seed
from hcinfra.emulator.core.service import Service, ServiceError
from hcinfra.emulator.core.tenant import Tenant
from hcinfra.emulator.core.tokens import TokenError

JSON_TYPE = "application/json; charset=utf-8"
BAD_JSON = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set "
    "and payload is of valid JSON format."
)


class Dropped(Exception):
    """The fault layer drops this connection without an answer."""


class Dispatcher:
    """Takes a request through tokens, faults and the service's routes."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def service_for(self, path: str) -> Service | None:
        """The service that owns a path."""
        return next((s for s in self.tenant.services if s.owns(path)), None)

    def authenticate(self, service: Service, req: Req) -> Resp | None:
        """Attach the principal, or return the service's 401."""
        if service.audience is None:
            return None
        try:
            req.principal = self.tenant.signer.validate(
                req.headers.get("authorization"),
                service.audience,
                self.tenant.tenant_id,
                self.tenant.clock.now(),
            )
        except TokenError as err:
            return service.unauthorized(req, err.message)
        return None

    def decide(self, req: Req) -> Decision:
        """Draw the faults for this request."""
        app_id = req.principal.app_id if req.principal else ""
        return self.tenant.faults.decide(req.method, req.path, app_id, self.tenant.clock.now())

    def execute(self, service: Service, req: Req, decision: Decision) -> Resp:
        """Answer the request: a fault response, or the route's handler."""
        route_path, version = service.route_path(req.path)
        if version:
            req.version = version
        req.path_in_version = route_path
        req.consistency_ms = decision.consistency_ms
        req.service = service
        found = service.router.resolve(req.method, route_path)
        if found is not None:
            req.route, req.params = found[0].pattern, found[1]
        if decision.status == 429:
            resp = service.throttled(req, decision.retry_after or 1, decision.throttle_scope)
            return retry_after_header(resp, decision)
        if decision.status == 503:
            return retry_after_header(service.unavailable(req), decision)
        try:
            if found is None:
                if service.router.allows_path(route_path):
                    raise service.method_not_allowed(req)
                raise service.not_found_route(req)
            route, params = found
            service.authorize(req, route)
            if decision.respond is not None:
                canned = decision.respond
                return Resp(canned.status, canned.body, dict(canned.headers))
            with self.tenant.store.lock:
                return route.handler(req, **params)
        except ServiceError as err:
            return service.render(err, req)
        except json.JSONDecodeError:
            return service.render(ServiceError(400, "BadRequest", BAD_JSON), req)

    def handle_sync(self, req: Req, batch_item: bool = False) -> Resp:
        """Serve one request with no latency and no dropped connection (batch items)."""
        service = self.service_for(req.path)
        if service is None:
            resp = not_found(req)
        else:
            resp = self.authenticate(service, req) or self.execute(service, req, self.decide(req))
        self.record(req, resp, batch_item)
        return resp

    def record(self, req: Req, resp: Resp, batch_item: bool = False) -> None:
        """Log the request and stamp the response with its ids."""
        service = req.service or self.service_for(req.path)
        resp.headers.setdefault("request-id", req.request_id)
        resp.headers.setdefault("client-request-id", req.client_request_id)
        self.tenant.log.add(
            method=req.method,
            path=req.path,
            route=req.route or req.path,
            status=resp.status,
            app_id=req.principal.app_id if req.principal else "",
            request_id=req.request_id,
            batch_item=batch_item,
            write=service.is_write(req) if service else False,
        )


DROPPED = "emulated dropped connection"


def retry_after_header(resp: Resp, decision: Decision) -> Resp:
    """Retry-After as the fault rule asks: delay-seconds, or an HTTP-date; on 503s too."""
    seconds = decision.retry_after
    if seconds is None or (resp.status == 503 and not decision.unavailable_retry_after):
        return resp
    if decision.retry_after_form == "date":
        resp.headers["Retry-After"] = formatdate(time.time() + seconds, usegmt=True)
    else:
        resp.headers["Retry-After"] = str(seconds)
    return resp


def not_found(req: Req) -> Resp:
    """A path that belongs to no service."""
    return Resp(404, {"error": {"code": "NotFound", "message": f"No service at {req.path}"}})


class EmulatorApp:
    """The ASGI application."""

    def __init__(self, tenant: Tenant, ca_pem: bytes | None = None) -> None:
        self.tenant = tenant
        self.dispatcher = Dispatcher(tenant)
        self.ca_pem = ca_pem
        tenant.dispatcher = self.dispatcher  # type: ignore[attr-defined]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        host = headers.get("host", "localhost")
        req = Req(
            method=scope["method"],
            path=scope["path"],
            query=Req.parse_query(scope.get("query_string", b"").decode()),
            headers=headers,
            body=body,
            request_id=str(uuid.uuid4()),
            base_url=f"{scope.get('scheme', 'http')}://{host}",
        )
        if req.path.startswith("/_emulator/"):
            resp = self._admin(req, scope)
            await _send(send, resp)
            return
        try:
            resp = await self._serve(req)
        except Dropped:
            await _drop(send)
            return
        await _send(send, resp)

    async def _serve(self, req: Req) -> Resp:
        d = self.dispatcher
        service = d.service_for(req.path)
        if service is None:
            resp = not_found(req)
            d.record(req, resp)
            return resp
        denied = d.authenticate(service, req)
        if denied is not None:
            d.record(req, denied)
            return denied
        refused = service.enter(req)
        if refused is not None:
            d.record(req, refused)
            return refused
        try:
            decision = d.decide(req)
            if decision.latency_ms:
                await asyncio.sleep(decision.latency_ms / 1000)
            if decision.drop:
                d.record(req, Resp(0))
                raise Dropped
            resp = d.execute(service, req, decision)
        finally:
            service.leave(req)
        d.record(req, resp)
        if decision.drop_response:
            raise Dropped
        return resp

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.tenant.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _admin(self, req: Req, scope: dict[str, Any]) -> Resp:
        client = (scope.get("client") or ("127.0.0.1", 0))[0]
        try:
            if not ipaddress.ip_address(client).is_loopback:
                return Resp(403, {"error": "admin routes answer on loopback only"})
        except ValueError:
            return Resp(403, {"error": "admin routes answer on loopback only"})
        try:
            return self._admin_route(req)
        except (ValidationError, yaml.YAMLError, ValueError) as err:
            return Resp(400, {"error": str(err)})

    def _admin_route(self, req: Req) -> Resp:
        t = self.tenant
        action = (req.method, req.path.rstrip("/"))
        if action == ("GET", "/_emulator/health"):
            return Resp(200, {"status": "ok", "tenantId": t.tenant_id})
        if action == ("POST", "/_emulator/reset"):
            t.reset()
            return Resp(204)
        if action == ("POST", "/_emulator/seed"):
            t.apply_seed(Seed.model_validate(yaml.safe_load(req.body.decode() or "{}")))
            t.log.clear()
            return Resp(204)
        if action == ("GET", "/_emulator/state"):
            return Resp(200, t.store.dump())
        if action == ("GET", "/_emulator/requests"):
            return Resp(200, t.log.snapshot(int(req.query.get("since", "0") or 0)))
        if action == ("DELETE", "/_emulator/requests"):
            t.log.clear()
            return Resp(204)
        if action == ("GET", "/_emulator/faults"):
            return Resp(200, t.faults.config.model_dump(by_alias=True))
        if action == ("PUT", "/_emulator/faults"):
            t.faults.configure(Faults.load(yaml.safe_load(req.body.decode() or "{}")))
            return Resp(204)
        if action == ("POST", "/_emulator/clock"):
            data = req.json() or {}
            t.clock.advance(float(data.get("advanceSeconds", 0)))
            return Resp(200, {"now": t.clock.now(), "offset": t.clock.offset})
        if action == ("POST", "/_emulator/devicecode/approve"):
            from hcinfra.emulator.identity.devicecode import approve

            return approve(t.service("identity"), req.json() or {})
        if action == ("GET", "/_emulator/ca.pem") and self.ca_pem:
            return Resp(200, self.ca_pem, {"Content-Type": "application/x-pem-file"})
        return Resp(404, {"error": f"no admin route {req.method} {req.path}"})


async def _send(send: Any, resp: Resp) -> None:
    body = resp.encode()
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if body and "content-type" not in headers:
        headers["content-type"] = JSON_TYPE
    headers["date"] = formatdate(usegmt=True)
    headers["content-length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": resp.status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Any) -> None:
    # Promise a body, send none, then fail: the server closes the connection mid-response.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"1024"), (b"content-type", b"application/json")],
        }
    )
    raise ConnectionAbortedError(DROPPED)


def build_app(tenant: Tenant, ca_pem: bytes | None = None) -> EmulatorApp:
    """The ASGI app serving a tenant."""
    return EmulatorApp(tenant, ca_pem)
