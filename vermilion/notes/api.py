"""Notes over HTTP: publish, read, edit, delete, and the per-person note lists.

Handlers are thin: visibility comes from ``notes.queries``, writes from ``notes.services``,
output from ``notes.presenters``.
"""

from __future__ import annotations

from ninja import Router, Schema, Status

from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core.suggest import suggestion_query

from . import queries, services
from .models import Note
from .presenters import note_dict, notes_page
from .queries import get_visible_note, visible_notes_for
from .schemas import NoteIn, NoteOut, NotePage, NotePatch

router = Router(tags=["notes"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}
PAGE_SIZE = 20


def _fresh(note_id: int) -> Note:
    return Note.objects.select_related("author__avatar").get(pk=note_id)


@router.post("/notes", response={201: NoteOut, **ERRORS})
def create_note(request, payload: NoteIn):
    """Publish a note. ``media_ids`` are ready uploads of yours, in order (the first is the
    cover): 1-18 images or one video. 409 ``media_not_ready`` while one is still processing."""
    data = payload.dict()
    if data["place"] is not None:
        data["place"] = payload.place.dict()
    note = services.create_note(request.user, **data)
    return Status(201, note_dict(_fresh(note.pk), request.user))


@router.get("/notes/{note_id}", auth=OPTIONAL_AUTH, response={200: NoteOut, **ERRORS})
def get_note(request, note_id: str):
    """A note, if you may see it; 404 otherwise (whether or not it exists)."""
    me = viewer(request)
    note = get_visible_note(me, note_id)
    return note_dict(_fresh(note.pk), me)


@router.patch("/notes/{note_id}", response={200: NoteOut, **ERRORS})
def patch_note(request, note_id: str, payload: NotePatch):
    """Edit your note; only the fields sent change (``place: null`` removes the place)."""
    note = get_visible_note(request.user, note_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("place") is not None:
        changes["place"] = payload.place.dict()
    services.update_note(request.user, note, **changes)
    return note_dict(_fresh(note.pk), request.user)


@router.delete("/notes/{note_id}", response={204: None, **ERRORS})
def delete_note(request, note_id: str):
    """Delete your note (admins may delete any, for moderation)."""
    note = get_visible_note(request.user, note_id)
    services.delete_note(request.user, note)
    return Status(204, None)


# --- per-person lists ------------------------------------------------------------------------


@router.get("/users/{username}/notes", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_notes(request, username: str, cursor: str | None = None):
    """Their notes you may see, newest first."""
    me = viewer(request)
    owner = queries.profile_owner(me, username)
    return notes_page(queries.user_notes(me, owner), cursor, me, size=PAGE_SIZE)


@router.get("/users/{username}/likes", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_likes(request, username: str, cursor: str | None = None):
    """Notes they liked, most recent like first. Likes are public, but only notes you may
    see are listed."""
    me = viewer(request)
    owner = queries.profile_owner(me, username)
    return notes_page(queries.user_likes(me, owner), cursor, me, lambda like: like.note, PAGE_SIZE)


@router.get("/users/{username}/collects", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_collects(request, username: str, cursor: str | None = None):
    """Notes they collected, most recent first. Others see what is in public boards; the
    owner also sees private boards. Only notes you may see are listed."""
    me = viewer(request)
    owner = queries.profile_owner(me, username)
    return notes_page(
        queries.user_collects(me, owner), cursor, me, lambda collect: collect.note, PAGE_SIZE
    )


# --- hashtag suggestions (the composer) ------------------------------------------------------


class HashtagSuggestion(Schema):
    name: str
    notes_count: int


class HashtagSuggestions(Schema):
    items: list[HashtagSuggestion]


@router.get("/hashtags", auth=OPTIONAL_AUTH, response={200: HashtagSuggestions, **ERRORS})
def suggest_hashtags(request, prefix: str = "", limit: int = 10):
    """Hashtags starting with ``prefix`` (a leading '#' is optional), most used first: the
    composer's suggestions while someone types ``#...``.

    The prefix is matched on the tag key (``normalize_tag``: case- and width-insensitive),
    so ``成都`` finds ``#成都美食`` and ``Food`` finds ``#food``. Only tags on at least one note
    you may see are listed: a tag used only on private notes stays private. One query.
    """
    from django.db.models import Exists, OuterRef

    from vermilion.core.text import normalize_tag

    from .models import Hashtag

    text = suggestion_query(prefix, limit, marks="#＃")
    if not text:
        return {"items": []}
    on_visible_note = visible_notes_for(viewer(request)).filter(
        notehashtag__hashtag_id=OuterRef("pk")
    )
    tags = (
        Hashtag.objects.filter(key__startswith=normalize_tag(text))
        .filter(Exists(on_visible_note))
        .order_by("-notes_count", "key")
        .only("name", "notes_count")[:limit]
    )
    return {"items": [{"name": t.name, "notes_count": t.notes_count} for t in tags]}
