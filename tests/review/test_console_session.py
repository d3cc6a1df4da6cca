"""The console's session rules without a browser (TestClient over https, so the Secure cookie is sent):
a token that reviews nothing is refused, an idle session ends, sign-out ends it."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from packgate.runtime.gateway import console

from .helpers import reviewer_token


@pytest.fixture()
def browserless(inproc):
    with TestClient(inproc.app, base_url="https://gateway.test", follow_redirects=False) as client:
        yield client


def _sign_in(client: TestClient, token: str):
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
