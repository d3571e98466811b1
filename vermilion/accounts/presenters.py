"""Turning users into API dicts without N+1 queries.

List endpoints call ``relations_for`` once for the whole page, then ``user_dict`` per row.
"""

from __future__ import annotations

from collections.abc import Iterable

from vermilion.media.presenters import media_urls

from .models import Block, Follow, User


def avatar_dict(user: User) -> dict | None:
    media = user.avatar if user.avatar_id else None
    if media is None:
        return None
    return {
        "id": str(media.id),
        "blurhash": media.blurhash,
        "dominant_color": media.dominant_color,
        "urls": media_urls(media),
    }


def relations_for(viewer, users: Iterable[User]) -> dict[int, dict]:
    """Follow/block relations between ``viewer`` and each of ``users``: three queries total."""
    ids = {u.pk for u in users if u is not None}
    if viewer is None or not ids:
        return {}
    following = set(
        Follow.objects.filter(follower_id=viewer.pk, followee_id__in=ids).values_list(
            "followee_id", flat=True
        )
    )
    followed_by = set(
        Follow.objects.filter(followee_id=viewer.pk, follower_id__in=ids).values_list(
            "follower_id", flat=True
        )
    )
    blocking = set(
        Block.objects.filter(blocker_id=viewer.pk, blocked_id__in=ids).values_list(
            "blocked_id", flat=True
        )
    )
    return {
        uid: {
            "following": uid in following,
            "followed_by": uid in followed_by,
            "blocking": uid in blocking,
        }
        for uid in ids
    }


def user_dict(user: User, relations: dict[int, dict] | None = None) -> dict:
    """The public shape of a person; needs ``avatar`` select_related to stay one query."""
    data = {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name or user.username,
        "bio": user.bio,
        "avatar": avatar_dict(user),
        "region": user.region,
        "languages": list(user.languages or []),
        "created_at": user.date_joined,
        "counts": {
            "followers": user.followers_count,
            "following": user.following_count,
            "notes": user.notes_count,
            "likes_received": user.likes_received_count,
        },
        "viewer": None,
    }
    if relations is not None:
        data["viewer"] = relations.get(
            user.pk, {"following": False, "followed_by": False, "blocking": False}
        )
    return data


def me_dict(user: User) -> dict:
    data = user_dict(user)
    data.update(
        email=user.email,
        language=user.language,
        interests=[i.slug for i in user.interests.all()],
        is_admin=user.is_staff,
    )
    return data
