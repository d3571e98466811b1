"""Feed settings: ranked or latest, and resetting recommendations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vermilion.feed import services
from vermilion.feed.models import Event, FeedPreference, FeedState, Hide
from vermilion.feed.queries import feed_preference, hidden_for, recently_seen_note_ids

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/feed"


def test_defaults_without_writing_a_row(make_user, client_for):
    me = make_user("reader")
    r = client_for(me).get(URL)
    assert r.status_code == 200
    assert r.json() == {"mode": "ranked", "reset_at": None}
    assert not FeedPreference.objects.exists()


def test_switch_mode(make_user, client_for):
    me = make_user("reader")
    client = client_for(me)
    r = client.put(URL, {"mode": "latest"})
    assert r.status_code == 200 and r.json()["mode"] == "latest"
    assert client.get(URL).json()["mode"] == "latest"
    assert feed_preference(me).mode == "latest"
    assert client.put(URL, {"mode": "ranked"}).json()["mode"] == "ranked"
    assert FeedPreference.objects.get(user=me).mode == "ranked"


def test_bad_mode(make_user, client_for):
    client = client_for(make_user("reader"))
    r = client.put(URL, {"mode": "chronological"})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "invalid_mode",
        "message": "mode must be ranked or latest.",
        "field": "mode",
    }
    assert client.put(URL, {}).status_code == 422
    assert client.put(URL, {"mode": "x" * 21}).status_code == 422
    assert not FeedPreference.objects.exists()


def test_reset_clears_events_and_the_seen_set_but_keeps_hides(make_user, make_note, client_for):
    me = make_user("reader")
    other = make_user("other")
    author = make_user("author")
    notes = [make_note(author) for _ in range(3)]
    client = client_for(me)
    client.post(
        "/api/v1/events",
        {
            "events": [
                {"type": "impression", "note_id": str(notes[0].id)},
                {"type": "view", "note_id": str(notes[1].id)},
                {"type": "hide", "note_id": str(notes[2].id), "scope": "author"},
            ]
        },
    )
    services.record_events(other, [{"type": "view", "note_id": str(notes[0].id)}])
    services.set_feed_mode(me, "latest")
    before = timezone.now() - timedelta(seconds=1)
    assert recently_seen_note_ids(me, before) == {notes[0].id, notes[1].id}
    # The discover engine's state for each person (notes it served them, sessions).
    for person in (me, other):
        FeedState.objects.create(key=f"u:{person.pk}", data=b"x")

    r = client.post(f"{URL}/reset")
    assert r.status_code == 204
    assert not Event.objects.filter(user=me).exists()
    assert Event.objects.filter(user=other).count() == 1  # nobody else's
    assert recently_seen_note_ids(me, before) == set()
    assert list(FeedState.objects.values_list("key", flat=True)) == [f"u:{other.pk}"]
    assert Hide.objects.filter(user=me).count() == 1
    assert hidden_for(me) == (set(), {author.id}, set())
    settings = client.get(URL).json()
    assert settings["mode"] == "latest"  # the choice of ordering stays too
    reset_at = FeedPreference.objects.get(user=me).reset_at
    assert reset_at is not None and reset_at >= before
    assert settings["reset_at"] is not None


def test_settings_need_sign_in(anon):
    assert anon.get(URL).status_code == 401
    assert anon.put(URL, {"mode": "latest"}).status_code == 401
    assert anon.post(f"{URL}/reset").status_code == 401
    assert not FeedPreference.objects.exists()


def test_openapi_documents_the_endpoints_and_their_errors(anon):
    paths = anon.get("/api/openapi.json").json()["paths"]
    events = paths["/api/v1/events"]["post"]["responses"]
    assert {"200", "401", "413", "422", "429"} <= set(events)
    assert {"200", "401"} <= set(paths["/api/v1/me/hides"]["get"]["responses"])
    assert {"204", "404"} <= set(paths["/api/v1/me/hides/{hide_id}"]["delete"]["responses"])
    assert {"200", "400", "401"} <= set(paths["/api/v1/me/feed"]["put"]["responses"])
    assert "204" in paths["/api/v1/me/feed/reset"]["post"]["responses"]
