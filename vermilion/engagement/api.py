"""Likes, collects and boards, comments over HTTP.

Handlers are thin: notes are found through ``notes.queries`` (404 when not yours to see),
comments and boards through ``engagement.queries``, writes go through ``services``.
Text (comment bodies, board names) is returned exactly as stored: plain text that clients
must escape, never HTML.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from vermilion.accounts.queries import get_user
from vermilion.accounts.schemas import UserOut
from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core import cursors
from vermilion.core.errors import NotAuthenticated, NotFound
from vermilion.notes.models import Note
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import get_visible_note, visible_notes_for
from vermilion.notes.schemas import NotePage

from . import queries, services
from .models import Board, Collect, Comment
from .presenters import board_dict, board_dicts, comment_dict, comment_dicts

router = Router(tags=["engagement"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}
BOARDS_PAGE_SIZE = 30
BOARD_NOTES_PAGE_SIZE = 20


# --- schemas --------------------------------------------------------------------------------


class LikeOut(Schema):
    liked: bool
    likes: int


class CollectIn(Schema):
    board_id: str | None = Field(None, max_length=30)


class CollectOut(Schema):
    collected: bool
    collects: int
    board_id: str | None


class CommentIn(Schema):
    body: str = Field(..., max_length=10000)
    parent_id: str | None = Field(None, max_length=30)


class CommentCounts(Schema):
    likes: int
    replies: int


class CommentViewer(Schema):
    liked: bool


class CommentOut(Schema):
    """A comment. ``parent_id`` is the top-level comment of its thread (null for a
    top-level comment); ``reply_to`` is whom a reply-to-a-reply answers."""

    id: str
    note_id: str
    author: UserOut
    body: str
    parent_id: str | None
    reply_to: UserOut | None
    created_at: datetime
    counts: CommentCounts
    viewer: CommentViewer | None = None


class ThreadOut(CommentOut):
    """A top-level comment with its first replies (oldest first); the rest are at
    ``GET /comments/{id}/replies``."""

    replies: list[CommentOut]


class ThreadPage(Schema):
    items: list[ThreadOut]
    next_cursor: str | None


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class BoardIn(Schema):
    name: str = Field(..., max_length=1000)
    description: str = Field("", max_length=10000)
    is_private: bool = False


class BoardPatch(Schema):
    name: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=10000)
    is_private: bool | None = None


class BoardCounts(Schema):
    notes: int


class BoardOut(Schema):
    id: str
    owner: UserOut
    name: str
    description: str
    is_private: bool
    is_default: bool
    counts: BoardCounts
    created_at: datetime


class BoardPage(Schema):
    items: list[BoardOut]
    next_cursor: str | None


# --- likes ----------------------------------------------------------------------------------


def _likes(note: Note) -> int:
    return Note.objects.filter(pk=note.pk).values_list("likes_count", flat=True).first() or 0


@router.post("/notes/{note_id}/like", response={200: LikeOut, **ERRORS})
def like_note(request, note_id: str):
    """Like a note (liking twice is still one like)."""
    note = get_visible_note(request.user, note_id)
    services.like(request.user, note)
    return {"liked": True, "likes": _likes(note)}


@router.delete("/notes/{note_id}/like", response={200: LikeOut, **ERRORS})
def unlike_note(request, note_id: str):
    """Take a like back (a no-op when there is none)."""
    note = queries.note_for_undo(request.user, note_id, "likes")
    services.unlike(request.user, note)
    return {"liked": False, "likes": _likes(note)}


# --- collects -------------------------------------------------------------------------------


def _collects(note: Note) -> int:
    return Note.objects.filter(pk=note.pk).values_list("collects_count", flat=True).first() or 0


@router.post("/notes/{note_id}/collect", response={200: CollectOut, **ERRORS})
def collect_note(request, note_id: str, payload: CollectIn | None = None):
    """Collect a note into one of your boards (``board_id``) or your default board.
    Collecting an already collected note moves it to that board."""
    note = get_visible_note(request.user, note_id)
    board = None
    if payload is not None and payload.board_id:
        board = queries.own_board(request.user, payload.board_id)
    saved = services.collect(request.user, note, board)
    return {"collected": True, "collects": _collects(note), "board_id": str(saved.board_id)}


@router.delete("/notes/{note_id}/collect", response={200: CollectOut, **ERRORS})
def uncollect_note(request, note_id: str):
    """Remove a note from your boards (a no-op when it is not collected)."""
    note = queries.note_for_undo(request.user, note_id, "collects")
    services.uncollect(request.user, note)
    return {"collected": False, "collects": _collects(note), "board_id": None}


# --- comments -------------------------------------------------------------------------------


@router.get("/notes/{note_id}/comments", auth=OPTIONAL_AUTH, response={200: ThreadPage, **ERRORS})
def list_comments(request, note_id: str, cursor: str | None = None):
    """Top-level comments, newest first, each with its first replies inline. Comments by or
    answering people you block (or who block you) are left out."""
    me = viewer(request)
    note = get_visible_note(me, note_id)
    rows, replies, next_cursor = queries.comment_threads_page(me, note, cursor)
    return {"items": comment_dicts(rows, me, replies), "next_cursor": next_cursor}


@router.get(
    "/comments/{comment_id}/replies", auth=OPTIONAL_AUTH, response={200: CommentPage, **ERRORS}
)
def list_replies(request, comment_id: str, cursor: str | None = None):
    """The replies of a top-level comment, oldest first."""
    me = viewer(request)
    thread = queries.get_readable_comment(me, comment_id)
    rows, next_cursor = queries.replies_page(me, thread, cursor)
    return {"items": comment_dicts(rows, me), "next_cursor": next_cursor}


@router.post("/notes/{note_id}/comments", response={201: CommentOut, **ERRORS})
def create_comment(request, note_id: str, payload: CommentIn):
    """Comment on a note (1-500 characters), or reply with ``parent_id``. Answering a reply
    joins its thread and sets ``reply_to``. 403 ``blocked`` when replying across a block."""
    note = get_visible_note(request.user, note_id)
    comment = services.add_comment(
        request.user, note, body=payload.body, parent_id=payload.parent_id
    )
    fresh = Comment.objects.select_related(*queries.COMMENT_RELATED).get(pk=comment.pk)
    return Status(201, comment_dict(fresh, request.user))


@router.delete("/comments/{comment_id}", response={204: None, **ERRORS})
def delete_comment(request, comment_id: str):
    """Delete a comment: its author, the note's author or an admin may. Deleting a
    top-level comment deletes its replies."""
    comment = queries.get_comment(request.user, comment_id)
    services.delete_comment(request.user, comment)
    return Status(204, None)


def _comment_likes(comment: Comment) -> int:
    return Comment.objects.filter(pk=comment.pk).values_list("likes_count", flat=True).first() or 0


@router.post("/comments/{comment_id}/like", response={200: LikeOut, **ERRORS})
def like_comment(request, comment_id: str):
    """Like a comment (idempotent). 403 ``blocked`` across a block."""
    comment = queries.get_comment(request.user, comment_id)
    services.like_comment(request.user, comment)
    return {"liked": True, "likes": _comment_likes(comment)}


@router.delete("/comments/{comment_id}/like", response={200: LikeOut, **ERRORS})
def unlike_comment(request, comment_id: str):
    comment = queries.get_comment(request.user, comment_id)
    services.unlike_comment(request.user, comment)
    return {"liked": False, "likes": _comment_likes(comment)}


# --- boards ---------------------------------------------------------------------------------


def _fresh_board(board: Board) -> Board:
    return Board.objects.select_related("owner__avatar").get(pk=board.pk)


@router.get("/boards", auth=OPTIONAL_AUTH, response={200: BoardPage, **ERRORS})
def list_boards(request, username: str | None = None, cursor: str | None = None):
    """Your boards (default first, then newest), or with ``username`` that person's boards
    you may see (their public ones; all of them if they are yours)."""
    me = viewer(request)
    if username:
        owner = get_user(username)
        if owner is None:
            raise NotFound(_("No such user."))
    elif me is None:
        raise NotAuthenticated(_("Sign in to see your boards, or give a username."))
    else:
        owner = me
    qs = (
        queries.visible_boards(me)
        .filter(owner_id=owner.pk)
        .select_related("owner__avatar")
        .order_by("-is_default", "-id")
    )
    after = cursors.decode_id(cursor)
    if after is not None:
        # The default board always leads the first page, so later pages hold named ones.
        qs = qs.filter(is_default=False, id__lt=after)
    rows = list(qs[: BOARDS_PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, BOARDS_PAGE_SIZE, key=lambda b: (b.id,))
    return {"items": board_dicts(rows, me), "next_cursor": next_cursor}


@router.post("/boards", response={201: BoardOut, **ERRORS})
def create_board(request, payload: BoardIn):
    """A new board: a name of 1-50 characters, unique among yours (409 ``name_taken``)."""
    board = services.create_board(request.user, **payload.dict())
    return Status(201, board_dict(_fresh_board(board), request.user))


@router.get("/boards/{board_id}", auth=OPTIONAL_AUTH, response={200: BoardOut, **ERRORS})
def get_board(request, board_id: str):
    """A board: yours, or someone's public board (a private one is 404 for others)."""
    me = viewer(request)
    return board_dict(queries.get_board(me, board_id), me)


