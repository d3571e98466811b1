"""Publishing a note: the rules a creator meets, through the API and the service."""

from __future__ import annotations

import pytest

from vermilion.accounts.models import User
from vermilion.accounts.services import block
from vermilion.notes.models import Hashtag, Note, NoteMedia
from vermilion.notifications.models import Notification

pytestmark = pytest.mark.django_db

FAMILY = "👨‍👩‍👧‍👦"


@pytest.fixture
def author(make_user):
    return make_user("mei")


@pytest.fixture
def api(author, client_for):
    return client_for(author)


def post(api, media_ids, **fields):
    fields.setdefault("title", "Hot pot")
    return api.post("/api/v1/notes", {"media_ids": [str(m) for m in media_ids], **fields})


def ready_ids(make_media, owner, n=1):
    return [make_media(owner).id for _ in range(n)]


def error_code(response):
    return response.json()["error"]["code"]


def test_create_returns_the_note_in_order(api, author, make_media):
    ids = ready_ids(make_media, author, 3)
    r = post(api, ids, body="Spicy and good", visibility="followers")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["title"] == "Hot pot"
    assert data["body"] == "Spicy and good"
    assert data["kind"] == "image"
    assert data["visibility"] == "followers"
    assert [m["id"] for m in data["media"]] == [str(i) for i in ids]
    assert data["cover"]["id"] == str(ids[0])
    assert data["cover"]["urls"]["thumb"].endswith("thumb.webp")
    assert data["author"]["username"] == "mei"
    assert data["counts"] == {"likes": 0, "collects": 0, "comments": 0}
    assert data["viewer"] == {"liked": False, "collected": False}
    assert data["place"] is None
    assert isinstance(data["id"], str)
    author.refresh_from_db()
    assert author.notes_count == 1
    # Read back: the same note, same order.
    again = api.get(f"/api/v1/notes/{data['id']}").json()
    assert [m["id"] for m in again["media"]] == [str(i) for i in ids]


def test_create_requires_sign_in(anon, author, make_media):
    r = post(anon, ready_ids(make_media, author))
    assert r.status_code == 401
    assert Note.objects.count() == 0


@pytest.mark.parametrize(
    "title",
    ["一二三四五六七八九十一二三四五六七八九十", FAMILY * 20, "😀" * 19 + FAMILY, "a" * 20],
)
def test_title_of_twenty_characters_fits(api, author, make_media, title):
    r = post(api, ready_ids(make_media, author), title=title)
    assert r.status_code == 201, r.content
    assert r.json()["title"] == title


@pytest.mark.parametrize(
    "title", ["一二三四五六七八九十一二三四五六七八九十一", FAMILY * 21, "a" * 21]
)
def test_title_of_twenty_one_characters_is_refused(api, author, make_media, title):
    r = post(api, ready_ids(make_media, author), title=title)
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "title"
    assert Note.objects.count() == 0


@pytest.mark.parametrize("title", ["", "   ", "\u0000\u0001"])
def test_title_is_required(api, author, make_media, title):
    r = post(api, ready_ids(make_media, author), title=title)
    assert r.status_code == 400
    assert error_code(r) == "title_required"


def test_title_is_cleaned(api, author, make_media):
    r = post(api, ready_ids(make_media, author), title="  Hot \n pot\u0007  ")
    assert r.json()["title"] == "Hot pot"


def test_body_length_in_characters(api, author, make_media):
    r = post(api, ready_ids(make_media, author), body="好" * 1000)
    assert r.status_code == 201
    r = post(api, ready_ids(make_media, author), body="好" * 1001)
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "body"
    r = post(api, ready_ids(make_media, author), body=FAMILY * 1000)
    assert r.status_code == 201


def test_hashtags_from_body_and_list(api, author, make_media):
    r = post(
        api,
        ready_ids(make_media, author),
        body="周末吃了 #成都美食 还有#火锅 and #HotPot!",
        hashtags=["#travel", "hotpot", "成都美食", "旅行_2024"],
    )
    assert r.status_code == 201, r.content
    assert r.json()["hashtags"] == ["成都美食", "火锅", "HotPot", "travel", "旅行_2024"]
    counts = dict(Hashtag.objects.values_list("key", "notes_count"))
    assert counts == {"成都美食": 1, "火锅": 1, "hotpot": 1, "travel": 1, "旅行_2024": 1}
    # A second note with the same tag in another spelling shares the tag.
    post(api, ready_ids(make_media, author), hashtags=["HOTPOT"])
    assert Hashtag.objects.get(key="hotpot").notes_count == 2
    assert Hashtag.objects.get(key="hotpot").name == "HotPot"


