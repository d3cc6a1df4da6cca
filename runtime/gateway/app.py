"""The Starlette app: the chat endpoints (see `pipeline`), models, health, metrics, and unmatched paths."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as Endpoint

from packgate.runtime.opa.client import OpaClient
from packgate.runtime.upstream.client import Upstreams
from packgate.runtime.wire.errors import GatewayError, error_response

from . import catalog, console, parsing, review_api, reviewing
from .admission import Admission
from .config import GatewayConfig, RouteTable
from .outcome import Gateway, Outcome, finish
from .pipeline import chat
from .scanning import Scanner

log = logging.getLogger("packgate.gateway")


async def chat_openai(request: Request) -> Response:
    return await chat(request, "openai")


async def chat_ollama(request: Request) -> Response:
    return await chat(request, "ollama")


async def generate_ollama(request: Request) -> Response:
    return await chat(request, "ollama", generate=True)


async def _listing(request: Request, render: Any, protocol: str) -> Response:
    """A model list or model facts: only targets OPA's routing can choose (see `catalog`)."""
    table: RouteTable = request.app.state.routes
    name = request.path_params.get("pack")
    route = table.default if name is None else table.get(name)
    if route is None:
        return await _not_routed(request, GatewayError(404, "unknown_route", "no pack is served under this route",
                                                       param="pack", verdict="bad_request"))
    try:
        targets = await catalog.routable(request.app.state.gateway, route)
        body = await render(request, targets)
    except GatewayError as err:
        return error_response(err, protocol=protocol)
    return Response(orjson.dumps(body), media_type="application/json")


async def models(request: Request) -> Response:
    return await _listing(request, lambda _r, ts: _value(catalog.openai_models(ts)), "openai")


async def tags(request: Request) -> Response:
    return await _listing(request, lambda _r, ts: _value(catalog.ollama_tags(ts)), "ollama")


async def ps(request: Request) -> Response:
    return await _listing(request, lambda _r, ts: _value(catalog.ollama_ps(ts)), "ollama")


async def show(request: Request) -> Response:
    async def render(req: Request, targets: list[Any]) -> dict[str, Any]:
        body = await parsing.read_json(req, req.app.state.config.max_body_bytes, any_content_type=True)
        name = body.get("model", body.get("name"))
        return catalog.ollama_show(targets, name)
    return await _listing(request, render, "ollama")


async def version(request: Request) -> Response:
    return Response(orjson.dumps({"version": catalog.OLLAMA_API_VERSION}), media_type="application/json")


async def _value(v: Any) -> Any:
    return v


async def health(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    table: RouteTable = request.app.state.routes
    opa_ok = await gw.opa.bundles_ready()
    audit_ok = gw.config.audit is None or gw.config.audit.healthy
    ok = opa_ok and audit_ok
    problems = gw.config.policy_problems() if gw.config.policy_problems is not None else []
    status = ("degraded" if problems else "ok") if ok else "unavailable"
    body: dict[str, Any] = {"status": status, "opa": opa_ok, "audit": audit_ok, "bundle_revision": table.revision,
                            "packs": [{"name": r.name, "version": r.version} for r in table.routes]}
    if problems:  # the last good bundle serves (200); the packs on disk do not compile or were refused
        body["errors"] = problems
    return Response(orjson.dumps(body), status_code=200 if ok else 503, media_type="application/json")


async def metrics(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    return Response(gw.metrics.render(), media_type=gw.metrics.content_type)


async def _not_routed(request: Request, err: GatewayError) -> Response:
    """404/405 outside any chat handler: still an OpenAI-style error and one audit event."""
    gw: Gateway = request.app.state.gateway
    out = Outcome(endpoint="(unmatched)", revision=request.app.state.routes.revision)
    out.fail(err)
    finish(gw, out)
    path = request.url.path
    ollama_path = path.startswith("/api/") or (path.startswith("/routes/") and "/api/" in path)
    return error_response(err, protocol="ollama" if ollama_path else "openai")


def record_rejection(app: Any, status: int = 400, code: str = "invalid_http") -> None:
    """One audit event for a request the HTTP server refused before the app saw it (a malformed
    request line, a bad Content-Length, Transfer-Encoding with Content-Length; headers too large or
    too slow). `app` is what the server runs: the gateway app, possibly inside uvicorn's middleware
    wrappers."""
    while app is not None and not hasattr(getattr(app, "state", None), "gateway"):
        app = getattr(app, "app", None)
    if app is None:
        log.error("a rejected request could not be audited: no gateway app")
        return
    out = Outcome(endpoint="(rejected)", revision=app.state.routes.revision)
    out.fail(GatewayError(status, code, "invalid HTTP request", verdict="bad_request"))
    finish(app.state.gateway, out)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        err = GatewayError(405, "method_not_allowed", "method not allowed on this path", verdict="bad_request")
    else:
        err = GatewayError(exc.status_code, "unknown_route" if exc.status_code == 404 else "http_error",
                           "no such endpoint" if exc.status_code == 404 else "request rejected", verdict="bad_request")
    return await _not_routed(request, err)


def _endpoints() -> list[Endpoint]:
    paths = [("/v1/chat/completions", chat_openai, ["POST"]), ("/api/chat", chat_ollama, ["POST"]),
             ("/api/generate", generate_ollama, ["POST"]), ("/v1/models", models, ["GET"]),
             ("/api/tags", tags, ["GET"]), ("/api/ps", ps, ["GET"]), ("/api/show", show, ["POST"]),
             ("/api/version", version, ["GET"])]
    eps = [Endpoint("/health", health, methods=["GET"]), Endpoint("/metrics", metrics, methods=["GET"])]
    paths += [("/v1/escalations/{esc_id}", reviewing.requester_get, ["GET"]),
              ("/api/escalations/{esc_id}", reviewing.requester_get, ["GET"])]
    for path, fn, methods in paths:
        eps.append(Endpoint(path, fn, methods=methods))
        eps.append(Endpoint("/routes/{pack}" + path, fn, methods=methods))
    eps += [Endpoint("/v1/reviews", review_api.listing, methods=["GET"]),
            Endpoint("/v1/reviews/{esc_id}", review_api.detail, methods=["GET"]),
            Endpoint("/v1/reviews/{esc_id}/{action}", review_api.act, methods=["POST"]),
            console.mount()]
    return eps


def create_app(config: GatewayConfig) -> Starlette:
    """Build the gateway for `config`; `app.state.routes` holds the swappable RouteTable."""
    gw = Gateway(config=config, opa=OpaClient(config.opa_url, config.opa_timeout_s),
                 upstreams=Upstreams(config.upstream_connect_timeout_s, config.standin_url),
                 scanner=Scanner(config.scan_workers, config.scan_inline_chars),
                 admission=Admission(config.max_active_requests, config.max_queued_requests,
                                     config.max_queue_wait_s),
                 desk=reviewing.desk_for(config.routes, config.audit))  # ReviewKeyError: no key for a holding pack

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        await gw.opa.start()
        await gw.upstreams.start()
        if config.standin_url:
            log.warning("targets are served by a STAND-IN model at %s (%s)", config.standin_url, config.standin_label)
        try:
            yield
        finally:
            gw.scanner.close()
            await gw.upstreams.aclose()
            await gw.opa.aclose()
            if config.audit is not None and hasattr(config.audit, "flush"):
                config.audit.flush(5.0)  # type: ignore[attr-defined]

    app = Starlette(routes=_endpoints(), lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.router.redirect_slashes = False  # a 307 would be a request without an event: answer 404 (audited)
    app.state.config = config
    app.state.gateway = gw
    app.state.routes = config.route_table()
    return app
