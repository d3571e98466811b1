import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.core.errors import Forbidden, Invalid, NotFound
from vermilion.engagement import services
from vermilion.engagement.models import Comment, CommentLike
from vermilion.notes.models import Note

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> &lt;'


def counts(comment):
    comment.refresh_from_db()
    return comment.likes_count, comment.replies_count


def note_comments(note):
    return Note.objects.get(pk=note.pk).comments_count


def test_comment_and_reply_threads_are_one_level_deep(make_user, make_note, client_for):
    author, mei, li, wang = make_user(), make_user(), make_user(), make_user()
    note = make_note(author)
    url = f"/api/v1/notes/{note.id}/comments"

    r = client_for(mei).post(url, {"body": "  好看！ "})
    assert r.status_code == 201, r.content
    top = r.json()
    assert top["body"] == "好看！"
    assert top["parent_id"] is None and top["reply_to"] is None
    assert top["author"]["username"] == mei.username
    assert top["note_id"] == str(note.id)
    assert top["counts"] == {"likes": 0, "replies": 0}
    assert top["viewer"] == {"liked": False}

    r = client_for(li).post(url, {"body": "agree", "parent_id": top["id"]})
    reply = r.json()
    assert r.status_code == 201
    assert reply["parent_id"] == top["id"] and reply["reply_to"] is None

    # answering the reply joins the top-level thread and names whom it answers
    r = client_for(wang).post(url, {"body": "me too", "parent_id": reply["id"]})
    deeper = r.json()
    assert r.status_code == 201
    assert deeper["parent_id"] == top["id"]
    assert deeper["reply_to"]["username"] == li.username

    top_row = Comment.objects.get(pk=top["id"])
    assert counts(top_row) == (0, 2)
    assert note_comments(note) == 3

    listing = client_for(author).get(url).json()
    (thread,) = listing["items"]
    assert thread["id"] == top["id"] and thread["counts"]["replies"] == 2
    assert [c["id"] for c in thread["replies"]] == [reply["id"], deeper["id"]]
    assert thread["replies"][1]["reply_to"]["username"] == li.username


def test_comment_list_order_inline_replies_and_pagination(make_user, make_note, client_for, anon):
    author = make_user()
    note = make_note(author)
    tops = [services.add_comment(make_user(), note, body=f"top {i}") for i in range(25)]
    replies = [
        services.add_comment(make_user(), note, body=f"re {i}", parent_id=tops[-1].id)
        for i in range(24)
    ]
    r = anon.get(f"/api/v1/notes/{note.id}/comments")
    assert r.status_code == 200
    page = r.json()
    assert [c["body"] for c in page["items"][:2]] == ["top 24", "top 23"]  # newest first
    assert len(page["items"]) == 20
    assert [c["body"] for c in page["items"][0]["replies"]] == ["re 0", "re 1", "re 2"]
    assert page["items"][0]["counts"]["replies"] == 24
    assert page["items"][0]["viewer"] is None  # anonymous
    assert page["items"][1]["replies"] == []
    rest = anon.get(f"/api/v1/notes/{note.id}/comments", {"cursor": page["next_cursor"]}).json()
    assert [c["body"] for c in rest["items"]] == [f"top {i}" for i in range(4, -1, -1)]
    assert rest["next_cursor"] is None

    # all replies of a thread, oldest first
    url = f"/api/v1/comments/{tops[-1].id}/replies"
    first = anon.get(url).json()
    second = anon.get(url, {"cursor": first["next_cursor"]}).json()
    bodies = [c["body"] for c in first["items"] + second["items"]]
    assert bodies == [r.body for r in replies]
    assert second["next_cursor"] is None
    assert anon.get(url, {"cursor": "%%%"}).status_code == 400


def test_comments_on_notes_you_cannot_see(make_user, make_note, client_for, anon):
    author, other = make_user(), make_user()
    private = make_note(author, visibility="private")
    services.add_comment(author, private, body="note to self")
    url = f"/api/v1/notes/{private.id}/comments"
    assert client_for(other).get(url).status_code == 404
    assert anon.get(url).status_code == 404
    assert client_for(other).post(url, {"body": "hi"}).status_code == 404
    assert anon.post(url, {"body": "hi"}).status_code == 401
    comment = Comment.objects.get(note=private)
    assert client_for(other).get(f"/api/v1/comments/{comment.id}/replies").status_code == 404
    assert client_for(other).post(f"/api/v1/comments/{comment.id}/like").status_code == 404


@pytest.mark.parametrize(
    "body,ok",
    [
        ("", False),
        (" \n\t ", False),
        ("\x00\x01", False),
        ("a" * 500, True),
        ("a" * 501, False),
        ("评" * 500, True),
        ("评" * 501, False),
        ("👨‍👩‍👧‍👦" * 500, True),  # 500 user-perceived characters
    ],
)
def test_comment_body_length(make_user, make_note, client_for, body, ok):
    note = make_note(make_user())
    r = client_for(make_user()).post(f"/api/v1/notes/{note.id}/comments", {"body": body})
    assert r.status_code == (201 if ok else 400), r.content
    if not ok:
        assert r.json()["error"]["field"] == "body"
    assert note_comments(note) == (1 if ok else 0)


