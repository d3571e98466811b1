""" "Not interested": hides of a note, an author or a topic; listing and undoing them."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.core.errors import Invalid, NotFound
from vermilion.feed import services
from vermilion.feed.models import Event, Hide, NoteFeatures
from vermilion.feed.queries import hidden_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/events"


@pytest.fixture
def reader(make_user):
    return make_user("reader")


@pytest.fixture
def author(make_user):
    return make_user("author")


def hide_event(client, note, scope=None):
    event = {"type": "hide", "note_id": str(note.id)}
    if scope:
        event["scope"] = scope
    r = client.post(URL, {"events": [event]})
    assert r.status_code == 200, r.content
    return r.json()


def test_hide_a_note(reader, author, make_note, client_for):
    note = make_note(author)
    body = hide_event(client_for(reader), note)
    assert body["accepted"] == 1 and body["errors"] == []
    made = body["hides"][0]
    assert made["index"] == 0
    assert made["hide"]["scope"] == "note" and made["hide"]["note_id"] == str(note.id)
    assert made["hide"]["author"] is None and made["hide"]["topic"] is None
    row = Hide.objects.get(user=reader)
    assert str(row.id) == made["hide"]["id"] and row.note_id == note.id
    # The negative signal is logged for the ranker too.
    assert Event.objects.filter(user=reader, type="hide", note=note).count() == 1
    assert hidden_for(reader) == ({note.id}, set(), set())


def test_hide_an_author(reader, author, make_note, client_for):
    note = make_note(author)
    body = hide_event(client_for(reader), note, "author")
    hide = body["hides"][0]["hide"]
    assert hide["scope"] == "author" and hide["note_id"] is None
    assert hide["author"] == {
        "id": str(author.id),
        "username": "author",
        "display_name": author.display_name or "author",
    }
    assert hidden_for(reader) == (set(), {author.id}, set())


def test_hide_a_topic_from_the_note_features(reader, author, make_note, client_for):
    note = make_note(author, hashtags=["travel"])
    NoteFeatures.objects.create(note=note, topics={"food": 0.4, "pets": 0.9, "unknown": 5})
    hide = hide_event(client_for(reader), note, "topic")["hides"][0]["hide"]
    # The strongest known interest wins over the hashtag and over slugs not in the catalogue.
    assert hide["scope"] == "topic"
    assert hide["topic"] == {"slug": "pets", "name_en": "Pets", "name_zh": "萌宠"}
    assert hidden_for(reader) == (set(), set(), {"pets"})


def test_hide_a_topic_from_the_first_hashtag_naming_an_interest(
    reader, author, make_note, client_for
):
    note = make_note(author, hashtags=["weekend", "美食", "travel"])
    hide = hide_event(client_for(reader), note, "topic")["hides"][0]["hide"]
    assert hide["topic"]["slug"] == "food"  # #美食 is the Chinese name of "food"


def test_a_note_without_a_topic_cannot_be_hidden_by_topic(reader, author, make_note, client_for):
    note = make_note(author, hashtags=["weekend"])
    body = hide_event(client_for(reader), note, "topic")
    assert body["accepted"] == 0 and body["hides"] == []
    assert body["errors"][0]["code"] == "no_topic" and body["errors"][0]["index"] == 0
    assert not Hide.objects.exists() and not Event.objects.exists()


def test_you_cannot_hide_yourself(reader, make_note, client_for):
    note = make_note(reader)
    body = hide_event(client_for(reader), note, "author")
    assert body["errors"][0]["code"] == "cannot_hide_self"
    assert not Hide.objects.exists()


def test_hiding_is_idempotent(reader, author, make_note, client_for):
    client = client_for(reader)
    first, second = make_note(author), make_note(author)
    a = hide_event(client, first, "author")["hides"][0]["hide"]["id"]
    b = hide_event(client, first, "author")["hides"][0]["hide"]["id"]
    c = hide_event(client, second, "author")["hides"][0]["hide"]["id"]  # same author
    assert a == b == c
    n1 = hide_event(client, first)["hides"][0]["hide"]["id"]
    n2 = hide_event(client, first)["hides"][0]["hide"]["id"]
    assert n1 == n2
    assert Hide.objects.filter(user=reader).count() == 2
    # One hide event per (hide, note): the repeat counted once.
    assert Event.objects.filter(user=reader, type="hide").count() == 3


def test_hides_of_several_scopes_in_one_batch(reader, author, make_note, client_for):
    note = make_note(author, hashtags=["food"])
    r = client_for(reader).post(
        URL,
        {
            "events": [
                {"type": "impression", "note_id": str(note.id)},
                {"type": "hide", "note_id": str(note.id)},
                {"type": "hide", "note_id": str(note.id), "scope": "author"},
                {"type": "hide", "note_id": str(note.id), "scope": "topic"},
            ]
        },
    )
    body = r.json()
    assert body["accepted"] == 4
    assert [(m["index"], m["hide"]["scope"]) for m in body["hides"]] == [
        (1, "note"),
        (2, "author"),
        (3, "topic"),
    ]
    assert hidden_for(reader) == ({note.id}, {author.id}, {"food"})


def test_undo(reader, author, make_note, client_for):
    client = client_for(reader)
    note = make_note(author)
    hide_id = hide_event(client, note, "author")["hides"][0]["hide"]["id"]
    assert client.delete(f"/api/v1/me/hides/{hide_id}").status_code == 204
    assert not Hide.objects.exists()
    # The undone "not interested" is not left behind as a negative signal.
    assert not Event.objects.filter(type="hide").exists()
    assert client.delete(f"/api/v1/me/hides/{hide_id}").status_code == 404
    # And it can be hidden again.
    assert hide_event(client, note, "author")["hides"][0]["hide"]["id"] != hide_id


def test_undo_keeps_other_hides_and_events(reader, author, make_note, client_for):
    client = client_for(reader)
    first, second = make_note(author), make_note(author)
    keep = hide_event(client, first)["hides"][0]["hide"]["id"]
    drop = hide_event(client, second)["hides"][0]["hide"]["id"]
    client.post(URL, {"events": [{"type": "view", "note_id": str(second.id)}]})
    assert client.delete(f"/api/v1/me/hides/{drop}").status_code == 204
    assert [str(h.id) for h in Hide.objects.all()] == [keep]
    assert set(Event.objects.values_list("type", "note_id")) == {
        ("hide", first.id),
        ("view", second.id),
    }


def test_someone_elses_hide_cannot_be_deleted(reader, author, make_user, make_note, client_for):
    note = make_note(author)
    hide_id = hide_event(client_for(reader), note)["hides"][0]["hide"]["id"]
    r = client_for(make_user("intruder")).delete(f"/api/v1/me/hides/{hide_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for bad in ("abc", "0", str(2**64)):
        assert client_for(reader).delete(f"/api/v1/me/hides/{bad}").status_code == 404
    assert Hide.objects.count() == 1


def test_hides_need_sign_in(anon, reader, author, make_note):
    hide = services.hide(reader, make_note(author))
    assert anon.get("/api/v1/me/hides").status_code == 401
    assert anon.delete(f"/api/v1/me/hides/{hide.id}").status_code == 401
    assert Hide.objects.count() == 1


def test_list_hides_newest_first_in_pages(
    reader, author, make_user, make_note, client_for, monkeypatch
):
    from vermilion.feed import queries

    monkeypatch.setattr(queries, "HIDES_PAGE_SIZE", 3)
    notes = [make_note(author) for _ in range(4)]
    made = [services.hide(reader, n) for n in notes]
    services.hide(make_user("someone"), notes[0])  # not mine
    client = client_for(reader)
    first = client.get("/api/v1/me/hides").json()
    assert [h["id"] for h in first["items"]] == [str(h.id) for h in reversed(made)][:3]
    second = client.get("/api/v1/me/hides", {"cursor": first["next_cursor"]}).json()
    assert [h["id"] for h in second["items"]] == [str(made[0].id)]
    assert second["next_cursor"] is None
    r = client.get("/api/v1/me/hides", {"cursor": "garbage"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_cursor"


def test_list_hides_query_count_is_constant(reader, make_user, make_note, client_for):
    client = client_for(reader)
    client.get("/api/v1/me/hides")  # first use of the token

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/me/hides").status_code == 200
        return len(ctx.captured_queries)

    note = make_note(make_user("one"), hashtags=["food"])
    services.hide(reader, note, "author")
    services.hide(reader, note, "topic")
    few = cost()
    for i in range(5):
        other = make_note(make_user(f"more{i}"), hashtags=["pets"])
        services.hide(reader, other, "author")
        services.hide(reader, other)
    assert cost() == few


def test_the_service_raises_clear_errors(reader, author, make_note):
    with pytest.raises(NotFound):
        services.hide(reader, make_note(author, visibility="private"))
    with pytest.raises(Invalid) as caught:
        services.hide(reader, make_note(author), "topic")
    assert caught.value.code == "no_topic"
    with pytest.raises(NotFound):
        services.unhide(reader, "12345")
