"""Prepared pages: a signed-in reader's next page put together in the background."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from vermilion.accounts.models import Interest
from vermilion.accounts.services import block, follow, set_interests
from vermilion.core import deferred
from vermilion.core.models import Job
from vermilion.engagement.services import like
from vermilion.feed import artifacts, discover
from vermilion.feed.discover import PAGE_SIZE, discover_page
from vermilion.feed.models import FeedState, Hide
from vermilion.feed.services import reset_recommendations
from vermilion.notes.models import Note

from .test_discover import _fresh_artifacts, crowd, make_topical  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, make_topical):
    """Ten creators with five notes each about food or travel, some liked, a build."""
    authors = crowd(make_user, 10)
    notes = [
        make_topical(authors[i % 10], ["food", "travel"][i % 2], title=f"n{i}") for i in range(50)
    ]
    for fan in crowd(make_user, 3):
        for note in notes[::4]:
            like(fan, note)
    artifacts.rebuild()
    reader = make_user("reader")
    set_interests(reader, ["food"])
    # The notes' understanding jobs would replace the topics set above with the model's.
    Job.objects.all().delete()
    return reader, notes


def prepared_jobs() -> list[Job]:
    return list(Job.objects.filter(name="feed.prepare", state=Job.State.QUEUED))


def queries_of(fn):
    with CaptureQueriesContext(connection) as ctx:
        out = fn()
    return out, len(ctx)


def test_a_served_page_queues_the_next_and_it_is_served_by_key(world, run_jobs):
    reader, _notes = world
    (first, reasons, cursor), built_queries = queries_of(lambda: discover_page(reader, None, None))
    assert len(first) == PAGE_SIZE and cursor
    jobs = prepared_jobs()
    assert [j.payload["channel"] for j in jobs] == [""] and jobs[0].payload["user_id"] == reader.pk
    run_jobs()
    assert discover.load_state(f"p:{reader.pk}:")

    (second, reasons, cursor), served_queries = queries_of(
        lambda: discover_page(reader, None, cursor)
    )
    assert len(second) == PAGE_SIZE and cursor
    assert not {n.id for n in first} & {n.id for n in second}
    assert all(r["source"] and r["text"] for r in reasons)
    # (7; with Redis, one more: the seen set's database copy is its own transaction.)
    assert served_queries <= 8 < built_queries, (served_queries, built_queries)
    # It was the prepared page, and serving it queued the one after.
    assert len(prepared_jobs()) == 1


def test_a_new_session_takes_the_prepared_page_and_never_repeats(world, run_jobs):
    reader, _notes = world
    seen: list[int] = []
    for _ in range(2):  # each a new session, as when the app is opened again
        notes, _reasons, _cursor = discover_page(reader, None, None)
        run_jobs()
        seen += [n.id for n in notes]
    assert discover.load_state(f"p:{reader.pk}:")
    notes, _reasons, _cursor = discover_page(reader, None, None)  # the last 10 notes
    seen += [n.id for n in notes]
    assert len(seen) == len(set(seen)) == 50


def test_hides_and_blocks_since_preparing_are_respected(world, run_jobs, django_user_model):
    reader, _notes = world
    _first, _r, cursor = discover_page(reader, None, None)
    run_jobs()
    record = discover.load_state(f"p:{reader.pk}:")
    ids = [i for i, _a, _t in record["items"]]
    authors = {i: a for i, a, _t in record["items"]}
    hidden_note, blocked_author = ids[0], authors[ids[1]]
    Hide.objects.create(user=reader, scope="note", note_id=hidden_note)
    block(reader, django_user_model.objects.get(pk=blocked_author))
    page = discover._prepared_page(reader, None, discover.parse_cursor(cursor), None)
    assert page is not None  # the spares filled in
    served = {n.id for n in page.notes}
    assert len(served) == PAGE_SIZE and served <= set(ids) and hidden_note not in served
    assert all(n.author_id != blocked_author for n in page.notes)


def test_a_note_deleted_since_preparing_means_a_fresh_page(world, run_jobs):
    reader, _notes = world
    _first, _r, cursor = discover_page(reader, None, None)
    run_jobs()
    record = discover.load_state(f"p:{reader.pk}:")
    from vermilion.notes.models import Note

    gone = record["items"][0][0]
    Note.objects.filter(pk=gone).delete()
    position = discover.parse_cursor(cursor)
    assert discover._prepared_page(reader, None, position, None) is None  # not cut short
    notes, _reasons, _cursor = discover_page(reader, None, cursor)
    assert notes and gone not in {n.id for n in notes}


def test_an_engagement_since_preparing_means_a_fresh_page(world, run_jobs):
    reader, notes = world
    first, _r, cursor = discover_page(reader, None, None)
    run_jobs()
    assert discover._prepared_page(reader, None, None, None) is not None  # valid until...
    run_jobs()  # (that call served it and queued the next: prepare it again)
    like(reader, first[0])
    assert discover._prepared_page(reader, None, None, None) is None


def test_another_snapshot_or_a_reset_retires_prepared_pages(world, run_jobs):
    reader, _notes = world
    discover_page(reader, None, None)
    run_jobs()
    artifacts.rebuild()
    assert discover._prepared_page(reader, None, None, None) is None
    discover_page(reader, None, None)
    run_jobs()
    reset_recommendations(reader)
    assert discover.load_state(f"p:{reader.pk}:") is None
    assert not FeedState.objects.filter(key__startswith=f"p:{reader.pk}:").exists()
    assert discover._prepared_page(reader, None, None, None) is None


def test_prepared_reasons_follow_the_readers_language(world, run_jobs):
    reader, _notes = world
    _n, _r, cursor = discover_page(reader, None, None)
    run_jobs()
    with translation.override("zh-hans"):
        notes, reasons, _cursor = discover_page(reader, None, cursor)
    assert notes and reasons
    # Every reason is in Chinese (the English ones are all plain ASCII sentences).
    assert all(not r["text"].isascii() for r in reasons), reasons


def test_channels_are_prepared_apart(world, run_jobs, make_user):
    reader, _notes = world
    _n, _r, cursor = discover_page(reader, "travel", None)
    assert [j.payload["channel"] for j in prepared_jobs()] == ["travel"]
    run_jobs()
    assert discover._prepared_page(reader, None, None, None) is None  # not for "for you"
    notes, _r, _c = discover_page(reader, "travel", cursor)
    from vermilion.feed.models import NoteFeatures

    travel = set(
        NoteFeatures.objects.filter(topics__has_key="travel").values_list("note_id", flat=True)
    )
    assert notes and {n.id for n in notes} <= travel


def test_anonymous_readers_and_the_latest_order_prepare_nothing(world, make_user):
    reader, _notes = world
    discover_page(None, None, None)
    assert not prepared_jobs()
    from vermilion.feed.services import set_feed_mode

    set_feed_mode(reader, "latest")
    discover_page(reader, None, None)
    assert not prepared_jobs()
    assert discover.prepare(reader.pk) is False


def test_prepare_copes_with_people_and_channels_that_are_gone(world, make_user):
    reader, _notes = world
    assert discover.prepare(10**12) is False
    assert discover.prepare(reader.pk, "no-such-channel") is False
    ghost = make_user("ghost")
    ghost.is_active = False
    ghost.save()
    assert discover.prepare(ghost.pk) is False
    follow(reader, make_user("pal"))
    assert discover.prepare(reader.pk, "", session=12345, page=3) is True  # a new session


def test_anonymous_first_pages_are_shared_and_sessions_stay_apart(world):
    (first_a, reasons_a, cursor_a), built = queries_of(lambda: discover_page(None, None, None))
    (first_b, reasons_b, cursor_b), shared = queries_of(lambda: discover_page(None, None, None))
    assert [n.id for n in first_a] == [n.id for n in first_b] and reasons_a == reasons_b
    assert cursor_a != cursor_b and shared < built
    next_a, _r, _c = discover_page(None, None, cursor_a)
    next_b, _r, _c = discover_page(None, None, cursor_b)
    assert not {n.id for n in next_a} & {n.id for n in first_a}
    assert not {n.id for n in next_b} & {n.id for n in first_b}
    from vermilion.notes.models import Note

    Note.objects.filter(pk=first_a[0].pk).delete()  # gone: the shared page is made again
    again, _r, _c = discover_page(None, None, None)
    assert again and first_a[0].pk not in {n.id for n in again}


def test_the_api_says_how_each_page_was_made(world, run_jobs, client_for, anon):
    reader, _notes = world
    client = client_for(reader)
    first = client.get("/api/v1/feed/discover")
    assert first.status_code == 200 and first["Server-Timing"] == 'feed;desc="built"'
    run_jobs()
    second = client.get("/api/v1/feed/discover", {"cursor": first.json()["next_cursor"]})
    assert second.status_code == 200 and second["Server-Timing"] == 'feed;desc="prepared"'
    assert not {i["id"] for i in first.json()["items"]} & {i["id"] for i in second.json()["items"]}
    assert all(i["reason"]["text"] for i in second.json()["items"])
    assert anon.get("/api/v1/feed/discover")["Server-Timing"] in (
        'feed;desc="built"',
        'feed;desc="shared"',
    )


def test_the_kept_reader_is_read_again_when_it_changed(world, make_user):
    from vermilion.accounts.services import unfollow

    reader, notes = world
    pal = make_user("pal")
    follow(reader, pal)
    first = discover._read_reader(reader, None)
    assert first.followees == [pal.pk] and not first.history
    with CaptureQueriesContext(connection) as kept:
        again = discover._read_reader(reader, None)
    assert again.followees == [pal.pk]
    like(reader, notes[5])
    with CaptureQueriesContext(connection) as changed:
        after_like = discover._read_reader(reader, None)
    assert [e.note_id for e in after_like.history] == [notes[5].id]
    assert len(changed) > len(kept)  # the kept copy was not used
    unfollow(reader, pal)
    assert discover._read_reader(reader, None).followees == []
    artifacts.rebuild()  # a new ALS row
    assert discover._read_reader(reader, None).recs is not None


def test_an_old_kept_reader_is_used_once_more_and_read_again_after_the_response(world, monkeypatch):
    reader, _notes = world
    discover._read_reader(reader, None)
    reader.interests.clear()  # not something the kept copy notices by itself
    later(monkeypatch, discover.READER_CACHE_SECONDS + 1)
    deferred._start()  # a request begins (Django's own receivers left out)
    assert discover._read_reader(reader, None).interests == ["food"]  # old, still used
    deferred._finish()  # ... and read again once the response is gone
    assert discover._read_reader(reader, None).interests == []
    later(monkeypatch, 5 * discover.READER_CACHE_SECONDS)  # past twice the time: read now
    reader.interests.add(Interest.objects.get(slug="travel"))
    deferred._start()  # a request begins (Django's own receivers left out)
    assert discover._read_reader(reader, None).interests == ["travel"]
    deferred._finish()


def test_a_new_session_prepares_the_readers_own_channels(world, run_jobs):
    reader, _notes = world
    first, _r, _c = discover_page(reader, None, None)  # opening the app: "for you"
    run_jobs()
    assert discover.load_state(f"p:{reader.pk}:food")  # their interest
    assert discover.load_state(f"p:{reader.pk}:travel") is None  # not theirs
    discover.served_from.set("built")
    notes, reasons, cursor = discover_page(reader, "food", None)  # then the tab
    assert discover.served_from.get() == "prepared"
    # The food notes not already served on the first page (25 in all: fewer than two pages).
    assert notes and all(r["text"] for r in reasons)
    assert not {n.id for n in notes} & {n.id for n in first}
    from vermilion.feed.models import NoteFeatures

    food = set(
        NoteFeatures.objects.filter(topics__has_key="food").values_list("note_id", flat=True)
    )
    assert {n.id for n in notes} <= food


def test_own_channels_are_prepared_again_only_when_stale(world, run_jobs, monkeypatch):
    from vermilion.feed import tasks

    reader, notes = world
    discover_page(reader, None, None)
    run_jobs()
    assert discover.prepare_channels(reader.pk) == []  # still fresh: nothing to do
    # Every "for you" page looks (it may have taken the channel page's notes); a
    # channel's page does not.
    calls = []
    monkeypatch.setattr(discover, "prepare_channels", lambda *a, **k: calls.append(a) or [])
    tasks.prepare_page(reader.pk, "", 1, 3)
    tasks.prepare_page(reader.pk, "food", 1, 2)
    tasks.prepare_page(reader.pk, "", 1, 2)
    assert calls == [(reader.pk,), (reader.pk,)]
    monkeypatch.undo()
    # "For you" served some of the kept food page's notes since: it is short now.
    kept = [item[0] for item in discover.load_state(f"p:{reader.pk}:food")["items"]]
    state = discover.load_state(f"u:{reader.pk}")
    now = state["at"][-1]
    state["ids"] += kept[:3]
    state["at"] += [now] * 3
    discover.save_state(f"u:{reader.pk}", state, durable=True, ttl=3600)
    assert discover.prepare_channels(reader.pk) == ["food"]
    again = [item[0] for item in discover.load_state(f"p:{reader.pk}:food")["items"]]
    assert again and not set(again) & set(kept[:3])
    assert discover.prepare_channels(reader.pk) == []
    like(reader, notes[1])  # what the kept page does not know of
    assert discover.prepare_channels(reader.pk) == ["food"]
    artifacts.rebuild()  # another snapshot
    assert discover.prepare_channels(reader.pk) == ["food"]


def test_at_most_a_few_own_channels_in_catalogue_order(world, make_user, make_topical):
    reader, _notes = world
    author = make_user("wide")
    for slug in ("books", "pets", "tech", "fashion", "food"):
        for i in range(3):
            make_topical(author, slug, title=f"{slug}{i}")
    Job.objects.all().delete()
    artifacts.rebuild()
    set_interests(reader, ["pets", "books", "tech", "fashion", "food"])
    prepared = discover.prepare_channels(reader.pk)
    assert prepared == ["fashion", "food", "tech"][: discover.PREPARED_CHANNELS]
    assert discover.prepare_channels(make_user("nobody").pk) == []


def later(monkeypatch, seconds: float) -> None:
    """The feed's clock ``seconds`` ahead (its own: ids elsewhere keep the real time)."""
    import time
    from types import SimpleNamespace

    now = time.time()
    monkeypatch.setattr(discover, "time", SimpleNamespace(time=lambda: now + seconds))


