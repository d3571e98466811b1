"""The following feed: notes of the people you follow, newest first, in stable pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.models import Block, Follow, User
from vermilion.accounts.services import block, follow

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/following"


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_signed_in_only(anon):
    r = anon.get(URL)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


def test_only_followed_people_and_what_they_let_you_see(make_user, make_note, client_for):
    me = make_user("reader")
    friend = make_user("friend")
    stranger = make_user("stranger")
    follow(me, friend)
    public = make_note(friend, visibility="public")
    followers_only = make_note(friend, visibility="followers")
    make_note(friend, visibility="private")
    make_note(stranger)  # not followed
    make_note(me)  # your own notes are not in your following feed
    assert ids(client_for(me).get(URL)) == [str(followers_only.id), str(public.id)]


def test_empty_when_following_nobody(make_user, make_note, client_for):
    me = make_user("reader")
    make_note(make_user())
    r = client_for(me).get(URL)
    assert r.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("direction", ["i_block", "they_block"])
def test_blocks_hide_notes_even_with_a_follow_row(make_user, make_note, client_for, direction):
    me = make_user("reader")
    friend = make_user("friend")
    make_note(friend)
    if direction == "i_block":
        block(me, friend)
    else:
        block(friend, me)
    # Blocking ends follows; even a stray follow row must not leak notes through the block.
    Follow.objects.get_or_create(follower=me, followee=friend)
    assert Block.objects.count() == 1
    assert ids(client_for(me).get(URL)) == []


def test_admin_feed_has_no_private_notes(make_user, make_note, client_for):
    admin = make_user("admin_user")
    User.objects.filter(pk=admin.pk).update(is_staff=True)
    friend = make_user("friend")
    follow(admin, friend)
    visible = make_note(friend)
    make_note(friend, visibility="private")
    make_note(make_user())  # admins see everything, but their feed is still only followees
    assert ids(client_for(admin).get(URL)) == [str(visible.id)]


def test_unfollowed_people_leave_the_feed(make_user, make_note, client_for):
    from vermilion.accounts.services import unfollow

    me = make_user("reader")
    friend = make_user("friend")
    follow(me, friend)
    make_note(friend)
    client = client_for(me)
    assert len(ids(client.get(URL))) == 1
    unfollow(me, friend)
    assert ids(client.get(URL)) == []


def test_pages_never_repeat_or_skip(make_user, make_note, client_for):
    me = make_user("reader")
    friends = [make_user() for _ in range(3)]
    for friend in friends:
        follow(me, friend)
    notes = [
        make_note(friends[i % 3], visibility=("public", "followers")[i % 2]) for i in range(45)
    ]
    client = client_for(me)
    seen, cursor, pages = [], None, 0
    while True:
        r = client.get(URL, {"cursor": cursor} if cursor else None)
        page = ids(r)
        assert len(page) <= 20
        seen += page
        pages += 1
        # Notes published while someone reads don't shift later pages.
        make_note(friends[pages % 3])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [str(n.id) for n in reversed(notes)]
    assert len(set(seen)) == len(seen)


def test_bad_cursor_is_a_400(make_user, client_for):
    r = client_for(make_user()).get(URL, {"cursor": "%%%"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_cursor"


def test_query_count_is_constant(make_user, make_note, make_media, client_for):
    me = make_user("reader")
    friends = [make_user() for _ in range(20)]
    for friend in friends:
        follow(me, friend)
        User.objects.filter(pk=friend.pk).update(avatar=make_media(friend))
    client = client_for(me)
    client.get("/api/v1/me")  # the token's first use records last_used_at: not part of a page

    def add(n, start):
        for i in range(start, start + n):
            make_note(friends[i], images=2, body=f"#tag{i} @reader", hashtags=["feed"])

    add(2, 0)
    with CaptureQueriesContext(connection) as two:
        assert len(ids(client.get(URL))) == 2
    add(18, 2)
    with CaptureQueriesContext(connection) as twenty:
        r = client.get(URL)
        assert len(ids(r)) == 20
    assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]
    item = r.json()["items"][0]
    assert item["author"]["avatar"] is not None
    assert item["author"]["viewer"]["following"] is True
    assert item["hashtags"] == ["tag19", "feed"]
    assert len(item["media"]) == 2


def test_following_feed_refuses_a_forged_cursor(make_user, client_for):
    from vermilion.core import cursors

    client = client_for(make_user())
    for forged in [cursors.encode("x"), cursors.encode(1.5), "W10"]:
        r = client.get("/api/v1/feed/following", {"cursor": forged})
        assert r.status_code == 400, forged
        assert r.json()["error"]["code"] == "invalid_cursor"
