from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core import cursors, ratelimit
from vermilion.core.errors import NotFound
from vermilion.core.suggest import suggestion_query

from . import services
from .models import Follow, Interest, User
from .presenters import me_dict, relations_for, user_dict
from .queries import get_user
from .schemas import InterestOut, MeOut, UserOut

router = Router(tags=["accounts"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}
PAGE_SIZE = 30


class RegisterIn(Schema):
    username: str = Field(..., max_length=100)
    password: str = Field(..., max_length=1000)
    display_name: str = Field("", max_length=1000)
    email: str = Field("", max_length=254)
    language: str = Field("", max_length=20)


class TokenIn(Schema):
    username: str = Field(..., max_length=100)
    password: str = Field(..., max_length=1000)


class TokenOut(Schema):
    token: str
    user: MeOut


class MeIn(Schema):
    display_name: str | None = Field(None, max_length=1000)
    bio: str | None = Field(None, max_length=10000)
    avatar_media_id: str | None = Field(None, max_length=30)
    region: str | None = Field(None, max_length=1000)
    languages: list[str] | None = None
    language: str | None = Field(None, max_length=20)


class PasswordIn(Schema):
    current: str = Field(..., max_length=1000)
    new: str = Field(..., max_length=1000)


class InterestsIn(Schema):
    interests: list[str]


class InterestList(Schema):
    items: list[InterestOut]


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class Done(Schema):
    ok: bool = True


def _me(user: User) -> dict:
    user = User.objects.select_related("avatar").prefetch_related("interests").get(pk=user.pk)
    return me_dict(user)


@router.post("/auth/register", auth=None, response={201: TokenOut, **ERRORS})
def register(request, payload: RegisterIn):
    """Create an account and return a bearer token for it."""
    ratelimit.hit("signup", ratelimit.client_ip(request))
    user = services.register(**payload.dict())
    return Status(201, {"token": services.issue_token(user, "register"), "user": _me(user)})


@router.post("/auth/token", auth=None, response={200: TokenOut, **ERRORS})
def create_token(request, payload: TokenIn):
    """Sign in with a username and password; returns a new bearer token."""
    ratelimit.hit("signin", f"{ratelimit.client_ip(request)}:{payload.username.lower()}")
    user = services.check_credentials(payload.username, payload.password)
    return {"token": services.issue_token(user, "sign-in"), "user": _me(user)}


@router.delete("/auth/token", response={204: None, **ERRORS})
def revoke_token(request):
    """Revoke the bearer token used for this request."""
    key = getattr(request, "api_token", None)
    if key:
        services.revoke_token(key)
    return Status(204, None)


@router.get("/me", response={200: MeOut, **ERRORS})
def get_me(request):
    return _me(request.user)


@router.patch("/me", response={200: MeOut, **ERRORS})
def patch_me(request, payload: MeIn):
    changes = payload.dict(exclude_unset=True)
    services.update_profile(request.user, **changes)
    return _me(request.user)


@router.post("/me/password", response={204: None, **ERRORS})
def change_password(request, payload: PasswordIn):
    """Change the password; every bearer token of the account is revoked."""
    services.change_password(request.user, current=payload.current, new=payload.new)
    return Status(204, None)


@router.get("/interests", auth=None, response={200: InterestList})
def interests(request):
    """The interest catalogue, in display order."""
    return {"items": list(Interest.objects.all())}


@router.put("/me/interests", response={200: InterestList, **ERRORS})
def put_interests(request, payload: InterestsIn):
    slugs = services.set_interests(request.user, payload.interests)
    by_slug = {i.slug: i for i in Interest.objects.filter(slug__in=slugs)}
    return {"items": [by_slug[s] for s in slugs]}


def _visible_user(request, username: str) -> User:
    user = get_user(username)
    me = viewer(request)
    # Someone who blocked you is gone for you; someone you blocked stays visible (to unblock).
    # Staff still see everyone, for moderation.
    if user is None or (me is not None and not me.is_staff and _blocked_by(user, me)):
        raise NotFound(_("No such user."))
    return user


def _blocked_by(owner: User, me: User) -> bool:
    """Whether ``owner`` blocks ``me`` (then ``me`` can't see them; a blocker still can)."""
    return owner.blocking_set.filter(blocked_id=me.pk).exists()


@router.get("/users/{username}", auth=OPTIONAL_AUTH, response={200: UserOut, **ERRORS})
def get_user_profile(request, username: str):
    user = _visible_user(request, username)
    me = viewer(request)
    return user_dict(user, relations_for(me, [user]) if me else None)


def _user_page(request, follows_qs, user_field: str, cursor: str | None):
    """A page of followers or following, newest relation first (3+3 queries in all)."""
    me = viewer(request)
    position = cursors.decode(cursor)
    qs = follows_qs.select_related(f"{user_field}__avatar").filter(
        **{f"{user_field}__is_active": True}
    )
    if me is not None:
        from .queries import blocked_ids_subqueries

        blocked, blockers = blocked_ids_subqueries(me)
        qs = qs.exclude(
            Q(**{f"{user_field}_id__in": blocked}) | Q(**{f"{user_field}_id__in": blockers})
        )
    if position:
        qs = qs.filter(id__lt=position[0])
    rows = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    rows, next_cursor = cursors.page(rows, PAGE_SIZE, key=lambda f: (f.id,))
    users = [getattr(f, user_field) for f in rows]
    relations = relations_for(me, users) if me else None
    return {"items": [user_dict(u, relations) for u in users], "next_cursor": next_cursor}


@router.get("/users/{username}/followers", auth=OPTIONAL_AUTH, response={200: UserPage, **ERRORS})
def followers(request, username: str, cursor: str | None = None):
    user = _visible_user(request, username)
    return _user_page(request, Follow.objects.filter(followee=user), "follower", cursor)


@router.get("/users/{username}/following", auth=OPTIONAL_AUTH, response={200: UserPage, **ERRORS})
def following(request, username: str, cursor: str | None = None):
    user = _visible_user(request, username)
    return _user_page(request, Follow.objects.filter(follower=user), "followee", cursor)


def _target(request, username: str) -> User:
    target = get_user(username)
    if target is None:
        raise NotFound(_("No such user."))
    return target


@router.post("/users/{username}/follow", response={200: UserOut, **ERRORS})
def follow(request, username: str):
    target = _target(request, username)
    services.follow(request.user, target)
    target.refresh_from_db()
    return user_dict(target, relations_for(request.user, [target]))


@router.delete("/users/{username}/follow", response={200: UserOut, **ERRORS})
def unfollow(request, username: str):
    target = _target(request, username)
    services.unfollow(request.user, target)
    target.refresh_from_db()
    return user_dict(target, relations_for(request.user, [target]))


@router.post("/users/{username}/block", response={200: UserOut, **ERRORS})
def block(request, username: str):
    target = _target(request, username)
    services.block(request.user, target)
    target.refresh_from_db()
    return user_dict(target, relations_for(request.user, [target]))


@router.delete("/users/{username}/block", response={200: UserOut, **ERRORS})
def unblock(request, username: str):
    target = _target(request, username)
    services.unblock(request.user, target)
    target.refresh_from_db()
    return user_dict(target, relations_for(request.user, [target]))


# --- people suggestions (the composer's @mentions) -------------------------------------------


class UserSuggestions(Schema):
    items: list[UserOut]


@router.get("/users", auth=OPTIONAL_AUTH, response={200: UserSuggestions, **ERRORS})
def suggest_users(request, prefix: str = "", limit: int = 10):
    """Active people whose username or display name starts with ``prefix`` (a leading '@' is
    optional; case-insensitive): the composer's suggestions while someone types ``@...``.

    An exact username comes first, then people you follow, then the most followed. Anyone
    who blocks you or whom you block is left out, as they can't be mentioned anyway.
    Constant query count (one, plus the three relation queries for a signed-in viewer).
    """
    from django.db.models import Case, Exists, OuterRef, Value, When

    from .queries import blocked_ids_subqueries

    text = suggestion_query(prefix, limit, marks="@＠")
    if not text:
        return {"items": []}
    me = viewer(request)
    qs = User.objects.filter(
        Q(username__istartswith=text) | Q(display_name__istartswith=text), is_active=True
    ).annotate(
        exact=Case(When(username__iexact=text, then=Value(0)), default=Value(1)),
    )
    if me is not None:
        blocked, blockers = blocked_ids_subqueries(me)
        qs = qs.exclude(pk__in=blocked).exclude(pk__in=blockers)
        followed = Exists(Follow.objects.filter(follower_id=me.pk, followee_id=OuterRef("pk")))
        qs = qs.annotate(followed=followed).order_by(
            "exact", "-followed", "-followers_count", "username"
        )
    else:
        qs = qs.order_by("exact", "-followers_count", "username")
    users = list(qs.select_related("avatar")[:limit])
    relations = relations_for(me, users) if me else None
    return {"items": [user_dict(u, relations) for u in users]}
