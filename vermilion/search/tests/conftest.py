"""The notes fixtures (``make_media``, ``make_note``) for search tests."""

from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401