def test_shared_pages_are_refreshed_after_the_response_not_before(
    world, make_user, make_topical, anon, monkeypatch
):
    """A shared first page (and the live rows under it) past ``LIVE_CACHE_SECONDS`` is
    still served once while the next is made after the response; nobody waits."""
    first = anon.get("/api/v1/feed/discover")
    assert first["Server-Timing"] == 'feed;desc="built"'
    key = f"feed:shared::{discover._snapshot_or_empty()[0].version}"  # "for you"
    made_at = cache.get(key)[0]
    newcomer = make_topical(make_user("newcomer"), "food", title="just posted")
    again = anon.get("/api/v1/feed/discover")
    assert again["Server-Timing"] == 'feed;desc="shared"'
    assert again.json()["items"] == first.json()["items"]  # fresh: the same page
    later(monkeypatch, discover.LIVE_CACHE_SECONDS + 1)
    stale = anon.get("/api/v1/feed/discover")
    assert stale["Server-Timing"] == 'feed;desc="shared"'  # served as it was ...
    assert [i["id"] for i in stale.json()["items"]] == [i["id"] for i in first.json()["items"]]
    assert cache.get(key)[0] > made_at  # ... and made again once the response had gone
    remade_at = cache.get(key)[0]
    fresh = anon.get("/api/v1/feed/discover")
    assert fresh["Server-Timing"] == 'feed;desc="shared"' and cache.get(key)[0] == remade_at
    # The page was made again from live rows made again first (not from stale ones).
    _at, fresh_rows = cache.get("feed:live:fresh:")
    assert newcomer.pk in {r.id for r in fresh_rows}
    # Long unused (past twice the time): made at once, for this visitor.
    cache.clear()
    late = anon.get("/api/v1/feed/discover")
    assert late["Server-Timing"] == 'feed;desc="built"'


