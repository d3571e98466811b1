"""Feeds over HTTP. Thin: each feed's engine lives in ``feed.queries``."""

from __future__ import annotations

from ninja import Router

from vermilion.api.main import Error
from vermilion.notes.presenters import note_dicts
from vermilion.notes.schemas import NotePage

from .queries import following_feed

router = Router(tags=["feed"])

ERRORS = {400: Error, 401: Error, 422: Error, 429: Error}


@router.get("/feed/following", response={200: NotePage, **ERRORS})
def feed_following(request, cursor: str | None = None):
    """Notes of the people you follow, newest first (signed-in only)."""
    notes, next_cursor = following_feed(request.user, cursor)
    return {"items": note_dicts(notes, request.user), "next_cursor": next_cursor}
