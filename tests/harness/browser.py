"""Debian's Chromium driven by Playwright (browser downloads are not possible here: never `playwright install`).

`make setup` installs the `chromium` package when it is missing. Timeouts are generous: the machine
is shared and Chromium is slow on it; tests wait with `expect`, never with sleeps.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 60_000


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless system Chromium (`--no-sandbox`: the tests may run as root in a container)."""
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()
