"""Small helpers the page modules share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def viewer(request: HttpRequest):
    """The signed-in user, or None."""
    return request.user if request.user.is_authenticated else None


def is_htmx(request: HttpRequest) -> bool:
    """True for requests htmx makes (they get a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """The ``next`` address if it stays on this site (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default
