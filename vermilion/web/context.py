"""Template context every page needs (the navigation)."""

from __future__ import annotations


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from vermilion.notifications.services import unread_count

    cached: list[int] = []

    def unread() -> int:
        # Lazy (only pages that show the badge pay for it) and counted once per request.
        if not cached:
            cached.append(unread_count(user))
        return cached[0]

    return {"unread_notifications": unread}
