"""Search (notes, people, hashtags) and tag pages: interim versions.

The search issue replaces the engine (full-text search with Chinese segmentation behind
``GET /api/v1/search``). Until then each tab is one plain case-insensitive match in one
function (``search_notes``, ``search_users``, ``search_hashtags``) so it can be swapped
without touching the pages. Results respect note visibility and blocks like every read.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from vermilion.accounts.models import User
from vermilion.accounts.presenters import relations_for, user_dict
from vermilion.accounts.queries import hidden_user_ids
from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.core.text import clean, grapheme_len, normalize_tag
from vermilion.notes.models import Hashtag, Note, NoteHashtag
from vermilion.notes.presenters import note_dicts

from .common import is_htmx, viewer
from .explore import bad_cursor, fragment_url, id_after, public_notes, render_cards
from .notes import tag_url

SEARCH_PAGE_SIZE = 20
SEARCH_QUERY_MAX_CHARS = 100
TAG_MAX_CHARS = 100
TABS = ("notes", "users", "hashtags")


def _bare_tag(text: str) -> str:
    """A tag as typed in a search box or an address, without its leading # or ＃."""
    return text.lstrip("#＃").strip()


def search_notes(viewer, query: str, cursor: str | None) -> tuple[list[Note], str | None]:
    """Public notes whose title or text contains the query (any case), or that carry it as a
    hashtag; newest first."""
    qs = public_notes(viewer)
    match = Q(title__icontains=query) | Q(body__icontains=query)
    key = normalize_tag(_bare_tag(query))
    if key:
        match |= Q(id__in=NoteHashtag.objects.filter(hashtag__key=key).values("note_id"))
    qs = qs.filter(match)
    after = id_after(cursor)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.select_related("author__avatar").order_by("-id")[: SEARCH_PAGE_SIZE + 1])
    return cursors.page(rows, SEARCH_PAGE_SIZE, key=lambda n: (n.id,))


def search_users(viewer, query: str, cursor: str | None) -> tuple[list[User], str | None]:
    """Active people whose username or display name contains the query, newest accounts
    first; never someone blocked either way."""
    name = query.lstrip("@")
    qs = User.objects.filter(is_active=True).filter(
        Q(username__icontains=name) | Q(display_name__icontains=query)
    )
    if viewer is not None:
        qs = qs.exclude(hidden_user_ids(viewer))
    after = id_after(cursor)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.select_related("avatar").order_by("-id")[: SEARCH_PAGE_SIZE + 1])
    return cursors.page(rows, SEARCH_PAGE_SIZE, key=lambda u: (u.id,))


def search_hashtags(viewer, query: str, cursor: str | None) -> tuple[list[Hashtag], str | None]:
    """Hashtags in use whose key starts with the query's, in key order (stable pages)."""
    qs = Hashtag.objects.filter(key__startswith=normalize_tag(_bare_tag(query)), notes_count__gt=0)
    position = cursors.decode(cursor)
    if position:
        if not isinstance(position[0], str):
            raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
        qs = qs.filter(key__gt=position[0])
    rows = list(qs.order_by("key")[: SEARCH_PAGE_SIZE + 1])
    return cursors.page(rows, SEARCH_PAGE_SIZE, key=lambda h: (h.key,))


def _query_problem(query: str) -> str | None:
    if not query or not _bare_tag(query):
        return _("Type a word, a name or a #tag to search.")
    if grapheme_len(query) > SEARCH_QUERY_MAX_CHARS:
        return _("That search is too long: use at most %(n)d characters.") % {
            "n": SEARCH_QUERY_MAX_CHARS
        }
    return None


def search(request: HttpRequest) -> HttpResponse:
    """``/search?q=&type=notes|users|hashtags``; htmx asks the same address (with a
    cursor) for the next page of results."""
    me = viewer(request)
    query = clean(request.GET.get("q", ""), multiline=False)
    tab = request.GET.get("type", "notes")
    tab = tab if tab in TABS else "notes"
    cursor = request.GET.get("cursor")
    context = {
        "query": query,
        "tab": tab,
        "tabs": [
            {"name": name, "url": fragment_url("/search", q=query, type=name)} for name in TABS
        ],
    }
    problem = _query_problem(query)
    if problem:
        context["problem"] = problem
        return render(request, "web/search.html", context, status=400 if query else 200)
    finder = {"notes": search_notes, "users": search_users, "hashtags": search_hashtags}[tab]
    try:
        rows, next_cursor = finder(me, query, cursor)
    except Invalid:
        return bad_cursor(request)
    next_url = next_cursor and fragment_url("/search", q=query, type=tab, cursor=next_cursor)
    if tab == "notes":
        if is_htmx(request) and cursor:
            return render_cards(request, rows, next_url)
        context["notes"] = note_dicts(rows, me)
    elif tab == "users":
        relations = relations_for(me, rows) if me is not None else None
        context["people"] = [user_dict(u, relations) for u in rows]
    else:
        context["hashtags"] = [
            {"name": h.name, "notes_count": h.notes_count, "url": tag_url(h.name)} for h in rows
        ]
    context["next_url"] = next_url
    template = "web/search.html"
    if is_htmx(request) and cursor:
        template = f"web/_search_{tab}.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def tag(request: HttpRequest, tag: str) -> HttpResponse:
    """``/tags/<tag>``: public notes carrying the hashtag, newest first."""
    me = viewer(request)
    name = _bare_tag(tag)
    key = normalize_tag(name)
    if not key or grapheme_len(key) > TAG_MAX_CHARS:
        return render(
            request,
            "web/tag.html",
            {"name": name[:TAG_MAX_CHARS], "problem": _("That is not a hashtag.")},
            status=404,
        )
    hashtag = Hashtag.objects.filter(key=key).first()
    notes, next_cursor = [], None
    if hashtag is not None:
        tagged = NoteHashtag.objects.filter(hashtag_id=hashtag.pk).values("note_id")
        qs = public_notes(me).filter(id__in=tagged)
        try:
            after = id_after(request.GET.get("cursor"))
        except Invalid:
            return bad_cursor(request)
        if after is not None:
            qs = qs.filter(id__lt=after)
        rows = list(qs.select_related("author__avatar").order_by("-id")[: SEARCH_PAGE_SIZE + 1])
        notes, next_cursor = cursors.page(rows, SEARCH_PAGE_SIZE, key=lambda n: (n.id,))
    next_url = next_cursor and fragment_url(tag_url(name), cursor=next_cursor)
    if is_htmx(request) and request.GET.get("cursor"):
        return render_cards(request, notes, next_url)
    context = {
        "name": hashtag.name if hashtag else name,
        "hashtag": hashtag,
        "notes": note_dicts(notes, me),
        "next_url": next_url,
    }
    response = render(request, "web/tag.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
