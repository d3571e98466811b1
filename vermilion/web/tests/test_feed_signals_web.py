"""The web side of the feed's signals: the "not interested" menu on cards, the scripts that
send impressions and reading time, and the Feed section of the settings page."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.feed import services
from vermilion.feed.models import Event, FeedPreference, Hide
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def browser(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def menus(html: str) -> int:
    return html.count('data-testid="card-menu-button"')


# --- the card menu ----------------------------------------------------------------------------


@pytest.fixture
def cards(make_user, make_note):
    """Two authors with two public notes each (one tagged #food)."""
    mei, kai = make_user("mei"), make_user("kai")
    return [
        make_note(mei, title="one", hashtags=["food"]),
        make_note(mei, title="two"),
        make_note(kai, title="three"),
        make_note(kai, title="four"),
    ]


@pytest.mark.parametrize("path", ["/", "/?channel=food", "/u/mei", "/search?q=one", "/tags/food"])
def test_signed_in_readers_get_the_menu_on_cards(path, cards, make_user):
    html = html_of(browser(make_user("reader")).get(path))
    count = html.count('data-testid="card"')
    assert count >= 1
    assert menus(html) == count
    for testid in ("hide-note", "hide-author", "hide-topic", "card-undo", "card-menu"):
        assert html.count(f'data-testid="{testid}"') == count
    assert 'aria-haspopup="menu"' in html and 'aria-expanded="false"' in html
    assert 'x-data="cardMenu"' in html and 'role="menuitem"' in html
    # Its styles come with the page's card stylesheet, not once per card.
    assert html.count("web/css/explore.css") == 1


@pytest.mark.parametrize("path", ["/", "/u/mei", "/search?q=one", "/tags/food"])
def test_anonymous_readers_get_no_menu(path, cards):
    html = html_of(Client().get(path))
    assert 'data-testid="card"' in html
    assert menus(html) == 0 and "cardMenu" not in html and "card-menu.css" not in html


def test_no_menu_on_your_own_notes(cards):
    mei = cards[0].author
    html = html_of(browser(mei).get("/"))
    assert html.count('data-testid="card"') == 4
    assert menus(html) == 2  # kai's two notes only
    assert html_of(browser(mei).get("/u/mei")).count('data-testid="card-menu-button"') == 0


def test_menu_on_htmx_pages_of_the_feed(make_user, make_note):
    author = make_user("busy")
    for i in range(25):
        make_note(author, title=f"n{i}")
    client = browser(make_user("reader"))
    html = html_of(client.get("/"))
    url = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', html).group(1)
    fragment = html_of(client.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}))
    assert "<html" not in fragment
    assert menus(fragment) == fragment.count('data-testid="card"') == 5


def test_cards_carry_what_impressions_need(cards, make_user):
    html = html_of(browser(make_user("reader")).get("/"))
    note = cards[2]
    found = re.search(rf'data-testid="card" data-note-id="{note.id}"([^>]*)>', html)
    attributes = found.group(1)
    assert f'data-author-id="{note.author.id}"' in attributes
    # The candidate source, when the feed knows it (note dicts' optional "source").
    assert re.search(r'data-source="[\w:.-]{0,20}"', attributes)


def test_pages_with_cards_load_the_signal_scripts(cards, make_user):
    html = html_of(browser(make_user("reader")).get("/"))
    assert "web/js/explore.js" in html and "web/js/note.js" in html
    assert 'data-signed-in="1"' in html
    assert 'data-signed-in="0"' in html_of(Client().get("/"))


def test_the_menu_does_not_add_queries_per_card(make_user, make_note):
    reader = make_user("reader")
    client = browser(reader)

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            html_of(client.get("/"))
        return len(ctx.captured_queries)

    make_note(make_user("first"))
    cost()  # the reader's feed state is loaded once (a Redis miss in the scaled mode)
    few = cost()
    for i in range(6):
        make_note(make_user(f"more{i}"))
    # Six more cards must not cost six more queries (the feed's own session bookkeeping
    # varies by a few between requests, so: no more than before).
    assert cost() <= few


