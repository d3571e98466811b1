"""Fixtures shared by every test.

Tests run on SQLite by default. With ``VERMILION_DATABASE_URL`` / ``VERMILION_REDIS_URL`` set
(as ``make test-scaled`` and CI do) the very same tests run on PostgreSQL and Redis.
"""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folders, an empty cache and no rate limits."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATE_LIMITS_ENABLED = False
    settings.JOBS_EAGER = False
    settings.API_CHECK_PRESENTED = True  # fast responses must match their schemas
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from vermilion.feed import artifacts

    cache.clear()
    artifacts.forget()  # no snapshot (or version check) of another test's database
    yield
    cache.clear()
    artifacts.forget()
    # LocaleMiddleware leaves the last request's language active in this thread.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def make_user(db):
    """Create a user through the real registration service."""
    from vermilion.accounts import services

    def make(username: str | None = None, **extra):
        username = username or f"user{next(_counter)}"
        return services.register(username=username, password=PASSWORD, **extra)

    return make


class ApiClient(Client):
    """A test client that speaks JSON and carries a bearer token."""

    def __init__(self, token: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.token = token

    def _headers(self, extra):
        headers = dict(extra.pop("headers", None) or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path, data=None, **extra):
        return super().get(path, data, headers=self._headers(extra), **extra)

    def post(self, path, data=None, content_type="application/json", **extra):
        return super().post(
            path, data, content_type=content_type, headers=self._headers(extra), **extra
        )

    def patch(self, path, data=None, content_type="application/json", **extra):
        return super().patch(
            path, data, content_type=content_type, headers=self._headers(extra), **extra
        )

    def put(self, path, data=None, content_type="application/json", **extra):
        return super().put(
            path, data, content_type=content_type, headers=self._headers(extra), **extra
        )

    def delete(self, path, data=None, content_type="application/json", **extra):
        return super().delete(
            path, data, content_type=content_type, headers=self._headers(extra), **extra
        )


@pytest.fixture
def anon():
    return ApiClient()


@pytest.fixture
def client_for(db):
    """``client_for(user)``: an API client signed in as ``user`` with a fresh bearer token."""
    from vermilion.accounts.services import issue_token

    def make(user):
        return ApiClient(issue_token(user, "test"))

    return make


@pytest.fixture
def run_jobs(db):
    """Run every due background job, as a worker would."""
    from vermilion.core import jobs

    def run():
        return jobs.run_pending()

    return run
