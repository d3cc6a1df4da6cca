"""The review console in a real browser (Debian Chromium via Playwright) in front of the real gateway:
sign in, claim, edit (re-checked), approve; the requester then reads the released answer through the
official `openai` SDK. Refusals: a second reviewer's claim, a form without its CSRF token; a model's
`<script>` renders as text and never runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion
from playwright.sync_api import expect

from packgate.runtime.demo.standin import Reply
from tests.harness import CLINICIAN, ROOT
from tests.harness.browser import TIMEOUT_MS

from .helpers import PACK, reviewer_token

DISCLAIMER = "This output is for licensed clinical review only and is not medical advice."
SCREENSHOTS = os.environ.get("PACKGATE_SCREENSHOTS") == "1"  # `make screenshots`: refresh docs/review-*.png


@pytest.fixture()
def sdk(gw) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gw.url}/routes/{PACK}/v1", api_key="unused", default_headers=CLINICIAN,
                         max_retries=0, timeout=30)


def _escalate(sdk: openai.OpenAI, prompt: str = "Summarize today's session notes.") -> str:
    answer = sdk.chat.completions.create(model="llama3.1:70b", messages=[{"role": "user", "content": prompt}])
    assert answer.choices[0].finish_reason == "escalated" and answer.choices[0].message.content is None
    assert answer.id.startswith("esc_")
    return answer.id


def _signed_in(browser: Any, gw: Any, sub: str = "rev-ana") -> Any:
    context = browser.new_context(base_url=gw.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/review/login")
    page.fill("#token", reviewer_token(sub))
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    return page


def test_reviewer_approves_in_the_console_and_the_requester_gets_the_answer_with_disclaimers(browser, gw, sdk,
                                                                                            tmp_path):
    gw.standin.script(Reply(text="Themes: poor sleep, work stress. Suggest follow-up in two weeks."))
    esc = _escalate(sdk)
    pending = sdk.get(f"/escalations/{esc}", cast_to=dict[str, object])
    assert pending["state"] == "open"

    page = _signed_in(browser, gw)
    row = page.locator("tr", has=page.get_by_role("link", name=esc))
    expect(row).to_contain_text("open")
    page.screenshot(path=str(_shot(tmp_path, "review-queue.png")), full_page=True)
    row.get_by_role("link", name=esc).click()
    expect(page.locator("#held-output")).to_have_text("Themes: poor sleep, work stress. Suggest follow-up in two weeks.")
    expect(page.locator("aside")).to_contain_text(DISCLAIMER)
    page.click("#claim")
    expect(page.locator("#state")).to_have_text("claimed")
    page.screenshot(path=str(_shot(tmp_path, "review-detail.png")), full_page=True)
    page.click("#approve")
    expect(page.locator("#state")).to_have_text("approved")
    expect(page.locator("table.trail")).to_contain_text("review_approved")

    released = sdk.get(f"/escalations/{esc}", cast_to=ChatCompletion)
    assert released.id == esc
    assert released.choices[0].message.content == (
        f"{DISCLAIMER}\n\nThemes: poor sleep, work stress. Suggest follow-up in two weeks.")
    page.context.close()


def test_an_edit_is_rechecked_blocked_language_refused_and_the_edit_released(browser, gw, sdk):
    esc = _escalate(sdk)
    page = _signed_in(browser, gw)
    page.goto(f"/review/e/{esc}")
    page.click("#claim")
    page.fill("#text", "Increase the dose to 40 mg.")
    page.click("#edit")
    expect(page.locator(".flash")).to_contain_text("refused (409 output_blocked)")
    expect(page.locator(".flash")).to_contain_text("blocked_patterns")
    expect(page.locator("#state")).to_have_text("claimed")
    page.fill("#text", "Keep the current plan; review at the next visit.")
    page.click("#edit")
    expect(page.locator("#state")).to_have_text("edited")
    released = sdk.get(f"/escalations/{esc}", cast_to=ChatCompletion)
    assert released.choices[0].message.content == f"{DISCLAIMER}\n\nKeep the current plan; review at the next visit."
    page.context.close()


def test_a_second_reviewers_claim_is_refused(browser, gw, sdk):
    esc = _escalate(sdk)
    ana, ben = _signed_in(browser, gw, "rev-ana"), _signed_in(browser, gw, "rev-ben")
    ben.goto(f"/review/e/{esc}")
    ana.goto(f"/review/e/{esc}")
    ana.click("#claim")
    expect(ana.locator("#state")).to_have_text("claimed")
    ben.click("#claim")  # the page ben loaded still offers the claim
    expect(ben.locator(".flash")).to_contain_text("refused (409 already_claimed)")
    expect(ben.locator(".actions")).to_contain_text("Claimed by another reviewer")
    ana.context.close()
    ben.context.close()


def test_script_in_model_output_is_text_and_never_runs(browser, gw, sdk):
    payload = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
    gw.standin.script(Reply(text=f"Summary. {payload}"))
    esc = _escalate(sdk)
    page = _signed_in(browser, gw)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text))
    response = page.goto(f"/review/e/{esc}")
    assert "script-src" not in response.headers["content-security-policy"]  # no script source at all
    assert "default-src 'none'" in response.headers["content-security-policy"]
    expect(page.locator("#held-output")).to_have_text(f"Summary. {payload}")
    assert page.locator("#held-output script, #held-output img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.context.close()


def test_forms_without_the_csrf_token_are_refused_and_the_cookie_is_locked_down(browser, gw, sdk):
    esc = _escalate(sdk)
    page = _signed_in(browser, gw)
    cookie = next(c for c in page.context.cookies() if c["name"] == "pg_review")
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (True, True, "Strict",
                                                                                         "/review")
    for form in ({}, {"csrf": "forged"}):
        r = page.request.post(f"/review/e/{esc}/claim", form=form, max_redirects=0)
        assert r.status == 403 and "CSRF" in r.text()
    page.goto(f"/review/e/{esc}")
    expect(page.locator("#state")).to_have_text("open")
    assert esc not in page.url.split("/review/e/")[0] and "token" not in page.url
    page.context.close()


def _shot(tmp_path: Path, name: str) -> Path:
    return ROOT / "docs" / name if SCREENSHOTS else tmp_path / name