def test_hiding_from_a_page_session_goes_through_the_api_with_csrf(cards, make_user):
    """The menu POSTs with the session cookie and the X-CSRFToken header (Vermilion.api)."""
    reader = make_user("reader")
    client = browser(reader, enforce_csrf_checks=True)
    html = html_of(client.get("/"))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    event = {"events": [{"type": "hide", "note_id": str(cards[2].id), "scope": "author"}]}
    refused = client.post("/api/v1/events", event, content_type="application/json")
    assert refused.status_code in (401, 403) and not Hide.objects.exists()
    r = client.post(
        "/api/v1/events", event, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert r.status_code == 200
    hide_id = r.json()["hides"][0]["hide"]["id"]
    undo = client.delete(f"/api/v1/me/hides/{hide_id}", headers={"X-CSRFToken": token})
    assert undo.status_code == 204 and not Hide.objects.exists()


# --- settings: the Feed section ----------------------------------------------------------------


def test_feed_section_shows_the_current_mode(make_user):
    reader = make_user("reader")
    html = html_of(browser(reader).get("/settings"))
    assert 'data-testid="feed-settings"' in html
    assert re.search(r'value="ranked" checked data-testid="feed-mode-ranked"', html)
    assert 'data-testid="feed-reset-confirm"' in html and 'data-testid="hidden-empty"' in html
    services.set_feed_mode(reader, "latest")
    html = html_of(browser(reader).get("/settings"))
    assert re.search(r'value="latest" checked data-testid="feed-mode-latest"', html)


def test_switching_the_mode(make_user):
    reader = make_user("reader")
    client = browser(reader)
    r = client.post("/settings", {"action": "feed_mode", "mode": "latest"})
    assert r.status_code == 302 and r["Location"] == "/settings"
    assert FeedPreference.objects.get(user=reader).mode == "latest"
    assert "Your feed setting has been saved." in html_of(client.get("/settings"))
    bad = client.post("/settings", {"action": "feed_mode", "mode": "chaos"})
    assert bad.status_code == 400
    assert 'data-testid="feed-error"' in bad.content.decode()
    assert FeedPreference.objects.get(user=reader).mode == "latest"


def test_reset_from_settings(make_user, make_note):
    reader = make_user("reader")
    author = make_user("author")
    note = make_note(author)
    services.record_events(reader, [{"type": "impression", "note_id": str(note.id)}])
    services.hide(reader, note, "author")
    r = browser(reader).post("/settings", {"action": "feed_reset"})
    assert r.status_code == 302
    assert not Event.objects.filter(user=reader).exists()
    assert Hide.objects.filter(user=reader).count() == 1
    assert FeedPreference.objects.get(user=reader).reset_at is not None
    assert "Last reset:" in html_of(browser(reader).get("/settings"))


def test_hidden_authors_and_topics_can_be_shown_again(make_user, make_note):
    reader = make_user("reader")
    author = make_user("author", display_name=XSS)
    note = make_note(author, hashtags=["food"])
    services.hide(reader, note, "author")
    services.hide(reader, note, "topic")
    services.hide(reader, note)
    html = html_of(browser(reader).get("/settings"))
    assert html.count('data-testid="hidden-row"') == 2
    assert "Topic: Food" in html and "1 note hidden." in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    topic = Hide.objects.get(scope="topic")
    r = browser(reader).post("/settings", {"action": "unhide", "hide_id": str(topic.id)})
    assert r.status_code == 302
    assert set(Hide.objects.values_list("scope", flat=True)) == {"author", "note"}


def test_someone_elses_hide_cannot_be_undone_from_settings(make_user, make_note):
    owner = make_user("owner")
    hide = services.hide(owner, make_note(make_user("author")), "author")
    r = browser(make_user("intruder")).post(
        "/settings", {"action": "unhide", "hide_id": str(hide.id)}
    )
    assert r.status_code == 400
    assert Hide.objects.filter(pk=hide.pk).exists()


def test_feed_forms_need_sign_in_and_csrf(make_user):
    assert Client().post("/settings", {"action": "feed_reset"}).status_code == 302
    reader = make_user("reader")
    strict = browser(reader, enforce_csrf_checks=True)
    assert strict.post("/settings", {"action": "feed_mode", "mode": "latest"}).status_code == 403
    assert not FeedPreference.objects.exists()


def test_settings_query_count_does_not_grow_with_hides(make_user, make_note):
    reader = make_user("reader")
    client = browser(reader)

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            html_of(client.get("/settings"))
        return len(ctx.captured_queries)

    note = make_note(make_user("first"), hashtags=["food"])
    services.hide(reader, note, "author")
    services.hide(reader, note, "topic")
    few = cost()
    for i in range(4):
        other = make_note(make_user(f"more{i}"), hashtags=["pets"])
        services.hide(reader, other, "author")
        services.hide(reader, other)
    services.hide(reader, other, "topic")
    assert cost() == few
