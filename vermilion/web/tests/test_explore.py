"""Explore (discover feed, channel tabs), Following, and the card pages htmx appends."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vermilion.accounts.services import block, follow, set_interests
from vermilion.engagement.services import like
from vermilion.feed import artifacts
from vermilion.feed.discover import PAGE_SIZE as DISCOVER_PAGE_SIZE
from vermilion.feed.discover import discover_page
from vermilion.feed.models import FeedState
from vermilion.notes.models import Note
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_artifacts():
    """The feed's snapshot cached in this process belongs to another test's database."""
    artifacts.forget()
    yield
    artifacts.forget()


HX = {"HX-Request": "true"}


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="card" data-note-id="(\d+)"', html)


def next_url(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', html)
    return found and found.group(1).replace("&amp;", "&")


def walk(client: Client, first: str) -> list[str]:
    """Every card id of a feed, following its infinite-scroll sentinels like htmx does."""
    page = client.get(first)
    assert page.status_code == 200
    html = page.content.decode()
    ids = card_ids(html)
    url = next_url(html)
    while url:
        fragment = client.get(url, headers=HX)
        assert fragment.status_code == 200
        html = fragment.content.decode()
        assert "<html" not in html  # a fragment, not a page
        ids += card_ids(html)
        url = next_url(html)
    return ids


# --- explore ----------------------------------------------------------------------------------


def test_explore_shows_public_notes_as_cards(make_user, make_note):
    mei = make_user("mei")
    public = make_note(mei, title="公开的笔记")
    make_note(mei, title="followers", visibility="followers")
    make_note(mei, title="secret", visibility="private")
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "公开的笔记" in html and "secret" not in html and "followers" not in html
    assert card_ids(html) == [str(public.id)]
    # No layout shift: the cover's size and colour are known before it loads.
    assert 'width="1080" height="1440"' in html
    assert "aspect-ratio: 1080 / 1440; background-color: #aa3322" in html
    assert 'loading="lazy"' in html and "thumb.webp 540w" in html and "display.webp 1440w" in html
    assert 'href="/u/mei"' in html and f'href="/notes/{public.id}"' in html
    assert f'data-path="/api/v1/notes/{public.id}/like"' in html


def test_explore_recommends_what_a_reader_has_not_liked_yet(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    liked, other = make_note(mei, title="liked"), make_note(mei, title="other")
    like(bob, liked)
    html = browser(bob).get("/").content.decode()
    pressed = re.findall(
        r'aria-pressed="(true|false)"\s+data-path="/api/v1/notes/(\d+)/like"', html
    )
    assert pressed == [("false", str(other.id))]  # a liked note is not recommended again
    follow(bob, mei)
    html = browser(bob).get("/following").content.decode()
    pressed = re.findall(
        r'aria-pressed="(true|false)"\s+data-path="/api/v1/notes/(\d+)/like"', html
    )
    assert ("true", str(liked.id)) in pressed and ("false", str(other.id)) in pressed


def test_explore_cards_say_why_they_are_there(make_user, make_note):
    mei = make_user("mei")
    note = make_note(mei, title="hello")
    html = Client().get("/").content.decode()
    assert html.count('data-testid="feed-item"') == 1
    assert re.search(rf'data-note-id="{note.id}"[^>]* data-source="fresh"', html)
    assert f'popovertarget="why-{note.id}"' in html and f'id="why-{note.id}"' in html
    assert 'data-testid="why-text">Recently posted<' in html
    # Other card pages have no reasons.
    assert 'data-testid="why-button"' not in Client().get("/u/mei").content.decode()


def test_explore_empty_state():
    html = Client().get("/").content.decode()
    assert 'data-testid="feed-empty"' in html and 'href="/compose"' in html


def test_channel_tabs(make_user, make_note):
    mei = make_user("mei")
    food = make_note(mei, title="noodles", body="好吃 #美食")
    food_en = make_note(mei, title="ramen", hashtags=["Food"])
    make_note(mei, title="a trip", body="#travel")
    html = Client().get("/").content.decode()
    tabs = re.findall(r'<a href="([^"]*)" data-testid="channel-tab" data-channel="([^"]*)"', html)
    assert tabs[0] == ("/", "") and ("/?channel=food", "food") in tabs and len(tabs) > 10
    assert re.search(r'data-channel="" aria-current="page">For you<', html)

    html = Client().get("/?channel=food").content.decode()
    assert re.search(r'data-channel="food" aria-current="page">Food<', html)
    assert 'data-channel="" aria-current' not in html
    assert sorted(card_ids(html)) == sorted([str(food.id), str(food_en.id)])

    html = Client().get("/?channel=books").content.decode()
    assert card_ids(html) == [] and 'data-testid="feed-empty"' in html
    assert Client().get("/?channel=no-such-thing").status_code == 404


def test_channel_labels_follow_the_interface_language(make_user):
    chinese = make_user("mei", language="zh-hans")
    html = browser(chinese).get("/").content.decode()
    assert re.search(r'data-channel="food"\s*>美食<', html)
    html = Client(headers={"Accept-Language": "en"}).get("/").content.decode()
    assert re.search(r'data-channel="food"\s*>Food<', html)


def test_discover_pages_never_repeat_and_cover_every_note(make_user, make_note):
    authors = [make_user() for _ in range(3)]
    notes = [make_note(authors[i % 3], title=f"n{i}") for i in range(2 * DISCOVER_PAGE_SIZE + 5)]
    # Popularity moves notes within a page, never across pages.
    Note.objects.filter(pk=notes[0].pk).update(likes_count=10_000)
    ids = walk(Client(), "/")
    assert len(ids) == len(set(ids)) == len(notes)
    assert set(ids) == {str(n.id) for n in notes}


def test_discover_puts_popular_notes_first_once_the_feed_is_built(make_user, make_note):
    mei = make_user("mei")
    older, newer = make_note(mei, title="older"), make_note(mei, title="newer")
    # Before the first build of the feed's snapshot: newest first.
    assert [n.id for n in discover_page(None, None, None)[0]] == [newer.id, older.id]
    for fan in [make_user() for _ in range(3)]:
        like(fan, older)
    artifacts.rebuild()
    notes, reasons, _ = discover_page(None, None, None)
    assert [n.id for n in notes] == [older.id, newer.id]
    assert reasons[0]["source"] == "trending"
    # A stale snapshot still knows the note, but an old note is no longer trending.
    Note.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert {n.id for n in discover_page(None, None, None)[0]} == {older.id, newer.id}


def test_channel_pages_never_repeat(make_user, make_note):
    mei = make_user("mei")
    tagged = [make_note(mei, title=f"t{i}", body="#food") for i in range(DISCOVER_PAGE_SIZE + 3)]
    make_note(mei, title="untagged")
    ids = walk(Client(), "/?channel=food")
    assert sorted(ids) == sorted(str(n.id) for n in tagged)
    first_next = next_url(Client().get("/?channel=food").content.decode())
    assert first_next.startswith("/x/feed?channel=food&cursor=")


def test_explore_hides_blocked_people_both_ways_and_private_notes_from_admins(make_user, make_note):
    mei, bob, eve = make_user("mei"), make_user("bob"), make_user("eve")
    admin = make_user("admin_ann")
    admin.is_staff = True
    admin.save()
    by_bob, by_eve = make_note(bob, title="bob's"), make_note(eve, title="eve's")
    make_note(mei, title="private", visibility="private")
    block(mei, bob)
    block(eve, mei)
    assert card_ids(browser(mei).get("/").content.decode()) == []
    assert set(card_ids(browser(admin).get("/").content.decode())) == {
        str(by_bob.id),
        str(by_eve.id),
    }


def test_bad_cursor_is_a_clear_400(make_user, make_note):
    make_note(make_user())
    for url in ["/x/feed?cursor=nonsense", "/x/feed?cursor=WyJ4Il0", "/?cursor=%%%"]:
        page = Client().get(url, headers=HX)
        assert page.status_code == 400, url
        assert "not valid" in page.content.decode()


def test_explore_query_count_is_constant(make_user, make_note, django_assert_max_num_queries):
    reader = make_user("reader")
    make_user("someone")
    make_note(make_user())
    first = make_user()
    like(reader, make_note(first, body="#food"))
    follow(reader, first)
    make_note(first, body="#food")

    def count(client):
        FeedState.objects.all().delete()  # a first visit each time
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx)

    anonymous_few, signed_few = count(Client()), count(browser(reader))
    for _ in range(DISCOVER_PAGE_SIZE):
        author = make_user()
        # (Mentioning someone else: the reader's unread badge costs queries of its own.)
        note = make_note(author, images=2, body="#food @someone")
        like(reader, note)
        follow(reader, author)
    # (+1: with a next page, the anonymous session's served notes are kept.)
    assert count(Client()) <= anonymous_few + 1
    # (+1: the embeddings of followed creators' notes newer than the feed's snapshot.)
    assert count(browser(reader)) <= signed_few + 1
    client = browser(reader)
    FeedState.objects.all().delete()
    cache.clear()
    with django_assert_max_num_queries(signed_few):
        client.get("/x/feed?channel=food", headers=HX)


# --- following ------------------------------------------------------------------------------


def test_following_needs_sign_in():
    page = Client().get("/following")
    assert page.status_code == 302 and page["Location"] == "/signin?next=%2Ffollowing"
    fragment = Client().get("/x/feed?feed=following", headers=HX)
    assert fragment["HX-Redirect"] == "/signin?next=%2Ffollowing"


def test_following_shows_followed_people_and_pages_never_repeat(make_user, make_note):
    me, mei, bob = make_user("myself"), make_user("mei"), make_user("bob")
    follow(me, mei)
    theirs = [make_note(mei, title=f"m{i}") for i in range(25)]
    friends_only = make_note(mei, title="friends", visibility="followers")
    make_note(bob, title="not followed")
    ids = walk(browser(me), "/following")
    assert sorted(ids) == sorted(str(n.id) for n in [*theirs, friends_only])
    assert ids == sorted(ids, reverse=True)  # newest first


def test_following_empty_state_points_at_explore(make_user):
    html = browser(make_user()).get("/following").content.decode()
    assert 'data-testid="feed-empty"' in html and 'href="/"' in html


def test_following_query_count_is_constant(make_user, make_note):
    me = make_user("myself")
    first = make_user()
    follow(me, first)
    make_note(first)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert browser(me).get("/following").status_code == 200
        return len(ctx)

    few = count()
    for _ in range(12):
        author = make_user()
        follow(me, author)
        like(me, make_note(author, images=3))
    assert count() == few


# --- safety -----------------------------------------------------------------------------------


def test_cards_escape_what_people_typed(make_user, make_note):
    mei = make_user("mei", display_name='<img src=x onerror="a()">')
    make_note(mei, title="<script>x()</script>")
    html = Client().get("/").content.decode()
    assert "<script>x()" not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


@pytest.mark.parametrize("path", ["/", "/following", "/x/feed"])
def test_pages_carry_a_strict_csp(make_user, path):
    page = browser(make_user()).get(path)
    policy = page["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src


def test_following_rejects_cursors_that_are_not_note_ids(make_user):
    client = browser(make_user())
    for cursor in ["WyJ4Il0", "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"]:  # ["x"], [99999999999999999999]
        page = client.get(f"/x/feed?feed=following&cursor={cursor}", headers=HX)
        assert page.status_code == 400
        assert client.get(f"/following?cursor={cursor}").status_code == 400


def test_a_readers_interests_lead_the_channel_tabs(make_user):
    reader = make_user("reader")
    set_interests(reader, ["pets", "books"])
    html = browser(reader).get("/").content.decode()
    channels = re.findall(r'data-testid="channel-tab" data-channel="([^"]*)"', html)
    assert channels[:3] == ["", "pets", "books"]  # in catalogue order among themselves
    assert len(channels) == len(set(channels))
