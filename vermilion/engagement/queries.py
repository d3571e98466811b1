"""Reads of comments and boards shared by the API and the web app.

Visibility follows the note's (``notes.queries``) plus blocks: comments written by, or
answering, someone the viewer blocks or is blocked by are hidden from the viewer; a private
board exists only for its owner.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from vermilion.accounts.queries import blocked_ids_subqueries
from vermilion.core import cursors
from vermilion.core.errors import NotFound
from vermilion.notes.models import Note
from vermilion.notes.queries import get_visible_note, parse_id, visible_notes_for

from .models import Board, Comment

COMMENT_RELATED = ("author__avatar", "reply_to__avatar")
COMMENTS_PAGE_SIZE = 20
INLINE_REPLIES = 3
REPLIES_PAGE_SIZE = 20


def _as_id(value, not_found: str) -> int:
    """A malformed or out-of-range id names nothing: NotFound, never a database error."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(not_found)
    return parsed


def visible_comments(viewer) -> QuerySet[Comment]:
    """Comments ``viewer`` may read, on notes they may see (callers narrow it to one note)."""
    qs = Comment.objects.filter(author__is_active=True)
    if viewer is None:
        return qs
    blocked, blockers = blocked_ids_subqueries(viewer)
    return qs.exclude(
        Q(author_id__in=blocked)
        | Q(author_id__in=blockers)
        | Q(reply_to_id__in=blocked)
        | Q(reply_to_id__in=blockers)
    )


def first_replies(viewer, parent_ids: list[int], per_thread: int) -> dict[int, list[Comment]]:
    """The oldest ``per_thread`` visible replies of each thread, in one query."""
    if not parent_ids or per_thread <= 0:
        return {}
    rows = (
        visible_comments(viewer)
        .filter(parent_id__in=parent_ids)
        .select_related(*COMMENT_RELATED)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("parent_id")], order_by=F("id").asc())
        )
        .filter(position__lte=per_thread)
        .order_by("parent_id", "id")
    )
    threads: dict[int, list[Comment]] = {}
    for reply in rows:
        threads.setdefault(reply.parent_id, []).append(reply)
    return threads


def get_comment(viewer, comment_id) -> Comment:
    """A comment on a note ``viewer`` may see (blocks are checked by the caller's action)."""
    comment = (
        Comment.objects.select_related("note__author", "author__avatar", "reply_to__avatar")
        .filter(pk=_as_id(comment_id, _("No such comment.")), note__in=visible_notes_for(viewer))
        .first()
    )
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


def get_readable_comment(viewer, comment_id) -> Comment:
    """Like ``get_comment``, but a comment hidden from the viewer by a block is NotFound."""
    comment = get_comment(viewer, comment_id)
    if not visible_comments(viewer).filter(pk=comment.pk).exists():
        raise NotFound(_("No such comment."))
    return comment


def note_for_undo(user, note_id, relation: str) -> Note:
    """A note to undo a like/collect on: visible, or at least one the user still has
    ``relation`` ("likes" or "collects") with, so a like on a note that since became hidden
    can still be taken back."""
    try:
        return get_visible_note(user, note_id)
    except NotFound:
        note = (
            Note.objects.select_related("author")
            .filter(pk=_as_id(note_id, _("No such note.")), **{f"{relation}__user_id": user.pk})
            .first()
        )
        if note is None:
            raise
        return note


def visible_boards(viewer) -> QuerySet[Board]:
    """Boards ``viewer`` may open: their own, and public boards of people not blocked
    either way (admins included: boards are personal, not moderated content)."""
    qs = Board.objects.filter(owner__is_active=True)
    if viewer is None:
        return qs.filter(is_private=False)
    blocked, blockers = blocked_ids_subqueries(viewer)
    return qs.filter(
        Q(owner_id=viewer.pk)
        | (Q(is_private=False) & ~Q(owner_id__in=blocked) & ~Q(owner_id__in=blockers))
    )


def get_board(viewer, board_id) -> Board:
    board = (
        visible_boards(viewer)
        .select_related("owner__avatar")
        .filter(pk=_as_id(board_id, _("No such board.")))
        .first()
    )
    if board is None:
        raise NotFound(_("No such board."))
    return board


def own_board(user, board_id) -> Board:
    """One of ``user``'s boards (to collect into); anyone else's is NotFound."""
    board_id = parse_id(board_id)
    board = Board.objects.filter(pk=board_id, owner_id=user.pk).first() if board_id else None
    if board is None:
        raise NotFound(_("No such board of yours."), field="board_id")
    return board


def comment_threads_page(viewer, note, cursor: str | None):
    """One page of a note's top-level comments, newest first, and the first replies of each:
    ``(rows, replies_by_thread, next_cursor)``. The API and the note page both read this."""
    qs = (
        visible_comments(viewer)
        .filter(note_id=note.pk, parent__isnull=True)
        .select_related(*COMMENT_RELATED)
    )
    after = cursors.decode_id(cursor)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: COMMENTS_PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, COMMENTS_PAGE_SIZE, key=lambda c: (c.id,))
    return rows, first_replies(viewer, [c.pk for c in rows], INLINE_REPLIES), next_cursor


def replies_page(viewer, thread: Comment, cursor: str | None):
    """One page of a thread's replies after ``cursor``, oldest first: ``(rows, next_cursor)``."""
    qs = visible_comments(viewer).filter(parent_id=thread.pk).select_related(*COMMENT_RELATED)
    after = cursors.decode_id(cursor)
    if after is not None:
        qs = qs.filter(id__gt=after)
    rows = list(qs.order_by("id")[: REPLIES_PAGE_SIZE + 1])
    return cursors.page(rows, REPLIES_PAGE_SIZE, key=lambda c: (c.id,))
