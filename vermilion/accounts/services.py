"""Every change to people and their relations goes through here."""

from __future__ import annotations

import secrets

import regex
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vermilion.core import deferred, sql
from vermilion.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from vermilion.core.text import clean, grapheme_len

from . import signals
from .models import ApiToken, Block, Follow, Interest, User

USERNAME_RE = regex.compile(r"^[A-Za-z0-9_]{3,30}$")
RESERVED_USERNAMES = frozenset(
    """
    admin administrator root system support help about api static media assets www mail
    vermilion official staff moderator mod security settings signin signup signout login
    logout register compose explore following followers notifications search tags tag
    notes note u user users me null undefined anonymous everyone here live shop shops
    store
    """.split()
)
TOKEN_PREFIX = "vm_"
DISPLAY_NAME_MAX_CHARS = 30
BIO_MAX_CHARS = 200
REGION_MAX_CHARS = 64
MAX_LANGUAGES = 10
LANGUAGE_TAG_RE = regex.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
UI_LANGUAGES = {"", "en", "zh-hans"}


# --- validation -----------------------------------------------------------------------------


def validate_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME_RE.match(username):
        raise Invalid(
            _("A username is 3-30 letters, digits or underscores."),
            code="invalid_username",
            field="username",
        )
    if username.lower() in RESERVED_USERNAMES:
        raise Invalid(_("This username is reserved."), code="username_reserved", field="username")
    return username


def _validate_password(password: str, user: User | None = None) -> None:
    if not isinstance(password, str) or len(password) > 256:
        raise Invalid(
            _("A password is 8-256 characters."), code="invalid_password", field="password"
        )
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password", field="password")


def _validate_display_name(value: str) -> str:
    value = clean(value, multiline=False)
    if grapheme_len(value) > DISPLAY_NAME_MAX_CHARS:
        raise Invalid(
            _("A display name is at most %(max)s characters.") % {"max": DISPLAY_NAME_MAX_CHARS},
            code="too_long",
            field="display_name",
        )
    return value


def _validate_languages(values: list[str]) -> list[str]:
    if len(values) > MAX_LANGUAGES:
        raise Invalid(
            _("List at most %(max)s languages.") % {"max": MAX_LANGUAGES},
            code="too_many",
            field="languages",
        )
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or not LANGUAGE_TAG_RE.match(value):
            raise Invalid(
                _("%(value)s is not a language tag such as 'en' or 'zh-Hans'.")
                % {"value": repr(value)},
                code="invalid_language",
                field="languages",
            )
        if value not in out:
            out.append(value)
    return out


# --- registration and sign-in ---------------------------------------------------------------


@transaction.atomic
def register(
    *,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    language: str = "",
) -> User:
    validate_username(username)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise Invalid(
                _("This email address is not valid."), code="invalid_email", field="email"
            )
    display_name = _validate_display_name(display_name or "")
    language = (language or "").lower()
    if language not in UI_LANGUAGES:
        raise Invalid(
            _("Language is 'en' or 'zh-hans'."), code="invalid_language", field="language"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("This username is taken."), code="username_taken", field="username")
    user = User(username=username, email=email, display_name=display_name, language=language)
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent sign-up took it between the check and the insert
        raise Conflict(_("This username is taken."), code="username_taken", field="username")
    from vermilion.engagement.services import ensure_default_board

    ensure_default_board(user)
    signals.profile_saved.send(sender=User, user_id=user.pk)
    return user


def check_credentials(username: str, password: str) -> User:
    user = django_authenticate(username=username, password=password)
    if user is None:
        raise NotAuthenticated(
            _("The username or password is not right."), code="invalid_credentials"
        )
    return user


