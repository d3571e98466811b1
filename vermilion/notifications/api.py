"""The signed-in person's notifications over HTTP: list, unread count, mark read."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from vermilion.accounts.schemas import UserOut
from vermilion.api.main import Error
from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.notes.queries import parse_id

from . import services
from .presenters import RELATED, notification_dicts
from .queries import inbox

router = Router(tags=["notifications"])

ERRORS = {400: Error, 401: Error, 422: Error, 429: Error}
PAGE_SIZE = 30


class NoteRef(Schema):
    id: str
    title: str
    cover_url: str | None = None


class CommentRef(Schema):
    id: str
    body: str


class NotificationOut(Schema):
    """``verb`` is one of like, collect, comment, reply, mention, follow, comment_like."""

    id: str
    verb: str
    actor: UserOut
    note: NoteRef | None = None
    comment: CommentRef | None = None
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class Unread(Schema):
    unread: int


class ReadIn(Schema):
    up_to_id: str | None = Field(None, max_length=30)


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request, cursor: str | None = None):
    """Your notifications, newest first, with how many are unread."""
    user = request.user
    position = cursors.decode(cursor)
    qs = inbox(user).select_related(*RELATED)
    if position:
        after = parse_id(position[0])
        if after is None:
            raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, PAGE_SIZE, key=lambda n: (n.id,))
    return {
        "items": notification_dicts(rows, user),
        "next_cursor": next_cursor,
        "unread": services.unread_count(user),
    }


@router.get("/notifications/unread", response={200: Unread, **ERRORS})
def unread(request):
    """How many notifications are unread (for the badge)."""
    return {"unread": services.unread_count(request.user)}


@router.post("/notifications/read", response={200: Unread, **ERRORS})
def mark_read(request, payload: ReadIn | None = None):
    """Mark notifications read: those up to ``up_to_id`` (the newest one you have shown),
    or all of them when it is omitted."""
    up_to = None
    if payload is not None and payload.up_to_id is not None:
        up_to = parse_id(payload.up_to_id)
        if up_to is None:
            raise Invalid(_("up_to_id is not an id."), field="up_to_id")
    services.mark_read(request.user, up_to)
    return {"unread": services.unread_count(request.user)}
