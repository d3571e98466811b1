"""POST /api/v1/events: validation item by item, limits, deduplication, rate limit, cost."""

# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vermilion.accounts.services import block
from vermilion.feed import services
from vermilion.feed.models import Event
from vermilion.feed.queries import recently_seen_note_ids
from vermilion.feed.services import MAX_DWELL_MS, MAX_EVENTS_PER_REQUEST

pytestmark = pytest.mark.django_db

URL = "/api/v1/events"


@pytest.fixture
def reader(make_user):
    return make_user("reader")


@pytest.fixture
def note(make_user, make_note):
    return make_note(make_user("author"), title="Hotpot")


def send(client, *events):
    return client.post(URL, {"events": list(events)})


def codes(response) -> dict[int, str]:
    assert response.status_code == 200, response.content
    return {error["index"]: error["code"] for error in response.json()["errors"]}


def test_a_valid_batch_is_kept(reader, note, client_for):
    r = send(
        client_for(reader),
        {"type": "impression", "note_id": str(note.id), "surface": "discover", "source": "knn"},
        {"type": "view", "note_id": str(note.id), "surface": "channel:food"},
        {"type": "dwell", "note_id": str(note.id), "ms": 5400, "event_id": "v1-0"},
        {"type": "share", "note_id": str(note.id)},
        {"type": "progress_50", "note_id": str(note.id)},
        {"type": "complete", "note_id": str(note.id)},
    )
    assert r.status_code == 200
    assert r.json() == {"accepted": 6, "rejected": 0, "errors": [], "hides": []}
    rows = {e.type: e for e in Event.objects.filter(user=reader)}
    assert set(rows) == {"impression", "view", "dwell", "share", "progress_50", "complete"}
    assert rows["impression"].surface == "discover" and rows["impression"].source == "knn"
    assert rows["view"].surface == "channel:food"
    assert rows["dwell"].ms == 5400 and rows["impression"].ms is None
    assert all(e.note_id == note.id for e in rows.values())


def test_each_bad_item_is_reported_and_the_rest_kept(reader, note, client_for):
    good = {"type": "impression", "note_id": str(note.id)}
    r = send(
        client_for(reader),
        good,
        "not an object",
        {"type": "teleport", "note_id": str(note.id)},
        {"type": 7, "note_id": str(note.id)},
        {"type": "view"},
        {"type": "view", "note_id": "12abc"},
        {"type": "view", "note_id": "-5"},
        {"type": "view", "note_id": str(2**63)},
        {"type": "view", "note_id": True},
        {"type": "dwell", "note_id": str(note.id)},  # no ms
        {"type": "dwell", "note_id": str(note.id), "ms": MAX_DWELL_MS + 1},
        {"type": "dwell", "note_id": str(note.id), "ms": -1},
        {"type": "dwell", "note_id": str(note.id), "ms": "5000"},
        {"type": "dwell", "note_id": str(note.id), "ms": True},
        {"type": "view", "note_id": str(note.id), "ms": 50},  # ms only on dwell
        {"type": "hide", "note_id": str(note.id), "scope": "planet"},
        {"type": "view", "note_id": str(note.id), "scope": "note"},  # scope only on hide
        {"type": "view", "note_id": str(note.id), "surface": "x" * 41},
        {"type": "view", "note_id": str(note.id), "surface": "<script>"},
        {"type": "view", "note_id": str(note.id), "source": "s" * 21},
        {"type": "view", "note_id": str(note.id), "source": ["knn"]},
        {"type": "dwell", "note_id": str(note.id), "ms": 10, "event_id": "bad id!"},
        {"type": "view", "note_id": str(note.id), "client_ts": "yesterday"},
        {"type": "view", "note_id": str(note.id), "client_ts": 1e300},
        {"type": "view", "note_id": "999999999"},  # no such note
    )
    assert codes(r) == {
        1: "invalid_event",
        2: "unknown_type",
        3: "unknown_type",
        4: "invalid_note_id",
        5: "invalid_note_id",
        6: "invalid_note_id",
        7: "invalid_note_id",
        8: "invalid_note_id",
        9: "invalid_ms",
        10: "invalid_ms",
        11: "invalid_ms",
        12: "invalid_ms",
        13: "invalid_ms",
        14: "invalid_ms",
        15: "invalid_scope",
        16: "invalid_scope",
        17: "invalid_surface",
        18: "invalid_surface",
        19: "invalid_source",
        20: "invalid_source",
        21: "invalid_event_id",
        22: "invalid_client_ts",
        23: "invalid_client_ts",
        24: "note_not_found",
    }
    body = r.json()
    assert body["accepted"] == 1 and body["rejected"] == 24
    errors = {error["index"]: error for error in body["errors"]}
    assert errors[10]["field"] == "ms" and "3600000" in errors[10]["message"]
    assert "impression" in errors[2]["message"]  # the message lists the known types
    assert Event.objects.filter(user=reader).count() == 1


