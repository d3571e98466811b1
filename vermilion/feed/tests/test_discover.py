"""The discover feed served: candidates, rules, reasons, state, the API."""

# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vermilion.accounts.models import Interest, User
from vermilion.accounts.services import block, follow, set_interests
from vermilion.engagement.services import collect, like
from vermilion.feed import artifacts, understanding
from vermilion.feed.discover import PAGE_SIZE, discover_page
from vermilion.feed.models import Event, FeedPreference, FeedState, Hide, NoteFeatures
from vermilion.notes.models import Note, NoteHashtag

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/discover"


@pytest.fixture(autouse=True)
def _fresh_artifacts():
    """Artifacts cached in this process belong to another test's database."""
    artifacts.forget()
    yield
    artifacts.forget()


@pytest.fixture
def make_topical(make_note):
    """``make_topical(author, slug, title=...)``: a note about one interest, with its
    features as the understanding job would store them (no model needed)."""

    def make(author, slug: str | None = None, **kwargs):
        note = make_note(author, **kwargs)
        topics = {slug: 1.0} if slug else {}
        # Hashtags naming an interest are among the topics (``understanding.topics_for``).
        keys = note.hashtags.values_list("key", flat=True)
        interests = Interest.objects.values_list("slug", "name_en", "name_zh")
        topics.update(understanding.hashtag_topics(keys, list(interests)))
        NoteFeatures.objects.update_or_create(note=note, defaults={"topics": topics})
        return note

    return make


def walk(fetch, pages: int = 10) -> list[list[int]]:
    """Pages of note ids, following the cursors (``fetch(cursor) -> (ids, next)``)."""
    out, cursor = [], None
    for _ in range(pages):
        ids, cursor = fetch(cursor)
        out.append(ids)
        if cursor is None:
            break
    return out


def page_ids(viewer, channel=None, cursor=None):
    notes, reasons, next_cursor = discover_page(viewer, channel, cursor)
    assert len(notes) == len(reasons)
    return [n.id for n in notes], next_cursor


def api_ids(client, **params):
    r = client.get(URL, params)
    assert r.status_code == 200, r.content
    body = r.json()
    return [int(i["id"]) for i in body["items"]], body["next_cursor"]


def author_runs_ok(notes, window: int = 6) -> bool:
    authors = [n.author_id for n in notes]
    return all(
        len(set(authors[i : i + window])) == len(authors[i : i + window])
        for i in range(max(1, len(authors) - window + 1))
    )


def crowd(make_user, n: int):
    return [make_user() for _ in range(n)]


# --- who sees what --------------------------------------------------------------------------


def test_anonymous_readers_get_trending_and_fresh_notes_with_reasons(make_user, make_topical, anon):
    authors = crowd(make_user, 8)
    fans = crowd(make_user, 4)
    notes = [make_topical(authors[i % 8], "food", title=f"n{i}") for i in range(30)]
    popular = notes[3]
    for fan in fans:
        like(fan, popular)
    artifacts.rebuild()
    r = anon.get(URL)
    assert r.status_code == 200
    body = r.json()
    items = body["items"]
    assert len(items) == PAGE_SIZE and body["next_cursor"]
    assert items[0]["id"] == str(popular.id)
    assert items[0]["reason"]["source"] == "trending"
    assert {i["reason"]["source"] for i in items} <= {"trending", "fresh"}
    assert all(i["reason"]["text"] for i in items)
    assert "viewer" not in items[0] or items[0]["viewer"] is None


def test_new_reader_sees_their_picked_interests_first(make_user, make_topical):
    authors = crowd(make_user, 12)
    fans = crowd(make_user, 3)
    pets = [make_topical(authors[i % 12], "pets", title=f"cat {i}") for i in range(15)]
    others = [
        make_topical(authors[i % 12], slug, title=f"{slug} {i}")
        for i, slug in enumerate(["food", "travel", "tech", "music", "fashion"] * 6)
    ]
    for fan in fans:  # the other topics are the popular ones
        for note in others[:10]:
            like(fan, note)
    artifacts.rebuild()
    newcomer = make_user("newcomer")
    set_interests(newcomer, ["pets"])
    notes, reasons, _ = discover_page(newcomer, None, None)
    pet_ids = {n.id for n in pets}
    first = [n.id for n in notes]
    assert len(first) == PAGE_SIZE
    assert first[0] in pet_ids and sum(i in pet_ids for i in first) >= 12, reasons
    assert any(i not in pet_ids for i in first)  # mixed with what is popular
    interest_reasons = [r for n, r in zip(notes, reasons, strict=True) if n.id in pet_ids]
    assert any(r == {"source": "interest", "text": "Popular in Pets"} for r in interest_reasons)


