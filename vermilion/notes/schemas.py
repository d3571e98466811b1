"""The typed shapes of notes in the API (input and output); the OpenAPI schema comes from here."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from vermilion.accounts.schemas import UserOut
from vermilion.media.schemas import MediaOut as NoteMediaOut


class PlaceIn(Schema):
    name: str = Field(..., max_length=1000)
    lat: float | None = None
    lon: float | None = None


class NoteIn(Schema):
    title: str = Field(..., max_length=1000)
    body: str = Field("", max_length=20000)
    media_ids: list[str] = Field(..., max_length=100)
    hashtags: list[str] | None = Field(None, max_length=100)
    place: PlaceIn | None = None
    visibility: str = Field("public", max_length=20)


class NotePatch(Schema):
    """Only the fields sent change; ``place: null`` removes the place."""

    title: str | None = Field(None, max_length=1000)
    body: str | None = Field(None, max_length=20000)
    media_ids: list[str] | None = Field(None, max_length=100)
    hashtags: list[str] | None = Field(None, max_length=100)
    place: PlaceIn | None = None
    visibility: str | None = Field(None, max_length=20)


class PlaceOut(Schema):
    name: str
    lat: float | None = None
    lon: float | None = None


class NoteCounts(Schema):
    likes: int
    collects: int
    comments: int


class NoteViewer(Schema):
    liked: bool
    collected: bool


class NoteOut(Schema):
    """A note; ``viewer`` is set only for a signed-in viewer. Text is returned as typed
    (plain text, never HTML): clients must escape it."""

    id: str
    author: UserOut
    kind: str
    title: str
    body: str
    media: list[NoteMediaOut]
    cover: NoteMediaOut | None = None
    hashtags: list[str]
    mentions: list[str]
    place: PlaceOut | None = None
    visibility: str
    created_at: datetime
    updated_at: datetime
    counts: NoteCounts
    viewer: NoteViewer | None = None


class NotePage(Schema):
    items: list[NoteOut]
    next_cursor: str | None
