import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD, ApiClient
from vermilion.accounts.models import ApiToken, Block, Follow, User
from vermilion.notifications.models import Notification

pytestmark = pytest.mark.django_db


def register(client, **data):
    body = {"username": "mei", "password": PASSWORD, **data}
    return client.post("/api/v1/auth/register", body)


def error_code(response):
    return response.json()["error"]["code"]


# --- registration -----------------------------------------------------------------------


def test_register_returns_token_and_user(anon):
    r = register(anon, display_name="梅 Mei", email="mei@example.org", language="zh-hans")
    assert r.status_code == 201
    body = r.json()
    assert body["token"].startswith("vm_")
    assert body["user"]["display_name"] == "梅 Mei"
    assert body["user"]["language"] == "zh-hans"
    assert body["user"]["counts"] == {
        "followers": 0,
        "following": 0,
        "notes": 0,
        "likes_received": 0,
    }
    # the token works, and only its hash is stored
    me = ApiClient(body["token"]).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "mei"
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()
    user = User.objects.get(username="mei")
    assert user.password.startswith("argon2") or user.password.startswith("md5")  # md5 in tests
    assert user.boards.filter(is_default=True).count() == 1


@pytest.mark.parametrize(
    "username,code",
    [
        ("ab", "invalid_username"),
        ("a" * 31, "invalid_username"),
        ("mei li", "invalid_username"),
        ("梅梅梅", "invalid_username"),
        ("mei-li", "invalid_username"),
        ("admin", "username_reserved"),
        ("Settings", "username_reserved"),
    ],
)
def test_username_rules(anon, username, code):
    r = register(anon, username=username)
    assert r.status_code == 400
    assert error_code(r) == code
    assert r.json()["error"]["field"] == "username"


def test_username_is_unique_case_insensitively(anon):
    assert register(anon, username="MeiLi").status_code == 201
    r = register(anon, username="meili")
    assert r.status_code == 409 and error_code(r) == "username_taken"


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_weak_passwords_are_refused(anon, password):
    r = register(anon, password=password)
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "password"


def test_bad_email_and_language(anon):
    assert error_code(register(anon, email="not-an-email")) == "invalid_email"
    assert error_code(register(anon, language="klingon")) == "invalid_language"


