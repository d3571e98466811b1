"""Notifications."""

from django.http import Http404


def notifications(request):
    raise Http404
