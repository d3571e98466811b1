"""Feeds over HTTP. Thin: each feed's engine lives in ``feed.queries`` / ``feed.discover``."""

from __future__ import annotations

from ninja import Router, Schema

from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.api.responses import presented
from vermilion.notes.presenters import note_dicts
from vermilion.notes.schemas import NoteOut, NotePage

from .discover import discover_page, served_from
from .queries import following_feed

router = Router(tags=["feed"])

ERRORS = {400: Error, 401: Error, 422: Error, 429: Error}


@router.get("/feed/following", response={200: NotePage, **ERRORS})
def feed_following(request, cursor: str | None = None):
    """Notes of the people you follow, newest first (signed-in only)."""
    notes, next_cursor = following_feed(request.user, cursor)
    page = {"items": note_dicts(notes, request.user), "next_cursor": next_cursor}
    return presented(page, NotePage)


class Reason(Schema):
    """Why a note is in your feed: the source that put it there (following, interest,
    similar, cf, trending or fresh) and a sentence saying so in your language."""

    source: str
    text: str


class DiscoverItem(NoteOut):
    reason: Reason


class DiscoverPage(Schema):
    items: list[DiscoverItem]
    next_cursor: str | None


@router.get("/feed/discover", response={200: DiscoverPage, **ERRORS}, auth=OPTIONAL_AUTH)
def feed_discover(request, cursor: str | None = None, channel: str | None = None):
    """ "For you", or one interest channel (``channel=<interest slug>``): recommended notes
    with the reason each is there. Pages never repeat a note; neither do later sessions
    for a signed-in reader. Anonymous readers get trending and fresh notes. The
    ``Server-Timing`` header says how the page was made (``feed;desc=prepared``: ahead of
    time, after the page before; ``built``: now; ``shared``; ``latest``)."""
    me = viewer(request)
    notes, reasons, next_cursor = discover_page(me, channel, cursor)
    items = note_dicts(notes, me)
    for item, reason in zip(items, reasons, strict=True):
        item["reason"] = reason
    response = presented({"items": items, "next_cursor": next_cursor}, DiscoverPage)
    response["Server-Timing"] = f'feed;desc="{served_from.get()}"'
    return response
