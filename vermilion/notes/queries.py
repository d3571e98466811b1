"""Who may see which notes. Every read of notes, in every app, starts from here."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vermilion.accounts.models import Block, Follow
from vermilion.core.errors import NotFound

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
