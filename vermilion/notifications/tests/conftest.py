"""Notification tests use the engagement tests' fixtures (notes, admins, blocks)."""

from vermilion.engagement.tests.conftest import (  # noqa: F401
    block,
    make_admin,
    make_media,
    make_note,
)
