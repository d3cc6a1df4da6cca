"""The review console at `/review/`: server-rendered pages over the same actions as the reviewer API.

Security, as for any clinical web app: the reviewer's bearer token stays in server memory (the
cookie holds a random session id: `HttpOnly; Secure; SameSite=Strict; Path=/review`), sessions end
after :data:`IDLE_S` idle or :data:`ABSOLUTE_S` in all, every form carries a per-session CSRF token
(compared in constant time), a strict Content-Security-Policy allows no script at all, Jinja2
autoescapes every value (a model's `<script>` is text), and URLs carry only escalation ids, pack
names and states. Sessions live in this process (with `--workers N`, sign in per worker).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.routing import Route as Endpoint

from packgate.runtime import review as store
from packgate.runtime.review import ReviewError, ts_after

from . import review_api, reviewing

__all__ = ["COOKIE", "CSP", "IDLE_S", "mount"]

COOKIE = "pg_review"
IDLE_S = 15 * 60
MAX_FORM = 64 * 1024
ABSOLUTE_S = 8 * 3600
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "x-frame-options": "DENY", "cache-control": "no-store"}
_HERE = Path(__file__).parent
_ENV = Environment(loader=FileSystemLoader(_HERE / "templates" / "review"),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_DUE = {"": None, "overdue": 0.0, "1h": 3600.0, "4h": 4 * 3600.0, "24h": 86400.0}


@dataclass
class _Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str | None = None  # the reviewer's bearer token (memory only; re-verified on every action)
    user: str | None = None
    packs: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    flash: str | None = None


def _sessions(request: Request) -> dict[str, _Session]:
    state = request.app.state
    if not hasattr(state, "review_sessions"):
        state.review_sessions = {}
    return state.review_sessions  # type: ignore[no-any-return]


def _session(request: Request) -> _Session | None:
    sid = request.cookies.get(COOKIE)
    sessions = _sessions(request)
    s = sessions.get(sid) if sid else None
    now = time.monotonic()
    if s is not None and (now - s.seen > IDLE_S or now - s.created > ABSOLUTE_S):
        sessions.pop(sid, None)  # type: ignore[arg-type]
        return None
    if s is not None:
        s.seen = now
    return s


def _new_session(request: Request, response: Response, session: _Session) -> None:
    sessions = _sessions(request)
    old = request.cookies.get(COOKIE)
    if old:
        sessions.pop(old, None)  # a new id at sign-in: no session fixation
    for sid in [k for k, v in sessions.items() if time.monotonic() - v.seen > IDLE_S]:
        sessions.pop(sid, None)
    sid = secrets.token_urlsafe(32)
    sessions[sid] = session
    response.set_cookie(COOKIE, sid, max_age=IDLE_S, path="/review", secure=True, httponly=True, samesite="strict")


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(name).render(**context), status_code=status, headers=_HEADERS)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=_HEADERS)


async def _form(request: Request, session: _Session | None) -> dict[str, str]:
    """The posted form, after the CSRF check (403 otherwise)."""
    form = await _urlencoded(request)
    sent = form.get("csrf")
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise ReviewError(403, "csrf_failed", "the form is missing its CSRF token or the session ended; reload the page")
    return form


async def _urlencoded(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (what these forms post), at most :data:`MAX_FORM` bytes."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise ReviewError(415, "unsupported_media_type", "forms post application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise ReviewError(413, "form_too_large", "the form is too large")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=16))
    except (UnicodeDecodeError, ValueError):
        raise ReviewError(400, "invalid_form", "the form could not be read") from None


def _refused(err: ReviewError) -> HTMLResponse:
    return _page("error.html", err.status, message=err.message, code=err.code)


async def login_page(request: Request) -> Response:
    session = _session(request)
    if session is not None and session.user:
        return _redirect("/review/")
    fresh = _Session()
    response = _page("login.html", csrf=fresh.csrf, error=None)
    _new_session(request, response, fresh)
    return response


async def login(request: Request) -> Response:
    session = _session(request)
    try:
        form = await _form(request, session)
    except ReviewError as err:
        return _refused(err)
    token = form.get("token", "").strip()
    packs = await review_api.reviewable_packs(request, token) if token else []
    if not packs:
        assert session is not None
        return _page("login.html", 401, csrf=session.csrf, error="this token is not a verified reviewer on any pack")
    actor = await reviewing.reviewer(request, request.app.state.routes.get(packs[0]), None, token)
    response = _redirect("/review/")
    _new_session(request, response, _Session(token=token, user=actor.user_id, packs=packs))
    return response


async def logout(request: Request) -> Response:
    session = _session(request)
    try:
        await _form(request, session)
    except ReviewError as err:
        return _refused(err)
    _sessions(request).pop(request.cookies.get(COOKIE, ""), None)
    response = _redirect("/review/login")
    response.delete_cookie(COOKIE, path="/review", secure=True, httponly=True, samesite="strict")
    return response


async def queue(request: Request) -> Response:
    session = _session(request)
    if session is None or not session.user:
        return _redirect("/review/login")
    desk = request.app.state.gateway.desk
    pack = request.query_params.get("pack") or None
    state = request.query_params.get("state") or None
    due = request.query_params.get("due") or ""
    if pack not in (None, *session.packs) or state not in (None, *store.STATES) or due not in _DUE:
        return _refused(ReviewError(400, "invalid_filter", "unknown pack, state or deadline filter"))
    rows = []
    if desk is not None:
        within = _DUE[due]
        rows = await asyncio.to_thread(store.queue, desk.db, pack=pack, state=state,
                                       due_before=ts_after(within) if within is not None else None)
    now = ts_after(0)
    rows = [(r, r.overdue(now)) for r in rows if r.pack in session.packs]
    flash, session.flash = session.flash, None
    return _page("queue.html", rows=rows, session=session, pack=pack, state=state, due=due, states=store.STATES,
                 dues=list(_DUE), flash=flash)


async def detail(request: Request) -> Response:
    session = _session(request)
    if session is None or not session.user:
        return _redirect("/review/login")
    desk = request.app.state.gateway.desk
    esc_id = request.path_params["esc_id"]
    try:
        if desk is None:
            raise ReviewError(404, "escalation_not_found", "no such escalation")
        review, held, decision = await review_api.visible(request, esc_id, session.token)
        trail = await asyncio.to_thread(store.trail, desk.db, esc_id)
    except ReviewError as err:
        return _refused(err)
    flash, session.flash = session.flash, None
    return _page("detail.html", review=review, held=held or {}, decision=decision or {}, trail=trail,
                 session=session, overdue=review.overdue(), flash=flash, error=None)


async def action(request: Request) -> Response:
    session = _session(request)
    esc_id, what = request.path_params["esc_id"], request.path_params["action"]
    try:
        form = await _form(request, session)
        assert session is not None
        if not session.user:
            raise ReviewError(401, "unauthenticated", "sign in first")
        await reviewing.act(request, esc_id, what, text=form.get("text"), note=form.get("reason"),
                            token=session.token)
    except ReviewError as err:
        if err.code == "csrf_failed" or session is None or not session.user:
            return _refused(err)
        session.flash = f"refused ({err.status} {err.code}): {err.message}"
        response = await detail(request)
        response.status_code = err.status
        return response
    session.flash = {"claim": "claimed", "approve": "approved", "edit": "edited and re-checked",
                     "reject": "rejected"}.get(what, what)
    return _redirect(f"/review/e/{esc_id}")


async def stylesheet(request: Request) -> Response:
    return FileResponse(_HERE / "static" / "review.css", media_type="text/css", headers=_HEADERS)


def mount() -> Mount:
    return Mount("/review", routes=[
        Endpoint("/", queue, methods=["GET"]),
        Endpoint("/login", login_page, methods=["GET"]),
        Endpoint("/login", login, methods=["POST"]),
        Endpoint("/logout", logout, methods=["POST"]),
        Endpoint("/review.css", stylesheet, methods=["GET"]),
        Endpoint("/e/{esc_id}", detail, methods=["GET"]),
        Endpoint("/e/{esc_id}/{action}", action, methods=["POST"]),
    ])
