"""Notes over HTTP: publish, read, edit, delete, and the per-person note lists.

Handlers are thin: visibility comes from ``notes.queries``, writes from ``notes.services``,
output from ``notes.presenters``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Router, Status

from vermilion.accounts.models import Block, User
from vermilion.accounts.queries import get_user
from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core import cursors
from vermilion.core.errors import NotFound

from . import services
from .models import Note
from .presenters import note_dict, note_dicts
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


def _owner(request, username: str) -> User:
    """The person whose lists are asked for; 404 if unknown or if they block the viewer."""
    owner = get_user(username)
    me = viewer(request)
    blocked = (
        owner is not None
        and me is not None
        and not me.is_staff
        and Block.objects.filter(blocker_id=owner.pk, blocked_id=me.pk).exists()
    )
    if owner is None or blocked:
        raise NotFound("No such user.")
    return owner


def _page(rows_qs: QuerySet, cursor: str | None, me, note_of) -> dict:
    """One page of ``rows_qs`` (newest id first, cursor on the row id) presented as notes."""
    position = cursors.decode(cursor)
    if position:
        rows_qs = rows_qs.filter(id__lt=position[0])
    rows = list(rows_qs.order_by("-id")[: PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, PAGE_SIZE, key=lambda row: (row.id,))
    return {"items": note_dicts([note_of(r) for r in rows], me), "next_cursor": next_cursor}


@router.get("/users/{username}/notes", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_notes(request, username: str, cursor: str | None = None):
    """Their notes you may see, newest first."""
    owner = _owner(request, username)
    me = viewer(request)
    qs = visible_notes_for(me).filter(author_id=owner.pk).select_related("author__avatar")
    return _page(qs, cursor, me, lambda note: note)


@router.get("/users/{username}/likes", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_likes(request, username: str, cursor: str | None = None):
    """Notes they liked, most recent like first. Likes are public, but only notes you may
    see are listed."""
    from vermilion.engagement.models import Like

    owner = _owner(request, username)
    me = viewer(request)
    qs = Like.objects.filter(
        user_id=owner.pk, note_id__in=visible_notes_for(me).values("id")
    ).select_related("note__author__avatar")
    return _page(qs, cursor, me, lambda like: like.note)


@router.get("/users/{username}/collects", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def user_collects(request, username: str, cursor: str | None = None):
    """Notes they collected, most recent first. Others see what is in public boards; the
    owner also sees private boards. Only notes you may see are listed."""
    from vermilion.engagement.models import Collect

    owner = _owner(request, username)
    me = viewer(request)
    qs = Collect.objects.filter(
        user_id=owner.pk, note_id__in=visible_notes_for(me).values("id")
    ).select_related("note__author__avatar")
    if me is None or me.pk != owner.pk:
        qs = qs.filter(board__is_private=False)
    return _page(qs, cursor, me, lambda collect: collect.note)
