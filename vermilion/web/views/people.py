"""Profiles, their tabs (notes, collects, likes), and boards.

Every list here is read through the same functions that answer the JSON API
(``notes.queries.user_notes`` and friends; for boards, ``engagement.api.list_boards`` ...):
the page and the API can never disagree about who may see what. The views only pick the
template.
"""

from __future__ import annotations

from django.db.models import F, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from vermilion.accounts import api as accounts_api
from vermilion.core.errors import Invalid, NotFound
from vermilion.engagement import api as engagement_api
from vermilion.engagement.models import Collect
from vermilion.media.presenters import media_urls
from vermilion.notes import queries as note_queries
from vermilion.notes.models import Note, NoteMedia
from vermilion.notes.presenters import notes_page
from vermilion.notes.queries import visible_notes_for

from .account import language_names
from .common import is_htmx, viewer

# The profile tabs: the rows each one lists and how to get the note of a row. The same
# query functions answer GET /api/v1/users/{u}/notes|collects|likes.
TABS = {
    "notes": (note_queries.user_notes, lambda note: note),
    "collects": (note_queries.user_collects, lambda collect: collect.note),
    "likes": (note_queries.user_likes, lambda like: like.note),
}
PAGE_SIZE = 20
# How many covers a board shows in the boards list (a small collage).
BOARD_COVERS = 4


def _person(request, username: str) -> dict:
    """The profile as the API shows it (404 when its owner blocks the viewer)."""
    try:
        return accounts_api.get_user_profile(request, username)
    except NotFound:
        raise Http404("No such user.")


def avatar_url(person: dict) -> str:
    """The small rendition of someone's avatar; "" without one, or while it processes."""
    urls = person["avatar"]["urls"] if person.get("avatar") else {}
    return urls.get("thumb") or urls.get("display") or ""


def _head(request, person: dict) -> dict:
    """What the profile header needs, besides the person."""
    me = viewer(request)
    relation = person["viewer"] or {}
    return {
        "profile": person,
        "avatar_url": avatar_url(person),
        "is_owner": me is not None and str(me.pk) == person["id"],
        "blocking": relation.get("blocking", False),
        "following": relation.get("following", False),
        "languages": language_names(person["languages"]),
        "likes_and_collects": person["counts"]["likes_received"] + _collects_received(person),
    }


def _collects_received(person: dict) -> int:
    """Collects of the person's notes; User keeps a likes counter but no collects one."""
    total = Note.objects.filter(author_id=int(person["id"])).aggregate(n=Sum("collects_count"))
    return total["n"] or 0


def _more_url(base: str, cursor: str | None) -> str | None:
    return f"{base}?{urlencode({'cursor': cursor})}" if cursor else None


def _tab_page(request, username: str, tab: str, cursor: str | None) -> dict:
    me = viewer(request)
    try:
        owner = note_queries.profile_owner(me, username)
    except NotFound:
        raise Http404("No such user.")
    rows, note_of = TABS[tab]
    return notes_page(rows(me, owner), cursor, me, note_of, PAGE_SIZE)


def _profile(request, username: str, tab: str) -> HttpResponse:
    person = _person(request, username)
    page = _tab_page(request, person["username"], tab, None)
    context = {
        **_head(request, person),
        "tab": tab,
        "notes": page["items"],
        "next_url": _more_url(
            reverse("profile-fragment", args=[person["username"], tab]), page["next_cursor"]
        ),
    }
    return render(request, "web/profile.html", context)


def profile(request, username: str) -> HttpResponse:
    return _profile(request, username, "notes")


def profile_collects(request, username: str) -> HttpResponse:
    return _profile(request, username, "collects")


def profile_likes(request, username: str) -> HttpResponse:
    return _profile(request, username, "likes")


def _cards_fragment(request, page: dict, base: str) -> HttpResponse:
    """The next cards of a grid plus the sentinel that loads the ones after (htmx)."""
    response = render(
        request,
        "web/_profile_cards.html",
        {
            "notes": page["items"],
            "next_url": _more_url(base, page["next_cursor"]),
            "cards": True,
            "sentinel": True,
            "oob": True,
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def notes_fragment(request, username: str, tab: str) -> HttpResponse:
    """The next page of a profile tab, appended to the grid by infinite scroll."""
    if tab not in TABS:
        raise Http404("No such tab.")
    try:
        page = _tab_page(request, username, tab, request.GET.get("cursor"))
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message)
    return _cards_fragment(request, page, request.path)


# --- boards ----------------------------------------------------------------------------------


def _board_covers(me, board_ids: list[int]) -> dict[int, list[dict]]:
    """The covers of the latest notes (that ``me`` may see) in each board, two queries."""
    if not board_ids:
        return {}
    latest = (
        Collect.objects.filter(
            board_id__in=board_ids, note_id__in=visible_notes_for(me).values("id")
        )
        .annotate(
            position=Window(RowNumber(), partition_by=[F("board_id")], order_by=F("id").desc())
        )
        .filter(position__lte=BOARD_COVERS)
        .order_by("board_id", "-id")
        .values_list("board_id", "note_id")
    )
    latest = list(latest)
    attachments = NoteMedia.objects.filter(
        note_id__in={note_id for _, note_id in latest}, position=0
    ).select_related("media")
    by_note = {}
    for attachment in attachments:
        urls = media_urls(attachment.media)
        url = urls.get("thumb") or urls.get("poster") or urls.get("display")
        if url:
            by_note[attachment.note_id] = {
                "url": url,
                "color": attachment.media.dominant_color or "",
            }
    covers: dict[int, list[dict]] = {}
    for board_id, note_id in latest:
        if note_id in by_note:
            covers.setdefault(board_id, []).append(by_note[note_id])
    return covers


def boards(request, username: str) -> HttpResponse:
    """A person's boards: the public ones, or all of them for their owner."""
    me = viewer(request)
    person = _person(request, username)
    try:
        page = engagement_api.list_boards(
            request, username=person["username"], cursor=request.GET.get("cursor")
        )
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message)
    items = page["items"]
    covers = _board_covers(me, [int(b["id"]) for b in items])
    for board in items:
        board["covers"] = covers.get(int(board["id"]), [])
    context = {
        **_head(request, person),
        "boards": items,
        "next_url": _more_url(request.path, page["next_cursor"]),
    }
    return render(request, "web/boards.html", context)


def board(request, board_id: int) -> HttpResponse:
    """One board's notes; a private board is 404 for everyone but its owner."""
    me = viewer(request)
    cursor = request.GET.get("cursor")
    try:
        info = engagement_api.get_board(request, str(board_id))
        page = engagement_api.board_notes(request, str(board_id), cursor)
    except NotFound:
        raise Http404("No such board.")
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message)
    if cursor and is_htmx(request):
        return _cards_fragment(request, page, request.path)
    context = {
        "board": info,
        "owner_avatar_url": avatar_url(info["owner"]),
        "is_owner": me is not None and str(me.pk) == info["owner"]["id"],
        "notes": page["items"],
        "next_url": _more_url(request.path, page["next_cursor"]),
    }
    response = render(request, "web/board.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
