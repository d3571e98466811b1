"""Profiles, their tabs, and boards."""

from django.http import Http404
from django.shortcuts import render

from vermilion.accounts.presenters import user_dict
from vermilion.accounts.queries import get_user
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import visible_notes_for

from .common import viewer


def profile(request, username: str):
    me = viewer(request)
    user = get_user(username)
    if user is None or (me and user.blocking_set.filter(blocked_id=me.pk).exists()):
        raise Http404("No such user.")
    notes = list(
        visible_notes_for(me)
        .filter(author=user)
        .select_related("author__avatar")
        .order_by("-id")[:40]
    )
    return render(
        request, "web/profile.html", {"profile": user_dict(user), "notes": note_dicts(notes, me)}
    )


def profile_collects(request, username: str):
    return profile(request, username)


def profile_likes(request, username: str):
    return profile(request, username)


def boards(request, username: str):
    raise Http404


def board(request, board_id: int):
    raise Http404


def notes_fragment(request, username: str, tab: str):
    raise Http404
