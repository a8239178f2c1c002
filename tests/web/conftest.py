"""A real Chromium driven through Playwright, for the page tests that need a browser.

Chromium is the one Debian ships (``/usr/bin/chromium``); Playwright's own browser downloads
are never used. Without it the browser tests skip with the reason, except when ``CI=true``,
where a missing browser fails the run instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import LiveServer
from tests.factories.accounts import PASSWORD, Member

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("VERACITY_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; each test gets its own context."""
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageProblems:
    """Uncaught script errors and CSP refusals seen by a page; a test fails if any occur."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page; fails the test on script errors."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems = PageProblems()
    problems.watch(tab)
    yield tab
    context.close()
    assert not problems.errors, problems.errors


@pytest.fixture
def sign_in() -> Callable[[Page, LiveServer, Member, str], None]:
    """Sign ``member`` in through the real form, landing on ``next_path``."""

    def go(page: Page, server: LiveServer, member: Member, next_path: str = "/projects") -> None:
        page.goto(f"{server.url}/login?next={next_path}")
        page.get_by_label("Email").fill(member.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(f"{server.url}{next_path}")

    return go
