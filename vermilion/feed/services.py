"""The signals the discover feed learns from, "not interested", and a person's feed settings.

Every write of the feed's own rows goes through here (the API and the web pages call these).

Events (``record_events``)
    Clients send batches of at most ``MAX_EVENTS_PER_REQUEST``. Each item is checked on its
    own: a bad item is reported back (its index and a code) and the rest are kept, so one
    stale note id never costs a whole batch of impressions. A batch takes a constant number
    of queries whatever its size (one visibility lookup, one bulk insert; hides add a few).

Deduplication (``Event.dedupe_key``, inserted with ``ignore_conflicts``)
    ``<user>:<note>:<type>:<suffix>`` where the suffix is

    - ``b<n>``, the server's 30-minute bucket, for impressions, views, shares, progress_50
      and complete: a retried batch, a double-fired observer or a note seen again on the
      next page within half an hour counts once; seen again later, it counts again (a
      repeated impression that is never opened is itself a signal);
    - ``e<event_id>`` for dwell with a client ``event_id``: the web app cuts a note's
      reading time into segments (one per visible stretch, cut when the tab is hidden or
      the note closed) and names each ``<view>-<n>``, so retries collapse while segments
      add up; without an ``event_id``, dwell falls back to one per note per bucket;
    - ``h<hide id>`` for hide: the event is tied to the ``Hide`` it made, so undoing the
      hide (``unhide``) also withdraws the negative signal, and hiding twice counts once.

    Buckets come from the server clock, never the client's (a client cannot mint fresh
    buckets). ``client_ts``, when recent, only dates the row (``created_at``).

Reset (``reset_recommendations``)
    Sets ``FeedPreference.reset_at`` (the ranker ignores likes, collects, comments and
    follows from before it), deletes the person's events (impressions and views are the
    seen set ``queries.recently_seen_note_ids`` reads) and the discover engine's state for
    them (``discover.forget_state``: notes served, sessions).
    Hides are kept: "not interested" is a promise people expect to stick; they are listed
    in the settings page and at ``GET /api/v1/me/hides`` to undo one by one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vermilion.accounts.models import Interest
from vermilion.core import ratelimit
from vermilion.core.errors import Conflict, Invalid, NotFound, TooLarge
from vermilion.core.text import normalize_tag
from vermilion.notes.models import Note, NoteHashtag
from vermilion.notes.queries import parse_id, visible_notes_for

from .models import Event, FeedPreference, Hide, NoteFeatures

MAX_EVENTS_PER_REQUEST = 100
MAX_DWELL_MS = 3_600_000  # an hour on one note: anything longer is a tab left open
DEDUPE_BUCKET_SECONDS = 30 * 60
# A client timestamp older than this (a queue flushed hours later) or in the future is
# not trusted to date an event: the server's time is used.
CLIENT_TS_MAX_AGE = timedelta(hours=1)

SURFACE_RE = re.compile(r"[\w:./-]{0,40}")
SOURCE_RE = re.compile(r"[\w:.-]{0,20}")
EVENT_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
BUCKETED_TYPES = frozenset(
    {
        Event.Type.IMPRESSION,
        Event.Type.VIEW,
        Event.Type.SHARE,
        Event.Type.PROGRESS_50,
        Event.Type.COMPLETE,
    }
)


class _Rejected(Exception):
    """One event item that cannot be kept; the rest of the batch goes on."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def as_dict(self, index: int) -> dict:
        error = {"index": index, "code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return error


@dataclass
class _Item:
    index: int
    type: str
    note_id: int
    ms: int | None
    scope: str
    surface: str
    source: str
    event_id: str
    at: datetime


# --- parsing ----------------------------------------------------------------------------------


def _text(raw: dict, name: str, pattern: re.Pattern, code: str, message: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Rejected(code, message, name)
    return value


def _client_time(value, now: datetime) -> datetime:
    """When the client says the event happened (epoch ms or ISO 8601), if recent enough to
    believe; otherwise the server's time."""
    if value is None:
        return now
    message = _("client_ts must be milliseconds since 1970 or an ISO 8601 time.")
    if isinstance(value, bool):
        raise _Rejected("invalid_client_ts", message, "client_ts")
    try:
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ValueError
            when = datetime.fromtimestamp(value / 1000, tz=UTC)
        elif isinstance(value, str) and len(value) <= 40:
            when = datetime.fromisoformat(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise _Rejected("invalid_client_ts", message, "client_ts")
    return when if now - CLIENT_TS_MAX_AGE <= when <= now else now


def _parse(index: int, raw, now: datetime) -> _Item:
    if not isinstance(raw, dict):
        raise _Rejected("invalid_event", _("Each event must be an object."))
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in Event.Type.values:
        raise _Rejected(
            "unknown_type",
            _("Unknown event type. Use one of: %(types)s.")
            % {"types": ", ".join(Event.Type.values)},
            "type",
        )
    note_id = parse_id(raw.get("note_id"))
    if note_id is None:
        raise _Rejected("invalid_note_id", _("note_id must be a note id (a string of digits)."))

    ms = raw.get("ms")
    if kind == Event.Type.DWELL:
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not math.isfinite(ms):
            raise _Rejected("invalid_ms", _("A dwell event needs ms, a number."), "ms")
        ms = round(ms)
        if not 0 <= ms <= MAX_DWELL_MS:
            raise _Rejected(
                "invalid_ms",
                _("ms must be between 0 and %(max)s.") % {"max": MAX_DWELL_MS},
                "ms",
            )
    elif ms is not None:
        raise _Rejected("invalid_ms", _("Only dwell events carry ms."), "ms")

    scope = raw.get("scope")
    if kind == Event.Type.HIDE:
        scope = Hide.Scope.NOTE if scope is None else scope
        if scope not in Hide.Scope.values:
            raise _Rejected("invalid_scope", _("scope must be note, author or topic."), "scope")
    elif scope is not None:
        raise _Rejected("invalid_scope", _("Only hide events carry a scope."), "scope")

    return _Item(
        index=index,
        type=kind,
        note_id=note_id,
        ms=ms,
        scope=scope or "",
        surface=_text(
            raw,
            "surface",
            SURFACE_RE,
            "invalid_surface",
            _("surface must be at most 40 letters, digits or : . / - _"),
        ),
        source=_text(
            raw,
            "source",
            SOURCE_RE,
            "invalid_source",
            _("source must be at most 20 letters, digits or : . - _"),
        ),
        event_id=_text(
            raw,
            "event_id",
            EVENT_ID_RE,
            "invalid_event_id",
            _("event_id must be 1 to 40 ASCII letters, digits, - or _."),
        ),
        at=_client_time(raw.get("client_ts"), now),
    )


# --- hides ------------------------------------------------------------------------------------


def _strongest_topics(note_ids: set[int]) -> dict[int, str]:
    """Each note's strongest interest: the heaviest topic the note-understanding job gave it,
    else the first of its hashtags that names an interest (#food, #美食). Three queries."""
    if not note_ids:
        return {}
    catalogue = list(Interest.objects.all())
    slugs = {interest.slug for interest in catalogue}
    by_tag: dict[str, str] = {}
    for interest in catalogue:
        for name in (interest.slug, interest.name_en, interest.name_zh):
            by_tag.setdefault(normalize_tag(name), interest.slug)
    topics: dict[int, str] = {}
    for note_id, weights in NoteFeatures.objects.filter(note_id__in=note_ids).values_list(
        "note_id", "topics"
    ):
        known = [(w, slug) for slug, w in (weights or {}).items() if slug in slugs]
        known = [(w, slug) for w, slug in known if isinstance(w, int | float)]
        if known:
            # Heaviest first; the slug breaks ties so the choice is stable.
            topics[note_id] = min(known, key=lambda ws: (-ws[0], ws[1]))[1]
    tagged = (
        NoteHashtag.objects.filter(note_id__in=note_ids - topics.keys())
        .order_by("note_id", "position")
        .values_list("note_id", "hashtag__key")
    )
    for note_id, key in tagged:
        if note_id not in topics and key in by_tag:
            topics[note_id] = by_tag[key]
    return topics


def _target(hide: Hide) -> tuple[str, int | str]:
    """What a hide is about: (scope, note id | author id | interest slug)."""
    if hide.scope == Hide.Scope.NOTE:
        return hide.scope, hide.note_id
    if hide.scope == Hide.Scope.AUTHOR:
        return hide.scope, hide.author_id
    return hide.scope, hide.topic_id


def _resolve_targets(
    user, asks: list[tuple[int, int, str]], authors: dict[int, int]
) -> tuple[dict, dict]:
    """``asks``: (key, note id, scope) for notes ``user`` may see, whose authors are in
    ``authors`` ({note id: author id}). Returns {key: target} and {key: _Rejected}; at
    most three queries (for topics) whatever the number of asks."""
    topic_notes = {note_id for _key, note_id, scope in asks if scope == Hide.Scope.TOPIC}
    topics = _strongest_topics(topic_notes)
    targets, rejected = {}, {}
    for key, note_id, scope in asks:
        if scope == Hide.Scope.NOTE:
            targets[key] = (scope, note_id)
        elif scope == Hide.Scope.AUTHOR:
            if authors.get(note_id) == user.pk:
                rejected[key] = _Rejected(
                    "cannot_hide_self", _("You cannot hide your own notes."), "scope"
                )
            else:
                targets[key] = (scope, authors[note_id])
        elif note_id in topics:
            targets[key] = (scope, topics[note_id])
        else:
            rejected[key] = _Rejected(
                "no_topic",
                _("We can't tell this note's topic yet. Hide the note or its author instead."),
                "scope",
            )
    return targets, rejected


def _store_hides(user, targets: set[tuple[str, int | str]], now: datetime) -> dict:
    """Create the missing hides and return {target: Hide} for all of ``targets`` (two
    queries). Hiding again is not an error: the existing hide is returned."""
    if not targets:
        return {}
    field = {
        Hide.Scope.NOTE: "note_id",
        Hide.Scope.AUTHOR: "author_id",
        Hide.Scope.TOPIC: "topic_id",
    }
    Hide.objects.bulk_create(
        [
            Hide(user=user, scope=scope, created_at=now, **{field[scope]: value})
            for scope, value in targets
        ],
        ignore_conflicts=True,
    )
    wanted = Q()
    for scope in Hide.Scope.values:
        values = [value for s, value in targets if s == scope]
        if values:
            wanted |= Q(scope=scope, **{f"{field[scope]}__in": values})
    rows = Hide.objects.filter(user=user).filter(wanted).select_related("author", "topic")
    return {_target(hide): hide for hide in rows}


def hide(user, note: Note, scope: str = Hide.Scope.NOTE) -> Hide:
    """ "Not interested" in ``note``, its author or its topic; returns the Hide (the one
    already there when it was hidden before). Also logs a hide event on the note."""
    result = record_events(user, [{"type": "hide", "note_id": str(note.pk), "scope": scope}])
    if result["errors"]:
        error = result["errors"][0]
        exc = NotFound if error["code"] == "note_not_found" else Invalid
        raise exc(error["message"], code=error["code"], field=error.get("field"))
    return result["hides"][0]["hide"]


@transaction.atomic
def unhide(user, hide_id) -> None:
    """Undo one of ``user``'s hides, and the hide events it made (so the ranker forgets the
    negative signal). Someone else's hide is NotFound, like a missing one."""
    hide_pk = parse_id(hide_id)
    found = Hide.objects.filter(user=user, pk=hide_pk).first() if hide_pk else None
    if found is None:
        raise NotFound(_("No such hide."))
    Event.objects.filter(
        user=user, type=Event.Type.HIDE, dedupe_key__endswith=f":h{found.pk}"
    ).delete()
    found.delete()


# --- events -----------------------------------------------------------------------------------


def _dedupe_key(user, item: _Item, bucket: int, hide_row: Hide | None) -> str:
    if hide_row is not None:
        suffix = f"h{hide_row.pk}"
    elif item.type == Event.Type.DWELL and item.event_id:
        suffix = f"e{item.event_id}"
    else:
        suffix = f"b{bucket}"
    return f"{user.pk}:{item.note_id}:{item.type}:{suffix}"


def record_events(user, events: list) -> dict:
    """Keep a batch of feed events from ``user``.

    Returns ``{"accepted", "rejected", "errors": [{index, code, message, field?}],
    "hides": [{index, hide}]}``. Accepted includes duplicates (already kept: not an error).
    Raises TooLarge past ``MAX_EVENTS_PER_REQUEST`` and RateLimited past
    ``settings.RATE_LIMITS["events"]`` batches a minute; nothing else fails the batch.
    """
    ratelimit.hit("events", str(user.pk))
    if not isinstance(events, list):
        raise Invalid(_("events must be a list."), field="events")
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise TooLarge(
            _("Send at most %(max)s events per request.") % {"max": MAX_EVENTS_PER_REQUEST},
            code="too_many_events",
            field="events",
        )
    now = timezone.now()
    errors: list[dict] = []
    items: list[_Item] = []
    for index, raw in enumerate(events):
        try:
            items.append(_parse(index, raw, now))
        except _Rejected as rejected:
            errors.append(rejected.as_dict(index))

    # A note deleted (or a person gone) between the check below and the commit fails the
    # insert's foreign keys: check again once, then answer a clear 409, never a 500.
    for attempt in range(2):
        try:
            return _record(user, items, errors, now)
        except IntegrityError:
            if attempt:
                raise Conflict(
                    _("This changed meanwhile. Please try again."), code="conflict"
                ) from None
    raise AssertionError("unreachable")


def _record(user, items: list[_Item], parse_errors: list[dict], now: datetime) -> dict:
    errors = list(parse_errors)
    # Blocks, visibility and deleted notes, for the whole batch in one query.
    authors = dict(
        visible_notes_for(user)
        .filter(pk__in={item.note_id for item in items})
        .values_list("id", "author_id")
    )
    kept: list[_Item] = []
    for item in items:
        if item.note_id in authors:
            kept.append(item)
        else:
            errors.append(
                _Rejected("note_not_found", _("No such note."), "note_id").as_dict(item.index)
            )

    hides_out: list[dict] = []
    with transaction.atomic():
        asks = [(item.index, item.note_id, item.scope) for item in kept if item.type == "hide"]
        targets, refused = _resolve_targets(user, asks, authors) if asks else ({}, {})
        stored = _store_hides(user, set(targets.values()), now)
        rows: list[Event] = []
        bucket = int(now.timestamp()) // DEDUPE_BUCKET_SECONDS
        accepted = 0
        for item in kept:
            hide_row = None
            if item.type == Event.Type.HIDE:
                hide_row = stored.get(targets.get(item.index))
                if hide_row is None:
                    # No topic, one's own notes, or undone by a concurrent request.
                    reason = refused.get(item.index) or _Rejected(
                        "conflict", _("This changed meanwhile. Please try again.")
                    )
                    errors.append(reason.as_dict(item.index))
                    continue
                hides_out.append({"index": item.index, "hide": hide_row})
            accepted += 1
            rows.append(
                Event(
                    user=user,
                    note_id=item.note_id,
                    type=item.type,
                    ms=item.ms,
                    surface=item.surface,
                    source=item.source,
                    dedupe_key=_dedupe_key(user, item, bucket, hide_row),
                    created_at=item.at,
                )
            )
        Event.objects.bulk_create(rows, ignore_conflicts=True)
    errors.sort(key=lambda error: error["index"])
    return {"accepted": accepted, "rejected": len(errors), "errors": errors, "hides": hides_out}


# --- feed settings ----------------------------------------------------------------------------


def set_feed_mode(user, mode: str) -> FeedPreference:
    """``ranked`` ("For you", learned) or ``latest`` (newest first, no ranking)."""
    if mode not in FeedPreference.Mode.values:
        raise Invalid(_("mode must be ranked or latest."), code="invalid_mode", field="mode")
    preference, _created = FeedPreference.objects.update_or_create(
        user=user, defaults={"mode": mode}
    )
    return preference


@transaction.atomic
def reset_recommendations(user) -> FeedPreference:
    """Start the feed afresh: what was learned before now is ignored, events and the seen set
    are deleted; hides and the chosen interests stay (see the module docstring)."""
    # The discover engine's own per-person state (served notes, sessions) goes too. Imported
    # here: the engine loads numpy and the artifacts, which recording events never needs.
    from .discover import forget_state

    preference, _created = FeedPreference.objects.update_or_create(
        user=user, defaults={"reset_at": timezone.now()}
    )
    Event.objects.filter(user=user).delete()
    forget_state(user)
    return preference
