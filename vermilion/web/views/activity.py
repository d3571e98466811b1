"""Notifications: the signed-in person's inbox, newest first.

Read through the function that answers ``GET /api/v1/notifications`` (``inbox`` query,
``notification_dicts`` presenter), so the page and the API list the same things. Opening
the page marks what it shows as read, so the badge in the navigation clears.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.timesince import timesince

from vermilion.core.errors import Invalid
from vermilion.notifications import api as notifications_api
from vermilion.notifications import services

from .common import is_htmx
from .people import avatar_url


@login_required
def notifications(request) -> HttpResponse:
    cursor = request.GET.get("cursor")
    try:
        page = notifications_api.list_notifications(request, cursor)
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message)
    items = page["items"]
    # Presented before being marked read, so the new ones stay highlighted on this visit;
    # the badge (rendered after this) counts what is still unread.
    if any(not item["read"] for item in items):
        services.mark_read(request.user, int(items[0]["id"]))
    now = timezone.now()
    for item in items:
        # "" under a minute: the template says "just now" rather than "0 minutes ago".
        recent = (now - item["created_at"]).total_seconds() < 60
        item["ago"] = "" if recent else timesince(item["created_at"], now, depth=1)
        item["avatar_url"] = avatar_url(item["actor"])
    next_cursor = page["next_cursor"]
    next_url = f"{request.path}?{urlencode({'cursor': next_cursor})}" if next_cursor else None
    context = {"items": items, "next_url": next_url}
    if cursor and is_htmx(request):
        context.update(rows=True, sentinel=True, oob=True)
        response = render(request, "web/_notification_rows.html", context)
    else:
        response = render(request, "web/notifications.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
