"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the browser tests.

``open_page`` yields a page that only reaches the live server (map tiles and anything
else off the machine are refused) and collects its JavaScript errors (``js_errors(page)``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("BALAGH_SCREENSHOTS", "/tmp"))

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


_JS_ERRORS: dict[object, list[str]] = {}


def js_errors(page: object) -> list[str]:
    """The JavaScript errors a page from :func:`open_page` has raised so far."""
    return _JS_ERRORS[page]


@contextmanager
def open_page(live_server, *, locale: str, viewport=(412, 900)):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(
            locale=locale, viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _JS_ERRORS[page] = errors
        try:
            yield page
        finally:
            del _JS_ERRORS[page]
            context.close()
            browser.close()


def log_in(page, live_server, user) -> None:
    """Give the browser a session of ``user`` (as if they had signed in on the login page)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