@pytest.mark.parametrize("tag", ["", "#", "two words", "a-b", "x" * 51, "<b>"])
def test_bad_hashtags_are_refused(api, author, make_media, tag):
    r = post(api, ready_ids(make_media, author), hashtags=[tag])
    assert r.status_code == 400
    assert error_code(r) == "invalid_hashtag"


def test_at_most_thirty_hashtags(api, author, make_media):
    tags = [f"tag{i}" for i in range(30)]
    assert post(api, ready_ids(make_media, author), hashtags=tags).status_code == 201
    r = post(api, ready_ids(make_media, author), hashtags=[*tags, "one_more"])
    assert r.status_code == 400
    assert error_code(r) == "too_many_hashtags"
    r = post(api, ready_ids(make_media, author), body="#extra", hashtags=tags)
    assert error_code(r) == "too_many_hashtags"


def test_mentions_are_stored_and_notified(api, author, make_user, make_media):
    lan = make_user("lan")
    r = post(api, ready_ids(make_media, author), title="with @LAN", body="hi @nobody_here @mei")
    assert r.status_code == 201
    assert r.json()["mentions"] == ["lan", "mei"]
    note = Note.objects.get()
    mention = Notification.objects.get(verb="mention")
    assert (mention.recipient_id, mention.actor_id, mention.note_id) == (lan.pk, author.pk, note.pk)
    # No notification for mentioning yourself.
    assert Notification.objects.filter(recipient=author).count() == 0


def test_mentions_skip_inactive_users(api, author, make_user, make_media):
    gone = make_user("gone")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    r = post(api, ready_ids(make_media, author), body="@gone")
    assert r.json()["mentions"] == []
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("direction", ["author_blocks", "mentioned_blocks"])
def test_no_mention_across_a_block(api, author, make_user, make_media, direction):
    lan = make_user("lan")
    if direction == "author_blocks":
        block(author, lan)
    else:
        block(lan, author)
    r = post(api, ready_ids(make_media, author), body="hello @lan")
    assert r.status_code == 201
    assert r.json()["mentions"] == []
    assert Notification.objects.filter(recipient=lan).count() == 0


# --- media rules -------------------------------------------------------------------------------


def test_media_of_someone_else_is_refused(api, make_user, make_media):
    other = make_user()
    r = post(api, [make_media(other).id])
    assert r.status_code == 400
    assert error_code(r) == "media_not_found"
    assert Note.objects.count() == 0


def test_unknown_media_is_refused(api):
    r = post(api, [123456789])
    assert r.status_code == 400
    assert error_code(r) == "media_not_found"


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1.5", "99999999999999999999999", "١٢٣", ""])
def test_malformed_media_ids_are_refused(api, bad):
    r = api.post("/api/v1/notes", {"title": "x", "media_ids": [bad]})
    assert r.status_code == 400
    assert error_code(r) == "invalid_media"


def test_media_ids_must_be_a_list_of_strings(api):
    r = api.post("/api/v1/notes", {"title": "x", "media_ids": "12"})
    assert r.status_code == 422
    r = api.post("/api/v1/notes", {"title": "x"})
    assert r.status_code == 422


def test_processing_media_is_a_conflict(api, author, make_media):
    media = make_media(author, status="processing")
    r = post(api, [make_media(author).id, media.id])
    assert r.status_code == 409
    assert error_code(r) == "media_not_ready"
    assert "processed" in r.json()["error"]["message"]
    assert Note.objects.count() == 0
    assert NoteMedia.objects.count() == 0


def test_failed_media_is_invalid(api, author, make_media):
    r = post(api, [make_media(author, status="failed").id])
    assert r.status_code == 400
    assert error_code(r) == "media_failed"


def test_between_one_and_eighteen_images(api, author, make_media):
    r = post(api, [])
    assert r.status_code == 400
    assert error_code(r) == "media_required"
    r = post(api, ready_ids(make_media, author, 19))
    assert r.status_code == 400
    assert error_code(r) == "too_many_media"
    r = post(api, ready_ids(make_media, author, 18))
    assert r.status_code == 201
    assert len(r.json()["media"]) == 18