def test_missing_fields_are_a_clear_422(anon):
    r = anon.post("/api/v1/auth/register", {"username": "mei"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "password"
    r = anon.post("/api/v1/auth/register", "not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert "error" in r.json()


# --- tokens -----------------------------------------------------------------------------


def test_sign_in_is_case_insensitive_and_token_can_be_revoked(anon, make_user):
    make_user("MeiLi")
    r = anon.post("/api/v1/auth/token", {"username": "meili", "password": PASSWORD})
    assert r.status_code == 200
    client = ApiClient(r.json()["token"])
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 204
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and error_code(r) == "not_authenticated"


def test_wrong_password(anon, make_user):
    make_user("mei")
    r = anon.post("/api/v1/auth/token", {"username": "mei", "password": "wrong-password-1"})
    assert r.status_code == 401 and error_code(r) == "invalid_credentials"


def test_bad_token_is_401_not_anonymous(anon):
    r = anon.get("/api/v1/users/nobody", headers={"Authorization": "Bearer vm_forged"})
    assert r.status_code == 401
    assert anon.get("/api/v1/me").status_code == 401


def test_inactive_user_token_stops_working(make_user, client_for):
    user = make_user()
    client = client_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_revokes_tokens(make_user, client_for):
    user = make_user()
    client = client_for(user)
    r = client.post("/api/v1/me/password", {"current": "nope", "new": "another-good-pass"})
    assert r.status_code == 400 and error_code(r) == "wrong_password"
    r = client.post("/api/v1/me/password", {"current": PASSWORD, "new": "another-good-pass"})
    assert r.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_session_cookie_auth_checks_csrf(make_user):
    user = make_user()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/v1/me").status_code == 200
    r = browser.patch("/api/v1/me", {"bio": "hi"}, content_type="application/json")
    assert r.status_code == 403
    assert "error" in r.json()


# --- profile and interests ------------------------------------------------------------------


def test_profile_update_counts_characters_not_bytes(make_user, client_for):
    client = client_for(make_user())
    r = client.patch(
        "/api/v1/me", {"bio": "成" * 200, "region": "成都", "languages": ["zh-Hans", "en"]}
    )
    assert r.status_code == 200, r.content
    assert r.json()["bio"] == "成" * 200
    r = client.patch("/api/v1/me", {"bio": "成" * 201})
    assert r.status_code == 400 and r.json()["error"]["field"] == "bio"
    r = client.patch("/api/v1/me", {"languages": ["<script>"]})
    assert r.status_code == 400
    r = client.patch("/api/v1/me", {"display_name": "x" * 31})
    assert r.status_code == 400


def test_avatar_must_be_own_media(make_user, client_for):
    from vermilion.media.models import Media

    mei, other = make_user(), make_user()
    theirs = Media.objects.create(owner=other, kind="image", status="ready", width=1, height=1)
    mine = Media.objects.create(owner=mei, kind="image", status="ready", width=1, height=1)
    client = client_for(mei)
    assert client.patch("/api/v1/me", {"avatar_media_id": str(theirs.id)}).status_code == 404
    assert client.patch("/api/v1/me", {"avatar_media_id": "abc"}).status_code == 400
    r = client.patch("/api/v1/me", {"avatar_media_id": str(mine.id)})
    assert r.status_code == 200 and r.json()["avatar"]["id"] == str(mine.id)


def test_xss_in_profile_is_returned_as_inert_text(make_user, client_for):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    client = client_for(make_user())
    r = client.patch("/api/v1/me", {"display_name": payload[:30], "bio": payload})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["bio"] == payload


def test_interest_catalogue_is_bilingual(anon):
    items = anon.get("/api/v1/interests").json()["items"]
    assert len(items) >= 12
    by_slug = {i["slug"]: i for i in items}
    assert by_slug["food"]["name_zh"] == "美食"
    assert by_slug["travel"]["name_en"] == "Travel"


def test_pick_interests(make_user, client_for):
    client = client_for(make_user())
    r = client.put("/api/v1/me/interests", {"interests": ["food", "travel", "food"]})
    assert r.status_code == 200
    assert [i["slug"] for i in r.json()["items"]] == ["food", "travel"]
    assert client.get("/api/v1/me").json()["interests"] == ["food", "travel"]
    r = client.put("/api/v1/me/interests", {"interests": ["food", "knitting"]})
    assert r.status_code == 400 and error_code(r) == "unknown_interest"
    assert client.get("/api/v1/me").json()["interests"] == ["food", "travel"]


# --- follows and blocks ----------------------------------------------------------------------


def test_follow_unfollow_is_idempotent_and_counts(make_user, client_for):
    mei, bob = make_user("mei"), make_user("bob")
    client = client_for(mei)
    for _ in range(2):
        r = client.post("/api/v1/users/BOB/follow")
        assert r.status_code == 200
    assert r.json()["viewer"]["following"] is True
    assert r.json()["counts"]["followers"] == 1
    assert User.objects.get(pk=mei.pk).following_count == 1
    assert Notification.objects.filter(recipient=bob, verb="follow").count() == 1
    for _ in range(2):
        r = client.delete("/api/v1/users/bob/follow")
    assert r.json()["counts"]["followers"] == 0
    assert User.objects.get(pk=mei.pk).following_count == 0


def test_cannot_follow_self_or_unknown(make_user, client_for):
    client = client_for(make_user("mei"))
    r = client.post("/api/v1/users/mei/follow")
    assert r.status_code == 400 and error_code(r) == "cannot_follow_self"
    assert client.post("/api/v1/users/nobody/follow").status_code == 404
    assert client.post("/api/v1/users/mei/block").status_code == 400


def test_anonymous_cannot_write(anon, make_user):
    make_user("bob")
    for method, path in [
        ("post", "/api/v1/users/bob/follow"),
        ("delete", "/api/v1/users/bob/follow"),
        ("post", "/api/v1/users/bob/block"),
        ("patch", "/api/v1/me"),
        ("put", "/api/v1/me/interests"),
    ]:
        r = getattr(anon, method)(path, {})
        assert r.status_code == 401, (method, path)


def test_block_removes_follows_both_ways_and_prevents_following(make_user, client_for):
    mei, bob = make_user("mei"), make_user("bob")
    mei_c, bob_c = client_for(mei), client_for(bob)
    mei_c.post("/api/v1/users/bob/follow")
    bob_c.post("/api/v1/users/mei/follow")
    r = mei_c.post("/api/v1/users/bob/block")
    assert r.status_code == 200 and r.json()["viewer"]["blocking"] is True
    assert not Follow.objects.exists()
    assert User.objects.get(pk=mei.pk).followers_count == 0
    assert User.objects.get(pk=bob.pk).followers_count == 0
    # neither side can follow again; the answer does not reveal who blocked whom
    assert bob_c.post("/api/v1/users/mei/follow").status_code == 403
    assert mei_c.post("/api/v1/users/bob/follow").status_code == 403
    # notifications between them are gone, and new ones are not made
    assert not Notification.objects.filter(recipient__in=[mei, bob]).exists()
    # the blocked person no longer sees the blocker's profile; the blocker still sees theirs
    assert bob_c.get("/api/v1/users/mei").status_code == 404
    assert mei_c.get("/api/v1/users/bob").status_code == 200
    assert mei_c.delete("/api/v1/users/bob/block").status_code == 200
    assert not Block.objects.exists()
    assert bob_c.post("/api/v1/users/mei/follow").status_code == 200


def test_profile_counts_and_relations(anon, make_user, client_for):
    mei, bob = make_user("mei"), make_user("bob")
    client_for(bob).post("/api/v1/users/mei/follow")
    r = anon.get("/api/v1/users/mei")
    assert r.status_code == 200
    assert r.json()["counts"]["followers"] == 1
    assert r.json()["viewer"] is None
    r = client_for(mei).get("/api/v1/users/bob")
    assert r.json()["viewer"] == {"following": False, "followed_by": True, "blocking": False}


def test_followers_pages_have_constant_queries(make_user, client_for, anon):
    make_user("star")
    viewer = make_user("viewer")
    fans = [make_user() for _ in range(35)]
    for fan in fans[:3]:
        client_for(fan).post("/api/v1/users/star/follow")
    client = client_for(viewer)
    with CaptureQueriesContext(connection) as few:
        r = client.get("/api/v1/users/star/followers")
    assert len(r.json()["items"]) == 3
    for fan in fans[3:]:
        client_for(fan).post("/api/v1/users/star/follow")
    with CaptureQueriesContext(connection) as many:
        r = client.get("/api/v1/users/star/followers")
    page = r.json()
    assert len(page["items"]) == 30 and page["next_cursor"]
    assert len(many) == len(few)
    rest = client.get("/api/v1/users/star/followers", {"cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None
    names = [u["username"] for u in page["items"] + rest["items"]]
    assert len(set(names)) == 35
    assert anon.get("/api/v1/users/star/followers", {"cursor": "garbage!"}).status_code == 400
    following = anon.get(f"/api/v1/users/{fans[0].username}/following").json()
    assert [u["username"] for u in following["items"]] == ["star"]


def test_blocked_users_are_hidden_from_follower_lists(make_user, client_for):
    _star, mei, bob = make_user("star"), make_user("mei"), make_user("bob")
    client_for(mei).post("/api/v1/users/star/follow")
    client_for(bob).post("/api/v1/users/star/follow")
    client_for(mei).post("/api/v1/users/bob/block")
    names = [
        u["username"] for u in client_for(mei).get("/api/v1/users/star/followers").json()["items"]
    ]
    assert names == ["mei"]


# --- rate limits ---------------------------------------------------------------------------


def test_sign_up_and_sign_in_are_rate_limited(anon, settings, make_user):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (2, 3600), "signin": (3, 300)}
    assert register(anon, username="first").status_code == 201
    assert register(anon, username="second").status_code == 201
    r = register(anon, username="third")
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    assert int(r["Retry-After"]) > 0
    for _ in range(3):
        anon.post("/api/v1/auth/token", {"username": "first", "password": "wrong-pass-1"})
    r = anon.post("/api/v1/auth/token", {"username": "first", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0


def test_writes_are_rate_limited_per_user(settings, make_user, client_for):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "write": (3, 60)}
    make_user("bob")
    client = client_for(make_user("mei"))
    for _ in range(3):
        assert client.patch("/api/v1/me", {"bio": "x"}).status_code == 200
    r = client.post("/api/v1/users/bob/follow")
    assert r.status_code == 429 and r["Retry-After"]
    assert client.get("/api/v1/me").status_code == 200  # reads are not writes
    other = client_for(make_user("kai"))
    assert other.patch("/api/v1/me", {"bio": "y"}).status_code == 200


def test_passwords_are_hashed_with_argon2_outside_tests():
    """The suite swaps in a fast hasher; the real settings hash with argon2."""
    import importlib

    from django.contrib.auth.hashers import Argon2PasswordHasher

    real = importlib.import_module("vermilion.settings")
    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    hashed = hasher.encode("correct-horse-battery", hasher.salt())
    assert hashed.startswith("argon2$argon2id$")
    assert hasher.verify("correct-horse-battery", hashed)
    assert not hasher.verify("wrong", hashed)