def test_dwell_accepts_the_bounds_and_rounds(reader, note, make_note, client_for):
    other = make_note(note.author)
    r = send(
        client_for(reader),
        {"type": "dwell", "note_id": str(note.id), "ms": 0, "event_id": "a"},
        {"type": "dwell", "note_id": str(other.id), "ms": MAX_DWELL_MS - 0.4},
    )
    assert codes(r) == {}
    assert sorted(Event.objects.values_list("ms", flat=True)) == [0, MAX_DWELL_MS]


def test_notes_you_cannot_see_are_rejected(reader, make_user, make_note, client_for):
    other = make_user("other")
    private = make_note(other, visibility="private")
    followers_only = make_note(other, visibility="followers")
    blocker = make_user("blocker")
    blocked_by_them = make_note(blocker)
    block(blocker, reader)
    blocked = make_user("blocked")
    blocked_by_me = make_note(blocked)
    block(reader, blocked)
    own_private = make_note(reader, visibility="private")
    r = send(
        client_for(reader),
        *[
            {"type": "impression", "note_id": str(n.id)}
            for n in (private, followers_only, blocked_by_them, blocked_by_me, own_private)
        ],
    )
    assert codes(r) == {i: "note_not_found" for i in range(4)}
    assert list(Event.objects.values_list("note_id", flat=True)) == [own_private.id]


def test_at_most_100_events_per_request(reader, note, client_for):
    event = {"type": "impression", "note_id": str(note.id)}
    client = client_for(reader)
    r = send(client, *[event] * (MAX_EVENTS_PER_REQUEST + 1))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_many_events"
    assert "100" in r.json()["error"]["message"]
    assert not Event.objects.exists()
    assert send(client, *[event] * MAX_EVENTS_PER_REQUEST).status_code == 200


