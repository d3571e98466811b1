"""What a person's notification inbox shows (the API and the web app read it from here)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vermilion.accounts.queries import blocked_ids_subqueries
from vermilion.notes.queries import visible_notes_for

from .models import Notification


def inbox(user) -> QuerySet[Notification]:
    """The user's notifications they may still act on: none from deactivated or blocked
    (either way) people, none about a note they can no longer see (it turned private, or
    its author blocked them) — a notification must not reveal what its note page hides."""
    blocked, blockers = blocked_ids_subqueries(user)
    return (
        Notification.objects.filter(recipient_id=user.pk, actor__is_active=True)
        .filter(Q(note__isnull=True) | Q(note_id__in=visible_notes_for(user).values("id")))
        .exclude(actor_id__in=blocked)
        .exclude(actor_id__in=blockers)
    )