def test_likes_bring_similar_notes_with_a_reason(make_user, make_topical):
    authors = crowd(make_user, 10)
    hotpot, noodles = (
        make_topical(authors[0], "food", title="Chengdu hotpot"),
        make_topical(authors[1], "food", title="Noodles"),
    )
    filler = [make_topical(authors[2 + i % 8], "travel", title=f"t{i}") for i in range(40)]
    # People who liked the hotpot also liked the noodles.
    for fan in crowd(make_user, 5):
        like(fan, hotpot)
        like(fan, noodles)
    for other in crowd(make_user, 5):
        for note in filler[:6]:
            like(other, note)
    reader = make_user("reader")
    like(reader, hotpot)
    artifacts.rebuild()
    notes, reasons, _ = discover_page(reader, None, None)
    ids = [n.id for n in notes]
    assert hotpot.id not in ids  # engaged with already
    assert noodles.id in ids[:3]
    reason = reasons[ids.index(noodles.id)]
    assert reason == {"source": "similar", "text": "Because you liked “Chengdu hotpot”"}


def test_followed_creators_new_notes_come_in_live(make_user, make_topical):
    authors = crowd(make_user, 8)
    for i in range(25):
        make_topical(authors[i % 8], "food", title=f"n{i}")
    artifacts.rebuild()
    reader, friend = make_user("reader"), make_user("friend")
    follow(reader, friend)
    fresh = make_topical(friend, "food", title="just posted")  # after the build
    notes, reasons, _ = discover_page(reader, None, None)
    ids = [n.id for n in notes]
    assert fresh.id in ids
    assert reasons[ids.index(fresh.id)] == {
        "source": "following",
        "text": "From @friend, whom you follow",
    }


def test_pages_never_repeat_and_obey_the_author_rule(make_user, make_topical, client_for, anon):
    authors = crowd(make_user, 9)
    fans = crowd(make_user, 3)
    notes = [
        make_topical(authors[i % 9], ["food", "travel", "pets"][i % 3], title=f"n{i}")
        for i in range(75)
    ]
    for k, fan in enumerate(fans):
        for note in notes[k::4]:
            like(fan, note)
    artifacts.rebuild()
    reader = make_user("reader")
    set_interests(reader, ["food"])
    by_id = {n.id: n for n in notes}
    for client in (client_for(reader), anon):
        pages = walk(lambda c, client=client: api_ids(client, **({"cursor": c} if c else {})))
        assert len(pages) >= 3
        served = [i for p in pages for i in p]
        assert len(served) == len(set(served))
        assert all(len(p) == PAGE_SIZE for p in pages[:3])
        # The rule holds across page boundaries too.
        # The rule holds across page boundaries too (at the very end of the catalogue,
        # with too few authors left, it gives way rather than end the feed).
        assert author_runs_ok([by_id[i] for i in served[: 3 * PAGE_SIZE]])
        assert set(served) == {n.id for n in notes}  # ... and the feed reaches everything


def test_one_prolific_popular_creator_does_not_take_over_the_page(make_user, make_topical):
    # More of their notes outscore everyone else's than a page has candidates checked.
    star, others, fans = make_user("star"), crowd(make_user, 8), crowd(make_user, 3)
    starred = [make_topical(star, "food", title=f"s{i}") for i in range(110)]
    for fan in fans:
        for note in starred:
            like(fan, note)
    rest = [make_topical(others[i % 8], "food", title=f"o{i}") for i in range(24)]
    artifacts.rebuild()
    reader = make_user("reader")
    set_interests(reader, ["food"])
    by_id = {n.id: n for n in [*starred, *rest]}
    page, _cursor = page_ids(reader)
    assert len(page) == PAGE_SIZE
    assert author_runs_ok([by_id[i] for i in page])
    # At most slots 1, 7, 13 and 19 (exploration, random, may take one of them).
    assert 1 <= sum(by_id[i].author_id == star.pk for i in page) <= 4


