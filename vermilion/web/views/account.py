"""Signing up, in and out; onboarding; settings; the interface language.

Plain HTML forms posted with a CSRF token. Every change goes through
``accounts.services`` (the functions the JSON API calls); a service error is shown next
to the field it names.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vermilion.accounts import services as accounts
from vermilion.accounts.models import Interest, User
from vermilion.accounts.presenters import avatar_dict
from vermilion.core import ratelimit
from vermilion.core.errors import RateLimited, ServiceError
from vermilion.feed import queries as feed_queries
from vermilion.feed import services as feed

from .common import safe_next

# Languages people commonly list on their profile, named in their own script (so they read
# the same in every interface language). Other BCP 47 tags can be typed in.
COMMON_LANGUAGES = [
    ("en", "English"),
    ("zh-Hans", "简体中文"),
    ("zh-Hant", "繁體中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("ru", "Русский"),
    ("ar", "العربية"),
    ("hi", "हिन्दी"),
    ("th", "ไทย"),
    ("vi", "Tiếng Việt"),
    ("id", "Bahasa Indonesia"),
]
LANGUAGE_NAMES = {tag.lower(): name for tag, name in COMMON_LANGUAGES}
# Interface languages: "" follows the browser (Accept-Language).
INTERFACE_LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# Longest text a form field may carry to a service (services enforce the real limits).
MAX_FIELD_CHARS = 5000


def language_names(tags: list[str]) -> list[str]:
    """How a profile lists the languages someone speaks."""
    return [LANGUAGE_NAMES.get(tag.lower(), tag) for tag in tags]


def _field(request, name: str, limit: int = MAX_FIELD_CHARS) -> str:
    return request.POST.get(name, "")[:limit]


def _failed(request, template: str, context: dict, exc: ServiceError) -> HttpResponse:
    """Re-render a form with the service's message next to the field it names."""
    errors = context.setdefault("errors", {})
    errors[exc.field or "form"] = exc.message
    response = render(
        request, template, context, status=429 if isinstance(exc, RateLimited) else 400
    )
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


# --- signing in, up and out -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signin(request):
    target = safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(target)
    context = {"next": target, "username": _field(request, "username", 100), "errors": {}}
    if request.method == "POST":
        username = context["username"]
        try:
            ratelimit.hit("signin", f"{ratelimit.client_ip(request)}:{username.lower()}")
            user = accounts.check_credentials(username, _field(request, "password", 1000))
        except ServiceError as exc:
            exc.field = None  # never say which of the two was wrong
            return _failed(request, "web/signin.html", context, exc)
        login(request, user)
        return redirect(target)
    return render(request, "web/signin.html", context)


def _cookie_language(request) -> str:
    """The interface language an anonymous visitor picked, to keep it after signing up."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(INTERFACE_LANGUAGES) else ""


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect("/")
    context = {
        "values": {
            "username": _field(request, "username", 100),
            "display_name": _field(request, "display_name", 1000),
            "email": _field(request, "email", 254),
        },
        "errors": {},
    }
    if request.method == "POST":
        try:
            ratelimit.hit("signup", ratelimit.client_ip(request))
            user = accounts.register(
                password=_field(request, "password", 1000),
                language=_cookie_language(request),
                **context["values"],
            )
        except ServiceError as exc:
            return _failed(request, "web/signup.html", context, exc)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("onboarding")
    return render(request, "web/signup.html", context)


@require_POST
def signout(request):
    logout(request)
    return redirect("/")


# --- interests ------------------------------------------------------------------------------


def _interest_cards(user: User, chosen: list[str] | None = None) -> list[dict]:
    """The catalogue as cards, those ``chosen`` (or the user's own) checked."""
    if chosen is None:
        chosen = list(user.interests.values_list("slug", flat=True))
    chosen_set = set(chosen)
    return [
        {
            "slug": i.slug,
            "name_en": i.name_en,
            "name_zh": i.name_zh,
            "checked": i.slug in chosen_set,
        }
        for i in Interest.objects.all()
    ]


def _save_interests(request, user: User) -> tuple[list[str], ServiceError | None]:
    """Save the checked interest cards; at least one is needed to shape the feed."""
    slugs = [s[:40] for s in request.POST.getlist("interests")[:100]]
    if not slugs:
        return slugs, ServiceError(
            _("Pick at least one interest, so we know what to show you."), field="interests"
        )
    try:
        accounts.set_interests(user, slugs)
    except ServiceError as exc:
        return slugs, exc
    return slugs, None


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request):
    """Right after signing up: pick interests, then off to explore."""
    if request.method == "POST":
        slugs, error = _save_interests(request, request.user)
        if error is None:
            return redirect("home")
        context = {"interests": _interest_cards(request.user, slugs)}
        return _failed(request, "web/onboarding.html", context, error)
    return render(request, "web/onboarding.html", {"interests": _interest_cards(request.user)})


# --- settings -------------------------------------------------------------------------------


# How many hidden authors and topics the settings page lists (newest first); the API pages
# through all of them.
SETTINGS_HIDES_SHOWN = 50


def _hide_rows(user: User) -> tuple[list[dict], bool, int]:
    """The authors and topics ``user`` hid, newest first, as rows to undo; whether there are
    more; and how many single notes they hid (two queries)."""
    hides = list(
        user.feed_hides.filter(scope__in=["author", "topic"])
        .select_related("author", "topic")
        .order_by("-id")[: SETTINGS_HIDES_SHOWN + 1]
    )
    zh = translation.get_language() == "zh-hans"
    rows = [
        {
            "id": hide.pk,
            "scope": hide.scope,
            "label": (hide.author.display_name or hide.author.username)
            if hide.scope == "author"
            else (hide.topic.name_zh if zh else hide.topic.name_en),
        }
        for hide in hides[:SETTINGS_HIDES_SHOWN]
    ]
    return rows, len(hides) > SETTINGS_HIDES_SHOWN, user.feed_hides.filter(scope="note").count()


