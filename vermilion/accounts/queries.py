"""Reads about people and the relations between them, used by several apps."""

from __future__ import annotations

from django.db.models import Q

from .models import Block, Follow, User


def blocked_either_way(a, b) -> bool:
    """True when either user blocks the other (both directions hide each other)."""
    if a is None or b is None or a.pk == b.pk:
        return False
    return Block.objects.filter(
        Q(blocker_id=a.pk, blocked_id=b.pk) | Q(blocker_id=b.pk, blocked_id=a.pk)
    ).exists()


def hidden_user_ids(user) -> Q:
    """A subquery-friendly filter of ids a viewer must not see (they blocked, or were blocked)."""
    blocked = Block.objects.filter(blocker_id=user.pk).values("blocked_id")
    blockers = Block.objects.filter(blocked_id=user.pk).values("blocker_id")
    return Q(pk__in=blocked) | Q(pk__in=blockers)


def blocked_ids_subqueries(user):
    """Two subqueries (ids ``user`` blocks, ids that block ``user``) to exclude from reads."""
    return (
        Block.objects.filter(blocker_id=user.pk).values("blocked_id"),
        Block.objects.filter(blocked_id=user.pk).values("blocker_id"),
    )


def is_following(follower, followee) -> bool:
    if follower is None or followee is None:
        return False
    return Follow.objects.filter(follower_id=follower.pk, followee_id=followee.pk).exists()


def get_user(username: str) -> User | None:
    return (
        User.objects.select_related("avatar")
        .filter(username__iexact=username, is_active=True)
        .first()
    )