def test_later_sessions_do_not_repeat_notes_even_without_the_cache(make_user, make_topical):
    authors = crowd(make_user, 8)
    for i in range(50):
        make_topical(authors[i % 8], "food", title=f"n{i}")
    artifacts.rebuild()
    reader = make_user("reader")
    first, _ = page_ids(reader)
    cache.clear()
    second, _ = page_ids(reader)  # a new session (no cursor)
    assert len(first) == len(second) == PAGE_SIZE
    assert not set(first) & set(second)
    assert FeedState.objects.filter(key=f"u:{reader.pk}").exists()
    third, _ = page_ids(reader)
    assert len(third) == 10 and not set(third) & (set(first) | set(second))
    # Everything seen: a new session starts over instead of showing nothing, and its
    # pages still never repeat.
    again = [i for p in walk(lambda c: page_ids(reader, None, c)) for i in p]
    assert len(again) == len(set(again)) == 50


def test_notes_seen_on_other_surfaces_are_not_recommended(make_user, make_topical):
    authors = crowd(make_user, 8)
    notes = [make_topical(authors[i % 8], "food", title=f"n{i}") for i in range(24)]
    artifacts.rebuild()
    reader = make_user("reader")
    for k, note in enumerate(notes[:10]):
        kind = "impression" if k % 2 else "view"
        Event.objects.create(user=reader, note=note, type=kind, dedupe_key=f"e{k}")
    served = {i for p in walk(lambda c: page_ids(reader, None, c)) for i in p}
    assert served == {n.id for n in notes[10:]}


def test_hidden_notes_authors_and_topics_never_appear(make_user, make_topical):
    authors = crowd(make_user, 8)
    notes = [
        make_topical(authors[i % 8], ["food", "pets"][i % 2], title=f"n{i}") for i in range(40)
    ]
    for fan in crowd(make_user, 2):
        for note in notes[::3]:
            like(fan, note)
    artifacts.rebuild()
    reader = make_user("reader")
    hidden_note, hidden_author = notes[0], authors[1]
    Hide.objects.create(user=reader, scope="note", note=hidden_note)
    Hide.objects.create(user=reader, scope="author", author=hidden_author)
    Hide.objects.create(user=reader, scope="topic", topic=Interest.objects.get(slug="pets"))
    served = [n for p in walk(lambda c: discover_page(reader, None, c)[::2]) for n in p]
    assert served
    assert all(n.id != hidden_note.id and n.author_id != hidden_author.id for n in served)
    pets = set(
        NoteFeatures.objects.filter(topics__has_key="pets").values_list("note_id", flat=True)
    )
    assert not pets & {n.id for n in served}


def test_blocks_and_visibility_are_respected(make_user, make_topical, make_note):
    reader, blocked, blocker, friend = (make_user(n) for n in ("reader", "bad", "grumpy", "pal"))
    authors = crowd(make_user, 6)
    for i in range(12):
        make_topical(authors[i % 6], "food", title=f"n{i}")
    by_blocked = make_topical(blocked, "food", title="blocked")
    by_blocker = make_topical(blocker, "food", title="blocker")
    follow(reader, friend)
    followers_only = make_note(friend, title="friends", visibility="followers")
    private = make_note(friend, title="secret", visibility="private")
    others_private = make_note(authors[0], title="mine", visibility="private")
    for fan in crowd(make_user, 3):
        like(fan, by_blocked)
        like(fan, by_blocker)
    artifacts.rebuild()
    block(reader, blocked)
    block(blocker, reader)
    served = {n.id for p in walk(lambda c: discover_page(reader, None, c)[::2]) for n in p}
    forbidden = {by_blocked.id, by_blocker.id, followers_only.id, private.id, others_private.id}
    assert served and not served & forbidden


