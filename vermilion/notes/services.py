"""Creating, editing and deleting notes: every write to notes goes through here.

Each function runs in one transaction and keeps the denormalised counters right with F()
updates (author ``notes_count`` and ``likes_received_count``, ``Hashtag.notes_count``,
``Board.notes_count``), so ``recount_counters`` should find nothing to fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import regex
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from vermilion.accounts.models import Block, User
from vermilion.core import jobs
from vermilion.core.errors import Conflict, Forbidden, Invalid
from vermilion.core.text import (
    clean,
    extract_hashtags,
    extract_mentions,
    grapheme_len,
    normalize_tag,
)
from vermilion.media.models import Media

from . import signals
from .models import Hashtag, Note, NoteHashtag, NoteMedia, Visibility
from .queries import parse_id

TITLE_MAX_CHARS = 20
BODY_MAX_CHARS = 1000
MAX_IMAGES = 18
MAX_HASHTAGS = 30
MAX_MENTIONS = 30
PLACE_NAME_MAX_CHARS = 100
# Database column limits (code points). A grapheme can be several code points (a family
# emoji is seven), so the grapheme limits above alone don't keep values inside the columns.
_TITLE_MAX_CODEPOINTS = Note._meta.get_field("title").max_length
_PLACE_MAX_CODEPOINTS = Note._meta.get_field("place_name").max_length
_TAG_KEY_MAX = Hashtag._meta.get_field("key").max_length
TAG_RE = regex.compile(r"^[\p{L}\p{M}\p{N}_]{1,50}$")
EDITABLE = frozenset({"title", "body", "hashtags", "place", "visibility", "media_ids"})


# --- validation -----------------------------------------------------------------------------


def _validate_title(title) -> str:
    if not isinstance(title, str):
        raise Invalid(_("A title is text."), code="invalid_title", field="title")
    title = clean(title, multiline=False)
    if not title:
        raise Invalid(_("A note needs a title."), code="title_required", field="title")
    if grapheme_len(title) > TITLE_MAX_CHARS or len(title) > _TITLE_MAX_CODEPOINTS:
        raise Invalid(
            _("A title is at most %(max)s characters.") % {"max": TITLE_MAX_CHARS},
            code="too_long",
            field="title",
        )
    return title


def _validate_body(body) -> str:
    if body is None:
        return ""
    if not isinstance(body, str):
        raise Invalid(_("The body is text."), code="invalid_body", field="body")
    body = clean(body)
    if grapheme_len(body) > BODY_MAX_CHARS:
        raise Invalid(
            _("The text is at most %(max)s characters.") % {"max": BODY_MAX_CHARS},
            code="too_long",
            field="body",
        )
    return body


def _validate_visibility(value) -> str:
    if value not in Visibility.values:
        raise Invalid(
            _("Visibility is one of: public, followers, private."),
            code="invalid_visibility",
            field="visibility",
        )
    return value


def _coordinate(value, name: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(
            _("%(name)s is a number.") % {"name": name}, code="invalid_place", field=f"place.{name}"
        )
    value = float(value)
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise Invalid(
            _("%(name)s is between -%(limit)s and %(limit)s.")
            % {"name": name, "limit": f"{limit:g}"},
            code="invalid_place",
            field=f"place.{name}",
        )
    return value


def _validate_place(place) -> tuple[str, float | None, float | None]:
    """``(name, lat, lon)``; ``("", None, None)`` for no place."""
    if place is None:
        return "", None, None
    if not isinstance(place, dict):
        raise Invalid(_("A place is {name, lat?, lon?}."), code="invalid_place", field="place")
    name = place.get("name")
    if not isinstance(name, str) or not clean(name, multiline=False):
        raise Invalid(_("A place needs a name."), code="invalid_place", field="place.name")
    name = clean(name, multiline=False)
    if grapheme_len(name) > PLACE_NAME_MAX_CHARS or len(name) > _PLACE_MAX_CODEPOINTS:
        raise Invalid(
            _("A place name is at most %(max)s characters.") % {"max": PLACE_NAME_MAX_CHARS},
            code="too_long",
            field="place.name",
        )
    lat, lon = place.get("lat"), place.get("lon")
    if (lat is None) != (lon is None):
        raise Invalid(
            _("Give both latitude and longitude, or neither."), code="invalid_place", field="place"
        )
    if lat is None:
        return name, None, None
    return name, _coordinate(lat, "lat", 90), _coordinate(lon, "lon", 180)


def _explicit_tags(values) -> list[str]:
    """The hashtags given as a list: a leading '#' is optional; each 1-50 letters/digits/_."""
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise Invalid(_("Hashtags are a list."), code="invalid_hashtag", field="hashtags")
    if len(values) > MAX_HASHTAGS:
        raise Invalid(
            _("A note has at most %(max)s hashtags.") % {"max": MAX_HASHTAGS},
            code="too_many_hashtags",
            field="hashtags",
        )
    tags = []
    for value in values:
        tag = clean(value, multiline=False).lstrip("#＃") if isinstance(value, str) else None
        if not tag or not TAG_RE.match(tag):
            raise Invalid(
                _("A hashtag is 1-50 letters, digits or underscores."),
                code="invalid_hashtag",
                field="hashtags",
            )
        tags.append(tag)
    return tags


def _merge_tags(body: str, explicit: list[str]) -> list[str]:
    """Tags typed in the body, then the listed ones; the first spelling of each key wins."""
    merged: dict[str, str] = {}
    for tag in [*extract_hashtags(body), *explicit]:
        key = normalize_tag(tag)
        if len(key) > _TAG_KEY_MAX:
            raise Invalid(_("This hashtag is too long."), code="invalid_hashtag", field="hashtags")
        merged.setdefault(key, tag)
    if len(merged) > MAX_HASHTAGS:
        raise Invalid(
            _("A note has at most %(max)s hashtags.") % {"max": MAX_HASHTAGS},
            code="too_many_hashtags",
            field="hashtags",
        )
    return list(merged.values())


def _parse_ids(values) -> list[int]:
    if not isinstance(values, list | tuple):
        raise Invalid(_("media_ids is a list of ids."), code="invalid_media", field="media_ids")
    ids = []
    for value in values:
        number = parse_id(value)
        if number is None:
            raise Invalid(
                _("%(value)s is not a media id.") % {"value": repr(value)},
                code="invalid_media",
                field="media_ids",
            )
        ids.append(number)
    return ids


def _resolve_media(author, media_ids, note: Note | None = None) -> tuple[str, list[Media]]:
    """Check the attachments and return ``(note kind, media in order)``.

    An image note has 1-18 ready images of the author's; a video note exactly one ready
    video. Media attached to another note can't be reused (``note`` is the one being edited,
    whose own media may stay).
    """
    ids = _parse_ids(media_ids)
    if not ids:
        raise Invalid(
            _("A note needs at least one image or a video."),
            code="media_required",
            field="media_ids",
        )
    if len(ids) > MAX_IMAGES:
        raise Invalid(
            _("A note has at most %(max)s images.") % {"max": MAX_IMAGES},
            code="too_many_media",
            field="media_ids",
        )
    if len(set(ids)) != len(ids):
        raise Invalid(
            _("The same image is listed twice."), code="duplicate_media", field="media_ids"
        )
    # Locked so a concurrent note can't take the same media between the check and the insert.
    found = {m.pk: m for m in Media.objects.select_for_update().filter(pk__in=ids)}
    media = []
    for media_id in ids:
        item = found.get(media_id)
        if item is None or item.owner_id != author.pk:
            # Someone else's media is "not found": don't reveal that it exists.
            raise Invalid(
                _("Media %(id)s is not one of your uploads.") % {"id": media_id},
                code="media_not_found",
                field="media_ids",
            )
        # A video of this note being rendered again after an edit plays its previous
        # rendering meanwhile: the note can be saved.
        rerendering = note is not None and bool(item.renditions)
        if item.status == Media.Status.PROCESSING and not rerendering:
            raise Conflict(
                _("Media %(id)s is still being processed; try again in a moment.")
                % {"id": media_id},
                code="media_not_ready",
                field="media_ids",
            )
        if item.status == Media.Status.FAILED:
            raise Invalid(
                _("Media %(id)s could not be processed; upload it again.") % {"id": media_id},
                code="media_failed",
                field="media_ids",
            )
        media.append(item)
    in_use = NoteMedia.objects.filter(media_id__in=ids)
    if note is not None:
        in_use = in_use.exclude(note_id=note.pk)
    used = in_use.values_list("media_id", flat=True).first()
    if used is not None:
        raise Conflict(
            _("Media %(id)s is already part of another note.") % {"id": used},
            code="media_in_use",
            field="media_ids",
        )
    videos = [m for m in media if m.kind == Media.Kind.VIDEO]
    if videos and len(media) > 1:
        raise Invalid(
            _("A video note has exactly one video and no images."),
            code="mixed_media",
            field="media_ids",
        )
    return (Note.Kind.VIDEO if videos else Note.Kind.IMAGE), media


def _mentioned_users(author, title: str, body: str) -> list[User]:
    """Active users @mentioned in the text, minus anyone blocked either way."""
    names = {n.lower() for n in extract_mentions(f"{title}\n{body}")}
    if len(names) > MAX_MENTIONS:
        raise Invalid(
            _("Mention at most %(max)s people in a note.") % {"max": MAX_MENTIONS},
            code="too_many_mentions",
            field="body",
        )
    if not names:
        return []
    users = list(
        User.objects.annotate(lower_name=Lower("username")).filter(
            lower_name__in=names, is_active=True
        )
    )
    ids = [u.pk for u in users]
    blocked = set()
    for blocker_id, blocked_id in Block.objects.filter(
        Q(blocker_id=author.pk, blocked_id__in=ids) | Q(blocked_id=author.pk, blocker_id__in=ids)
    ).values_list("blocker_id", "blocked_id"):
        blocked.add(blocked_id if blocker_id == author.pk else blocker_id)
    return [u for u in users if u.pk not in blocked]


# --- writes ---------------------------------------------------------------------------------


def _attach(note: Note, media: list[Media]) -> None:
    try:
        with transaction.atomic():
            NoteMedia.objects.bulk_create(
                NoteMedia(note=note, media=m, position=i) for i, m in enumerate(media)
            )
    except IntegrityError:  # another note took one of them first
        raise Conflict(
            _("One of these images is already part of another note."),
            code="media_in_use",
            field="media_ids",
        )


def _set_hashtags(note: Note, names: list[str]) -> None:
    """Make the note's hashtags exactly ``names`` (in order), adjusting each tag's count."""
    wanted: list[Hashtag] = []
    for name in names:
        tag, _created = Hashtag.objects.get_or_create(
            key=normalize_tag(name), defaults={"name": name}
        )
        wanted.append(tag)
    current = set(NoteHashtag.objects.filter(note=note).values_list("hashtag_id", flat=True))
    wanted_ids = [t.pk for t in wanted]
    removed = current - set(wanted_ids)
    added = set(wanted_ids) - current
    NoteHashtag.objects.filter(note=note).delete()
    NoteHashtag.objects.bulk_create(
        NoteHashtag(note=note, hashtag=tag, position=i) for i, tag in enumerate(wanted)
    )
    if added:
        Hashtag.objects.filter(pk__in=added).update(notes_count=F("notes_count") + 1)
    if removed:
        Hashtag.objects.filter(pk__in=removed).update(
            notes_count=Greatest(F("notes_count") - 1, Value(0))
        )


def _set_mentions(note: Note, author, users: list[User], already: Iterable[int] = ()) -> None:
    """Store the mentions and notify the newly mentioned (``notify`` skips blocks and self)."""
    from vermilion.notifications.services import notify

    note.mentions.set(users)
    already = set(already)
    for user in users:
        if user.pk not in already:
            notify(user, author, "mention", note=note)


@transaction.atomic
def create_note(
    author,
    *,
    title: str,
    body: str = "",
    media_ids: list,
    hashtags: list[str] | None = None,
    place: dict | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Note:
    """Publish a note: validated text, ready media in order (the first is the cover),
    hashtags from the body and the list, @mentions notified, the author's count bumped."""
    title = _validate_title(title)
    body = _validate_body(body)
    tags = _merge_tags(body, _explicit_tags(hashtags))
    place_name, lat, lon = _validate_place(place)
    visibility = _validate_visibility(visibility)
    kind, media = _resolve_media(author, media_ids)
    mentioned = _mentioned_users(author, title, body)

    now = timezone.now()
    note = Note.objects.create(
        author=author,
        kind=kind,
        title=title,
        body=body,
        visibility=visibility,
        place_name=place_name,
        place_lat=lat,
        place_lon=lon,
        created_at=now,
        updated_at=now,
    )
    _attach(note, media)
    _set_hashtags(note, tags)
    _set_mentions(note, author, mentioned)
    User.objects.filter(pk=author.pk).update(notes_count=F("notes_count") + 1)
    # Discover feed: the note's embedding and interests, computed in the background.
    jobs.enqueue("feed.understand_note", note_id=note.id)
    signals.note_saved.send(sender=Note, note_id=note.id)
    return note


