"""Editing and deleting notes, and the counters that must follow."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import F

from vermilion.accounts.models import User
from vermilion.accounts.services import block
from vermilion.engagement.models import Board, Collect, Like
from vermilion.engagement.services import ensure_default_board
from vermilion.media.models import Media
from vermilion.notes.models import Hashtag, Note, NoteMedia
from vermilion.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(make_user):
    return make_user("mei")


@pytest.fixture
def api(author, client_for):
    return client_for(author)


def tag_counts():
    return dict(Hashtag.objects.values_list("key", "notes_count"))


def patch(api, note, **changes):
    return api.patch(f"/api/v1/notes/{note.id}", changes)


def test_edit_text_place_and_visibility(api, author, make_note):
    note = make_note(author, title="Before", body="old", place={"name": "Chengdu"})
    created = api.get(f"/api/v1/notes/{note.id}").json()
    r = patch(api, note, title="After", body="new body", visibility="private")
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["title"], data["body"], data["visibility"]) == ("After", "new body", "private")
    assert data["place"] == {"name": "Chengdu", "lat": None, "lon": None}  # untouched
    assert data["updated_at"] > created["updated_at"]
    assert data["created_at"] == created["created_at"]
    r = patch(api, note, place={"name": "Lhasa", "lat": 29.65, "lon": 91.1})
    assert r.json()["place"] == {"name": "Lhasa", "lat": 29.65, "lon": 91.1}
    r = patch(api, note, place=None)
    assert r.json()["place"] is None
    assert r.json()["title"] == "After"


def test_edit_validates_like_create(api, author, make_note):
    note = make_note(author, title="Keep")
    assert patch(api, note, title="一" * 21).status_code == 400
    assert patch(api, note, title="").status_code == 400
    assert patch(api, note, title=None).status_code == 400
    assert patch(api, note, body="x" * 1001).status_code == 400
    assert patch(api, note, visibility="secret").status_code == 400
    assert patch(api, note, place={"name": "x", "lat": 100, "lon": 0}).status_code == 400
    note.refresh_from_db()
    assert note.title == "Keep"


def test_hashtag_counts_follow_edits_and_deletes(api, author, make_note):
    note = make_note(author, body="#成都美食 #火锅", hashtags=["travel"])
    other = make_note(author, body="#火锅")
    assert tag_counts() == {"成都美食": 1, "火锅": 2, "travel": 1}
    # Editing the body re-derives typed tags and keeps the listed one.
    r = patch(api, note, body="now only #Spicy")
    assert r.json()["hashtags"] == ["Spicy", "travel"]
    assert tag_counts() == {"成都美食": 0, "火锅": 1, "travel": 1, "spicy": 1}
    # A new list replaces the listed tags; typed ones stay.
    r = patch(api, note, hashtags=["#成都美食", "spicy"])
    assert r.json()["hashtags"] == ["Spicy", "成都美食"]
    assert tag_counts() == {"成都美食": 1, "火锅": 1, "travel": 0, "spicy": 1}
    # Editing only the title leaves tags alone.
    patch(api, note, title="Renamed")
    assert tag_counts() == {"成都美食": 1, "火锅": 1, "travel": 0, "spicy": 1}
    assert api.delete(f"/api/v1/notes/{note.id}").status_code == 204
    assert tag_counts() == {"成都美食": 0, "火锅": 1, "travel": 0, "spicy": 0}
    assert api.delete(f"/api/v1/notes/{other.id}").status_code == 204
    assert set(tag_counts().values()) == {0}


def test_new_mentions_notify_once(api, author, make_user, make_note):
    lan = make_user("lan")
    yu = make_user("yuki")
    note = make_note(author, body="hi @lan")
    assert Notification.objects.filter(recipient=lan, verb="mention").count() == 1
    r = patch(api, note, body="hi @lan and @yuki")
    assert r.json()["mentions"] == ["lan", "yuki"]
    assert Notification.objects.filter(recipient=lan, verb="mention").count() == 1
    assert Notification.objects.filter(recipient=yu, verb="mention").count() == 1
    r = patch(api, note, body="nobody")
    assert r.json()["mentions"] == []


def test_edit_mention_of_someone_who_blocks_you(api, author, make_user, make_note):
    lan = make_user("lan")
    note = make_note(author)
    block(lan, author)
    r = patch(api, note, body="@lan")
    assert r.json()["mentions"] == []
    assert Notification.objects.filter(recipient=lan).count() == 0


def test_reorder_add_and_remove_images(api, author, make_note, make_media):
    note = make_note(author, images=3)
    a, b, c = [str(i) for i in NoteMedia.objects.filter(note=note).values_list("media", flat=True)]
    r = patch(api, note, media_ids=[c, a, b])
    assert r.status_code == 200, r.content
    assert [m["id"] for m in r.json()["media"]] == [c, a, b]
    assert r.json()["cover"]["id"] == c
    d = str(make_media(author).id)
    r = patch(api, note, media_ids=[d, b])
    assert [m["id"] for m in r.json()["media"]] == [d, b]
    # Images taken off stay the author's uploads and can be attached to a new note.
    assert Media.objects.filter(pk__in=[a, c]).count() == 2
    r = api.post("/api/v1/notes", {"title": "reuse", "media_ids": [a, c]})
    assert r.status_code == 201


def test_edit_media_rules(api, author, make_user, make_note, make_media):
    note = make_note(author, images=2)
    mine = [str(i) for i in NoteMedia.objects.filter(note=note).values_list("media", flat=True)]
    taken = make_note(author)
    taken_id = str(NoteMedia.objects.get(note=taken).media_id)
    cases = [
        ([], 400, "media_required"),
        ([*mine, *(str(make_media(author).id) for _ in range(17))], 400, "too_many_media"),
        ([mine[0], mine[0]], 400, "duplicate_media"),
        ([mine[0], str(make_media(make_user()).id)], 400, "media_not_found"),
        ([mine[0], str(make_media(author, status="processing").id)], 409, "media_not_ready"),
        ([mine[0], taken_id], 409, "media_in_use"),
    ]
    for media_ids, status, code in cases:
        r = patch(api, note, media_ids=media_ids)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), media_ids
    r = api.get(f"/api/v1/notes/{note.id}")
    assert [m["id"] for m in r.json()["media"]] == mine


def test_service_edit_rejects_unknown_fields(author, make_note):
    from vermilion.core.errors import Invalid
    from vermilion.notes.services import update_note

    note = make_note(author)
    with pytest.raises(Invalid):
        update_note(author, note, author_id=1)


def _like(user, note):
    Like.objects.create(user=user, note=note)
    Note.objects.filter(pk=note.pk).update(likes_count=F("likes_count") + 1)
    User.objects.filter(pk=note.author_id).update(
        likes_received_count=F("likes_received_count") + 1
    )


def _collect(user, note, board=None):
    board = board or ensure_default_board(user)
    Collect.objects.create(user=user, note=note, board=board)
    Board.objects.filter(pk=board.pk).update(notes_count=F("notes_count") + 1)
    return board


def test_delete_keeps_counters_right(api, author, make_user, make_note):
    fans = [make_user() for _ in range(3)]
    note = make_note(author, hashtags=["gone"])
    kept = make_note(author, hashtags=["gone"])
    for fan in fans:
        _like(fan, note)
    _like(fans[0], kept)
    board = _collect(fans[0], note)
    _collect(fans[0], kept, board)
    author.refresh_from_db()
    assert (author.notes_count, author.likes_received_count) == (2, 4)

    assert api.delete(f"/api/v1/notes/{note.id}").status_code == 204
    author.refresh_from_db()
    assert (author.notes_count, author.likes_received_count) == (1, 1)
    assert Hashtag.objects.get(key="gone").notes_count == 1
    board.refresh_from_db()
    assert board.notes_count == 1
    assert not Like.objects.filter(note_id=note.pk).exists()
    assert api.get(f"/api/v1/notes/{note.id}").status_code == 404
    assert api.delete(f"/api/v1/notes/{note.id}").status_code == 404


def test_delete_removes_media_rows_and_files(api, author, make_note, run_jobs):
    note = make_note(author, images=2)
    media = list(Media.objects.filter(attachment__note=note))
    public, private = storages["default"], storages["private"]
    for m in media:
        m.original_path = f"originals/{m.id}.jpg"
        m.save(update_fields=["original_path"])
        private.save(m.original_path, ContentFile(b"original"))
        for rendition in m.renditions.values():
            public.save(rendition["path"], ContentFile(b"rendition"))
    # An image that is also the author's avatar keeps its row and files.
    User.objects.filter(pk=author.pk).update(avatar=media[1])

    assert api.delete(f"/api/v1/notes/{note.id}").status_code == 204
    assert list(Media.objects.filter(pk__in=[m.pk for m in media])) == [media[1]]
    run_jobs()
    assert not private.exists(media[0].original_path)
    assert not any(public.exists(r["path"]) for r in media[0].renditions.values())
    assert private.exists(media[1].original_path)
    assert all(public.exists(r["path"]) for r in media[1].renditions.values())
    run_jobs()  # nothing left, nothing fails