def _settings_context(user: User, **extra) -> dict:
    hides, more_hides, hidden_notes = _hide_rows(user)
    context = {
        "interests": _interest_cards(user),
        "ui_languages": INTERFACE_LANGUAGES,
        "current_language": user.language,
        "feed": feed_queries.feed_preference(user),
        "hides": hides,
        "more_hides": more_hides,
        "hidden_notes": hidden_notes,
        "errors": {},
    }
    context.update(extra)
    return context


def _feed_action(request, action: str) -> HttpResponse | None:
    """The Feed section's forms: ordering, reset, undoing a "not interested"."""
    user = request.user
    try:
        if action == "feed_mode":
            feed.set_feed_mode(user, _field(request, "mode", 20))
            messages.success(request, _("Your feed setting has been saved."))
        elif action == "feed_reset":
            feed.reset_recommendations(user)
            messages.success(
                request, _("Your recommendations have been reset. Explore starts afresh.")
            )
        elif action == "unhide":
            feed.unhide(user, _field(request, "hide_id", 30))
            messages.success(request, _("You'll see it in your feed again."))
        else:
            return None
    except ServiceError as exc:
        exc.field = "feed"
        return _failed(request, "web/settings.html", _settings_context(user), exc)
    return redirect("settings")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Password, interface language, interests, the feed (ordering, reset, "not interested"
    list); links to the profile and boards."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "password":
        try:
            accounts.change_password(
                user, current=_field(request, "current", 1000), new=_field(request, "new", 1000)
            )
        except ServiceError as exc:
            if exc.field == "password":
                exc.field = "new"
            return _failed(request, "web/settings.html", _settings_context(user), exc)
        # This session stays signed in; every other session and API token is signed out.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("settings")
    if action == "interests":
        slugs, error = _save_interests(request, user)
        if error is not None:
            context = _settings_context(user, interests=_interest_cards(user, slugs))
            return _failed(request, "web/settings.html", context, error)
        messages.success(request, _("Your interests have been saved."))
        return redirect("settings")
    if action:
        response = _feed_action(request, action)
        if response is not None:
            return response
    return render(request, "web/settings.html", _settings_context(user))


@require_POST
def set_language(request):
    """Switch the interface language: saved on the account when signed in, and in the
    language cookie (so it holds for anonymous visitors and after signing out)."""
    language = _field(request, "language", 20).lower()
    target = safe_next(request)
    if language and language not in dict(INTERFACE_LANGUAGES):
        return HttpResponse(_("This language is not available."), status=400)
    if request.user.is_authenticated:
        accounts.update_profile(request.user, language=language)
    response = redirect(target)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:  # follow the browser again
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


# --- editing the profile --------------------------------------------------------------------


def _posted_languages(request) -> list[str]:
    """Checked common languages, then any typed in (comma or space separated)."""
    checked = request.POST.getlist("languages")[:50]
    typed = _field(request, "other_languages", 500).replace("，", ",").replace(" ", ",")
    return [t.strip()[:40] for t in checked + typed.split(",") if t.strip()]


def _profile_form(user: User, values: dict) -> dict:
    chosen = {tag.lower() for tag in values["languages"]}
    common = {tag.lower() for tag, _name in COMMON_LANGUAGES}
    avatar = avatar_dict(user)
    urls = avatar["urls"] if avatar else {}
    return {
        "values": values,
        "common_languages": [
            {"tag": tag, "name": name, "checked": tag.lower() in chosen}
            for tag, name in COMMON_LANGUAGES
        ],
        "other_languages": ", ".join(t for t in values["languages"] if t.lower() not in common),
        "avatar": avatar,
        # Empty while the avatar is still processing (its renditions don't exist yet).
        "avatar_url": urls.get("thumb") or urls.get("display") or "",
        "bio_max": accounts.BIO_MAX_CHARS,
        "display_name_max": accounts.DISPLAY_NAME_MAX_CHARS,
        "errors": {},
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request):
    """Display name, bio, region and languages (the avatar is uploaded by JS through the
    API). Each field is checked by the service; all errors show at once, nothing is saved
    unless every field is right."""
    user = User.objects.select_related("avatar").get(pk=request.user.pk)
    if request.method == "GET":
        values = {
            "display_name": user.display_name,
            "bio": user.bio,
            "region": user.region,
            "languages": list(user.languages or []),
        }
        return render(request, "web/edit_profile.html", _profile_form(user, values))
    values = {
        "display_name": _field(request, "display_name", 1000),
        "bio": _field(request, "bio"),
        "region": _field(request, "region", 1000),
        "languages": _posted_languages(request),
    }
    errors = {}
    with transaction.atomic():
        for name, value in values.items():
            try:
                accounts.update_profile(user, **{name: value})
            except ServiceError as exc:
                errors[exc.field or name] = exc.message
        if errors:
            transaction.set_rollback(True)
    if errors:
        context = _profile_form(user, values)
        context["errors"] = errors
        return render(request, "web/edit_profile.html", context, status=400)
    messages.success(request, _("Your profile has been saved."))
    return redirect("profile", user.username)
