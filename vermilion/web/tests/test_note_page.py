"""The note page, the note view htmx shows over a feed, and its comment fragments."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.services import block, follow
from vermilion.engagement.queries import COMMENTS_PAGE_SIZE, INLINE_REPLIES
from vermilion.engagement.services import add_comment, like_comment
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401
from vermilion.web.views.notes import linkify

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def admin(make_user):
    user = make_user("admin_ann")
    user.is_staff = True
    user.save()
    return user


def assert_no_raw_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html
    assert not re.search(r"<[^>]*\sonerror=", html)


# --- who may see a note -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        (
            "public",
            {
                "owner": 200,
                "other": 200,
                "follower": 200,
                "anonymous": 200,
                "blocked": 404,
                "blocker": 404,
                "admin": 200,
            },
        ),
        (
            "followers",
            {
                "owner": 200,
                "other": 404,
                "follower": 200,
                "anonymous": 404,
                "blocked": 404,
                "blocker": 404,
                "admin": 200,
            },
        ),
        (
            "private",
            {
                "owner": 200,
                "other": 404,
                "follower": 404,
                "anonymous": 404,
                "blocked": 404,
                "blocker": 404,
                "admin": 200,
            },
        ),
    ],
)
def test_note_page_visibility(make_user, make_note, visibility, expected):
    mei = make_user("mei")
    readers = {
        "owner": mei,
        "other": make_user("other"),
        "follower": make_user("fan"),
        "anonymous": None,
        "blocked": make_user("blocked_bob"),
        "blocker": make_user("blocker_eve"),
        "admin": admin(make_user),
    }
    follow(readers["follower"], mei)
    follow(readers["blocked"], mei)
    block(mei, readers["blocked"])
    block(readers["blocker"], mei)
    note = make_note(mei, title="the note", visibility=visibility)
    for who, status in expected.items():
        client = browser(readers[who])
        assert client.get(f"/notes/{note.id}").status_code == status, who
        assert client.get(f"/notes/{note.id}", headers=HX).status_code == status, who
        fragment = client.get(f"/x/notes/{note.id}/comments")
        assert fragment.status_code == status, who


def test_unknown_notes_are_404(make_user):
    assert Client().get("/notes/999").status_code == 404
    assert Client().get(f"/notes/{2**63}").status_code == 404
    assert Client().get("/x/notes/999/comments").status_code == 404


# --- the page and the fragment ----------------------------------------------------------------


def test_note_page_shows_the_note(make_user, make_note):
    mei = make_user("mei", display_name="Mei 梅")
    make_user("grace_l")
    note = make_note(
        mei,
        images=3,
        title="周末去哪儿",
        body="Try #火锅 with @grace_l and @nobody_here\nsecond line",
        place={"name": "成都 · 春熙路"},
    )
    page = Client().get(f"/notes/{note.id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "<title>周末去哪儿 · Vermilion</title>" in html
    assert html.count('data-testid="carousel-slide"') == 3
    assert html.count('alt="周末去哪儿"') == 3  # no alt text given: the title stands in
    assert 'data-testid="carousel-next"' in html and 'data-testid="carousel-dots"' in html
    assert '<a class="tag" href="/tags/%E7%81%AB%E9%94%85">#火锅</a>' in html
    assert '<a class="mention" href="/u/grace_l">@grace_l</a>' in html
    assert "@nobody_here" in html and 'href="/u/nobody_here"' not in html  # no such person
    assert "成都 · 春熙路" in html and 'datetime="' in html
    assert 'data-testid="follow-button"' in html and 'href="/u/mei"' in html
    assert 'data-testid="comment-signin"' in html and 'data-testid="comment-input"' not in html
    assert 'data-testid="edit-note"' not in html and 'data-testid="delete-note"' not in html
    assert 'data-testid="share-button"' in html and 'data-testid="collect-button"' in html


def test_htmx_gets_just_the_note_view(make_user, make_note):
    note = make_note(make_user("mei"), title="over the feed")
    page = Client().get(f"/notes/{note.id}", headers=HX)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" not in html and "<title>" not in html
    assert html.lstrip().startswith("<article") and 'data-testid="note-view"' in html
    assert 'data-title="over the feed · Vermilion"' in html
    assert "HX-Request" in page["Vary"]
    assert "HX-Request" in Client().get(f"/notes/{note.id}")["Vary"]


def test_what_the_owner_an_admin_and_others_may_do(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    note = make_note(mei)
    html = browser(mei).get(f"/notes/{note.id}").content.decode()
    assert f'href="/compose?edit={note.id}"' in html and 'data-testid="delete-note"' in html
    assert 'data-testid="follow-button"' not in html and 'data-testid="comment-input"' in html
    html = browser(admin(make_user)).get(f"/notes/{note.id}").content.decode()
    assert 'data-testid="delete-note"' in html and 'data-testid="edit-note"' not in html
    html = browser(bob).get(f"/notes/{note.id}").content.decode()
    assert 'data-testid="delete-note"' not in html and 'data-testid="edit-note"' not in html
    assert 'data-following="0"' in html
    follow(bob, mei)
    html = browser(bob).get(f"/notes/{note.id}").content.decode()
    assert (
        'data-following="1"' in html and 'aria-pressed="true" data-testid="follow-button"' in html
    )


def test_text_people_typed_is_escaped_everywhere(make_user, make_note):
    mei = make_user("mei", display_name="<script>alert(1)</script>")
    bob = make_user("bob", display_name='"><svg onload=alert(1)>')
    note = make_note(mei, title="<script>x</script>", body=XSS, place={"name": XSS[:90]})
    add_comment(bob, note, body=XSS + ' #tag"onmouseover=x @mei')
    for client in (Client(), browser(bob)):
        for path in [f"/notes/{note.id}", f"/x/notes/{note.id}/comments", "/"]:
            html = client.get(path).content.decode()
            assert "<script>" not in html.replace('<script src="', ""), path
            assert_no_raw_markup(html)
            assert "<svg onload" not in html
    html = Client().get(f"/notes/{note.id}").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a class="tag" href="/tags/tag">#tag</a>&quot;onmouseover=x' in html


def test_linkify_escapes_before_linking():
    html = linkify("a<b> #tag & #标签 @someone &#39; x#no mail@host.com")
    assert html.startswith("a&lt;b&gt; ")
    assert '<a class="tag" href="/tags/tag">#tag</a> &amp; ' in html
    assert '<a class="tag" href="/tags/%E6%A0%87%E7%AD%BE">#标签</a>' in html
    assert '<a class="mention" href="/u/someone">@someone</a>' in html
    assert "&amp;#39;" in html and "x#no" in html and "mail@host.com" in html
    assert linkify("@someone", mentions=[]) == "@someone"
    assert linkify("@Someone", mentions=["someone"]).count("<a ") == 1


# --- comments ---------------------------------------------------------------------------------


def comment_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="comment" data-comment-id="(\d+)"', html)


def test_comments_page_threads_and_replies(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    note = make_note(mei)
    threads = [add_comment(bob, note, body=f"comment {i}") for i in range(COMMENTS_PAGE_SIZE + 4)]
    newest = threads[-1]
    replies = [add_comment(mei, note, body=f"reply {i}", parent_id=newest.id) for i in range(6)]
    answer = add_comment(bob, note, body="answering a reply", parent_id=replies[0].id)

    html = Client().get(f"/notes/{note.id}").content.decode()
    shown = comment_ids(html)
    # Newest threads first, each with its oldest replies inline.
    assert shown[: 1 + INLINE_REPLIES] == [str(newest.id)] + [
        str(r.id) for r in replies[:INLINE_REPLIES]
    ]
    assert len(shown) == COMMENTS_PAGE_SIZE + INLINE_REPLIES
    assert 'data-testid="more-comments"' in html and 'data-testid="more-replies"' in html
    assert "Author" in html  # mei's replies carry the author badge

    more_comments = re.search(r'hx-get="([^"]+)"[^>]*data-testid="more-comments"', html).group(1)
    page2 = Client().get(more_comments.replace("&amp;", "&"), headers=HX).content.decode()
    assert "<html" not in page2
    assert comment_ids(page2) == [str(c.id) for c in reversed(threads[:4])]
    assert 'data-testid="more-comments"' not in page2

    more = re.search(r'hx-get="([^"]+)"[^>]*data-testid="more-replies"', html).group(1)
    rest = Client().get(more.replace("&amp;", "&"), headers=HX).content.decode()
    assert comment_ids(rest) == [str(r.id) for r in replies[INLINE_REPLIES:]] + [str(answer.id)]
    assert f'href="/u/{mei.username}">' in rest  # the reply-to-a-reply names whom it answers


def test_a_comment_just_posted_renders_alone(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    note, other = make_note(mei), make_note(mei)
    top = add_comment(bob, note, body="top")
    reply = add_comment(mei, note, body="reply", parent_id=top.id)
    html = browser(bob).get(f"/x/notes/{note.id}/comments?only={top.id}", headers=HX)
    html = html.content.decode()
    # A new thread has no replies yet: just the comment, and a place for its replies.
    assert comment_ids(html) == [str(top.id)]
    assert f'id="replies-{top.id}"' in html and "data-posted" not in html
    html = browser(bob).get(f"/x/notes/{note.id}/comments?only={reply.id}").content.decode()
    assert comment_ids(html) == [str(reply.id)] and "data-posted" in html
    assert f'data-thread-id="{top.id}"' in html
    # A comment of another note, or a thread that is a reply, is not found.
    assert Client().get(f"/x/notes/{other.id}/comments?only={top.id}").status_code == 404
    assert Client().get(f"/x/notes/{note.id}/comments?thread={reply.id}").status_code == 404
    assert Client().get(f"/x/notes/{note.id}/comments?only=abc").status_code == 404


def test_who_may_delete_which_comment(make_user, make_note):
    mei, bob, cat = make_user("mei"), make_user("bob"), make_user("cat")
    note = make_note(mei)
    add_comment(bob, note, body="by bob")
    add_comment(cat, note, body="by cat")

    def deletable(user):
        html = browser(user).get(f"/notes/{note.id}").content.decode()
        return html.count('data-testid="comment-delete"')

    assert deletable(mei) == 2  # the note's author moderates their page
    assert deletable(admin(make_user)) == 2
    assert deletable(bob) == 1 and deletable(cat) == 1
    assert (
        Client().get(f"/notes/{note.id}").content.decode().count('data-testid="comment-delete"')
        == 0
    )


def test_comments_hide_blocked_people_both_ways(make_user, make_note):
    mei, bob, eve, reader = make_user("mei"), make_user("bob"), make_user("eve"), make_user()
    note = make_note(mei)
    by_bob = add_comment(bob, note, body="bob here")
    by_eve = add_comment(eve, note, body="eve here")
    block(reader, bob)
    block(eve, reader)
    html = browser(reader).get(f"/notes/{note.id}").content.decode()
    assert comment_ids(html) == []
    assert set(comment_ids(Client().get(f"/notes/{note.id}").content.decode())) == {
        str(by_bob.id),
        str(by_eve.id),
    }


def test_comment_likes_show_pressed(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    note = make_note(mei)
    comment = add_comment(bob, note, body="nice")
    like_comment(mei, comment)
    html = browser(mei).get(f"/notes/{note.id}").content.decode()
    assert re.search(
        rf'aria-pressed="true"\s+data-path="/api/v1/comments/{comment.id}/like" data-liked="1" '
        r'data-count="1"',
        html,
    )


def test_bad_comment_cursor_is_400(make_user, make_note):
    note = make_note(make_user())
    page = Client().get(f"/x/notes/{note.id}/comments?cursor=garbage", headers=HX)
    assert page.status_code == 400


def test_note_page_query_count_does_not_grow_with_comments(make_user, make_note):
    mei, reader = make_user("mei"), make_user("reader")
    note = make_note(mei, images=4)
    people = [make_user() for _ in range(4)]

    def count():
        client = browser(reader)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/notes/{note.id}").status_code == 200
        return len(ctx)

    thread = add_comment(people[0], note, body="first")
    add_comment(people[1], note, body="a reply", parent_id=thread.id)
    few = count()
    for i in range(COMMENTS_PAGE_SIZE + 5):
        top = add_comment(people[i % 4], note, body=f"c{i} #tag")
        for j in range(INLINE_REPLIES + 1):
            reply = add_comment(people[j % 4], note, body=f"r{j}", parent_id=top.id)
        like_comment(reader, reply)
    for person in people:
        follow(reader, person)
    assert count() == few


def test_note_pages_carry_a_strict_csp(make_user, make_note):
    note = make_note(make_user())
    for headers in ({}, HX):
        policy = Client().get(f"/notes/{note.id}", headers=headers)["Content-Security-Policy"]
        script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