def issue_token(user: User, name: str = "") -> str:
    """Make a new bearer token; the secret is returned once and only its hash is stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), name=name[:100])
    return key


def user_for_token(key: str) -> User | None:
    if not key or not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    # Every API request asks this: one statement of fixed text (``core.sql``; through the
    # ORM, building the query cost more than running it).
    found = sql.fetch(
        f"SELECT t.id, t.last_used_at, {sql.select_list(User, 'u')} "
        f"FROM {sql.table(ApiToken)} t JOIN {sql.table(User)} u ON u.id = t.user_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL",
        [ApiToken.hash_key(key)],
    )
    if not found:
        return None
    token_id, last_used, *columns = found[0]
    user = sql.loader(User)(columns)
    if not user.is_active:
        return None
    last_used = sql.datetime_of(last_used)
    now = timezone.now()
    # Touch last_used at most once a minute, so reads don't turn into writes, and after
    # the response: the request need not wait for the write.
    if last_used is None or (now - last_used).total_seconds() > 60:
        deferred.after_response(
            f"token-used:{token_id}",
            lambda: ApiToken.objects.filter(pk=token_id).update(last_used_at=now),
        )
    return user


def revoke_token(key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def change_password(user: User, *, current: str, new: str) -> None:
    if not user.check_password(current):
        raise Invalid(
            _("The current password is not right."), code="wrong_password", field="current"
        )
    _validate_password(new, user)
    user.set_password(new)
    user.save(update_fields=["password"])
    # Other sessions' tokens stop working when the password changes.
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- profile --------------------------------------------------------------------------------

_UNSET = object()


def update_profile(
    user: User,
    *,
    display_name=_UNSET,
    bio=_UNSET,
    avatar_media_id=_UNSET,
    region=_UNSET,
    languages=_UNSET,
    language=_UNSET,
) -> User:
    fields: list[str] = []
    if display_name is not _UNSET:
        user.display_name = _validate_display_name(display_name or "")
        fields.append("display_name")
    if bio is not _UNSET:
        bio = clean(bio or "")
        if grapheme_len(bio) > BIO_MAX_CHARS:
            raise Invalid(
                _("A bio is at most %(max)s characters.") % {"max": BIO_MAX_CHARS},
                code="too_long",
                field="bio",
            )
        user.bio = bio
        fields.append("bio")
    if region is not _UNSET:
        region = clean(region or "", multiline=False)
        if grapheme_len(region) > REGION_MAX_CHARS:
            raise Invalid(
                _("A region is at most %(max)s characters.") % {"max": REGION_MAX_CHARS},
                code="too_long",
                field="region",
            )
        user.region = region
        fields.append("region")
    if languages is not _UNSET:
        user.languages = _validate_languages(list(languages or []))
        fields.append("languages")
    if language is not _UNSET:
        language = (language or "").lower()
        if language not in UI_LANGUAGES:
            raise Invalid(
                _("Language is 'en' or 'zh-hans'."), code="invalid_language", field="language"
            )
        user.language = language
        fields.append("language")
    if avatar_media_id is not _UNSET:
        user.avatar = _avatar_media(user, avatar_media_id)
        fields.append("avatar")
    if fields:
        user.save(update_fields=fields)
        if {"display_name", "username"} & set(fields):
            signals.profile_saved.send(sender=User, user_id=user.pk)
    return user


def _avatar_media(user: User, media_id):
    if media_id in (None, ""):
        return None
    from vermilion.media.models import Media

    try:
        media_id = int(media_id)
    except (TypeError, ValueError):
        raise Invalid(_("avatar_media_id is not an id."), field="avatar_media_id")
    media = Media.objects.filter(pk=media_id, owner=user).first()
    if media is None:
        raise NotFound(_("No such media of yours."), field="avatar_media_id")
    if media.kind != Media.Kind.IMAGE:
        raise Invalid(_("An avatar is an image."), field="avatar_media_id")
    if media.status == Media.Status.FAILED:
        raise Invalid(_("This image could not be processed."), field="avatar_media_id")
    return media


def set_interests(user: User, slugs: list[str]) -> list[str]:
    slugs = list(dict.fromkeys(s for s in slugs if isinstance(s, str)))
    if len(slugs) > 50:
        raise Invalid(_("Pick at most 50 interests."), field="interests")
    known = set(Interest.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise Invalid(
            _("Unknown interest: %(slugs)s.") % {"slugs": ", ".join(unknown[:5])},
            code="unknown_interest",
            field="interests",
        )
    user.interests.set(slugs)
    return slugs


# --- follows and blocks ---------------------------------------------------------------------


def _target(username: str) -> User:
    from .queries import get_user

    target = get_user(username)
    if target is None:
        raise NotFound(_("No such user."))
    return target


@transaction.atomic
def follow(actor: User, target: User) -> bool:
    """Follow ``target``; returns False when already following (idempotent)."""
    if actor.pk == target.pk:
        raise Invalid(_("You cannot follow yourself."), code="cannot_follow_self")
    from .queries import blocked_either_way

    if blocked_either_way(actor, target):
        # Same answer whichever side blocked, so blocks stay private.
        raise Forbidden(_("You cannot follow this account."), code="blocked")
    _follow, created = Follow.objects.get_or_create(follower_id=actor.pk, followee_id=target.pk)
    if created:
        User.objects.filter(pk=actor.pk).update(following_count=F("following_count") + 1)
        User.objects.filter(pk=target.pk).update(followers_count=F("followers_count") + 1)
        from vermilion.notifications.services import notify

        notify(target, actor, "follow")
    return created


@transaction.atomic
def unfollow(actor: User, target: User) -> bool:
    return _remove_follow(actor, target)


def _remove_follow(follower: User, followee: User) -> bool:
    deleted, _rows = Follow.objects.filter(
        follower_id=follower.pk, followee_id=followee.pk
    ).delete()
    if deleted:
        User.objects.filter(pk=follower.pk).update(following_count=F("following_count") - 1)
        User.objects.filter(pk=followee.pk).update(followers_count=F("followers_count") - 1)
        from vermilion.notifications.services import withdraw

        withdraw(followee, follower, "follow")
    return bool(deleted)


@transaction.atomic
def block(actor: User, target: User) -> bool:
    """Block ``target``: follows both ways end and they can no longer reach ``actor``."""
    if actor.pk == target.pk:
        raise Invalid(_("You cannot block yourself."), code="cannot_block_self")
    _block, created = Block.objects.get_or_create(blocker_id=actor.pk, blocked_id=target.pk)
    _remove_follow(actor, target)
    _remove_follow(target, actor)
    from vermilion.notifications.models import Notification

    # What the blocked person did no longer shows up in either inbox.
    Notification.objects.filter(
        Q(recipient_id=actor.pk, actor_id=target.pk) | Q(recipient_id=target.pk, actor_id=actor.pk)
    ).delete()
    return created


@transaction.atomic
def unblock(actor: User, target: User) -> bool:
    deleted, _rows = Block.objects.filter(blocker_id=actor.pk, blocked_id=target.pk).delete()
    return bool(deleted)


def recount_user_counters() -> int:
    """Recompute every user's denormalised counters from the rows (``vermilion recount``)."""
    from django.db.models import Count, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    from vermilion.notes.models import Note

    def count_of(qs):
        return Coalesce(Subquery(qs.values("g").annotate(c=Count("*")).values("c")[:1]), 0)

    followers = Follow.objects.filter(followee_id=OuterRef("pk")).annotate(g=F("followee_id"))
    following = Follow.objects.filter(follower_id=OuterRef("pk")).annotate(g=F("follower_id"))
    notes = Note.objects.filter(author_id=OuterRef("pk")).annotate(g=F("author_id"))
    likes = (
        Note.objects.filter(author_id=OuterRef("pk"))
        .values("author_id")
        .annotate(s=Sum("likes_count"))
        .values("s")[:1]
    )
    return User.objects.update(
        followers_count=count_of(followers),
        following_count=count_of(following),
        notes_count=count_of(notes),
        likes_received_count=Coalesce(Subquery(likes), 0),
    )
