"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They run in their own pytest invocation (``make test`` runs ``-m browser`` separately),
because pytest-playwright keeps an event loop in the main thread. Each journey saves a
screenshot of its last page under ``test-results/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("VERMILION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    items = [item for item in items if HERE in Path(str(item.fspath)).resolve().parents]
    for item in items:
        item.add_marker(pytest.mark.browser)
    if items and not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("VERMILION_REQUIRE_BROWSER") == "1":
            raise pytest.UsageError(
                f"Chromium not found at {CHROMIUM}, and browser tests are required"
            )
        skip = pytest.mark.skip(
            reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        )
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def shot(request):
    """``shot(page, name)``: save a full-page screenshot under test-results/screenshots."""

    def take(page, name: str | None = None):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name or request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def console_errors(page):
    """Console errors and CSP violations seen on the page during the test."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