def test_a_channel_shows_only_its_notes(make_user, make_topical, client_for):
    authors = crowd(make_user, 8)
    food = [make_topical(authors[i % 8], "food", title=f"f{i}") for i in range(25)]
    for i in range(10):
        make_topical(authors[i % 8], "travel", title=f"t{i}")
    artifacts.rebuild()
    tagged_later = make_topical(authors[0], None, title="tagged", hashtags=["美食"])
    reader = make_user("reader")
    pages = walk(
        lambda c: api_ids(client_for(reader), channel="food", **({"cursor": c} if c else {}))
    )
    served = [i for p in pages for i in p]
    assert sorted(served) == sorted([n.id for n in food] + [tagged_later.id])
    r = client_for(reader).get(URL, {"channel": "food"})
    assert all(i["reason"]["source"] != "following" for i in r.json()["items"])


def test_latest_mode_is_plain_newest_first(make_user, make_topical):
    authors = crowd(make_user, 3)
    notes = [make_topical(authors[i % 3], "food", title=f"n{i}") for i in range(25)]
    for fan in crowd(make_user, 3):
        like(fan, notes[0])
    artifacts.rebuild()
    reader = make_user("reader")
    FeedPreference.objects.create(user=reader, mode="latest")
    pages = walk(lambda c: page_ids(reader, None, c))
    served = [i for p in pages for i in p]
    assert served == sorted((n.id for n in notes), reverse=True)
    assert discover_page(reader, None, None)[1][0]["source"] == "fresh"
    # "Not interested" holds in this order too.
    Hide.objects.create(user=reader, scope="note", note=notes[-1])
    Hide.objects.create(user=reader, scope="author", author=authors[1])
    Hide.objects.create(user=reader, scope="topic", topic=Interest.objects.get(slug="pets"))
    pets = make_topical(authors[0], "pets", title="a cat")
    served = {i for p in walk(lambda c: page_ids(reader, None, c)) for i in p}
    assert served == {n.id for n in notes[:-1] if n.author_id != authors[1].id}
    assert pets.id not in served


def test_reset_forgets_earlier_engagements(make_user, make_topical):
    from django.utils import timezone

    authors = crowd(make_user, 10)
    hotpot = make_topical(authors[0], "food", title="hotpot")
    noodles = make_topical(authors[1], "food", title="noodles")
    for i in range(20):
        make_topical(authors[2 + i % 8], "travel", title=f"t{i}")
    for fan in crowd(make_user, 4):
        like(fan, hotpot)
        like(fan, noodles)
    reader = make_user("reader")
    like(reader, hotpot)
    FeedPreference.objects.create(user=reader, reset_at=timezone.now())
    artifacts.rebuild()
    _notes, reasons, _ = discover_page(reader, None, None)
    assert all(r["source"] != "similar" for r in reasons)


def test_fresh_notes_of_new_creators_get_exploration_slots(make_user, make_topical):
    authors = crowd(make_user, 10)
    old = [make_topical(authors[i % 10], "food", title=f"n{i}") for i in range(40)]
    for fan in crowd(make_user, 4):
        for note in old[:25]:
            collect(fan, note)
    Note.objects.update(created_at=timezone.now() - timedelta(days=5))
    artifacts.rebuild()
    newbie = make_user("newbie")
    debut = make_topical(newbie, "food", title="my first note")
    reader = make_user("reader")
    set_interests(reader, ["food"])
    seen_debut = []
    for _ in range(6):  # Thompson sampling is random: over a few sessions it shows up
        FeedState.objects.all().delete()
        cache.clear()
        notes, reasons, _ = discover_page(reader, None, None)
        ids = [n.id for n in notes]
        if debut.id in ids:
            seen_debut.append(reasons[ids.index(debut.id)])
        assert sum(r["source"] == "fresh" for r in reasons) <= PAGE_SIZE // 10
    assert seen_debut
    assert seen_debut[0] == {"source": "fresh", "text": "New from a creator you haven't seen"}


