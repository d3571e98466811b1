"""Sign up, onboarding, sign in, settings (password, language, interests), edit profile."""

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD
from vermilion.accounts.models import User
from vermilion.accounts.services import issue_token, set_interests

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
NEW_PASSWORD = "another-long-passphrase"


def client_as(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


# --- sign up and onboarding ------------------------------------------------------------------


def test_sign_up_leads_to_onboarding_and_keeps_the_details():
    client = Client()
    response = client.post(
        "/signup",
        {
            "username": "newbie",
            "display_name": "新人",
            "password": PASSWORD,
            "email": "new@example.com",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/onboarding"
    user = User.objects.get(username="newbie")
    assert user.display_name == "新人" and user.email == "new@example.com"
    assert client.get("/onboarding").status_code == 200


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"username": "admin"}, "username", "reserved"),
        ({"username": "a b"}, "username", "letters, digits"),
        ({"password": "short"}, "password", "too short"),
        ({"email": "not-an-email"}, "email", "not valid"),
        ({"display_name": "x" * 31}, "display-name", "at most 30"),
    ],
)
def test_sign_up_errors_show_at_their_field(fields, field, words):
    data = {"username": "newbie", "password": PASSWORD, **fields}
    response = Client().post("/signup", data)
    html = html_of(response)
    assert response.status_code == 400
    error = html.split(f'data-testid="signup-{field}-error">', 1)[1].split("<", 1)[0]
    assert words in error
    # What was typed stays in the form (but never the password).
    assert f'value="{data["username"]}"' in html
    assert PASSWORD not in html
    assert not User.objects.filter(username="newbie").exists()


def test_taken_username_is_reported_case_insensitively(make_user):
    make_user("mei")
    html = html_of(Client().post("/signup", {"username": "MEI", "password": PASSWORD}))
    assert "taken" in html.split('data-testid="signup-username-error">', 1)[1]


