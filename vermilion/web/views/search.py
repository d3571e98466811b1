"""Search (notes, people, hashtags) and tag pages.

The engine is ``search.queries`` (the API's too): Chinese and English, Traditional and
Simplified, pinyin, misspellings, and notes close in meaning in another language after the
exact matches. This module only renders: tabs, sort and kind chips for notes, highlighted
titles, the correction line, and with no query the person's recent searches and the hot
searches. Results respect note visibility and blocks like every read.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vermilion.accounts.presenters import relations_for, user_dict
from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.core.text import clean, grapheme_len, normalize_tag
from vermilion.notes.models import Hashtag, NoteHashtag
from vermilion.notes.presenters import note_dicts
from vermilion.search import queries as search_queries
from vermilion.search import services as search_services

from .common import is_htmx, viewer
from .explore import (
    bad_cursor,
    fragment_url,
    id_after,
    public_notes,
    render_cards,
    sign_in_redirect,
)
from .notes import tag_url

SEARCH_PAGE_SIZE = search_queries.PAGE_SIZE
SEARCH_QUERY_MAX_CHARS = search_queries.QUERY_MAX_CHARS
TAG_MAX_CHARS = 100
TABS = ("notes", "users", "hashtags")
SORTS = search_queries.SORTS
KINDS = ("", *search_queries.KINDS)


def _bare_tag(text: str) -> str:
    """A tag as typed in a search box or an address, without its leading # or ＃."""
    return text.lstrip("#＃").strip()


def _note_cards(hits, me) -> list[dict]:
    cards = note_dicts([h.note for h in hits], me)
    for card, hit in zip(cards, hits, strict=True):
        card["search"] = {"match": hit.match, "snippet": hit.snippet}
    return cards


def _landing(request: HttpRequest, me, context: dict) -> HttpResponse:
    """``/search`` with nothing typed: recent searches (signed in) and hot searches."""
    context["history"] = search_queries.history(me) if me is not None else []
    context["hot"] = search_queries.hot_searches()
    return render(request, "web/search.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """``/search?q=&type=notes|users|hashtags&sort=&kind=``; htmx asks the same address
    (with a cursor) for the next page of results."""
    me = viewer(request)
    raw = request.GET.get("q", "")
    query = clean(raw, multiline=False) if len(raw) <= SEARCH_QUERY_MAX_CHARS * 8 else raw
    tab = request.GET.get("type", "notes")
    tab = tab if tab in TABS else "notes"
    sort = request.GET.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    cursor = request.GET.get("cursor")
    shown = query[:SEARCH_QUERY_MAX_CHARS]
    context = {
        "query": shown,
        "tab": tab,
        "sort": sort,
        "kind": kind,
        "tabs": [
            {"name": name, "url": fragment_url("/search", q=shown, type=name)} for name in TABS
        ],
        "sorts": [
            {"name": name, "url": fragment_url("/search", q=shown, sort=name, kind=kind)}
            for name in SORTS
        ],
        "kinds": [
            {"name": name, "url": fragment_url("/search", q=shown, sort=sort, kind=name)}
            for name in KINDS
        ],
    }
    if not query.strip():
        return _landing(request, me, context)
    try:
        query = search_queries.check_query(query)
        if tab == "notes":
            results = search_queries.search_notes(
                me, query, sort=sort, kind=kind or None, cursor=cursor
            )
            rows, next_cursor = results.hits, results.next_cursor
            found = any(h.match in ("exact", "partial") for h in rows)
            context["corrected"] = results.corrected
        elif tab == "users":
            rows, next_cursor = search_queries.search_users(me, query, cursor=cursor)
            found = bool(rows)
        else:
            rows, next_cursor = search_queries.search_hashtags(me, query, cursor=cursor)
            found = bool(rows)
    except Invalid as problem:
        if problem.field == "cursor":
            return bad_cursor(request)
        context["problem"] = problem.message
        status = 400 if problem.code == "query_too_long" else 200
        return render(request, "web/search.html", context, status=status)
    if cursor is None and not is_htmx(request):
        search_services.record_search(me, query, found=found)
    params = {"q": query, "type": tab, "cursor": next_cursor}
    if tab == "notes":
        params.update(sort=sort, kind=kind)
    next_url = next_cursor and fragment_url("/search", **params)
    if tab == "notes":
        context["notes"] = _note_cards(rows, me)
        if is_htmx(request) and cursor:
            response = render(request, "web/_cards.html", {**context, "next_url": next_url})
            patch_vary_headers(response, ["HX-Request"])
            return response
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


@require_POST
def clear_history(request: HttpRequest) -> HttpResponse:
    """The "clear" button beside recent searches (a form POST with the CSRF token)."""
    me = viewer(request)
    if me is None:
        return sign_in_redirect(request, "/search")
    search_services.clear_history(me)
    return redirect("/search")


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
