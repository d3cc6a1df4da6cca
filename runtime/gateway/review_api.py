"""The reviewer API (bearer JWT with a reviewer role): the queue, one escalation, and its actions.

`GET /v1/reviews`, `GET /v1/reviews/{id}`, `POST /v1/reviews/{id}/{claim|approve|edit|reject}`.
The console (`console`) calls the same functions in `reviewing`; the requester's endpoint is
`reviewing.requester_get`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from packgate.runtime import review as store
from packgate.runtime.review import ReviewError
from packgate.runtime.wire.errors import GatewayError, error_response

from . import parsing, reviewing
from .config import RouteTable

__all__ = ["act", "detail", "listing", "reviewable_packs", "visible"]


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _refused(err: ReviewError) -> Response:
    return error_response(GatewayError(err.status, err.code, err.message, verdict="denied"))


async def reviewable_packs(request: Request, token: str | None = None) -> list[str]:
    """The served packs holding answers on which this bearer is a verified reviewer (OPA's review decision)."""
    table: RouteTable = request.app.state.routes
    packs: list[str] = []
    for route in table.routes:
        if reviewing.holds(route):
            try:
                await reviewing.reviewer(request, route, None, token)
            except ReviewError:
                continue
            packs.append(route.name)
    return packs


async def listing(request: Request) -> Response:
    desk = request.app.state.gateway.desk
    if desk is None:
        return _json({"object": "list", "data": []})
    packs = await reviewable_packs(request)
    if not packs:
        return _refused(ReviewError(401 if not request.headers.get("authorization") else 403, "not_a_reviewer",
                                    "a verified reviewer token is required"))
    pack, state = request.query_params.get("pack"), request.query_params.get("state")
    rows = await asyncio.to_thread(store.queue, desk.db, pack=pack, state=state)
    now = store.ts_after(0)
    return _json({"object": "list", "data": [{**r.as_dict(), "overdue": r.overdue(now)} for r in rows
                                             if r.pack in packs]})


async def detail(request: Request) -> Response:
    desk = request.app.state.gateway.desk
    esc_id = request.path_params["esc_id"]
    try:
        if desk is None:
            raise ReviewError(404, "escalation_not_found", "no such escalation")
        review, held, decision = await visible(request, esc_id)
        trail = await asyncio.to_thread(store.trail, desk.db, esc_id)
    except ReviewError as err:
        return _refused(err)
    return _json({**review.as_dict(), "held": held, "decision": decision, "trail": trail})


async def visible(request: Request, esc_id: str, token: str | None = None) -> tuple[Any, Any, Any]:
    """An escalation with its content, for a verified reviewer of its pack."""
    desk = request.app.state.gateway.desk
    review = await asyncio.to_thread(store.get, desk.db, esc_id)
    if review is None:
        raise ReviewError(404, "escalation_not_found", "no such escalation")
    route = reviewing.route_of(request.app.state.routes, review)
    await reviewing.reviewer(request, route, review.requester, token)  # not the requester's own draft
    return await asyncio.to_thread(store.content, desk.db, desk.sealer, esc_id)


async def act(request: Request) -> Response:
    esc_id, action = request.path_params["esc_id"], request.path_params["action"]
    try:
        body: dict[str, Any] = {}
        if action in ("edit", "reject"):
            body = await parsing.read_json(request, request.app.state.config.max_body_bytes)
        text, note = body.get("text"), body.get("reason")
        if not isinstance(text, (str, type(None))) or not isinstance(note, (str, type(None))):
            raise ReviewError(400, "invalid_request", "text and reason must be strings")
        review = await reviewing.act(request, esc_id, action, text=text, note=note)
    except ReviewError as err:
        return _refused(err)
    except GatewayError as err:
        return error_response(err)
    return _json(review.as_dict())
