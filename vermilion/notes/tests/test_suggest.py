"""GET /api/v1/hashtags?prefix=: the composer's topic suggestions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts import services as accounts
from vermilion.notes.models import Hashtag

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_chinese_prefix_finds_longer_tags_most_used_first(make_user, make_note, anon):
    mei = make_user("mei")
    make_note(mei, body="#成都美食 好吃")
    make_note(mei, body="#成都美食 #成都 again")
    make_note(mei, body="#北京 #美食成都")
    r = anon.get("/api/v1/hashtags", {"prefix": "成都"})
    assert names(r) == ["成都美食", "成都"]
    assert r.json()["items"][0] == {"name": "成都美食", "notes_count": 2}
    # a leading '#' (or the fullwidth '＃') is part of typing, not of the tag
    assert names(anon.get("/api/v1/hashtags", {"prefix": "＃成都美"})) == ["成都美食"]


def test_prefix_is_matched_case_and_width_insensitively(make_user, make_note, anon):
    mei = make_user("mei")
    # "foodie" first spelled in lower case, used twice; "FoodTrip" once
    make_note(mei, body="#foodie and #FoodTrip")
    make_note(mei, body="#Foodie")
    make_note(mei, body="#seafood")
    assert names(anon.get("/api/v1/hashtags", {"prefix": "#FOOD"})) == ["foodie", "FoodTrip"]
    assert names(anon.get("/api/v1/hashtags", {"prefix": "ｆｏｏｄｉ"})) == ["foodie"]


def test_like_wildcards_are_literal(make_user, make_note, anon):
    make_note(make_user("mei"), body="#a_b #axb #abc")
    assert names(anon.get("/api/v1/hashtags", {"prefix": "a_"})) == ["a_b"]
    assert names(anon.get("/api/v1/hashtags", {"prefix": "%"})) == []


def test_tags_only_on_notes_you_cannot_see_are_not_suggested(
    make_user, make_note, anon, client_for
):
    mei, bob = make_user("mei"), make_user("bob")
    make_note(mei, body="#secretdiary", visibility="private")
    make_note(mei, body="#secretclub", visibility="followers")
    make_note(mei, body="#secretpublic")
    assert names(anon.get("/api/v1/hashtags", {"prefix": "secret"})) == ["secretpublic"]
    assert names(client_for(bob).get("/api/v1/hashtags", {"prefix": "secret"})) == ["secretpublic"]
    accounts.follow(bob, mei)
    assert sorted(names(client_for(bob).get("/api/v1/hashtags", {"prefix": "secret"}))) == [
        "secretclub",
        "secretpublic",
    ]
    # the author sees their own private tags
    assert len(names(client_for(mei).get("/api/v1/hashtags", {"prefix": "secret"}))) == 3
    # a tag whose notes were all deleted is gone
    Hashtag.objects.create(key="secretorphan", name="secretorphan", notes_count=0)
    assert len(names(client_for(mei).get("/api/v1/hashtags", {"prefix": "secret"}))) == 3


def test_blocks_hide_tags_used_only_by_blocked_people(make_user, make_note, client_for):
    mei, bob = make_user("mei"), make_user("bob")
    make_note(mei, body="#meionly")
    accounts.block(mei, bob)
    assert names(client_for(bob).get("/api/v1/hashtags", {"prefix": "mei"})) == []
    assert names(client_for(mei).get("/api/v1/hashtags", {"prefix": "mei"})) == ["meionly"]


@pytest.mark.parametrize("prefix", ["", "   ", "#"])
def test_empty_prefix_is_an_empty_list(anon, prefix):
    assert names(anon.get("/api/v1/hashtags", {"prefix": prefix})) == []
    assert names(anon.get("/api/v1/hashtags")) == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"prefix": "a" * 51}, "prefix"),
        ({"prefix": "a", "limit": 0}, "limit"),
        ({"prefix": "a", "limit": 21}, "limit"),
        ({"prefix": "a", "limit": "many"}, "limit"),
    ],
)
def test_bad_parameters_are_clear_errors(anon, params, field):
    r = anon.get("/api/v1/hashtags", params)
    assert r.status_code in (400, 422)
    assert r.json()["error"]["field"] == field


def test_limit_and_fifty_character_prefix(make_user, make_note, anon):
    mei = make_user("mei")
    make_note(mei, body=" ".join(f"#tag{i}" for i in range(12)))
    assert len(names(anon.get("/api/v1/hashtags", {"prefix": "tag"}))) == 10  # default
    assert len(names(anon.get("/api/v1/hashtags", {"prefix": "tag", "limit": 3}))) == 3
    assert len(names(anon.get("/api/v1/hashtags", {"prefix": "tag", "limit": 20}))) == 12
    assert names(anon.get("/api/v1/hashtags", {"prefix": "成" * 50})) == []


def test_constant_query_count(make_user, make_note, client_for):
    mei = make_user("mei")
    client = client_for(mei)
    make_note(mei, body="#count0")
    client.get("/api/v1/me")  # the token's first use is recorded once; not part of this
    with CaptureQueriesContext(connection) as few:
        assert len(names(client.get("/api/v1/hashtags", {"prefix": "count", "limit": 20}))) == 1
    for i in range(1, 15):
        make_note(make_user(), body=f"#count{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(names(client.get("/api/v1/hashtags", {"prefix": "count", "limit": 20}))) == 15
    assert len(many) == len(few)
