"""Comments and boards as API dicts, a page at a time with a constant number of queries.

``comment_dicts`` expects the comments loaded with ``queries.COMMENT_RELATED`` (authors and
avatars); it then adds one query for the viewer's comment likes and three for the follow/
block relations with the people on the page, however long the page.
"""

from __future__ import annotations

from collections.abc import Iterable

from vermilion.accounts.presenters import relations_for, user_dict

from .models import Board, Comment, CommentLike


def comment_dicts(
    comments: Iterable[Comment], viewer, replies: dict[int, list[Comment]] | None = None
) -> list[dict]:
    """The API shape of each comment; with ``replies`` (thread id -> first replies) the
    top-level comments carry them inline under ``replies``."""
    comments = list(comments)
    inline = [r for c in comments for r in (replies or {}).get(c.pk, [])]
    everyone = comments + inline
    liked: set[int] = set()
    relations = None
    if viewer is not None and everyone:
        liked = set(
            CommentLike.objects.filter(
                user_id=viewer.pk, comment_id__in=[c.pk for c in everyone]
            ).values_list("comment_id", flat=True)
        )
        people = {c.author for c in everyone} | {c.reply_to for c in everyone if c.reply_to_id}
        relations = relations_for(viewer, people)

    def one(comment: Comment) -> dict:
        return {
            "id": str(comment.pk),
            "note_id": str(comment.note_id),
            "author": user_dict(comment.author, relations),
            "body": comment.body,
            "parent_id": str(comment.parent_id) if comment.parent_id else None,
            "reply_to": user_dict(comment.reply_to, relations) if comment.reply_to_id else None,
            "created_at": comment.created_at,
            "counts": {"likes": comment.likes_count, "replies": comment.replies_count},
            "viewer": {"liked": comment.pk in liked} if viewer is not None else None,
        }

    out = []
    for comment in comments:
        data = one(comment)
        if replies is not None:
            data["replies"] = [one(r) for r in replies.get(comment.pk, [])]
        out.append(data)
    return out


def comment_dict(comment: Comment, viewer) -> dict:
    return comment_dicts([comment], viewer)[0]


def board_dicts(boards: Iterable[Board], viewer) -> list[dict]:
    """Boards with their owner; load them with ``select_related("owner__avatar")``."""
    boards = list(boards)
    relations = relations_for(viewer, {b.owner for b in boards}) if viewer is not None else None
    return [
        {
            "id": str(board.pk),
            "owner": user_dict(board.owner, relations),
            "name": board.name,
            "description": board.description,
            "is_private": board.is_private,
            "is_default": board.is_default,
            "counts": {"notes": board.notes_count},
            "created_at": board.created_at,
        }
        for board in boards
    ]


def board_dict(board: Board, viewer) -> dict:
    return board_dicts([board], viewer)[0]
