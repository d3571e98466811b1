"""Creating and reading-off notifications. Other apps' services call ``notify``."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from vermilion.accounts.queries import blocked_either_way

from .models import Notification
from .queries import inbox


def notify(recipient, actor, verb: str, *, note=None, comment=None) -> Notification | None:
    """Record one notification; none for your own actions, none across a block."""
    if recipient is None or actor is None or recipient.pk == actor.pk:
        return None
    if not recipient.is_active or blocked_either_way(recipient, actor):
        return None
    return Notification.objects.create(
        recipient_id=recipient.pk, actor_id=actor.pk, verb=verb, note=note, comment=comment
    )


def withdraw(recipient, actor, verb: str, *, note=None, comment=None) -> None:
    """Remove an unread notification whose cause was undone (unlike, unfollow...)."""
    if recipient is None or actor is None:
        return
    filters = Q(recipient_id=recipient.pk, actor_id=actor.pk, verb=verb, read_at__isnull=True)
    if note is not None:
        filters &= Q(note_id=note.pk)
    if comment is not None:
        filters &= Q(comment_id=comment.pk)
    Notification.objects.filter(filters).delete()


def unread_count(user) -> int:
    """Unread notifications the inbox shows (the badge never counts hidden ones)."""
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(user, up_to_id: int | None = None) -> int:
    """Mark the user's notifications read, all of them or those with id <= up_to_id."""
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if up_to_id is not None:
        qs = qs.filter(id__lte=up_to_id)
    return qs.update(read_at=timezone.now())
