"""Likes, collects and boards, comments: every write goes through here.

Counters (``Note.likes_count``, ``Board.notes_count`` ...) change with F() expressions in the
same transaction as the row that justifies them, so concurrent writers never lose an update;
``recount_counters`` rebuilds them all from the rows if they ever drift.

Lock order (PostgreSQL; SQLite serialises writers anyway): a write about a note locks the
note row first, as ``notes.services.delete_note`` does, then boards (in id order) or
comments. So likes, collects and comments on one note queue behind each other and behind
its deletion instead of deadlocking with it, and a like can't land on a note deleted in the
same instant (that would only fail at commit, on the deferred foreign key).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from vermilion.accounts.models import User
from vermilion.accounts.queries import blocked_either_way
from vermilion.core.errors import Conflict, Forbidden, Invalid, NotFound
from vermilion.core.text import clean, extract_mentions, grapheme_len
from vermilion.notes.models import Hashtag, Note, NoteHashtag
from vermilion.notes.queries import can_view, parse_id
from vermilion.notifications.models import Notification
from vermilion.notifications.services import notify, withdraw

from .models import Board, Collect, Comment, CommentLike, Like

DEFAULT_BOARD_NAME = "Collected"
BOARD_NAME_MAX_CHARS = 50
BOARD_DESCRIPTION_MAX_CHARS = 500
COMMENT_MAX_CHARS = 500
# More mentions than this in one comment are ignored: no notification fan-out by one comment.
MAX_MENTIONS_PER_COMMENT = 20


def ensure_default_board(user) -> Board:
    board, _created = Board.objects.get_or_create(
        owner=user, is_default=True, defaults={"name": DEFAULT_BOARD_NAME}
    )
    return board


def _plus_one(field: str):
    return F(field) + 1


def _minus(field: str, amount: int = 1):
    # Never below zero: a counter that drifted low must not turn an undo into an
    # IntegrityError (the columns are unsigned); ``recount_counters`` repairs the drift.
    return Greatest(F(field) - amount, Value(0))


def _lock_note(note: Note) -> bool:
    """Lock the note row for this transaction; False when it has been deleted."""
    return Note.objects.select_for_update().filter(pk=note.pk).values_list("pk").first() is not None


def _lock_visible_note(user, note: Note) -> None:
    if not _lock_note(note) or not can_view(user, note):
        raise NotFound(_("No such note."))


def _insert_once(model, **fields):
    """Insert a row guarded by a unique constraint; None when it already exists."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None


def _deleted(queryset) -> int:
    """How many rows of the queryset's own model a delete removed (not cascaded ones)."""
    _total, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


# --- likes ----------------------------------------------------------------------------------


@transaction.atomic
def like(user, note: Note) -> bool:
    """Like a note the user may see; False when it was already liked (idempotent)."""
    _lock_visible_note(user, note)
    if _insert_once(Like, user_id=user.pk, note_id=note.pk) is None:
        return False
    Note.objects.filter(pk=note.pk).update(likes_count=_plus_one("likes_count"))
    User.objects.filter(pk=note.author_id).update(
        likes_received_count=_plus_one("likes_received_count")
    )
    notify(note.author, user, Notification.Verb.LIKE, note=note)
    return True


@transaction.atomic
def unlike(user, note: Note) -> bool:
    """Take a like back; False when there was none. Allowed even if the note is now hidden."""
    if not _lock_note(note) or not _deleted(Like.objects.filter(user_id=user.pk, note_id=note.pk)):
        return False
    Note.objects.filter(pk=note.pk).update(likes_count=_minus("likes_count"))
    User.objects.filter(pk=note.author_id).update(
        likes_received_count=_minus("likes_received_count")
    )
    withdraw(note.author, user, Notification.Verb.LIKE, note=note)
    return True


# --- collects -------------------------------------------------------------------------------


def _move(existing: Collect, board: Board) -> Collect:
    if existing.board_id == board.pk:
        return existing
    # Both counters in board id order: two moves in opposite directions can't deadlock.
    changes = {existing.board_id: _minus("notes_count"), board.pk: _plus_one("notes_count")}
    for board_id in sorted(changes):
        updated = Board.objects.filter(pk=board_id).update(notes_count=changes[board_id])
        if board_id == board.pk and not updated:
            raise _board_gone()
    existing.board = board
    existing.save(update_fields=["board"])
    return existing