def test_malformed_bodies_are_a_clear_4xx(reader, client_for):
    client = client_for(reader)
    for body in ({}, {"events": "impression"}, {"events": {"type": "view"}}):
        r = client.post(URL, body)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "invalid"
    r = client.post(URL, "{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert send(client).json() == {"accepted": 0, "rejected": 0, "errors": [], "hides": []}


def test_signed_in_only(anon, note):
    r = send(anon, {"type": "impression", "note_id": str(note.id)})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    assert not Event.objects.exists()


def test_the_same_impression_twice_is_one_row(reader, note, client_for):
    client = client_for(reader)
    impression = {"type": "impression", "note_id": str(note.id), "surface": "discover"}
    assert send(client, impression, impression).json()["accepted"] == 2
    assert send(client, impression).json()["accepted"] == 1  # a retried batch
    assert Event.objects.filter(user=reader, type="impression").count() == 1


def test_dedupe_is_per_30_minutes_per_user(reader, note, make_user, client_for, monkeypatch):
    impression = {"type": "impression", "note_id": str(note.id)}
    client = client_for(reader)
    send(client, impression)
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(services.timezone, "now", lambda: later)
    send(client, impression)  # seen again in a later session: counts again
    send(client_for(make_user("someone")), impression)  # another person: their own row
    assert Event.objects.filter(user=reader).count() == 2
    assert Event.objects.count() == 3


def test_dwell_segments_add_up_and_retries_collapse(reader, note, client_for):
    client = client_for(reader)
    first = {"type": "dwell", "note_id": str(note.id), "ms": 4000, "event_id": "view1-0"}
    second = {"type": "dwell", "note_id": str(note.id), "ms": 2500, "event_id": "view1-1"}
    send(client, first, second)
    send(client, second)  # retried
    assert sorted(Event.objects.values_list("ms", flat=True)) == [2500, 4000]
    # Without an event id, one dwell per note per half hour.
    plain = {"type": "dwell", "note_id": str(note.id), "ms": 700}
    send(client, plain, {**plain, "ms": 900})
    assert Event.objects.filter(ms__in=[700, 900]).count() == 1


def test_client_time_dates_recent_events_only(reader, note, make_note, client_for):
    now = timezone.now()
    recent = now - timedelta(minutes=5)
    other = make_note(note.author)
    send(
        client_for(reader),
        {"type": "view", "note_id": str(note.id), "client_ts": int(recent.timestamp() * 1000)},
        {"type": "view", "note_id": str(other.id), "client_ts": "2001-01-01T00:00:00Z"},
    )
    dated = dict(Event.objects.values_list("note_id", "created_at"))
    assert abs((dated[note.id] - recent).total_seconds()) < 1
    assert dated[other.id] >= now  # too old to believe: the server's time


def test_rate_limited_with_retry_after(reader, note, client_for, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "events": (3, 60)}
    client = client_for(reader)
    impression = {"type": "impression", "note_id": str(note.id)}
    for _ in range(3):
        assert send(client, impression).status_code == 200
    r = send(client, impression)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert int(r["Retry-After"]) >= 1
    assert send(client_for(note.author), impression).status_code == 200  # per person


def test_query_count_does_not_grow_with_the_batch(reader, make_user, make_note, client_for):
    author = make_user("prolific")
    notes = [make_note(author) for _ in range(12)]
    client = client_for(reader)

    def batch(kinds, offset):
        return [
            {"type": kind, "note_id": str(n.id), "surface": "discover"}
            | ({"ms": 1000, "event_id": f"s{offset}-{i}"} if kind == "dwell" else {})
            | ({"scope": "note"} if kind == "hide" else {})
            for i, n in enumerate(notes[offset : offset + 6])
            for kind in kinds
        ]

    def cost(events):
        with CaptureQueriesContext(connection) as ctx:
            r = send(client, *events)
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.content
        return len(ctx.captured_queries)

    kinds = ["impression", "view", "dwell", "hide"]
    cost([])  # the token's first use is recorded once; measure after it
    small = cost(batch(kinds, 0)[:4])
    large = cost(batch(kinds, 6))
    assert len(batch(kinds, 6)) == 24
    assert large == small


def test_seen_set_is_impressions_and_views_since(reader, note, make_note, client_for):
    other = make_note(note.author)
    shared = make_note(note.author)
    before = timezone.now() - timedelta(seconds=1)
    send(
        client_for(reader),
        {"type": "impression", "note_id": str(note.id)},
        {"type": "view", "note_id": str(other.id)},
        {"type": "share", "note_id": str(shared.id)},
    )
    assert recently_seen_note_ids(reader, before) == {note.id, other.id}
    assert recently_seen_note_ids(reader, timezone.now() + timedelta(seconds=2)) == set()
    assert recently_seen_note_ids(note.author, before) == set()


def test_a_note_deleted_while_its_events_are_stored_is_rejected_not_a_500(
    reader, note, monkeypatch
):
    """The note passes the visibility check, then another request deletes it before the
    insert commits (its foreign key fails): the batch is checked again and the event
    reported; if it fails twice, a clear 409."""
    from django.db import IntegrityError

    from vermilion.core.errors import Conflict
    from vermilion.notes.models import Note

    real = services._record
    calls = []

    def racing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            Note.objects.filter(pk=note.pk).delete()  # the other request commits first
            raise IntegrityError("FOREIGN KEY constraint failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_record", racing)
    result = services.record_events(reader, [{"type": "impression", "note_id": str(note.id)}])
    assert len(calls) == 2
    assert result["accepted"] == 0 and result["errors"][0]["code"] == "note_not_found"
    assert not Event.objects.exists()

    def always(*args, **kwargs):
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(services, "_record", always)
    with pytest.raises(Conflict):
        services.record_events(reader, [{"type": "impression", "note_id": "1"}])
