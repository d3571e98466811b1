"""The note page (or, fetched by htmx, the note view shown over a feed) and its comments.

Reads go through ``notes.queries`` (a note you may not see is a 404) and
``engagement.queries`` / ``engagement.presenters`` (the same comment reads as
``GET /api/v1/notes/{id}/comments``); writes happen in the browser through the JSON API.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from vermilion.core import cursors
from vermilion.core.errors import Invalid, NotFound
from vermilion.core.text import HASHTAG_RE, MENTION_RE, extract_hashtags, normalize_tag
from vermilion.engagement.models import Comment
from vermilion.engagement.presenters import comment_dicts
from vermilion.engagement.queries import (
    comment_threads_page,
    get_readable_comment,
    replies_page,
)
from vermilion.engagement.services import can_delete_comment
from vermilion.notes.models import Note
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import get_visible_note

from .common import is_htmx, viewer
from .explore import bad_cursor, fragment_url

# --- linked text ------------------------------------------------------------------------------


def tag_url(tag: str) -> str:
    return "/tags/" + quote(tag, safe="")


def linkify(text: str, mentions: Iterable[str] | None = None) -> SafeString:
    """Plain text as HTML with #hashtags linked to their tag page and @mentions to profiles.

    Safe by construction: the text is cut at the tags and mentions found in the raw text
    (with the same patterns that extract them when notes are saved), and every piece is
    escaped before any markup is added. ``mentions`` limits linked mentions to those names
    (a note's resolved mentions); ``None`` links every well-formed one.
    """
    known = None if mentions is None else {name.lower() for name in mentions}
    spans = [(m.start(), m.end(), tag_url(m.group(1))) for m in HASHTAG_RE.finditer(text)]
    spans += [
        (m.start(), m.end(), "/u/" + m.group(1))
        for m in MENTION_RE.finditer(text)
        if known is None or m.group(1).lower() in known
    ]
    spans.sort()
    pieces, position = [], 0
    for start, end, url in spans:
        if start < position:  # overlapping matches: the first one wins
            continue
        pieces.append(escape(text[position:start]))
        css = "tag" if url.startswith("/tags/") else "mention"
        pieces.append(format_html('<a class="{}" href="{}">{}</a>', css, url, text[start:end]))
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))


# --- comments ---------------------------------------------------------------------------------


def _present_comments(
    me, note: Note, rows: list[Comment], replies: dict[int, list[Comment]] | None = None
) -> list[dict]:
    """``comment_dicts`` plus what the page shows: linked text, who may delete, the
    author badge and, for threads, the address of their further replies."""
    everyone = rows + [r for thread in (replies or {}).values() for r in thread]
    for comment in everyone:
        comment.note = note  # can_delete_comment reads the note's author: no query per row
    deletable = {c.pk for c in everyone if can_delete_comment(me, c)}
    note_author = str(note.author_id)

    def decorate(data: dict) -> dict:
        data["body_html"] = linkify(data["body"])
        data["can_delete"] = int(data["id"]) in deletable
        data["by_note_author"] = data["author"]["id"] == note_author
        data["thread_id"] = data["parent_id"] or data["id"]
        return data

    out = [decorate(d) for d in comment_dicts(rows, me, replies)]
    for data in out:
        if replies is None:
            continue
        shown = [decorate(r) for r in data["replies"]]
        data["replies"] = shown
        data["more_replies_url"] = None
        if data["counts"]["replies"] > len(shown):
            last = shown[-1]["id"] if shown else None
            data["more_replies_url"] = fragment_url(
                f"/x/notes/{note.pk}/comments",
                thread=data["id"],
                cursor=cursors.encode(int(last)) if last else "",
            )
    return out


def comment_threads(me, note: Note, cursor: str | None) -> tuple[list[dict], str | None]:
    """Top-level comments newest first, each with its first replies: the API's page."""
    rows, replies, next_cursor = comment_threads_page(me, note, cursor)
    return _present_comments(me, note, rows, replies), next_cursor


def thread_replies(me, note: Note, thread: Comment, cursor: str | None):
    """Replies of one thread after ``cursor``, oldest first (as ``/comments/{id}/replies``)."""
    rows, next_cursor = replies_page(me, thread, cursor)
    return _present_comments(me, note, rows), next_cursor


def _comment_of_note(me, note: Note, comment_id: str) -> Comment:
    try:
        comment = get_readable_comment(me, comment_id)
    except NotFound:
        raise Http404("No such comment.")
    if comment.note_id != note.pk:
        raise Http404("No such comment.")
    return comment


def comments_fragment(request: HttpRequest, note_id: int) -> HttpResponse:
    """Comment fragments for htmx, one address, three uses:

    - ``?cursor=``: the next page of threads (and the button for the page after);
    - ``?thread=<id>&cursor=``: more replies of a thread;
    - ``?only=<id>``: one comment, to show a comment just posted through the API.
    """
    me = viewer(request)
    note = _visible_note(me, note_id)
    base = f"/x/notes/{note.pk}/comments"
    try:
        if request.GET.get("only"):
            comment = _comment_of_note(me, note, request.GET["only"])
            if comment.parent_id is None:
                items = _present_comments(me, note, [comment], {})
                context = {"threads": items, "note_id": note.pk}
                return render(request, "web/_comments.html", context)
            items = _present_comments(me, note, [comment])
            return render(request, "web/_replies.html", {"replies": items, "posted": True})
        if request.GET.get("thread"):
            thread = _comment_of_note(me, note, request.GET["thread"])
            if thread.parent_id is not None:
                raise Http404("Not a thread.")
            items, next_cursor = thread_replies(me, note, thread, request.GET.get("cursor"))
            next_url = next_cursor and fragment_url(base, thread=thread.pk, cursor=next_cursor)
            return render(request, "web/_replies.html", {"replies": items, "next_url": next_url})
        threads, next_cursor = comment_threads(me, note, request.GET.get("cursor"))
    except Invalid:
        return bad_cursor(request)
    context = {
        "threads": threads,
        "note_id": note.pk,
        "next_url": next_cursor and fragment_url(base, cursor=next_cursor),
    }
    return render(request, "web/_comments.html", context)


# --- the note ---------------------------------------------------------------------------------


def _visible_note(me, note_id) -> Note:
    try:
        return get_visible_note(me, note_id)
    except NotFound:
        raise Http404("No such note.")


def note_context(me, note: Note) -> dict:
    """Everything ``_note_view.html`` shows: the note, its linked text, the first page of
    comments and what the viewer may do."""
    data = note_dicts([note], me)[0]
    data["body_html"] = linkify(note.body, data["mentions"])
    inline = {normalize_tag(t) for t in extract_hashtags(note.body)}
    data["extra_hashtags"] = [
        {"name": t, "url": tag_url(t)} for t in data["hashtags"] if normalize_tag(t) not in inline
    ]
    threads, next_cursor = comment_threads(me, note, None)
    is_owner = me is not None and me.pk == note.author_id
    return {
        "note": data,
        "threads": threads,
        "note_id": note.pk,
        "next_url": next_cursor
        and fragment_url(f"/x/notes/{note.pk}/comments", cursor=next_cursor),
        "is_owner": is_owner,
        # Matches notes.services.delete_note: the author, or an admin moderating.
        "can_delete": is_owner or (me is not None and me.is_staff),
    }


def note_page(request: HttpRequest, note_id: int) -> HttpResponse:
    """A note as a page; for htmx (opening it over a feed) just the note view."""
    me = viewer(request)
    note = _visible_note(me, note_id)
    template = "web/_note_view.html" if is_htmx(request) else "web/note.html"
    response = render(request, template, note_context(me, note))
    # The same address answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
