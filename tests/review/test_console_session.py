"""The console's session rules without a browser (the in-process client on https:// URLs, so the Secure
cookie is sent): a token that reviews nothing is refused, an idle session ends, sign-out ends it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from packgate.runtime.gateway import console

from .helpers import reviewer_token

HTTPS = "https://gateway.test"


class _Browserless:
    """The session's in-process client (one app, one event loop), on https:// URLs, without redirects."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str) -> Any:
        return self.client.get(HTTPS + path, follow_redirects=False)

    def post(self, path: str, data: dict[str, str]) -> Any:
        return self.client.post(HTTPS + path, data=data, follow_redirects=False)


@pytest.fixture()
def browserless(inproc):
    inproc.client.cookies.clear()
    yield _Browserless(inproc.client)
    inproc.client.cookies.clear()


def _sign_in(client: _Browserless, token: str):
    page = client.get("/review/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/review/login", data={"csrf": csrf, "token": token})


def test_a_token_without_a_reviewer_role_does_not_sign_in(browserless):
    r = _sign_in(browserless, reviewer_token("dr-b", "clinician"))
    assert r.status_code == 401 and "not a verified reviewer" in r.text
    assert browserless.get("/review/").headers["location"] == "/review/login"


def test_an_idle_session_ends_and_sign_out_ends_it(browserless, inproc):
    assert _sign_in(browserless, reviewer_token()).headers["location"] == "/review/"
    assert browserless.get("/review/").status_code == 200
    for session in inproc.app.state.review_sessions.values():  # as if IDLE_S had passed without a request
        session.seen -= console.IDLE_S + 1
    assert browserless.get("/review/").headers["location"] == "/review/login"

    _sign_in(browserless, reviewer_token())
    page = browserless.get("/review/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert browserless.post("/review/logout", data={"csrf": csrf}).headers["location"] == "/review/login"
    assert browserless.get("/review/").headers["location"] == "/review/login"