def test_live_rows_are_refreshed_after_the_response(world, make_user, make_topical, monkeypatch):
    reads = []
    key = "feed:live:test"
    assert discover._cached_rows(key, lambda: reads.append(1) or ["a"]) == ["a"]
    assert discover._cached_rows(key, lambda: reads.append(2) or ["b"]) == ["a"]  # fresh
    later(monkeypatch, discover.LIVE_CACHE_SECONDS + 1)
    deferred._start()  # a request begins (Django's own receivers left out)
    assert discover._cached_rows(key, lambda: reads.append(3) or ["c"]) == ["a"]  # stale
    assert reads == [1] and deferred.in_request()
    deferred._finish()
    assert reads == [1, 3]
    assert discover._cached_rows(key, lambda: reads.append(4) or ["d"]) == ["c"]


def test_a_channel_not_picked_starts_from_the_shared_page_then_the_reader_s_own(
    world, run_jobs, make_user, make_topical, client_for, settings
):
    """Signed in, the first page of a channel the reader did not pick is the channel's
    shared one, less what they saw, hid or blocked; the page after it is their own."""
    reader, notes = world  # picked food
    wider = crowd(make_user, 10)
    for i in range(40):
        make_topical(wider[i % 10], "travel", title=f"x{i}")
    artifacts.rebuild()
    anonymous, _r, _c = discover_page(None, "travel", None)  # the shared page, made
    shared_ids = [n.id for n in anonymous]
    seen = shared_ids[0]
    from vermilion.feed.services import record_events

    record_events(reader, [{"type": "view", "note_id": str(seen)}])
    hidden_author = Note.objects.get(pk=shared_ids[1]).author
    Hide.objects.create(user=reader, scope="author", author=hidden_author)
    blocked = Note.objects.get(pk=shared_ids[2]).author
    if blocked != hidden_author:
        block(reader, blocked)
    client = client_for(reader)
    first = client.get("/api/v1/feed/discover", {"channel": "travel"})
    assert first.status_code == 200 and first["Server-Timing"] == 'feed;desc="shared"'
    served = [int(i["id"]) for i in first.json()["items"]]
    assert served and seen not in served
    authors = set(Note.objects.filter(pk__in=served).values_list("author_id", flat=True))
    assert hidden_author.pk not in authors and blocked.pk not in authors
    assert set(served) <= set(shared_ids) | set(
        discover._shared_record(Interest.objects.get(slug="travel"))[0]
        and [
            i
            for i, _a, _t in discover._shared_record(Interest.objects.get(slug="travel"))[0][
                "items"
            ]
        ]
    )
    assert all(i["reason"]["text"] for i in first.json()["items"])
    assert prepared_jobs()  # the next page is the reader's own
    run_jobs()
    second = client.get(
        "/api/v1/feed/discover", {"channel": "travel", "cursor": first.json()["next_cursor"]}
    )
    assert second["Server-Timing"] == 'feed;desc="prepared"'
    assert not set(served) & {int(i["id"]) for i in second.json()["items"]}
    # Their own channel is theirs from the first page; so is every page without prepared
    # pages (the baseline the latency benchmark compares with).
    assert client.get("/api/v1/feed/discover", {"channel": "food"})["Server-Timing"] in (
        'feed;desc="built"',
        'feed;desc="prepared"',
    )
    settings.FEED_PREPARED_PAGES = False
    other = make_user("other")
    assert (
        client_for(other).get("/api/v1/feed/discover", {"channel": "travel"})["Server-Timing"]
        == 'feed;desc="built"'
    )