def test_duplicate_media_is_refused(api, author, make_media):
    media = make_media(author)
    r = post(api, [media.id, media.id])
    assert r.status_code == 400
    assert error_code(r) == "duplicate_media"


def test_media_cannot_be_used_twice(api, author, make_media):
    media = make_media(author)
    assert post(api, [media.id]).status_code == 201
    r = post(api, [make_media(author).id, media.id])
    assert r.status_code == 409
    assert error_code(r) == "media_in_use"
    assert Note.objects.count() == 1
    author.refresh_from_db()
    assert author.notes_count == 1


def test_video_note_is_exactly_one_video(api, author, make_media):
    video = make_media(author, kind="video")
    r = post(api, [video.id, make_media(author).id])
    assert r.status_code == 400
    assert error_code(r) == "mixed_media"
    r = post(api, [video.id])
    assert r.status_code == 201
    assert r.json()["kind"] == "video"
    assert r.json()["cover"]["kind"] == "video"


# --- place and visibility --------------------------------------------------------------------


def test_place_with_and_without_coordinates(api, author, make_media):
    place = {"name": "宽窄巷子, Chengdu", "lat": 30.67, "lon": 104.05}
    r = post(api, ready_ids(make_media, author), place=place)
    assert r.status_code == 201
    assert r.json()["place"] == place
    r = post(api, ready_ids(make_media, author), place={"name": "Home"})
    assert r.json()["place"] == {"name": "Home", "lat": None, "lon": None}


@pytest.mark.parametrize(
    "place",
    [
        {"name": ""},
        {"name": "  "},
        {"name": "x" * 101},
        {"name": "Pole", "lat": 90.5, "lon": 0},
        {"name": "Pole", "lat": -91, "lon": 0},
        {"name": "Line", "lat": 0, "lon": 180.01},
        {"name": "Line", "lat": 0, "lon": -181},
        {"name": "Half", "lat": 10},
        {"name": "Half", "lon": 10},
    ],
)
def test_bad_places_are_refused(api, author, make_media, place):
    r = post(api, ready_ids(make_media, author), place=place)
    assert r.status_code == 400, r.content
    assert r.json()["error"]["field"].startswith("place")
    assert Note.objects.count() == 0


def test_place_edges_are_allowed(api, author, make_media):
    place = {"name": "x" * 100, "lat": -90, "lon": 180}
    r = post(api, ready_ids(make_media, author), place=place)
    assert r.status_code == 201
    assert r.json()["place"] == {"name": "x" * 100, "lat": -90.0, "lon": 180.0}


def test_place_with_non_number_coordinates(api, author, make_media):
    r = post(api, ready_ids(make_media, author), place={"name": "x", "lat": "north", "lon": 1})
    assert r.status_code == 422


def test_bad_visibility_is_refused(api, author, make_media):
    r = post(api, ready_ids(make_media, author), visibility="friends")
    assert r.status_code == 400
    assert error_code(r) == "invalid_visibility"


XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.mark.parametrize("payload", XSS)
def test_markup_is_stored_and_returned_as_text(api, author, make_media, payload):
    r = post(
        api,
        ready_ids(make_media, author),
        title=payload[:20],
        body=payload,
        place={"name": payload},
    )
    assert r.status_code == 201, r.content
    data = api.get(f"/api/v1/notes/{r.json()['id']}").json()
    assert data["title"] == payload[:20]
    assert data["body"] == payload
    assert data["place"]["name"] == payload
    assert Note.objects.get().body == payload


def test_service_refuses_bad_types(author, make_media):
    from vermilion.core.errors import Invalid
    from vermilion.notes.services import create_note

    with pytest.raises(Invalid):
        create_note(author, title=None, media_ids=[make_media(author).id])
    with pytest.raises(Invalid):
        create_note(author, title="x", media_ids="1")
    with pytest.raises(Invalid):
        create_note(author, title="x", media_ids=[True])
    with pytest.raises(Invalid):
        create_note(author, title="x", media_ids=[make_media(author).id], place="Chengdu")
    with pytest.raises(Invalid):
        create_note(
            author,
            title="x",
            media_ids=[make_media(author).id],
            place={"name": "x", "lat": float("nan"), "lon": 1},
        )
    note = create_note(author, title="x", media_ids=[make_media(author).id])  # ints are fine
    assert note.kind == "image"