def test_sign_up_is_rate_limited(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (2, 3600)}
    client = Client()
    for _ in range(2):
        client.post("/signup", {"username": "admin", "password": PASSWORD})
    response = client.post("/signup", {"username": "fine_name", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not User.objects.filter(username="fine_name").exists()


def test_sign_up_escapes_what_was_typed():
    html = html_of(Client().post("/signup", {"username": XSS, "display_name": XSS}))
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html


def test_onboarding_needs_a_signed_in_person():
    response = Client().get("/onboarding")
    assert response.status_code == 302 and response["Location"].startswith("/signin?next=")


def test_onboarding_shows_both_names_and_needs_an_interest(make_user):
    mei = make_user("mei")
    client = client_as(mei)
    html = html_of(client.get("/onboarding"))
    assert html.count('data-testid="interest-card"') >= 10
    assert "美食" in html and "Food" in html
    response = client.post("/onboarding", {})
    assert response.status_code == 400
    assert 'data-testid="interests-error"' in html_of(response)
    assert mei.interests.count() == 0


def test_onboarding_saves_interests_and_goes_to_explore(make_user):
    mei = make_user("mei")
    response = client_as(mei).post("/onboarding", {"interests": ["food", "travel"]})
    assert response.status_code == 302 and response["Location"] == "/"
    assert set(mei.interests.values_list("slug", flat=True)) == {"food", "travel"}


def test_onboarding_rejects_unknown_interests(make_user):
    mei = make_user("mei")
    response = client_as(mei).post("/onboarding", {"interests": ["food", "<b>nope</b>"]})
    assert response.status_code == 400 and "<b>nope</b>" not in html_of(response)
    assert mei.interests.count() == 0


# --- sign in and out -------------------------------------------------------------------------


def test_sign_in_goes_to_a_safe_next_only(make_user):
    make_user("mei")
    good = Client().post(
        "/signin", {"username": "mei", "password": PASSWORD, "next": "/u/mei/likes"}
    )
    assert good.status_code == 302 and good["Location"] == "/u/mei/likes"
    for bad in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        response = Client().post("/signin", {"username": "mei", "password": PASSWORD, "next": bad})
        assert response["Location"] == "/"


def test_sign_in_form_carries_next_and_keeps_the_username(make_user):
    make_user("mei")
    html = html_of(Client().get("/signin?next=/settings"))
    assert 'name="next" value="/settings"' in html
    failed = Client().post("/signin", {"username": "mei", "password": "nope", "next": "/settings"})
    assert failed.status_code == 400
    html = html_of(failed)
    assert 'value="mei"' in html and 'data-testid="form-error"' in html


def test_sign_in_is_rate_limited(make_user, settings):
    make_user("mei")
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin": (2, 300)}
    client = Client()
    for _ in range(2):
        client.post("/signin", {"username": "mei", "password": "wrong"})
    response = client.post("/signin", {"username": "mei", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/settings").status_code == 302  # still signed out


def test_sign_out_needs_post_and_csrf(make_user):
    mei = make_user("mei")
    client = Client(enforce_csrf_checks=True)
    client.force_login(mei)
    assert client.get("/signout").status_code == 405
    assert client.post("/signout").status_code == 403
    assert client.get("/settings").status_code == 200


# --- settings --------------------------------------------------------------------------------


def test_settings_need_a_signed_in_person():
    for path in ["/settings", "/settings/profile"]:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/signin")


def test_settings_page_links_and_sections(make_user):
    mei = make_user("mei")
    html = html_of(client_as(mei).get("/settings"))
    for hook in ["settings-edit-profile", "settings-boards", "language-select", "password-form"]:
        assert f'data-testid="{hook}"' in html
    assert 'href="/u/mei/boards"' in html


def test_password_change_checks_the_current_one(make_user):
    mei = make_user("mei")
    response = client_as(mei).post(
        "/settings", {"action": "password", "current": "wrong", "new": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert 'id="password-current-error"' in html_of(response)
    weak = client_as(mei).post(
        "/settings", {"action": "password", "current": PASSWORD, "new": "123"}
    )
    assert weak.status_code == 400 and 'id="password-new-error"' in html_of(weak)
    mei.refresh_from_db()
    assert mei.check_password(PASSWORD)


def test_password_change_signs_out_other_sessions_and_tokens(make_user, anon):
    mei = make_user("mei")
    token = issue_token(mei, "phone")
    here = Client()
    assert here.post("/signin", {"username": "mei", "password": PASSWORD}).status_code == 302
    elsewhere = Client()
    elsewhere.post("/signin", {"username": "mei", "password": PASSWORD})
    response = here.post(
        "/settings", {"action": "password", "current": PASSWORD, "new": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert here.get("/settings").status_code == 200  # this session stays signed in
    assert elsewhere.get("/settings").status_code == 302  # the other one is signed out
    assert anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert (
        Client().post("/signin", {"username": "mei", "password": NEW_PASSWORD}).status_code == 302
    )


def test_settings_save_interests(make_user):
    mei = make_user("mei")
    set_interests(mei, ["food"])
    client = client_as(mei)
    assert 'value="food" checked' in html_of(client.get("/settings"))
    response = client.post("/settings", {"action": "interests", "interests": ["music", "pets"]})
    assert response.status_code == 302
    assert set(mei.interests.values_list("slug", flat=True)) == {"music", "pets"}
    empty = client.post("/settings", {"action": "interests"})
    assert empty.status_code == 400 and 'data-testid="interests-error"' in html_of(empty)
    assert mei.interests.count() == 2


# --- interface language ----------------------------------------------------------------------


def test_language_switch_is_saved_and_applies_at_once(make_user):
    mei = make_user("mei")
    client = client_as(mei)
    response = client.post("/settings/language", {"language": "zh-hans", "next": "/settings"})
    assert response.status_code == 302 and response["Location"] == "/settings"
    mei.refresh_from_db()
    assert mei.language == "zh-hans"
    html = html_of(client.get("/settings", headers={"Accept-Language": "en"}))
    assert '<html lang="zh-Hans">' in html
    # Back to following the browser: the account and the cookie forget the choice.
    response = client.post("/settings/language", {"language": "", "next": "/settings"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    mei.refresh_from_db()
    assert mei.language == ""
    html = html_of(client.get("/settings", headers={"Accept-Language": "en"}))
    assert '<html lang="en">' in html


def test_account_language_wins_over_the_browser(make_user):
    mei = make_user("mei", language="zh-hans")
    html = html_of(client_as(mei).get("/", headers={"Accept-Language": "en-US,en"}))
    assert '<html lang="zh-Hans">' in html


def test_anonymous_language_switch_sets_the_cookie_and_ignores_unsafe_next():
    client = Client()
    response = client.post("/settings/language", {"language": "zh-hans", "next": "/signin"})
    assert response.status_code == 302 and response["Location"] == "/signin"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-Hans">' in html_of(client.get("/signin"))
    evil = client.post(
        "/settings/language", {"language": "en", "next": "https://evil.example/phish"}
    )
    assert evil["Location"] == "/"
    assert '<html lang="en">' in html_of(client.get("/signin"))


def test_language_switch_refuses_unknown_languages_and_get():
    assert Client().post("/settings/language", {"language": "xx"}).status_code == 400
    assert Client().get("/settings/language").status_code == 405


def test_language_switch_needs_csrf():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/settings/language", {"language": "zh-hans"}).status_code == 403


def test_sign_up_keeps_the_language_picked_before():
    client = Client()
    client.post("/settings/language", {"language": "zh-hans"})
    client.post("/signup", {"username": "newbie", "password": PASSWORD})
    assert User.objects.get(username="newbie").language == "zh-hans"


# --- edit profile ----------------------------------------------------------------------------


def test_edit_profile_saves_every_field(make_user):
    mei = make_user("mei")
    client = client_as(mei)
    html = html_of(client.get("/settings/profile"))
    assert 'data-testid="avatar-input"' in html and 'data-max="200"' in html
    response = client.post(
        "/settings/profile",
        {
            "display_name": "梅",
            "bio": "Hello 👋🏽",
            "region": "上海",
            "languages": ["zh-Hans", "en"],
            "other_languages": "nl, sv",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/u/mei"
    mei.refresh_from_db()
    assert (mei.display_name, mei.bio, mei.region) == ("梅", "Hello 👋🏽", "上海")
    assert mei.languages == ["zh-Hans", "en", "nl", "sv"]
    html = html_of(client.get("/settings/profile"))
    assert 'value="zh-Hans" checked' in html and 'value="nl, sv"' in html


def test_edit_profile_shows_every_error_and_saves_nothing(make_user):
    mei = make_user("mei", display_name="Mei")
    response = client_as(mei).post(
        "/settings/profile",
        {
            "display_name": "x" * 31,
            "bio": "é" * 201,
            "region": "ok",
            "other_languages": "not a tag!",
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    for field in ["display-name", "bio", "languages"]:
        assert f'id="profile-{field}-error"' in html
    assert 'id="profile-region-error"' not in html
    mei.refresh_from_db()
    assert mei.display_name == "Mei" and mei.region == ""


def test_bio_limit_counts_user_perceived_characters(make_user):
    mei = make_user("mei")
    # 200 flags are 400 code points but 200 characters to a reader.
    response = client_as(mei).post("/settings/profile", {"bio": "🇨🇳" * 200})
    assert response.status_code == 302


def test_edit_profile_escapes_what_people_type(make_user):
    mei = make_user("mei")
    response = client_as(mei).post(
        "/settings/profile", {"display_name": XSS, "bio": XSS, "region": XSS}
    )
    html = html_of(response)
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