def test_a_shared_page_mostly_seen_is_filled_with_the_newest_then_put_together(
    world, make_user, monkeypatch
):
    from vermilion.feed.services import record_events

    reader, notes = world
    monkeypatch.setattr(discover, "SHARED_EXTRA", 0)  # a page and no spares
    travel = Interest.objects.get(slug="travel")
    record, _made = discover._shared_record(travel)
    ids = [i for i, _a, _t in record["items"]]
    assert len(ids) == PAGE_SIZE and record["more"]
    # Five of it seen: the channel's newest notes not seen yet fill in.
    record_events(reader, [{"type": "impression", "note_id": str(i)} for i in ids[:5]])
    page, reasons, _cursor = discover_page(reader, "travel", None)
    assert discover.served_from.get() == "shared" and len(page) == PAGE_SIZE
    served = {n.id for n in page}
    assert not served & set(ids[:5])
    travel_ids = {n.id for n in notes[1::2]}
    filled = served - set(ids)
    assert filled and filled <= travel_ids
    assert {r["text"] for n, r in zip(page, reasons, strict=True) if n.id in filled} == {
        "Recently posted"
    }
    # Nearly all of the channel seen: too little is left for a shared page; the reader
    # gets one put together (the session starts over rather than end).
    other = make_user("other")
    record_events(other, [{"type": "view", "note_id": str(i)} for i in sorted(travel_ids)[:22]])
    page, _reasons, _cursor = discover_page(other, "travel", None)
    assert discover.served_from.get() == "built" and page