def test_bad_parent_ids(make_user, make_note, client_for):
    note, elsewhere = make_note(make_user()), make_note(make_user())
    foreign = services.add_comment(make_user(), elsewhere, body="over there")
    client = client_for(make_user())
    url = f"/api/v1/notes/{note.id}/comments"
    r = client.post(url, {"body": "hi", "parent_id": str(foreign.id)})
    assert r.status_code == 404 and r.json()["error"]["field"] == "parent_id"
    r = client.post(url, {"body": "hi", "parent_id": "abc"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "parent_id"
    assert client.post(url, {"body": "hi", "parent_id": "9" * 30}).status_code == 400
    assert client.post(url, {"body": "hi", "parent_id": "9" * 31}).status_code == 422
    assert client.post(url, {"nobody": "x"}).status_code == 422
    assert note_comments(note) == 0


def test_xss_in_comment_bodies_is_returned_verbatim(make_user, make_note, client_for):
    note = make_note(make_user())
    client = client_for(make_user())
    r = client.post(f"/api/v1/notes/{note.id}/comments", {"body": XSS})
    assert r.status_code == 201 and r.json()["body"] == XSS
    listing = client.get(f"/api/v1/notes/{note.id}/comments")
    assert listing["Content-Type"].startswith("application/json")
    assert listing.json()["items"][0]["body"] == XSS


# --- deletion -------------------------------------------------------------------------------


@pytest.fixture
def thread(make_user, make_note):
    """A note with a top-level comment and two replies."""
    owner, commenter = make_user(), make_user()
    note = make_note(owner)
    top = services.add_comment(commenter, note, body="top")
    r1 = services.add_comment(make_user(), note, body="r1", parent_id=top.id)
    r2 = services.add_comment(make_user(), note, body="r2", parent_id=r1.id)
    services.like_comment(make_user(), r1)
    return {"note": note, "owner": owner, "commenter": commenter, "top": top, "r1": r1, "r2": r2}


def test_comment_deletion_rights(thread, make_user, client_for, anon, make_admin):
    note, r1, r2 = thread["note"], thread["r1"], thread["r2"]
    other = make_user()
    assert anon.delete(f"/api/v1/comments/{r1.id}").status_code == 401
    r = client_for(other).delete(f"/api/v1/comments/{r1.id}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    with pytest.raises(Forbidden):
        services.delete_comment(other, r1)
    with pytest.raises(Forbidden):
        services.delete_comment(None, r1)

    # the reply's own author
    assert client_for(r2.author).delete(f"/api/v1/comments/{r2.id}").status_code == 204
    # the note's owner
    assert client_for(thread["owner"]).delete(f"/api/v1/comments/{r1.id}").status_code == 204
    assert counts(thread["top"]) == (0, 0)
    assert note_comments(note) == 1
    assert not CommentLike.objects.exists()
    # an admin (moderation)
    admin = make_admin()
    assert client_for(admin).delete(f"/api/v1/comments/{thread['top'].id}").status_code == 204
    assert note_comments(note) == 0
    assert client_for(admin).delete(f"/api/v1/comments/{thread['top'].id}").status_code == 404


def test_deleting_a_top_level_comment_takes_its_replies(thread, client_for):
    top = thread["top"]
    r = client_for(thread["commenter"]).delete(f"/api/v1/comments/{top.id}")
    assert r.status_code == 204
    assert not Comment.objects.filter(note=thread["note"]).exists()
    assert note_comments(thread["note"]) == 0
    # deleting again (already gone) is harmless for the service
    services.delete_comment(thread["commenter"], top)
    assert note_comments(thread["note"]) == 0


# --- comment likes --------------------------------------------------------------------------


def test_comment_likes_are_idempotent(make_user, make_note, client_for, anon):
    note = make_note(make_user())
    comment = services.add_comment(make_user(), note, body="nice")
    fan = make_user()
    client = client_for(fan)
    for _ in range(2):
        r = client.post(f"/api/v1/comments/{comment.id}/like")
        assert r.status_code == 200 and r.json() == {"liked": True, "likes": 1}
    listing = client.get(f"/api/v1/notes/{note.id}/comments").json()
    assert listing["items"][0]["viewer"] == {"liked": True}
    assert listing["items"][0]["counts"]["likes"] == 1
    for _ in range(2):
        r = client.delete(f"/api/v1/comments/{comment.id}/like")
        assert r.status_code == 200 and r.json() == {"liked": False, "likes": 0}
    assert anon.post(f"/api/v1/comments/{comment.id}/like").status_code == 401
    assert client.post("/api/v1/comments/nope/like").status_code == 404
    assert services.like_comment(fan, comment) is True
    assert services.like_comment(fan, comment) is False
    assert services.unlike_comment(fan, comment) is True
    assert services.unlike_comment(fan, comment) is False
    assert counts(comment) == (0, 0)


# --- blocks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["author_blocks", "commenter_blocks"])
def test_blocked_user_cannot_comment_on_the_note(
    make_user, make_note, client_for, block, direction
):
    author, commenter = make_user(), make_user()
    note = make_note(author)
    block(*((author, commenter) if direction == "author_blocks" else (commenter, author)))
    r = client_for(commenter).post(f"/api/v1/notes/{note.id}/comments", {"body": "hi"})
    assert r.status_code == 404
    with pytest.raises(NotFound):
        services.add_comment(commenter, note, body="hi")
    assert note_comments(note) == 0


@pytest.mark.parametrize("direction", ["they_block_me", "i_block_them"])
def test_blocked_user_cannot_reply_or_like_comment(
    make_user, make_note, client_for, block, direction
):
    note = make_note(make_user())
    them, me = make_user(), make_user()
    theirs = services.add_comment(them, note, body="first")
    block(*((them, me) if direction == "they_block_me" else (me, them)))
    client = client_for(me)
    r = client.post(
        f"/api/v1/notes/{note.id}/comments", {"body": "hi", "parent_id": str(theirs.id)}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"
    r = client.post(f"/api/v1/comments/{theirs.id}/like")
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"
    assert counts(theirs) == (0, 0)
    # a top-level comment on the (third person's) note is still fine
    assert client.post(f"/api/v1/notes/{note.id}/comments", {"body": "hi"}).status_code == 201


def test_comments_from_and_to_blocked_people_are_hidden(make_user, make_note, client_for, block):
    note = make_note(make_user())
    me, troll, friend = make_user(), make_user(), make_user()
    by_troll = services.add_comment(troll, note, body="troll top")
    services.add_comment(friend, note, body="reply to troll", parent_id=by_troll.id)
    ok = services.add_comment(friend, note, body="friend top")
    services.add_comment(troll, note, body="troll reply", parent_id=ok.id)
    answered = services.add_comment(friend, note, body="friend reply", parent_id=ok.id)
    to_troll_reply = services.add_comment(troll, note, body="troll again", parent_id=answered.id)
    services.add_comment(friend, note, body="answering troll", parent_id=to_troll_reply.id)

    before = client_for(me).get(f"/api/v1/notes/{note.id}/comments").json()["items"]
    assert {c["body"] for c in before} == {"troll top", "friend top"}

    block(me, troll)
    client = client_for(me)
    items = client.get(f"/api/v1/notes/{note.id}/comments").json()["items"]
    assert [c["body"] for c in items] == ["friend top"]
    assert [r["body"] for r in items[0]["replies"]] == ["friend reply"]
    replies = client.get(f"/api/v1/comments/{ok.id}/replies").json()["items"]
    assert [r["body"] for r in replies] == ["friend reply"]
    assert client.get(f"/api/v1/comments/{by_troll.id}/replies").status_code == 404
    # the troll, blocked, no longer sees me either way; others still see everything
    other_view = client_for(make_user()).get(f"/api/v1/notes/{note.id}/comments").json()
    assert len(other_view["items"]) == 2


def test_note_owner_may_delete_a_blocked_persons_comment(make_user, make_note, client_for, block):
    owner, troll = make_user(), make_user()
    note = make_note(owner)
    comment = services.add_comment(troll, note, body="spam")
    block(owner, troll)
    assert client_for(owner).delete(f"/api/v1/comments/{comment.id}").status_code == 204
    assert note_comments(note) == 0


def test_service_validates_bodies(make_user, make_note):
    note = make_note(make_user())
    with pytest.raises(Invalid):
        services.add_comment(make_user(), note, body=None)
    with pytest.raises(Invalid):
        services.add_comment(make_user(), note, body="x", parent_id="-1")


# --- query counts ---------------------------------------------------------------------------


def test_comment_list_query_count_is_constant(make_user, make_note, client_for):
    note = make_note(make_user())
    client = client_for(make_user())

    def add_threads(n):
        for _ in range(n):
            top = services.add_comment(make_user(), note, body="top")
            reply = services.add_comment(make_user(), note, body="re", parent_id=top.id)
            services.add_comment(make_user(), note, body="re re", parent_id=reply.id)
            services.like_comment(make_user(), top)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/v1/notes/{note.id}/comments")
        assert r.status_code == 200
        return len(ctx.captured_queries), len(r.json()["items"])

    add_threads(2)
    count_queries()  # the first request of a token also records when it was last used
    few, n = count_queries()
    assert n == 2
    add_threads(18)
    many, n = count_queries()
    assert n == 20
    assert many == few, f"{few} queries for 2 threads, {many} for 20"
    top = Comment.objects.filter(note=note, parent=None).first()
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/api/v1/comments/{top.id}/replies")
    assert len(ctx.captured_queries) <= few
