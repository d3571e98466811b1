"""Template context every page needs (the navigation)."""

from __future__ import annotations


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from vermilion.notifications.services import unread_count

    # Lazy: evaluated only when the template shows the badge (one COUNT on an index).
    return {"unread_notifications": lambda: unread_count(user)}
