"""Signing up, in and out; onboarding; settings."""

from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from vermilion.accounts import services as accounts
from vermilion.core import ratelimit
from vermilion.core.errors import ServiceError


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


def onboarding(request):
    raise Http404


def settings_page(request):
    raise Http404


def edit_profile(request):
    raise Http404


def set_language(request):
    raise Http404