def test_feed_state_reaches_the_database_after_the_response(make_user, monkeypatch):
    reader = make_user("reader")
    key, data = f"u:{reader.pk}", {"ids": [1, 2], "at": [1.0, 2.0], "sessions": {}}
    monkeypatch.setattr(discover, "shared_cache", lambda: True)  # as with Redis
    deferred._start()  # a request begins
    discover.save_state(key, data, durable=True, ttl=60)
    assert discover.load_state(key) == data  # the cache has it at once
    assert not FeedState.objects.filter(key=key).exists()
    newer = {**data, "ids": [1, 2, 3], "at": [1.0, 2.0, 3.0]}
    discover.save_state(key, newer, durable=True, ttl=60)
    deferred._finish()  # the response has gone: both written, in order
    cache.clear()
    assert discover.load_state(key) == newer
    # Outside a request (a job), at once; without a shared cache, always at once.
    discover.save_state(key, data, durable=True, ttl=60)
    cache.clear()
    assert discover.load_state(key) == data
    # The embedded mode: this process's memory at once, the database after the response.
    monkeypatch.setattr(discover, "shared_cache", lambda: False)
    anonymous = "a:1"
    deferred._start()
    discover.save_state(anonymous, newer, durable=False, ttl=60)
    assert discover.load_state(anonymous) == newer
    assert not FeedState.objects.filter(key=anonymous).exists()
    deferred._finish()
    cache.clear()
    assert discover.load_state(anonymous) == newer
    # Outside a request (the worker): the database, and no older copy in memory.
    deferred._start()
    discover.save_state(anonymous, data, durable=False, ttl=60)
    deferred._finish()
    discover.save_state(anonymous, newer, durable=False, ttl=60)
    assert discover.load_state(anonymous) == newer