def test_before_any_build_the_feed_serves_live_notes(make_user, make_topical, anon):
    authors = crowd(make_user, 7)
    notes = [make_topical(authors[i % 7], "food", title=f"n{i}") for i in range(30)]
    ids = [i for p in walk(lambda c: api_ids(anon, **({"cursor": c} if c else {}))) for i in p]
    assert sorted(ids) == sorted(n.id for n in notes)


# --- errors and costs -----------------------------------------------------------------------


def test_unknown_channel_and_bad_cursors_are_400(make_user, make_topical, anon, client_for):
    make_topical(make_user(), "food")
    r = anon.get(URL, {"channel": "nope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_channel"
    for cursor in ["nonsense", "WyJ4Il0", "WzEsMV0", "Wy0xLDJd", "WzAsMF0"]:
        r = client_for(make_user()).get(URL, {"cursor": cursor})
        assert r.status_code == 400, cursor
        assert r.json()["error"]["code"] == "invalid_cursor"
    # A cursor of one channel is not good for another.
    cursor = anon.get(URL, {"channel": "food"}).json()["next_cursor"]
    if cursor:
        assert anon.get(URL, {"channel": "pets", "cursor": cursor}).status_code == 400


def test_query_count_does_not_grow_with_the_page(
    make_user, make_topical, client_for, django_assert_max_num_queries
):
    reader = make_user("reader")
    set_interests(reader, ["food"])

    def seed(n):
        for _ in range(n):
            author = make_user()
            note = make_topical(author, "food", images=2, body="#food")
            like(reader, note)
            follow(reader, author)
            make_topical(author, "food", images=2)
        artifacts.rebuild()

    def count(client):
        FeedState.objects.all().delete()
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(URL)
        assert r.status_code == 200
        return len(ctx), len(r.json()["items"])

    seed(2)
    few_signed, _n = count(client_for(reader))
    few_new, _n = count(client_for(make_user()))
    seed(PAGE_SIZE)
    many_signed, n = count(client_for(reader))
    assert n == PAGE_SIZE
    assert many_signed <= few_signed + 1  # + the embeddings of notes newer than the build
    assert count(client_for(make_user()))[0] <= few_new + 1


def test_followed_notes_are_read_per_author_newest_first(make_user, make_note, make_topical):
    """``followed_rows``: the newest few public notes of each active author, in one
    statement, as ``_live_rows`` reads those notes through the ORM."""

    from vermilion.feed.discover import _live_rows, followed_rows
    from vermilion.notes.services import update_note

    prolific, quiet, other = make_user("prolific"), make_user("quiet"), make_user("other")
    gone = make_user("gone")
    many = [make_topical(prolific, "food", title=f"n{i}") for i in range(4)]
    # Among their newest three public notes, not one of them (nor does it count).
    draft = make_note(prolific, title="draft", visibility="private")
    many.append(make_note(prolific, title="no features yet"))
    update_note(prolific, many[2], hashtags=["美食"])  # its topics are from before this
    hidden = [
        draft,
        make_note(quiet, title="friends", visibility="followers"),
        make_note(quiet, title="mine", visibility="private"),
    ]
    shown = make_note(quiet, title="public")
    make_note(other, title="not followed")
    make_note(gone, title="deactivated since")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    expected_ids = [n.id for n in many[-3:]] + [shown.id]
    for limit in (10, 2):
        with CaptureQueriesContext(connection) as captured:
            rows = followed_rows([prolific.pk, quiet.pk, gone.pk], 3, limit)
        assert len(captured) == 1
        assert rows == _live_rows(Note.objects.filter(id__in=expected_ids), limit)
        assert len(rows) == min(limit, 4) and not {r.id for r in rows} & {n.id for n in hidden}
        if limit == 10:  # topics computed after the last edit, by the database too
            assert {r.id: r.understood for r in rows} == {
                many[2].id: False,
                many[3].id: True,
                many[4].id: False,
                shown.id: False,
            }
    assert followed_rows([], 3, 10) == []


def test_followed_notes_from_the_snapshot_are_those_read_by_index(
    make_user, make_note, make_topical, monkeypatch
):
    """Followed creators' newest notes come from the snapshot's catalogue and the notes
    posted since (read once for everyone): the same as reading them by index
    (``followed_rows``) while the catalogue holds every note; nothing older than it."""
    from vermilion.feed import discover
    from vermilion.feed.discover import _Request

    big, small, quiet, other = (make_user(n) for n in ("big", "small", "quiet", "other"))
    oldest = make_topical(quiet, "food", title="before the catalogue")
    for i in range(6):
        make_topical(big, "food" if i % 2 else "travel", title=f"big{i}")
    for i in range(3):
        make_topical(small, "food", title=f"small{i}")
    make_topical(quiet, "food", title="quiet")
    make_topical(other, "food", title="not followed")
    make_note(big, title="draft", visibility="private")
    artifacts.rebuild()
    # After the build: new notes (one in a channel by hashtag alone), one now private.
    new_big = make_topical(big, "food", title="big new")
    make_note(small, title="small new", hashtags=["food"])
    make_note(small, title="small secret", visibility="private")
    reader = make_user("reader")
    followees = [big.pk, small.pk, quiet.pk]
    food = Interest.objects.get(slug="food")

    def both(channel, per_author, limit):
        request = _Request(reader, channel, None, None)
        known = request._followed_known(followees, per_author, limit)
        read = request._followed_read(followees, per_author, limit)
        return known, read

    for channel in (None, food):
        for per_author, limit in ((3, 4), (2, 5), (1, 3), (3, 7), (5, 20)):
            cache.clear()
            known, read = both(channel, per_author, limit)
            assert known is not None
            assert known[0].tolist() == read[0].tolist()
            assert known[1].tolist() == read[1].tolist()
            since = {r.id for r in read[2] if r.id >= new_big.id}
            assert {r.id for r in known[2]} == since  # rows read live: posted since only
    assert oldest.id in both(None, 5, 20)[0][0]

    # The notes posted since (a channel's share of them too) are read once for everyone:
    # none per reader.
    for channel in (None, food):
        cache.clear()
        _Request(reader, channel, None, None)._followed_known(followees, 3, 4)
        with CaptureQueriesContext(connection) as captured:
            again = _Request(reader, channel, None, None)._followed_known(followees, 3, 4)
        assert again is not None
        tables = (Note._meta.db_table, NoteHashtag._meta.db_table)
        assert not [q for q in captured if any(t in q["sql"] for t in tables)]
    # Too many posted since (a late build): read per reader.
    monkeypatch.setattr(discover, "SINCE_SNAPSHOT_MAX", 2)
    cache.clear()
    assert both(None, 3, 4)[0] is None
    # A catalogue of the newest notes only: nothing older is proposed.
    # (Notes here are seconds apart: none is read as written late.)
    monkeypatch.setattr(artifacts, "MAX_ITEMS", 8)
    monkeypatch.setattr(discover, "SINCE_SNAPSHOT_MAX", 500)
    monkeypatch.setattr(discover, "SINCE_MARGIN_SECONDS", 0)
    artifacts.rebuild()
    cache.clear()
    known, read = both(None, 5, 20)
    first = int(artifacts.current()[0].note_ids[0])
    assert oldest.id < first and oldest.id in read[0].tolist()
    assert known[0].tolist() == [i for i in read[0].tolist() if i >= first]


def test_a_followed_note_made_private_after_the_build_is_not_served(
    make_user, make_topical, monkeypatch
):
    from vermilion.feed import discover
    from vermilion.feed.discover import _Request

    monkeypatch.setattr(discover, "FOLLOWED_CANDIDATES", 3)

    def read(*args):
        raise AssertionError("read by index")

    monkeypatch.setattr(discover, "followed_rows", read)  # the snapshot knows them
    authors = crowd(make_user, 8)
    for i in range(24):
        make_topical(authors[i % 8], "food", title=f"n{i}")
    friend, reader = make_user("friend"), make_user("reader")
    mine = [make_topical(friend, "food", title=f"friend{i}") for i in range(4)]
    follow(reader, friend)
    artifacts.rebuild()
    Note.objects.filter(pk=mine[-1].pk).update(visibility="private")
    cands, _rows = _Request(reader, None, None, None).followed_candidates(set())
    assert set(cands.items.tolist()) == {n.id for n in mine[-3:]}  # as the snapshot says
    notes, _reasons, _cursor = discover_page(reader, None, None)
    served = {n.id for n in notes}
    assert len(notes) == PAGE_SIZE and mine[-1].id not in served and mine[-2].id in served


def test_a_note_written_just_after_the_build_read_the_catalogue_is_followed(
    make_user, make_topical, monkeypatch
):
    """Ids are made before notes are written: a note whose id is older than the newest
    the snapshot knows, written after the build read its catalogue, is among the notes
    posted since."""
    from vermilion.feed.discover import _Request

    friend, other, reader = make_user("friend"), make_user("other"), make_user("reader")
    early = [make_topical(friend, "food", title=f"early{i}") for i in range(3)]
    late = make_topical(friend, "food", title="written late")
    make_topical(other, "food", title="newest")
    catalogue = artifacts._catalogue

    def without_late(limit=None):
        ids, authors, created = catalogue(limit)
        keep = ids != late.id
        return ids[keep], authors[keep], created[keep]

    monkeypatch.setattr(artifacts, "_catalogue", without_late)
    artifacts.rebuild()
    snap = artifacts.current()[0]
    assert late.id < snap.note_ids[-1] and snap.dense([late.id])[0] == -1
    ids, _authors, rows = _Request(reader, None, None, None)._followed_known([friend.pk], 3, 10)
    assert ids.tolist() == [late.id, early[2].id, early[1].id]
    assert [r.id for r in rows] == [late.id]  # read live: its features come from its row


def test_followed_creators_notes_in_a_channel_are_only_the_channels(make_user, make_topical):
    authors = crowd(make_user, 6)
    for i in range(12):
        make_topical(authors[i % 6], "food", title=f"f{i}")
    artifacts.rebuild()
    reader, pal = make_user("reader"), make_user("pal")
    set_interests(reader, ["food", "travel"])  # their own channels: ranked for them
    follow(reader, pal)
    food = make_topical(pal, "food", title="pal food")
    tagged = make_topical(pal, None, title="pal tagged", hashtags=["food"])
    travel = make_topical(pal, "travel", title="pal travel")
    notes, reasons, _cursor = discover_page(reader, "food", None)
    served = {n.id: r for n, r in zip(notes, reasons, strict=True)}
    assert food.id in served and tagged.id in served and travel.id not in served
    assert served[food.id]["source"] == "following"
    notes, _reasons, _cursor = discover_page(reader, "travel", None)
    assert travel.id in {n.id for n in notes} and food.id not in {n.id for n in notes}


def test_channel_rows_ask_for_hashtags_only_of_notes_not_understood_yet(
    make_user, make_topical, make_note
):
    """Understood notes carry their hashtags' interests among their topics; a new note, or
    one edited since its topics were computed, is asked about its hashtags."""
    from vermilion.feed.discover import _live_rows, in_channel
    from vermilion.notes.services import update_note

    author = make_user()
    understood = make_topical(author, "food", title="understood")
    plain = make_topical(author, "travel", title="plain travel")
    edited = make_topical(author, "travel", title="edited")
    update_note(author, edited, hashtags=["美食"])  # its topics are from before this
    new = make_note(author, title="new", hashtags=["food"])  # no features yet
    food = Interest.objects.get(slug="food")
    rows = _live_rows(Note.objects.all(), 10)
    assert {r.id: r.understood for r in rows} == {
        understood.id: True,
        plain.id: True,
        edited.id: False,
        new.id: False,
    }
    with CaptureQueriesContext(connection) as ctx:
        found = in_channel(rows, food)
    assert {r.id for r in found} == {understood.id, edited.id, new.id}
    assert len(ctx) == 1 and str(edited.id) in ctx[0]["sql"] and str(plain.id) not in ctx[0]["sql"]
    understood_only = [r for r in rows if r.understood]
    with CaptureQueriesContext(connection) as ctx:
        assert {r.id for r in in_channel(understood_only, food)} == {understood.id}
    assert len(ctx) == 0
