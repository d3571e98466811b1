"""Search over HTTP. Thin: the engine and ranking live in ``search.queries``."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from vermilion.accounts.presenters import relations_for, user_dict
from vermilion.accounts.schemas import UserOut
from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core import ratelimit
from vermilion.core.errors import Invalid
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import parse_id
from vermilion.notes.schemas import NoteOut

from . import queries, services

router = Router(tags=["search"])

ERRORS = {400: Error, 401: Error, 422: Error, 429: Error}
TYPES = ("notes", "users", "hashtags")


class Snippet(Schema):
    """The title and an excerpt of the body as HTML: everything escaped, the matched
    words in ``<mark>``."""

    title: str
    body: str


class SearchInfo(Schema):
    """How a note matched: ``exact`` (every word), ``fuzzy`` (a misspelt word stood in
    for by a close one), ``partial`` (some words), or ``semantic`` (close in meaning, in
    any language; ranked below the others)."""

    match: str
    snippet: Snippet


class NoteHitOut(NoteOut):
    search: SearchInfo


class HashtagOut(Schema):
    name: str
    notes_count: int


class Correction(Schema):
    typed: str
    used: str


class SearchPage(Schema):
    """``items`` are notes, people or hashtags, as ``type`` asked."""

    type: str
    items: list[NoteHitOut] | list[UserOut] | list[HashtagOut]
    next_cursor: str | None
    corrected: list[Correction] = []


def _who(request, me) -> str:
    return f"u{me.pk}" if me is not None else ratelimit.client_ip(request)


@router.get("/search", response={200: SearchPage, **ERRORS}, auth=OPTIONAL_AUTH)
def search(
    request,
    q: str = "",
    type: str = "notes",
    sort: str = "relevance",
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
):
    """Notes (``sort``: relevance, latest or popular; ``kind``: image or video;
    ``since``/``until``: ISO 8601 times), people, or hashtags matching ``q``, as you may
    see them. Chinese and English, Traditional or Simplified, pinyin for people and
    hashtags, misspellings of English words; notes close in meaning in another language
    come after the exact matches. The first page of a search goes into your history."""
    me = viewer(request)
    ratelimit.hit("search", _who(request, me))
    if type not in TYPES:
        raise Invalid(_("type is notes, users or hashtags."), code="invalid_type", field="type")
    query = queries.check_query(q)
    corrected = []
    if type == "notes":
        results = queries.search_notes(
            me, query, sort=sort, kind=kind, since=since, until=until, cursor=cursor
        )
        items = note_dicts([h.note for h in results.hits], me)
        for item, hit in zip(items, results.hits, strict=True):
            item["search"] = {"match": hit.match, "snippet": hit.snippet}
        # A search counts as fruitful (and may be suggested to others) only when the words
        # as typed found something: not through a correction or by meaning alone.
        found = any(h.match in ("exact", "partial") for h in results.hits)
        next_cursor = results.next_cursor
        corrected = [{"typed": a, "used": b} for a, b in results.corrected]
    elif type == "users":
        people, next_cursor = queries.search_users(me, query, cursor=cursor)
        relations = relations_for(me, people) if me is not None else None
        items, found = [user_dict(u, relations) for u in people], bool(people)
    else:
        tags, next_cursor = queries.search_hashtags(me, query, cursor=cursor)
        items = [{"name": h.name, "notes_count": h.notes_count} for h in tags]
        found = bool(tags)
    if cursor is None:
        services.record_search(me, query, found=found)
    return {"type": type, "items": items, "next_cursor": next_cursor, "corrected": corrected}


class Suggestions(Schema):
    hashtags: list[HashtagOut]
    users: list[UserOut]
    queries: list[str]


@router.get("/search/suggest", response={200: Suggestions, **ERRORS}, auth=OPTIONAL_AUTH)
def suggest(request, q: str = ""):
    """While typing: hashtags (by name or pinyin), people and popular searches that start
    with ``q`` (five of each). An empty or unusable ``q`` gives empty lists."""
    me = viewer(request)
    ratelimit.hit("suggest", _who(request, me))
    return queries.suggestions(me, q)


class HotSearchOut(Schema):
    query: str
    recent: int
    score: float


class HotSearches(Schema):
    items: list[HotSearchOut]


@router.get("/search/hot", response={200: HotSearches, **ERRORS}, auth=None)
def hot(request):
    """Searches rising now: volume in the last hour against their usual level (recomputed
    every ten minutes)."""
    return {"items": queries.hot_searches()}


class HistoryEntry(Schema):
    id: str
    query: str
    searched_at: datetime


class HistoryPage(Schema):
    items: list[HistoryEntry]


@router.get("/me/search-history", response={200: HistoryPage, **ERRORS})
def history(request):
    """Your recent searches, newest first (20)."""
    return {
        "items": [
            {"id": str(h.pk), "query": h.query, "searched_at": h.searched_at}
            for h in queries.history(request.user)
        ]
    }


@router.delete("/me/search-history", response={204: None, **ERRORS})
def clear_history(request):
    """Forget all your searches."""
    services.clear_history(request.user)
    return Status(204, None)


@router.delete("/me/search-history/{entry_id}", response={204: None, 404: Error, **ERRORS})
def delete_history_entry(request, entry_id: str):
    """Forget one search."""
    pk = parse_id(entry_id)
    services.delete_history_entry(request.user, pk or 0)
    return Status(204, None)
