import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.services import follow
from vermilion.engagement import services
from vermilion.notes.services import update_note
from vermilion.notifications.models import Notification

pytestmark = pytest.mark.django_db


def inbox(client):
    r = client.get("/api/v1/notifications")
    assert r.status_code == 200, r.content
    return r.json()


def verbs(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("verb", flat=True))


def test_each_action_notifies_the_right_person(make_user, make_note, client_for):
    author, fan, replier = make_user("author"), make_user("fan"), make_user("replier")
    tagged = make_user("Tagged_One")
    note = make_note(author)
    services.like(fan, note)
    services.collect(fan, note)
    top = services.add_comment(fan, note, body="lovely @tagged_one and @nobody_here")
    services.add_comment(replier, note, body="yes", parent_id=top.id)
    services.like_comment(replier, top)
    follow(fan, author)

    assert verbs(author) == ["collect", "comment", "comment", "follow", "like"]
    assert verbs(fan) == ["comment_like", "reply"]
    assert verbs(tagged) == ["mention"]
    assert verbs(replier) == []

    items = inbox(client_for(author))["items"]
    assert [i["verb"] for i in items] == ["follow", "comment", "comment", "collect", "like"]
    like = items[-1]
    assert like["actor"]["username"] == "fan"
    assert like["actor"]["viewer"]["followed_by"] is True
    assert like["note"]["id"] == str(note.id) and like["note"]["title"] == note.title
    assert like["note"]["cover_url"].endswith("/thumb.webp")
    assert like["comment"] is None and like["read"] is False
    assert items[0]["note"] is None  # follow
    assert items[2]["comment"] == {"id": str(top.id), "body": top.body}
    mention = inbox(client_for(tagged))["items"][0]
    assert mention["comment"]["id"] == str(top.id)


def test_reply_to_a_reply_notifies_the_person_answered_once(make_user, make_note):
    author, mei, li = make_user(), make_user(), make_user()
    note = make_note(author)
    top = services.add_comment(mei, note, body="top")
    reply = services.add_comment(li, note, body="re", parent_id=top.id)
    # the note's author answers li and mentions them too: one notification, a reply
    services.add_comment(author, note, body=f"@{li.username} thanks", parent_id=reply.id)
    assert verbs(li) == ["reply"]
    assert verbs(mei) == ["reply"]
    assert verbs(author) == ["comment", "comment"]


def test_no_notifications_for_your_own_actions(make_user, make_note):
    author = make_user()
    note = make_note(author)
    services.like(author, note)
    services.collect(author, note)
    top = services.add_comment(author, note, body=f"me @{author.username}")
    services.add_comment(author, note, body="me again", parent_id=top.id)
    services.like_comment(author, top)
    assert verbs(author) == []


def test_undoing_withdraws_the_unread_notification(make_user, make_note):
    author, fan = make_user(), make_user()
    note = make_note(author)
    services.like(fan, note)
    services.collect(fan, note)
    comment = services.add_comment(author, note, body="thanks")
    services.like_comment(fan, comment)
    assert verbs(author) == ["collect", "comment_like", "like"]
    services.unlike(fan, note)
    services.uncollect(fan, note)
    services.unlike_comment(fan, comment)
    assert verbs(author) == []


def test_mentions_do_not_leak_notes_people_cannot_see(make_user, make_note):
    author = make_user()
    outsider = make_user("outsider")
    note = make_note(author, visibility="followers")
    services.add_comment(author, note, body="hey @outsider")
    assert verbs(outsider) == []


