"""The feed's signals and settings over HTTP: events, "not interested" (hides), feed mode
and reset. Thin: the rules live in ``feed.services``; reads in ``feed.queries``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema, Status

from vermilion.api.main import Error

from . import queries, services
from .models import FeedPreference, Hide

router = Router(tags=["feed"])

ERRORS = {400: Error, 401: Error, 404: Error, 422: Error, 429: Error}


# --- schemas ----------------------------------------------------------------------------------


class EventsIn(Schema):
    events: list[Any] = Field(
        ...,
        description=(
            "At most 100 events (413 `too_many_events` beyond). Each: "
            "`{type: impression|view|dwell|share|hide|progress_50|complete, note_id: str, "
            "ms?: int 0..3600000 (dwell only), scope?: note|author|topic (hide only, default "
            "note), surface?: str <= 40 (discover, channel:<slug>, following, search ...), "
            "source?: str <= 20 (the candidate source that placed the card), event_id?: str "
            "<= 40 [A-Za-z0-9_-] (names a dwell segment, for deduplication), client_ts?: epoch "
            "ms or ISO 8601}`. Items are checked one by one: bad ones are listed in `errors`, "
            "the others are kept."
        ),
        examples=[
            [
                {"type": "impression", "note_id": "123", "surface": "discover", "source": "knn"},
                {"type": "dwell", "note_id": "123", "ms": 5400, "event_id": "v1a2b-0"},
                {"type": "hide", "note_id": "456", "scope": "author"},
            ]
        ],
    )


class EventError(Schema):
    """Why one item was not kept; ``index`` is its position in ``events``."""

    index: int
    code: str
    message: str
    field: str | None = None


class HideAuthor(Schema):
    id: str
    username: str
    display_name: str


class HideTopic(Schema):
    slug: str
    name_en: str
    name_zh: str


class HideOut(Schema):
    """One "not interested": in a note (``note_id``), an author or a topic (an interest)."""

    id: str
    scope: str
    note_id: str | None
    author: HideAuthor | None
    topic: HideTopic | None
    created_at: datetime


class HideMade(Schema):
    index: int
    hide: HideOut


class EventsOut(Schema):
    """``accepted`` counts kept items, duplicates of earlier sends included; ``hides`` gives
    the hide each accepted hide event made (its id undoes it: ``DELETE /me/hides/{id}``)."""

    accepted: int
    rejected: int
    errors: list[EventError]
    hides: list[HideMade]


class HidePage(Schema):
    items: list[HideOut]
    next_cursor: str | None


class FeedSettingsOut(Schema):
    """``mode``: ``ranked`` ("For you") or ``latest`` (newest first, no ranking).
    ``reset_at``: when recommendations were last reset (earlier signals are ignored)."""

    mode: str
    reset_at: datetime | None


class FeedSettingsIn(Schema):
    mode: str = Field(..., max_length=20)


# --- presenters -------------------------------------------------------------------------------


def hide_dict(hide: Hide) -> dict:
    """The API shape of a hide; needs ``author`` and ``topic`` select_related."""
    author = hide.author if hide.author_id else None
    topic = hide.topic if hide.topic_id else None
    return {
        "id": str(hide.pk),
        "scope": hide.scope,
        "note_id": str(hide.note_id) if hide.note_id else None,
        "author": author
        and {
            "id": str(author.pk),
            "username": author.username,
            "display_name": author.display_name or author.username,
        },
        "topic": topic and {"slug": topic.slug, "name_en": topic.name_en, "name_zh": topic.name_zh},
        "created_at": hide.created_at,
    }


def settings_dict(preference: FeedPreference) -> dict:
    return {"mode": preference.mode, "reset_at": preference.reset_at}


# --- endpoints --------------------------------------------------------------------------------


@router.post("/events", response={200: EventsOut, 413: Error, **ERRORS})
def post_events(request, payload: EventsIn):
    """Record impressions, views, dwell, shares, video progress and "not interested" (hide)
    for the signed-in user. Batched (at most 100), deduplicated, rate limited (429 with
    Retry-After). Items that cannot be kept (unknown type, bad id, a note you can't see, a
    topic we can't tell) are reported in ``errors`` without failing the batch."""
    result = services.record_events(request.user, payload.events)
    result["hides"] = [
        {"index": made["index"], "hide": hide_dict(made["hide"])} for made in result["hides"]
    ]
    return result


@router.get("/me/hides", response={200: HidePage, **ERRORS})
def list_hides(request, cursor: str | None = None):
    """Your "not interested" list, newest first."""
    rows, next_cursor = queries.user_hides(request.user, cursor)
    return {"items": [hide_dict(hide) for hide in rows], "next_cursor": next_cursor}


@router.delete("/me/hides/{hide_id}", response={204: None, **ERRORS})
def delete_hide(request, hide_id: str):
    """Undo a hide (404 when it is not yours)."""
    services.unhide(request.user, hide_id)
    return Status(204, None)


@router.get("/me/feed", response={200: FeedSettingsOut, **ERRORS})
def get_feed_settings(request):
    """Your feed settings."""
    return settings_dict(queries.feed_preference(request.user))


@router.put("/me/feed", response={200: FeedSettingsOut, **ERRORS})
def put_feed_settings(request, payload: FeedSettingsIn):
    """Choose ``ranked`` ("For you") or ``latest``."""
    return settings_dict(services.set_feed_mode(request.user, payload.mode))


@router.post("/me/feed/reset", response={204: None, **ERRORS})
def reset_feed(request):
    """Reset your recommendations: what the feed learned is forgotten (your interests and
    "not interested" choices stay)."""
    services.reset_recommendations(request.user)
    return Status(204, None)
