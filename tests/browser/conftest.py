"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They run in their own pytest invocation (``make test`` runs ``-m browser`` separately),
because pytest-playwright keeps an event loop in the main thread. Each journey saves a
screenshot of its last page under ``test-results/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from .helpers import png

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
PASSWORD = "correct-horse-battery"  # the repository conftest's make_user password


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
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, a test database in a file rather than in memory.

    With an in-memory database Django hands the live server the test's own connection, so
    the server's request threads and the test (which runs background jobs while the browser
    polls) would share one connection and interleave their transactions. With a file each
    thread has its own connection, as in production (WAL, IMMEDIATE transactions).
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})
        db["TEST"]["NAME"] = str(tmp_path_factory.mktemp("browser-db") / "test.sqlite3")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def interest_catalogue(request):
    """The interest catalogue a data migration installs: transactional tests (which the live
    server needs) empty every table after each test, so it is put back for each one."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    import_module("vermilion.accounts.migrations.0003_interest_catalogue").add(apps, None)


@pytest.fixture
def shot(request):
    """``shot(page, name)``: save a full-page screenshot under test-results/screenshots.

    ``full_page=False`` keeps to the viewport: on a phone, sticky and fixed bars land in the
    middle of a full-page capture, so the viewport is the honest picture there."""

    def take(page, name: str | None = None, *, full_page: bool = True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name or request.node.name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def watch_console(page, errors: list[str]) -> None:
    """Collect the page's console errors (CSP violations are among them) and uncaught
    exceptions into ``errors``, prefixed with the page's address."""
    page.on(
        "console",
        lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))


@pytest.fixture
def console_errors(page):
    """Console errors and CSP violations seen during the test, on ``page`` and on every page
    ``open_page`` opened."""
    errors: list[str] = []
    watch_console(page, errors)
    return errors


@pytest.fixture
def open_page(browser, browser_context_args, console_errors):
    """``open_page(**context_options)``: a page in a fresh browser context (another person,
    another device or language), watched for console errors like ``page``."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        new = context.new_page()
        watch_console(new, console_errors)
        return new

    yield make
    for context in contexts:
        context.close()


# --- data through the real services ----------------------------------------------------------


@pytest.fixture
def run_jobs_until():
    """``run_jobs_until(page, done, timeout=15)``: work the job queue (there is no worker in
    tests) until ``done()`` holds, letting the page carry on between rounds."""
    from vermilion.core.jobs import run_pending

    def wait(page, done, timeout: float = 15, message: str = "condition"):
        deadline = time.monotonic() + timeout
        while True:
            run_pending()
            if done():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {message}")
            page.wait_for_timeout(200)

    return wait


COLOURS = [(235, 64, 52), (52, 120, 235), (60, 170, 90), (240, 170, 40), (150, 80, 200)]


@pytest.fixture
def publish_notes(make_user):
    """``publish_notes(author=None, count=3, size=(300, 400))``: notes with processed images,
    made through the media pipeline and ``notes.services.create_note``; newest last."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vermilion.core.jobs import run_pending
    from vermilion.media.services import create_image_upload
    from vermilion.notes.services import create_note

    def publish(author=None, count: int = 3, size: tuple[int, int] = (300, 400)):
        author = author or make_user(display_name="Mei Lin")
        media = [
            create_image_upload(
                author,
                SimpleUploadedFile(f"seed{i}.png", png(COLOURS[i % len(COLOURS)], size)),
            )
            for i in range(count)
        ]
        run_pending()
        return [
            create_note(
                author,
                title=f"Autumn walk {i + 1}",
                body=f"Day {i + 1} by the river. #travel",
                media_ids=[str(m.id)],
            )
            for i, m in enumerate(media)
        ]

    return publish


@pytest.fixture
def sign_in(live_server):
    """``sign_in(page, username)``: sign in through the sign-in form."""

    def go(page, username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/signin")
        page.get_by_test_id("signin-username").fill(username)
        page.get_by_test_id("signin-password").fill(password)
        page.get_by_test_id("signin-submit").click()
        page.wait_for_url(f"{live_server.url}/")

    return go