@router.patch("/boards/{board_id}", response={200: BoardOut, **ERRORS})
def patch_board(request, board_id: str, payload: BoardPatch):
    """Rename, describe or make a board private; only the owner may (admins too get 403)."""
    board = queries.get_board(request.user, board_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_board(request.user, board, **changes)
    return board_dict(_fresh_board(board), request.user)


@router.delete("/boards/{board_id}", response={204: None, **ERRORS})
def delete_board(request, board_id: str):
    """Delete one of your named boards; its notes are un-collected (not moved). The default
    board cannot be deleted (400 ``default_board``)."""
    board = queries.get_board(request.user, board_id)
    services.delete_board(request.user, board)
    return Status(204, None)


@router.get("/boards/{board_id}/notes", auth=OPTIONAL_AUTH, response={200: NotePage, **ERRORS})
def board_notes(request, board_id: str, cursor: str | None = None):
    """The notes in a board that you may see, most recently collected first."""
    me = viewer(request)
    board = queries.get_board(me, board_id)
    qs = Collect.objects.filter(
        board_id=board.pk, note_id__in=visible_notes_for(me).values("id")
    ).select_related("note__author__avatar")
    after = cursors.decode_id(cursor)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: BOARD_NOTES_PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, BOARD_NOTES_PAGE_SIZE, key=lambda c: (c.id,))
    return {"items": note_dicts([c.note for c in rows], me), "next_cursor": next_cursor}
