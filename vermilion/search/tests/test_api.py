"""``GET /api/v1/search`` and the endpoints around the search box, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vermilion.accounts.services import block, update_profile
from vermilion.search import services
from vermilion.search.models import QueryLog, SearchHistory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, make_note):
    chef = make_user("chef_wang", display_name="王火锅")
    notes = [
        make_note(chef, title="Chengdu hotpot", body="Spicy broth #火锅 #hotpot"),
        make_note(chef, title="成都火锅推荐", body="牛油锅底 #火锅"),
        make_note(chef, title="Sushi night", body="Tokyo #sushi"),
    ]
    return chef, notes


def test_notes_search_returns_notes_with_match_and_snippet(anon, world):
    chef, notes = world
    response = anon.get("/api/v1/search", {"q": "hotpot"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "notes"
    first = body["items"][0]
    assert first["id"] == str(notes[0].id)
    assert first["author"]["username"] == "chef_wang"
    assert first["search"]["match"] == "exact"
    assert "<mark>hotpot</mark>" in first["search"]["snippet"]["title"].lower()


def test_users_by_name_and_pinyin(anon, world):
    for q in ("chef", "wang", "王火锅", "huoguo", "whg", "@chef_wang"):
        response = anon.get("/api/v1/search", {"q": q, "type": "users"})
        assert response.status_code == 200
        assert [u["username"] for u in response.json()["items"]] == ["chef_wang"], q


def test_hashtags_by_name_and_pinyin(anon, world):
    for q in ("火锅", "#火锅", "huoguo", "huo", "hg", "#HOT"):
        response = anon.get("/api/v1/search", {"q": q, "type": "hashtags"})
        assert response.status_code == 200
        names = [h["name"] for h in response.json()["items"]]
        assert names and names[0] in {"火锅", "hotpot"}, q
    tags = anon.get("/api/v1/search", {"q": "火锅", "type": "hashtags"}).json()["items"]
    assert tags[0] == {"name": "火锅", "notes_count": 2}


def test_traditional_query_over_http(anon, world):
    _chef, notes = world
    items = anon.get("/api/v1/search", {"q": "成都火鍋"}).json()["items"]
    assert items[0]["id"] == str(notes[1].id)


@pytest.mark.parametrize(
    "params, code",
    [
        ({"q": ""}, "empty_query"),
        ({"q": "!!!"}, "empty_query"),
        ({"q": "a" * 10_000}, "query_too_long"),
        ({"q": "hotpot", "type": "places"}, "invalid_type"),
        ({"q": "hotpot", "sort": "best"}, "invalid_sort"),
        ({"q": "hotpot", "kind": "audio"}, "invalid_kind"),
        ({"q": "hotpot", "cursor": "%%%"}, "invalid_cursor"),
    ],
)
def test_bad_input_is_a_clear_400(anon, world, params, code):
    response = anon.get("/api/v1/search", params)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code


def test_a_bad_time_is_a_422(anon, world):
    response = anon.get("/api/v1/search", {"q": "hotpot", "since": "yesterday"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "since"


@pytest.mark.parametrize(
    "q", ['"hotpot', "hotpot*", "NEAR(hotpot", "hotpot' OR '1'='1", "%_hotpot%", "hot\\pot"]
)
def test_hostile_queries_over_http(anon, world, q):
    response = anon.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content


def test_blocked_people_and_their_notes_are_not_found(client_for, make_user, world):
    chef, _notes = world
    reader = make_user("reader")
    block(reader, chef)
    api = client_for(reader)
    assert api.get("/api/v1/search", {"q": "hotpot"}).json()["items"] == []
    assert api.get("/api/v1/search", {"q": "chef", "type": "users"}).json()["items"] == []
    other = client_for(chef)  # and the other way round
    assert other.get("/api/v1/search", {"q": "reader", "type": "users"}).json()["items"] == []


def test_history_is_kept_listed_and_cleared(client_for, make_user, world):
    me = make_user("myself")
    api = client_for(me)
    api.get("/api/v1/search", {"q": "Hotpot"})
    api.get("/api/v1/search", {"q": "sushi"})
    page = api.get("/api/v1/search", {"q": "hotpot"})  # again: moves to the top
    cursor = page.json()["next_cursor"]
    assert cursor is None
    items = api.get("/api/v1/me/search-history").json()["items"]
    assert [i["query"] for i in items] == ["hotpot", "sushi"]  # as last typed

    other = client_for(make_user("other"))
    assert other.get("/api/v1/me/search-history").json()["items"] == []
    assert other.delete(f"/api/v1/me/search-history/{items[0]['id']}").status_code == 404

    assert api.delete(f"/api/v1/me/search-history/{items[0]['id']}").status_code == 204
    assert [i["query"] for i in api.get("/api/v1/me/search-history").json()["items"]] == ["sushi"]
    assert api.delete("/api/v1/me/search-history").status_code == 204
    assert api.get("/api/v1/me/search-history").json()["items"] == []
    assert not SearchHistory.objects.filter(user=me).exists()


def test_history_needs_sign_in(anon):
    assert anon.get("/api/v1/me/search-history").status_code == 401
    assert anon.delete("/api/v1/me/search-history").status_code == 401


def test_suggestions_while_typing(anon, client_for, make_user, world):
    api = client_for(make_user("myself"))
    api.get("/api/v1/search", {"q": "hotpot recipes"})
    api.get("/api/v1/search", {"q": "hotpotxyz"})  # found nothing: never suggested
    body = anon.get("/api/v1/search/suggest", {"q": "hot"}).json()
    assert [h["name"] for h in body["hashtags"]] == ["hotpot"]
    assert body["queries"] == ["hotpot recipes"]
    body = anon.get("/api/v1/search/suggest", {"q": "huo"}).json()
    assert [h["name"] for h in body["hashtags"]] == ["火锅"]
    assert [u["username"] for u in body["users"]] == ["chef_wang"]
    assert anon.get("/api/v1/search/suggest", {"q": ""}).json() == {
        "hashtags": [],
        "users": [],
        "queries": [],
    }


def test_hot_searches_rise_against_their_usual_level(anon, make_user):
    now = timezone.now()
    people = [make_user(f"person{i}") for i in range(5)]
    # "weather" is searched by these five people every hour, all week: its usual level.
    steady = [
        QueryLog(query="weather", user=p, created_at=now - timedelta(hours=h, minutes=30))
        for h in range(1, 7 * 24)
        for p in people
    ]
    QueryLog.objects.bulk_create(steady)
    for p in people:
        QueryLog.objects.create(query="weather", user=p, created_at=now - timedelta(minutes=5))
        QueryLog.objects.create(query="mooncake", user=p, created_at=now - timedelta(minutes=5))
    # One person searching a hundred times does not make a trend.
    for _ in range(100):
        QueryLog.objects.create(query="me me me", user=people[0], created_at=now)
    services.compute_hot_searches(now=now + timedelta(seconds=1))
    items = anon.get("/api/v1/search/hot").json()["items"]
    assert [i["query"] for i in items] == ["mooncake", "weather"]
    assert items[0]["score"] == 5.0 and items[1]["score"] == pytest.approx(1.0, abs=0.05)
    assert "me me me" not in [i["query"] for i in items]


def test_rate_limited(anon, settings, world):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (2, 60)}
    assert anon.get("/api/v1/search", {"q": "hotpot"}).status_code == 200
    assert anon.get("/api/v1/search", {"q": "hotpot"}).status_code == 200
    response = anon.get("/api/v1/search", {"q": "hotpot"})
    assert response.status_code == 429 and response["Retry-After"]


def test_query_count_does_not_grow_with_results(client_for, make_user, make_note):
    author = make_user("author")
    api = client_for(make_user("reader"))

    def count() -> int:
        api.get("/api/v1/search", {"q": "hotpot"})  # warms the caches a request may find cold
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/search", {"q": "hotpot"}).status_code == 200
        return len(captured)

    make_note(author, title="hotpot 1")
    few = count()
    for i in range(8):
        make_note(make_user(f"author{i}"), title=f"hotpot {i}")
    assert count() == few


def test_a_renamed_person_is_found_by_the_new_name(anon, world):
    chef, _ = world
    update_profile(chef, display_name="Mapo Master")
    items = anon.get("/api/v1/search", {"q": "mapo", "type": "users"}).json()["items"]
    assert [u["username"] for u in items] == ["chef_wang"]