def test_picked_channels_past_the_leading_ones_start_from_the_shared_page(world, make_user):
    reader, _notes = world
    picked = list(Interest.objects.order_by("position", "slug").values_list("slug", flat=True))
    set_interests(reader, picked[:5])
    leading = picked[: discover.PREPARED_CHANNELS]
    assert discover._leading_channels(reader.pk) == leading
    travel = Interest.objects.get(slug="travel")
    assert discover._starts_from_shared(reader, travel) is ("travel" not in leading)
    for slug in picked[:5]:
        channel = Interest.objects.get(slug=slug)
        assert discover._starts_from_shared(reader, channel) is (slug not in leading)
    assert discover._starts_from_shared(None, travel) is True
    assert discover._starts_from_shared(reader, None) is False  # "for you": always theirs


def test_with_several_web_processes_the_embedded_mode_writes_state_at_once(
    make_user, monkeypatch, settings
):
    monkeypatch.setattr(discover, "shared_cache", lambda: False)
    settings.WEB_PROCESSES = 2  # another process could outdate a copy kept in memory
    data = {"served": [1], "ch": "", "page": 2, "tail": [], "bf": None}
    deferred._start()
    discover.save_state("a:2", data, durable=False, ttl=60)
    assert FeedState.objects.filter(key="a:2").exists()
    assert cache.get(discover._cache_key("a:2")) is None
    deferred._finish()