def update_note(actor, note: Note, **changes) -> Note:
    """Edit a note. Only its author may (moderators can delete, not rewrite, others' notes).

    Accepts ``title``, ``body``, ``hashtags``, ``place``, ``visibility`` and ``media_ids``
    (the new attachments in order: reorder, add or remove within 1-18). Hashtags are
    re-derived from the body plus the list; when no list is given, tags that were added as a
    list before (not typed in the old body) are kept. Images taken off the note stay in the
    author's uploads, so they can be attached again.
    """
    if actor is None or actor.pk != note.author_id:
        raise Forbidden(_("Only the author can edit a note."))
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        old_body = note.body
        if "title" in changes:
            note.title = _validate_title(changes["title"])
        if "body" in changes:
            note.body = _validate_body(changes["body"])
        if "visibility" in changes:
            note.visibility = _validate_visibility(changes["visibility"])
        if "place" in changes:
            note.place_name, note.place_lat, note.place_lon = _validate_place(changes["place"])

        tags = None
        if "hashtags" in changes or note.body != old_body:
            if "hashtags" in changes:
                explicit = _explicit_tags(changes["hashtags"])
            else:
                typed = {normalize_tag(t) for t in extract_hashtags(old_body)}
                explicit = [
                    nh.hashtag.name
                    for nh in NoteHashtag.objects.filter(note=note).select_related("hashtag")
                    if nh.hashtag.key not in typed
                ]
            tags = _merge_tags(note.body, explicit)

        media = None
        if "media_ids" in changes:
            note.kind, media = _resolve_media(note.author, changes["media_ids"], note=note)

        mentioned = None
        if "title" in changes or "body" in changes:
            mentioned = _mentioned_users(note.author, note.title, note.body)

        note.updated_at = timezone.now()
        note.save()
        if media is not None:
            NoteMedia.objects.filter(note=note).delete()
            _attach(note, media)
        if tags is not None:
            _set_hashtags(note, tags)
        if mentioned is not None:
            before = note.mentions.values_list("pk", flat=True)
            _set_mentions(note, note.author, mentioned, already=list(before))
        if {"title", "body", "hashtags"} & set(changes):
            # Discover feed: the text changed, so its embedding and interests may have.
            jobs.enqueue("feed.understand_note", note_id=note.id)
        signals.note_saved.send(sender=Note, note_id=note.id)
    return note