def _board_gone() -> NotFound:
    # The board was deleted while we collected into it: raising rolls the collect back.
    return NotFound(_("No such board of yours."), field="board_id")


@transaction.atomic
def collect(user, note: Note, board: Board | None = None) -> Collect:
    """Save a note into one of the user's boards (the default one unless given).

    A note sits in one board per user: collecting it again moves it to ``board``.
    """
    _lock_visible_note(user, note)
    if board is None:
        board = ensure_default_board(user)
    elif board.owner_id != user.pk:
        raise NotFound(_("No such board of yours."), field="board_id")
    # The note lock serialises collects of this note, so this read stays true until commit.
    existing = Collect.objects.filter(user_id=user.pk, note_id=note.pk).first()
    if existing is not None:
        return _move(existing, board)
    created = Collect.objects.create(user_id=user.pk, note_id=note.pk, board=board)
    Note.objects.filter(pk=note.pk).update(collects_count=_plus_one("collects_count"))
    if not Board.objects.filter(pk=board.pk).update(notes_count=_plus_one("notes_count")):
        raise _board_gone()
    notify(note.author, user, Notification.Verb.COLLECT, note=note)
    return created


@transaction.atomic
def uncollect(user, note: Note) -> bool:
    """Remove a note from the user's boards; False when it was not collected."""
    if not _lock_note(note):
        return False
    existing = Collect.objects.filter(user_id=user.pk, note_id=note.pk).first()
    if existing is None or not _deleted(Collect.objects.filter(pk=existing.pk)):
        return False
    Note.objects.filter(pk=note.pk).update(collects_count=_minus("collects_count"))
    Board.objects.filter(pk=existing.board_id).update(notes_count=_minus("notes_count"))
    withdraw(note.author, user, Notification.Verb.COLLECT, note=note)
    return True


# --- boards ---------------------------------------------------------------------------------

_UNSET = object()


def _board_name(name) -> str:
    name = clean(name if isinstance(name, str) else "", multiline=False)
    if not 1 <= grapheme_len(name) <= BOARD_NAME_MAX_CHARS:
        raise Invalid(
            _("A board name is 1-%(max)s characters.") % {"max": BOARD_NAME_MAX_CHARS},
            code="invalid",
            field="name",
        )
    # The column holds 100 code points; 50 emoji built from many code points can exceed it.
    if len(name) > Board._meta.get_field("name").max_length:
        raise Invalid(_("This board name is too long."), code="too_long", field="name")
    return name


def _board_description(description) -> str:
    description = clean(description if isinstance(description, str) else "")
    if grapheme_len(description) > BOARD_DESCRIPTION_MAX_CHARS:
        raise Invalid(
            _("A description is at most %(max)s characters.")
            % {"max": BOARD_DESCRIPTION_MAX_CHARS},
            code="too_long",
            field="description",
        )
    return description


