"""Explore (the discover feed with channel tabs) and Following."""

from django.shortcuts import render

from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import visible_notes_for

from .common import viewer


def home(request):
    me = viewer(request)
    notes = list(visible_notes_for(me).select_related("author__avatar").order_by("-id")[:40])
    return render(request, "web/home.html", {"notes": note_dicts(notes, me)})


def following(request):
    return home(request)


def feed_fragment(request):
    return home(request)
