"""Server-rendered pages. Thin: read through the same queries and presenters as the API,
write through the same services. (The full web app — htmx, composer, onboarding — grows here.)"""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from vermilion.accounts import services as accounts
from vermilion.accounts.presenters import user_dict
from vermilion.accounts.queries import get_user
from vermilion.core import ratelimit
from vermilion.core.errors import NotFound, ServiceError
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import get_visible_note, visible_notes_for

PAGE_SIZE = 40


def _viewer(request):
    return request.user if request.user.is_authenticated else None


def _recent(qs, viewer):
    notes = list(qs.select_related("author__avatar").order_by("-id")[:PAGE_SIZE])
    return note_dicts(notes, viewer)


def home(request):
    viewer = _viewer(request)
    notes = _recent(visible_notes_for(viewer), viewer)
    return render(request, "web/home.html", {"notes": notes})


def note_detail(request, note_id: int):
    viewer = _viewer(request)
    try:
        note = get_visible_note(viewer, note_id)
    except NotFound:
        raise Http404("No such note.")
    return render(request, "web/note.html", {"note": note_dicts([note], viewer)[0]})


def profile(request, username: str):
    viewer = _viewer(request)
    user = get_user(username)
    if user is None or (viewer and user.blocking_set.filter(blocked_id=viewer.pk).exists()):
        raise Http404("No such user.")
    notes = _recent(visible_notes_for(viewer).filter(author=user), viewer)
    return render(request, "web/profile.html", {"profile": user_dict(user), "notes": notes})


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def signin(request):
    error = None
    if request.method == "POST":
        username = request.POST.get("username", "")[:100]
        try:
            ratelimit.hit("signin", f"{ratelimit.client_ip(request)}:{username.lower()}")
            user = accounts.check_credentials(username, request.POST.get("password", "")[:1000])
        except ServiceError as exc:
            error = exc.message
        else:
            login(request, user)
            return redirect(_next_url(request))
    return render(
        request,
        "web/signin.html",
        {"error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def signup(request):
    error = None
    if request.method == "POST":
        try:
            ratelimit.hit("signup", ratelimit.client_ip(request))
            user = accounts.register(
                username=request.POST.get("username", "")[:100],
                password=request.POST.get("password", "")[:1000],
                display_name=request.POST.get("display_name", "")[:1000],
            )
        except ServiceError as exc:
            error = exc.message
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("/")
    return render(request, "web/signup.html", {"error": error}, status=400 if error else 200)


@require_POST
def signout(request):
    logout(request)
    return redirect("/")
