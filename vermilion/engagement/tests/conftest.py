"""Fixtures for engagement tests: notes come from the notes app's own fixtures."""

from __future__ import annotations

import pytest

from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401


@pytest.fixture
def make_admin(make_user):
    """``make_admin()``: a staff user (moderator)."""
    from vermilion.accounts.models import User

    def make(username: str | None = None):
        user = make_user(username)
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.refresh_from_db()
        return user

    return make


@pytest.fixture
def block(db):
    """``block(blocker, blocked)`` through the real service."""
    from vermilion.accounts.services import block as block_service

    return block_service
