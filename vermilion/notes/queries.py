"""Who may see which notes. Every read of notes, in every app, starts from here."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vermilion.accounts.models import Block, Follow, User
from vermilion.core import sql
from vermilion.core.errors import NotFound
from vermilion.media.models import Media

from .models import Note, Visibility


def visible_notes_for(viewer) -> QuerySet[Note]:
    """Notes ``viewer`` (a User or None for anonymous) may see.

    - anonymous: public notes;
    - signed in: public notes, followers-only notes of people they follow, all their own;
      never notes of someone they block or who blocks them;
    - staff: everything (moderation).
    """
    qs = Note.objects.all()
    if viewer is None:
        return qs.filter(visibility=Visibility.PUBLIC, author__is_active=True)
    if viewer.is_staff:
        return qs
    followees = Follow.objects.filter(follower_id=viewer.pk).values("followee_id")
    blocked = Block.objects.filter(blocker_id=viewer.pk).values("blocked_id")
    blockers = Block.objects.filter(blocked_id=viewer.pk).values("blocker_id")
    return (
        qs.filter(
            Q(author_id=viewer.pk)
            | Q(visibility=Visibility.PUBLIC, author__is_active=True)
            | Q(visibility=Visibility.FOLLOWERS, author_id__in=followees, author__is_active=True)
        )
        .exclude(author_id__in=blocked)
        .exclude(author_id__in=blockers)
    )


# --- public notes by id, for the feed's pages ---------------------------------------------------
#
# ``visible_notes_for(None)`` (public notes of active people) read by id as hand-written
# statements of fixed text (``core.sql``): every page of the discover feed checks a hundred
# candidates and loads its twenty notes this way, and building those queries through the
# ORM cost several times what running them did.


def public_note_authors(note_ids) -> dict[int, int]:
    """The authors of those of ``note_ids`` that ``visible_notes_for(None)`` holds, by note
    id (one statement)."""
    if not note_ids:
        return {}
    where, params = sql.in_ids("n.id", note_ids)
    rows = sql.fetch(
        f"SELECT n.id, n.author_id FROM {sql.table(Note)} n "
        f"JOIN {sql.table(User)} u ON u.id = n.author_id "
        f"WHERE {where} AND n.visibility = %s AND u.is_active = %s",
        [*params, Visibility.PUBLIC.value, True],
    )
    return dict(rows)


def public_notes(note_ids) -> dict[int, Note]:
    """Those of ``note_ids`` that ``visible_notes_for(None)`` holds, by id, each with its
    author and the author's avatar loaded (as ``select_related("author__avatar")``), in
    one statement."""
    if not note_ids:
        return {}
    make_note, make_user, make_media = sql.loader(Note), sql.loader(User), sql.loader(Media)
    n_note, n_user = len(Note._meta.concrete_fields), len(User._meta.concrete_fields)
    where, params = sql.in_ids("n.id", note_ids)
    rows = sql.fetch(
        f"SELECT {sql.select_list(Note, 'n')}, {sql.select_list(User, 'u')}, "
        f"{sql.select_list(Media, 'a')} FROM {sql.table(Note)} n "
        f"JOIN {sql.table(User)} u ON u.id = n.author_id "
        f"LEFT JOIN {sql.table(Media)} a ON a.id = u.avatar_id "
        f"WHERE {where} AND n.visibility = %s AND u.is_active = %s",
        [*params, Visibility.PUBLIC.value, True],
    )
    found = {}
    for row in rows:
        note = make_note(row[:n_note])
        user = make_user(row[n_note : n_note + n_user])
        avatar = make_media(row[n_note + n_user :]) if user.avatar_id is not None else None
        User.avatar.field.set_cached_value(user, avatar)
        Note.author.field.set_cached_value(note, user)
        found[note.pk] = note
    return found


def parse_id(value) -> int | None:
    """A positive 64-bit id from an int or a string of ASCII digits; None for anything else
    (so a malformed or out-of-range id is a clean "not found", never a database error)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None


def can_view(viewer, note: Note) -> bool:
    return visible_notes_for(viewer).filter(pk=note.pk).exists()


def get_visible_note(viewer, note_id) -> Note:
    """The note if ``viewer`` may see it; otherwise NotFound (never reveal that it exists)."""
    note_id = parse_id(note_id)
    if note_id is None:
        raise NotFound(_("No such note."))
    note = visible_notes_for(viewer).select_related("author").filter(pk=note_id).first()
    if note is None:
        raise NotFound(_("No such note."))
    return note


# --- per-person lists (the profile tabs and GET /users/{u}/notes|likes|collects) -------------


def profile_owner(viewer, username: str):
    """The person whose lists are asked for; NotFound if unknown or if they block the viewer
    (staff still see them, for moderation)."""
    from vermilion.accounts.queries import get_user

    owner = get_user(username)
    blocked = (
        owner is not None
        and viewer is not None
        and not viewer.is_staff
        and Block.objects.filter(blocker_id=owner.pk, blocked_id=viewer.pk).exists()
    )
    if owner is None or blocked:
        raise NotFound(_("No such user."))
    return owner


def user_notes(viewer, owner) -> QuerySet[Note]:
    """Their notes the viewer may see (newest first by id)."""
    return visible_notes_for(viewer).filter(author_id=owner.pk).select_related("author__avatar")


def user_likes(viewer, owner):
    """Their likes of notes the viewer may see. Likes are public."""
    from vermilion.engagement.models import Like

    return Like.objects.filter(
        user_id=owner.pk, note_id__in=visible_notes_for(viewer).values("id")
    ).select_related("note__author__avatar")


def user_collects(viewer, owner):
    """Their collects of notes the viewer may see; others see public boards only."""
    from vermilion.engagement.models import Collect

    qs = Collect.objects.filter(
        user_id=owner.pk, note_id__in=visible_notes_for(viewer).values("id")
    ).select_related("note__author__avatar")
    if viewer is None or viewer.pk != owner.pk:
        qs = qs.filter(board__is_private=False)
    return qs