def test_blocked_people_get_no_notifications_from_each_other(
    make_user, make_note, client_for, block
):
    a, b, host = make_user("alpha"), make_user("bravo"), make_user()
    note = make_note(host)
    block(a, b)
    # each comments on a third person's note and mentions the other
    services.add_comment(a, note, body="hi @bravo")
    comment_b = services.add_comment(b, note, body="hi @alpha")
    assert verbs(a) == [] and verbs(b) == []
    # b can't like a's note, follow a, or reply to a's comments
    notes_a = make_note(a)
    assert client_for(b).post(f"/api/v1/notes/{notes_a.id}/like").status_code == 404
    assert client_for(b).post(f"/api/v1/users/{a.username}/follow").status_code == 403
    r = client_for(a).post(
        f"/api/v1/notes/{note.id}/comments", {"body": "x", "parent_id": str(comment_b.id)}
    )
    assert r.status_code == 403
    assert inbox(client_for(a))["items"] == [] and inbox(client_for(b))["items"] == []


def test_blocking_hides_earlier_notifications(make_user, make_note, client_for, block):
    author, fan = make_user(), make_user()
    note = make_note(author)
    services.like(fan, note)
    assert inbox(client_for(author))["unread"] == 1
    block(author, fan)
    page = inbox(client_for(author))
    assert page["items"] == [] and page["unread"] == 0


def test_notifications_about_notes_you_can_no_longer_see_are_hidden(
    make_user, make_note, client_for
):
    author, fan = make_user(), make_user()
    note = make_note(author)
    comment = services.add_comment(fan, note, body="hi")
    services.like_comment(author, comment)
    assert inbox(client_for(fan))["unread"] == 1
    update_note(author, note, visibility="private")
    page = inbox(client_for(fan))
    assert page["items"] == [] and page["unread"] == 0
    assert client_for(fan).get("/api/v1/notifications/unread").json() == {"unread": 0}


def test_unread_count_and_mark_read(make_user, make_note, client_for):
    author = make_user()
    note = make_note(author)
    for _ in range(3):
        services.like(make_user(), note)
    client = client_for(author)
    page = inbox(client)
    assert page["unread"] == 3
    assert client.get("/api/v1/notifications/unread").json() == {"unread": 3}

    # read up to the second newest: the newest stays unread
    second = page["items"][1]["id"]
    r = client.post("/api/v1/notifications/read", {"up_to_id": second})
    assert r.status_code == 200 and r.json() == {"unread": 1}
    assert [i["read"] for i in inbox(client)["items"]] == [False, True, True]

    r = client.post("/api/v1/notifications/read", {"up_to_id": "nope"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "up_to_id"
    assert client.post("/api/v1/notifications/read").json() == {"unread": 0}
    assert client.post("/api/v1/notifications/read", {}).json() == {"unread": 0}
    assert all(i["read"] for i in inbox(client)["items"])


def test_notifications_are_private_to_their_recipient(make_user, make_note, client_for, anon):
    author = make_user()
    services.like(make_user(), make_note(author))
    assert anon.get("/api/v1/notifications").status_code == 401
    assert anon.get("/api/v1/notifications/unread").status_code == 401
    assert anon.post("/api/v1/notifications/read").status_code == 401
    other = client_for(make_user())
    assert inbox(other)["items"] == []
    other.post("/api/v1/notifications/read")
    assert inbox(client_for(author))["unread"] == 1


def test_notifications_paginate_with_constant_queries(make_user, make_note, client_for):
    author = make_user()
    note = make_note(author)
    client = client_for(author)

    def activity(n):
        for _ in range(n):
            fan = make_user()
            services.like(fan, note)
            services.add_comment(fan, note, body="hi")

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/notifications")
        assert r.status_code == 200
        return len(ctx.captured_queries), len(r.json()["items"])

    activity(1)
    count_queries()  # the first request of a token also records when it was last used
    few, n = count_queries()
    assert n == 2
    activity(9)
    many, n = count_queries()
    assert n == 20
    assert many == few, f"{few} queries for 2 notifications, {many} for 20"

    activity(10)
    first = inbox(client)
    assert len(first["items"]) == 30 and first["unread"] == 40
    rest = client.get("/api/v1/notifications", {"cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 10 and rest["next_cursor"] is None
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids, key=int, reverse=True) and len(set(ids)) == 40
    assert client.get("/api/v1/notifications", {"cursor": "bad"}).status_code == 400
