"""Per-person lists: their notes, their likes, their collects."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.models import User
from vermilion.accounts.services import block, follow
from vermilion.engagement.models import Board, Collect, Like
from vermilion.engagement.services import ensure_default_board

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def all_pages(client, path):
    seen, cursor = [], None
    while True:
        r = client.get(path, {"cursor": cursor} if cursor else None)
        seen += ids(r)
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return seen


def test_user_notes_newest_first_in_pages(make_user, make_note, anon):
    owner = make_user("owner")
    notes = [make_note(owner, title=f"n{i}") for i in range(45)]
    r = anon.get("/api/v1/users/owner/notes")
    assert len(ids(r)) == 20
    seen = all_pages(anon, "/api/v1/users/OWNER/notes")  # usernames are case-insensitive
    assert seen == [str(n.id) for n in reversed(notes)]


def test_bad_cursor_is_a_400(make_user, anon):
    make_user("owner")
    r = anon.get("/api/v1/users/owner/notes", {"cursor": "not-a-cursor!"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_cursor"


def test_user_notes_query_count_is_constant(make_user, make_note, make_media, client_for):
    owner = make_user("owner")
    reader = make_user("reader")
    User.objects.filter(pk=owner.pk).update(avatar=make_media(owner))
    follow(reader, owner)
    client = client_for(reader)

    def add_notes(n):
        for i in range(n):
            note = make_note(
                owner, images=3, body=f"#tag{i} #common @reader", visibility="followers"
            )
            Like.objects.create(user=reader, note=note)

    add_notes(2)
    client.get("/api/v1/me")  # the token's first use records last_used_at: not part of a page
    with CaptureQueriesContext(connection) as two:
        assert len(ids(client.get("/api/v1/users/owner/notes"))) == 2
    add_notes(18)
    with CaptureQueriesContext(connection) as twenty:
        r = client.get("/api/v1/users/owner/notes")
        assert len(ids(r)) == 20
    assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]
    item = r.json()["items"][0]
    assert len(item["media"]) == 3
    assert item["hashtags"] == ["tag17", "common"]
    assert item["mentions"] == ["reader"]
    assert item["viewer"] == {"liked": True, "collected": False}
    assert item["author"]["avatar"] is not None
    assert item["author"]["viewer"]["following"] is True


def test_likes_list_shows_only_notes_you_may_see(make_user, make_note, client_for, anon):
    liker = make_user("liker")
    author = make_user("author")
    stranger = make_user("stranger")
    public = make_note(author, title="public")
    private = make_note(author, title="private", visibility="private")
    own_private = make_note(liker, title="mine", visibility="private")
    for note in (public, private, own_private):
        Like.objects.create(user=liker, note=note)
    # Newest like first; the liker sees their own private note, not the author's private one.
    assert ids(client_for(liker).get("/api/v1/users/liker/likes")) == [
        str(own_private.id),
        str(public.id),
    ]
    assert ids(anon.get("/api/v1/users/liker/likes")) == [str(public.id)]
    assert ids(client_for(stranger).get("/api/v1/users/liker/likes")) == [str(public.id)]
    admin = make_user("janitor")
    User.objects.filter(pk=admin.pk).update(is_staff=True)
    admin.refresh_from_db()
    assert len(ids(client_for(admin).get("/api/v1/users/liker/likes"))) == 3
    # Someone the liker blocks can't see their lists at all; someone they blocked sees no
    # notes of the blocked author's.
    block(liker, stranger)
    assert client_for(stranger).get("/api/v1/users/liker/likes").status_code == 404
    block(author, liker)
    assert ids(client_for(liker).get("/api/v1/users/liker/likes")) == [str(own_private.id)]


def test_collects_from_private_boards_are_the_owners_only(make_user, make_note, client_for, anon):
    collector = make_user("collector")
    author = make_user("author")
    in_public = make_note(author, title="a")
    in_private = make_note(author, title="b")
    default = ensure_default_board(collector)
    secret = Board.objects.create(owner=collector, name="secret", is_private=True)
    Collect.objects.create(user=collector, note=in_public, board=default)
    Collect.objects.create(user=collector, note=in_private, board=secret)
    assert ids(client_for(collector).get("/api/v1/users/collector/collects")) == [
        str(in_private.id),
        str(in_public.id),
    ]
    assert ids(anon.get("/api/v1/users/collector/collects")) == [str(in_public.id)]
    assert ids(client_for(author).get("/api/v1/users/collector/collects")) == [str(in_public.id)]
    r = client_for(collector).get("/api/v1/users/collector/collects")
    assert r.json()["items"][0]["viewer"] == {"liked": False, "collected": True}


def test_likes_list_pages(make_user, make_note, anon):
    liker = make_user("liker")
    author = make_user("author")
    notes = [make_note(author) for _ in range(25)]
    for note in reversed(notes):  # like the oldest note last: it is first in the list
        Like.objects.create(user=liker, note=note)
    assert all_pages(anon, "/api/v1/users/liker/likes") == [str(n.id) for n in notes]


@pytest.mark.parametrize("kind", ["likes", "collects"])
def test_likes_and_collects_lists_have_constant_queries(kind, make_user, make_note, client_for):
    from vermilion.engagement import services as engagement

    fan = make_user("fan")
    reader = make_user("reader2")
    client = client_for(reader)
    authors = []

    def add(n):
        for _ in range(n):
            author = make_user()
            authors.append(author)
            note = make_note(author, images=2, body="#tag")
            if kind == "likes":
                engagement.like(fan, note)
            else:
                engagement.collect(fan, note)

    add(2)
    client.get("/api/v1/me")
    with CaptureQueriesContext(connection) as two:
        assert len(ids(client.get(f"/api/v1/users/fan/{kind}"))) == 2
    add(18)
    with CaptureQueriesContext(connection) as twenty:
        assert len(ids(client.get(f"/api/v1/users/fan/{kind}"))) == 20
    assert len(twenty) == len(two)
