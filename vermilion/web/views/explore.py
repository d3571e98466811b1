"""Explore (the discover feed with channel tabs), Following, and the card pages htmx appends.

Both feeds show a masonry of cards a page at a time: the page carries a sentinel that loads
the next page from ``/x/feed`` (``feed_fragment``) when it scrolls into view. Pages are cut
with opaque cursors (never offsets), so no note shows twice however long one scrolls.
Explore's tabs are the discover feed (``feed.discover``, the engine behind
``GET /api/v1/feed/discover``); its cards carry the reason each note is there.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from vermilion.accounts.models import Interest
from vermilion.accounts.queries import blocked_ids_subqueries
from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.feed.discover import discover_page
from vermilion.feed.queries import following_feed
from vermilion.notes.models import Note, Visibility
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import visible_notes_for

from .common import is_htmx, viewer


def public_notes(viewer) -> QuerySet[Note]:
    """The notes browsing surfaces show (explore, channels, tags, search): public notes the
    viewer may see, by active people, never by someone blocked either way.

    Followers-only notes belong to the following feed and profiles. Staff see every note
    through ``visible_notes_for`` (moderation), but while browsing they get what anyone gets.
    """
    qs = visible_notes_for(viewer).filter(visibility=Visibility.PUBLIC, author__is_active=True)
    if viewer is not None and viewer.is_staff:
        blocked, blockers = blocked_ids_subqueries(viewer)
        qs = qs.exclude(author_id__in=blocked).exclude(author_id__in=blockers)
    return qs


def id_after(cursor: str | None) -> int | None:
    """The note id a page continues after; Invalid for a malformed cursor (views answer 400)."""
    return cursors.decode_id(cursor)


def checked_cursor(cursor: str | None) -> str | None:
    """``cursor`` once it is known to hold a valid note id (``following_feed`` would pass
    anything else on to the database)."""
    id_after(cursor)
    return cursor


# --- helpers the card pages share -------------------------------------------------------------


def interest_label(interest: Interest) -> str:
    """An interest's name in the reader's language."""
    return interest.name_zh if translation.get_language() == "zh-hans" else interest.name_en


def _channel(slug: str | None) -> Interest | None:
    if not slug:
        return None
    channel = Interest.objects.filter(slug=slug).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


def fragment_url(path: str, **params) -> str:
    """An address for the next page: ``path`` with the non-empty ``params`` as a query."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


def card_dicts(notes: list[Note], me, reasons: list[dict] | None = None) -> list[dict]:
    """Notes as cards; a feed's cards carry the reason each note is there ("Why am I
    seeing this?") and its candidate source (``data-source``, sent with impressions)."""
    cards = note_dicts(notes, me)
    for card, reason in zip(cards, reasons or [], strict=False):
        card["reason"] = reason
        card["source"] = reason["source"]
    return cards


def render_cards(
    request: HttpRequest,
    notes: list[Note],
    next_url: str | None,
    reasons: list[dict] | None = None,
) -> HttpResponse:
    """A page of cards and, when there is more, the sentinel that loads the next page."""
    me = viewer(request)
    response = render(
        request,
        "web/_cards.html",
        {"notes": card_dicts(notes, me, reasons), "next_url": next_url},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def bad_cursor(request: HttpRequest) -> HttpResponse:
    """A cursor that is not ours (edited by hand, or from an older version): a clear 400."""
    return render(
        request,
        "web/_message.html",
        {"message": _("This page link is not valid any more. Reload the page.")},
        status=400,
    )


def sign_in_redirect(request: HttpRequest, next_path: str) -> HttpResponse:
    """Send an anonymous reader to sign in, then back. htmx follows plain redirects inside
    the page, so it gets ``HX-Redirect`` and navigates the whole window instead."""
    target = fragment_url("/signin", next=next_path)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


# --- pages ------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """Explore: channel tabs over the discover feed."""
    me = viewer(request)
    channel = _channel(request.GET.get("channel"))
    try:
        notes, reasons, next_cursor = discover_page(me, channel, request.GET.get("cursor"))
    except Invalid:
        return bad_cursor(request)
    slug = channel.slug if channel else ""
    interests = list(Interest.objects.all())
    if me is not None:
        # The reader's own interests lead the tabs (a stable sort keeps the catalogue order).
        mine = set(me.interests.values_list("slug", flat=True))
        interests.sort(key=lambda i: i.slug not in mine)
    channels = [
        {"slug": i.slug, "label": interest_label(i), "url": fragment_url("/", channel=i.slug)}
        for i in interests
    ]
    context = {
        "channels": channels,
        "channel": slug,
        "channel_label": interest_label(channel) if channel else "",
        "notes": card_dicts(notes, me, reasons),
        "next_url": next_cursor and fragment_url("/x/feed", channel=slug, cursor=next_cursor),
    }
    return render(request, "web/home.html", context)


def following(request: HttpRequest) -> HttpResponse:
    """Notes of the people you follow, newest first (signed-in only)."""
    me = viewer(request)
    if me is None:
        return sign_in_redirect(request, "/following")
    try:
        notes, next_cursor = following_feed(me, checked_cursor(request.GET.get("cursor")))
    except Invalid:
        return bad_cursor(request)
    context = {
        "notes": note_dicts(notes, me),
        "next_url": next_cursor and fragment_url("/x/feed", feed="following", cursor=next_cursor),
    }
    return render(request, "web/following.html", context)


def feed_fragment(request: HttpRequest) -> HttpResponse:
    """The next page of cards for the infinite scroll: ``?feed=following`` or the discover
    feed (``?channel=<slug>``), from ``?cursor=``."""
    me = viewer(request)
    cursor = request.GET.get("cursor")
    reasons = None
    try:
        if request.GET.get("feed") == "following":
            if me is None:
                return sign_in_redirect(request, "/following")
            notes, next_cursor = following_feed(me, checked_cursor(cursor))
            params = {"feed": "following"}
        else:
            channel = _channel(request.GET.get("channel"))
            notes, reasons, next_cursor = discover_page(me, channel, cursor)
            params = {"channel": channel.slug if channel else ""}
    except Invalid:
        return bad_cursor(request)
    next_url = next_cursor and fragment_url("/x/feed", **params, cursor=next_cursor)
    return render_cards(request, notes, next_url, reasons)
