"""GET /api/v1/users?prefix=: the composer's @mention suggestions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts import services
from vermilion.accounts.models import User

pytestmark = pytest.mark.django_db


def usernames(response):
    assert response.status_code == 200, response.content
    return [item["username"] for item in response.json()["items"]]


def test_username_prefix_is_case_insensitive(make_user, anon):
    make_user("meilin")
    make_user("Meimei")
    make_user("bob")
    assert sorted(usernames(anon.get("/api/v1/users", {"prefix": "MEI"}))) == ["Meimei", "meilin"]
    assert usernames(anon.get("/api/v1/users", {"prefix": "@bo"})) == ["bob"]


def test_display_name_prefix_matches_too(make_user, anon):
    make_user("xhs_fan", display_name="小红书达人")
    make_user("traveller", display_name="Wanderer Li")
    assert usernames(anon.get("/api/v1/users", {"prefix": "小红"})) == ["xhs_fan"]
    assert usernames(anon.get("/api/v1/users", {"prefix": "wander"})) == ["traveller"]
    # a prefix, not a substring
    assert usernames(anon.get("/api/v1/users", {"prefix": "红书"})) == []


def test_exact_name_first_then_people_you_follow_then_most_followed(make_user, client_for):
    me = make_user("viewer")
    make_user("mei")  # no followers, but typed exactly
    meilin, meimei = make_user("meilin"), make_user("meimei")
    for _ in range(3):
        services.follow(make_user(), meimei)
    services.follow(me, meilin)
    r = client_for(me).get("/api/v1/users", {"prefix": "mei"})
    assert usernames(r) == ["mei", "meilin", "meimei"]
    assert r.json()["items"][1]["viewer"]["following"] is True


def test_inactive_and_blocked_people_are_left_out(make_user, client_for, anon):
    me = make_user("viewer")
    make_user("meiok")
    gone = make_user("meigone")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    blocker, blocked = make_user("meiblocker"), make_user("meiblocked")
    services.block(blocker, me)
    services.block(me, blocked)
    assert usernames(client_for(me).get("/api/v1/users", {"prefix": "mei"})) == ["meiok"]
    # the others still see them (except the inactive one)
    assert sorted(usernames(anon.get("/api/v1/users", {"prefix": "mei"}))) == [
        "meiblocked",
        "meiblocker",
        "meiok",
    ]
    assert "viewer" not in usernames(client_for(blocker).get("/api/v1/users", {"prefix": "vie"}))


def test_the_profile_route_is_not_shadowed(make_user, anon):
    make_user("mei")
    assert anon.get("/api/v1/users/mei").json()["username"] == "mei"
    assert anon.get("/api/v1/users/").status_code == 404


@pytest.mark.parametrize("prefix", ["", "  ", "@"])
def test_empty_prefix_is_an_empty_list(make_user, anon, prefix):
    make_user("mei")
    assert usernames(anon.get("/api/v1/users", {"prefix": prefix})) == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"prefix": "m" * 51}, "prefix"),
        ({"prefix": "m", "limit": 0}, "limit"),
        ({"prefix": "m", "limit": 21}, "limit"),
        ({"prefix": "m", "limit": "x"}, "limit"),
    ],
)
def test_bad_parameters_are_clear_errors(anon, params, field):
    r = anon.get("/api/v1/users", params)
    assert r.status_code in (400, 422)
    assert r.json()["error"]["field"] == field


def test_limit_and_constant_query_count(make_user, client_for):
    me = make_user("viewer")
    client = client_for(me)
    make_user("pal0")
    client.get("/api/v1/me")  # the token's first use is recorded once; not part of this
    with CaptureQueriesContext(connection) as few:
        assert len(usernames(client.get("/api/v1/users", {"prefix": "pal", "limit": 20}))) == 1
    for i in range(1, 15):
        pal = make_user(f"pal{i}")
        if i % 2:
            services.follow(me, pal)
    with CaptureQueriesContext(connection) as many:
        assert len(usernames(client.get("/api/v1/users", {"prefix": "pal", "limit": 20}))) == 15
    assert len(many) == len(few)
    assert len(usernames(client.get("/api/v1/users", {"prefix": "pal", "limit": 4}))) == 4