def _check_name_free(owner, name: str, *, exclude_pk=None) -> None:
    taken = Board.objects.filter(owner_id=owner.pk, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict(
            _("You already have a board with this name."), code="name_taken", field="name"
        )


def _save_board(board: Board, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            board.save(update_fields=fields)
    except IntegrityError:  # a concurrent create/rename took the name
        raise Conflict(
            _("You already have a board with this name."), code="name_taken", field="name"
        )


def _require_owner(actor, board: Board) -> None:
    """Boards are personal: only the owner writes (admins too get Forbidden).

    Someone who may not even see the board is told it does not exist.
    """
    if actor is not None and actor.pk == board.owner_id:
        return
    if board.is_private or blocked_either_way(actor, board.owner):
        raise NotFound(_("No such board."))
    raise Forbidden(_("Only the owner can change a board."))


@transaction.atomic
def create_board(user, *, name, description="", is_private=False) -> Board:
    # The default board exists before any named one, so its name can never be taken.
    ensure_default_board(user)
    board = Board(
        owner=user,
        name=_board_name(name),
        description=_board_description(description),
        is_private=bool(is_private),
    )
    _check_name_free(user, board.name)
    _save_board(board)
    return board


@transaction.atomic
def update_board(
    actor, board: Board, *, name=_UNSET, description=_UNSET, is_private=_UNSET
) -> Board:
    _require_owner(actor, board)
    fields: list[str] = []
    if name is not _UNSET:
        board.name = _board_name(name)
        _check_name_free(actor, board.name, exclude_pk=board.pk)
        fields.append("name")
    if description is not _UNSET:
        board.description = _board_description(description)
        fields.append("description")
    if is_private is not _UNSET:
        board.is_private = bool(is_private)
        fields.append("is_private")
    if fields:
        _save_board(board, fields)
    return board


@transaction.atomic
def delete_board(actor, board: Board) -> None:
    """Delete a named board and un-collect what it held (notes don't move to another board)."""
    _require_owner(actor, board)
    if board.is_default:
        raise Invalid(_("The default board cannot be deleted."), code="default_board")
    in_board = Collect.objects.filter(board_id=board.pk).values("note_id")
    # Notes first (in id order), then the board: the order every other write takes.
    list(Note.objects.select_for_update().filter(pk__in=in_board).order_by("pk").values("pk"))
    if Board.objects.select_for_update().filter(pk=board.pk).values_list("pk").first() is None:
        return
    # One collect per (user, note), so each note loses exactly one collect.
    Note.objects.filter(pk__in=in_board).update(collects_count=_minus("collects_count"))
    Notification.objects.filter(
        actor_id=board.owner_id,
        verb=Notification.Verb.COLLECT,
        note_id__in=in_board,
        read_at__isnull=True,
    ).delete()
    board.delete()


# --- comments -------------------------------------------------------------------------------


def _comment_body(body) -> str:
    body = clean(body if isinstance(body, str) else "")
    if not 1 <= grapheme_len(body) <= COMMENT_MAX_CHARS:
        raise Invalid(
            _("A comment is 1-%(max)s characters.") % {"max": COMMENT_MAX_CHARS},
            code="invalid",
            field="body",
        )
    return body


def _answered_comment(note: Note, parent_id) -> Comment:
    parent_id = parse_id(parent_id)
    if parent_id is None:
        raise Invalid(_("parent_id is not an id."), field="parent_id")
    # Locked so a concurrent delete of the thread can't race the new reply (and its count).
    answered = (
        Comment.objects.select_for_update()
        .select_related("author")
        .filter(pk=parent_id, note_id=note.pk)
        .first()
    )
    if answered is None:
        raise NotFound(_("No such comment on this note."), field="parent_id")
    return answered


def _mentioned_users(body: str, note: Note) -> list[User]:
    names = extract_mentions(body)[:MAX_MENTIONS_PER_COMMENT]
    if not names:
        return []
    match = Q()
    for name in names:
        match |= Q(username__iexact=name)
    # Nobody learns of a note they may not see through a mention.
    return [u for u in User.objects.filter(match, is_active=True) if can_view(u, note)]


@transaction.atomic
def add_comment(user, note: Note, *, body, parent_id=None) -> Comment:
    """Comment on a note, or reply within a thread.

    Threads are one level deep, as on RedNote: answering a reply joins the top-level thread
    and names the person answered in ``reply_to`` (a direct reply to a top-level comment
    leaves it empty, the thread already says whom it answers).
    """
    body = _comment_body(body)
    _lock_visible_note(user, note)
    answered = None
    top = None
    reply_to = None
    if parent_id not in (None, ""):
        answered = _answered_comment(note, parent_id)
        if blocked_either_way(user, answered.author):
            raise Forbidden(_("You cannot reply to this comment."), code="blocked")
        if answered.parent_id is None:
            top = answered
        else:
            top = Comment.objects.select_for_update().get(pk=answered.parent_id)
            reply_to = answered.author
    comment = Comment.objects.create(
        note=note, author=user, body=body, parent=top, reply_to=reply_to
    )
    Note.objects.filter(pk=note.pk).update(comments_count=_plus_one("comments_count"))
    if top is not None:
        Comment.objects.filter(pk=top.pk).update(replies_count=_plus_one("replies_count"))

    # One notification per person per comment: a reply beats a comment beats a mention.
    told = {user.pk}
    if answered is not None and answered.author_id not in told:
        notify(answered.author, user, Notification.Verb.REPLY, note=note, comment=comment)
        told.add(answered.author_id)
    if note.author_id not in told:
        notify(note.author, user, Notification.Verb.COMMENT, note=note, comment=comment)
        told.add(note.author_id)
    for mentioned in _mentioned_users(body, note):
        if mentioned.pk not in told:
            notify(mentioned, user, Notification.Verb.MENTION, note=note, comment=comment)
            told.add(mentioned.pk)
    return comment


def can_delete_comment(actor, comment: Comment) -> bool:
    """The comment's author, the note's author (it's their page) and admins may delete."""
    if actor is None:
        return False
    return actor.is_staff or actor.pk in (comment.author_id, comment.note.author_id)


@transaction.atomic
def delete_comment(actor, comment: Comment) -> None:
    """Delete a comment; a top-level comment takes its replies with it."""
    if not can_delete_comment(actor, comment):
        raise Forbidden(_("You cannot delete this comment."))
    _lock_note(comment.note)
    locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if locked is None:  # deleted meanwhile (with its thread or its note, or by another request)
        return
    removed = 1
    if locked.parent_id is None:
        removed += Comment.objects.filter(parent_id=locked.pk).count()
    else:
        Comment.objects.filter(pk=locked.parent_id).update(replies_count=_minus("replies_count"))
    Note.objects.filter(pk=locked.note_id).update(comments_count=_minus("comments_count", removed))
    # Replies, comment likes and notifications about them all go by cascade.
    locked.delete()


def _lock_comment(comment: Comment) -> bool:
    """Lock the comment row; False when it has been deleted (likes need it to exist)."""
    return (
        Comment.objects.select_for_update().filter(pk=comment.pk).values_list("pk").first()
        is not None
    )


@transaction.atomic
def like_comment(user, comment: Comment) -> bool:
    """Like a comment; False when already liked (idempotent)."""
    if not _lock_comment(comment) or not can_view(user, comment.note):
        raise NotFound(_("No such comment."))
    if blocked_either_way(user, comment.author):
        raise Forbidden(_("You cannot like this comment."), code="blocked")
    if _insert_once(CommentLike, user_id=user.pk, comment_id=comment.pk) is None:
        return False
    Comment.objects.filter(pk=comment.pk).update(likes_count=_plus_one("likes_count"))
    notify(
        comment.author,
        user,
        Notification.Verb.COMMENT_LIKE,
        note=comment.note,
        comment=comment,
    )
    return True


@transaction.atomic
def unlike_comment(user, comment: Comment) -> bool:
    if not _lock_comment(comment) or not _deleted(
        CommentLike.objects.filter(user_id=user.pk, comment_id=comment.pk)
    ):
        return False
    Comment.objects.filter(pk=comment.pk).update(likes_count=_minus("likes_count"))
    withdraw(comment.author, user, Notification.Verb.COMMENT_LIKE, comment=comment)
    return True


# --- recounting -----------------------------------------------------------------------------


def _count(model, column: str) -> Coalesce:
    """``(SELECT COUNT(*) FROM model WHERE column = <the outer row>)``, 0 when none."""
    rows = (
        model.objects.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def recount_counters() -> dict[str, int]:
    """Rebuild every denormalised counter from the rows, set-based (``vermilion recount``).

    Each counter is one UPDATE touching only the rows whose value is wrong; the result says
    how many rows were fixed per counter (and, under "users", how many users were
    recounted).
    """
    plan = [
        ("note.likes", Note, "likes_count", _count(Like, "note_id")),
        ("note.collects", Note, "collects_count", _count(Collect, "note_id")),
        ("note.comments", Note, "comments_count", _count(Comment, "note_id")),
        ("comment.likes", Comment, "likes_count", _count(CommentLike, "comment_id")),
        ("comment.replies", Comment, "replies_count", _count(Comment, "parent_id")),
        ("board.notes", Board, "notes_count", _count(Collect, "board_id")),
        ("hashtag.notes", Hashtag, "notes_count", _count(NoteHashtag, "hashtag_id")),
    ]
    fixed: dict[str, int] = {}
    with transaction.atomic():
        for label, model, field, truth in plan:
            fixed[label] = model.objects.exclude(**{field: truth}).update(**{field: truth})
        # Users last: likes received are summed from the note counters fixed above.
        from vermilion.accounts.services import recount_user_counters

        fixed["users"] = recount_user_counters()
    return fixed