def delete_note(actor, note: Note) -> None:
    """Delete a note: its author may, and admins (moderation).

    Counters follow: the author's ``notes_count`` and ``likes_received_count`` (minus the
    note's likes), each hashtag's ``notes_count``, and the ``notes_count`` of every board it
    was collected into. The note's media rows go too; their files are removed afterwards by
    the idempotent ``notes.delete_media_files`` job (enqueued here, so it runs only if the
    deletion commits).
    """
    from vermilion.engagement.models import Board, Collect, Like

    if actor is None or not (actor.pk == note.author_id or actor.is_staff):
        raise Forbidden(_("Only the author or a moderator can delete a note."))
    with transaction.atomic():
        note = Note.objects.select_for_update().filter(pk=note.pk).first()
        if note is None:  # deleted concurrently: nothing left to do
            return
        likes = Like.objects.filter(note=note).count()
        User.objects.filter(pk=note.author_id).update(
            notes_count=Greatest(F("notes_count") - 1, Value(0)),
            likes_received_count=Greatest(F("likes_received_count") - likes, Value(0)),
        )
        Hashtag.objects.filter(notehashtag__note=note).update(
            notes_count=Greatest(F("notes_count") - 1, Value(0))
        )
        Board.objects.filter(pk__in=Collect.objects.filter(note=note).values("board_id")).update(
            notes_count=Greatest(F("notes_count") - 1, Value(0))
        )

        signals.note_deleting.send(sender=Note, note_id=note.id)
        media_ids = list(NoteMedia.objects.filter(note=note).values_list("media_id", flat=True))
        # An image also used as someone's avatar stays (Media rows are the author's uploads).
        media = list(
            Media.objects.filter(pk__in=media_ids).exclude(
                pk__in=User.objects.filter(avatar_id__in=media_ids).values("avatar_id")
            )
        )
        note.delete()
        if media:
            private = [m.original_path for m in media if m.original_path]
            # Only files this media item owns (the image job writes images/<id>/...): bulk
            # benchmark data shares rendition files between media rows.
            public = [
                r["path"]
                for m in media
                for r in (m.renditions or {}).values()
                if r.get("path", "").startswith(f"images/{m.pk}/")
            ]
            Media.objects.filter(pk__in=[m.pk for m in media]).delete()
            if private or public:
                jobs.enqueue("notes.delete_media_files", private=private, public=public)
