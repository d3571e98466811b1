"""The notifications page: what it lists, how it reads, and that opening it clears the badge."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.accounts import services as accounts
from vermilion.engagement import services as engagement
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401
from vermilion.notifications.models import Notification
from vermilion.notifications.services import unread_count

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
HX = {"HX-Request": "true"}


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def rows_of(html: str) -> list[str]:
    return html.split('data-testid="notification-row"')[1:]


def test_notifications_need_a_signed_in_person():
    response = Client().get("/notifications")
    assert response.status_code == 302 and response["Location"].startswith("/signin?next=")


def test_empty_state(make_user):
    html = html_of(client_as(make_user("mei")).get("/notifications"))
    assert 'data-testid="notifications-empty"' in html and not rows_of(html)


def test_each_kind_reads_as_a_sentence_newest_first(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann", display_name="Ann")
    note = make_note(mei, title="My trip")
    engagement.like(ann, note)
    engagement.collect(ann, note)
    comment = engagement.add_comment(ann, note, body="Lovely photos")
    mine = engagement.add_comment(mei, note, body="Thanks!")
    engagement.add_comment(ann, note, body="You're welcome", parent_id=str(mine.pk))
    engagement.like_comment(ann, mine)
    engagement.add_comment(ann, make_note(ann, title="Ann's"), body="hi @mei")
    accounts.follow(ann, mei)
    assert comment
    rows = rows_of(html_of(client_as(mei).get("/notifications")))
    verbs = [row.split('data-verb="', 1)[1].split('"', 1)[0] for row in rows]
    assert verbs == ["follow", "mention", "comment_like", "reply", "comment", "collect", "like"]
    text = "\n".join(rows)
    for sentence in [
        "started following you",
        "liked your comment",
        "replied: “You&#x27;re welcome”",
        "commented: “Lovely photos”",
        "collected your note",
        "liked your note",
        "mentioned you",
    ]:
        assert sentence in text, sentence
    assert f'href="/notes/{note.pk}"' in rows[-1]
    assert 'class="thumb"' in rows[-1] and "thumb.webp" in rows[-1]
    assert 'data-testid="follow-back"' in rows[0]


def test_opening_the_page_marks_read_and_clears_the_badge(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    note = make_note(mei)
    engagement.like(ann, note)
    accounts.follow(ann, mei)
    client = client_as(mei)
    assert 'data-testid="unread-badge"' in html_of(client.get("/settings"))
    html = html_of(client.get("/notifications"))
    # New ones are highlighted this once; the badge is already gone on this very page.
    assert html.count('class="row notification unread"') == 2
    assert 'data-testid="unread-badge"' not in html
    assert unread_count(mei) == 0
    again = html_of(client.get("/notifications"))
    assert "notification unread" not in again and 'data-testid="unread-badge"' not in again


def test_notifications_scroll_on_and_older_pages_are_fragments(make_user, make_note):
    mei = make_user("mei")
    note = make_note(mei)
    fans = [make_user() for _ in range(33)]
    for fan in fans:
        engagement.like(fan, note)
    client = client_as(mei)
    html = html_of(client.get("/notifications"))
    assert len(rows_of(html)) == 30
    assert unread_count(mei) == 0
    next_url = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    more = client.get(next_url, headers=HX)
    fragment = html_of(more)
    assert more.status_code == 200 and "<html" not in fragment
    assert len(rows_of(fragment)) == 3
    assert 'id="more-notifications" hx-swap-oob="true"' in fragment and "hx-get" not in fragment
    # Without htmx the same address is a whole page (the "Older notifications" link).
    assert "<html" in html_of(client.get(next_url))
    assert client.get("/notifications?cursor=%%%").status_code == 400


def test_blocked_people_do_not_appear(make_user, make_note):
    mei, ann, bob = make_user("mei"), make_user("ann"), make_user("bob")
    note = make_note(mei)
    engagement.like(ann, note)
    engagement.like(bob, note)
    Notification.objects.create(recipient=mei, actor=bob, verb="follow")
    accounts.block(mei, bob)
    html = html_of(client_as(mei).get("/notifications"))
    assert len(rows_of(html)) == 1 and 'href="/u/ann"' in html and 'href="/u/bob"' not in html


def test_comment_excerpts_and_names_are_escaped(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann", display_name=XSS[:30])
    note = make_note(mei, title=XSS[:20])
    engagement.add_comment(ann, note, body=XSS)
    html = html_of(client_as(mei).get("/notifications"))
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;" in html


def test_constant_query_count(make_user, make_note):
    mei = make_user("mei")
    note = make_note(mei)
    engagement.like(make_user(), note)
    client = client_as(mei)
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications")
    for _ in range(6):
        fan = make_user()
        engagement.like(fan, make_note(mei))
        accounts.follow(fan, mei)
        engagement.add_comment(fan, note, body="nice")
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications")
    assert len(many) == len(few)
