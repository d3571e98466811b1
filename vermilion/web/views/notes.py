"""The note page (or overlay) and its comments."""

from django.http import Http404
from django.shortcuts import render

from vermilion.core.errors import NotFound
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import get_visible_note

from .common import viewer


def note_page(request, note_id: int):
    me = viewer(request)
    try:
        note = get_visible_note(me, note_id)
    except NotFound:
        raise Http404("No such note.")
    return render(request, "web/note.html", {"note": note_dicts([note], me)[0]})


def comments_fragment(request, note_id: int):
    raise Http404
