"""The composer page (/compose): who may open it, and what it hands the browser."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.accounts import services as accounts
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401

pytestmark = pytest.mark.django_db

XSS = '</script><script>alert(1)</script>"><img src=x onerror=alert(1)>'


@pytest.fixture
def publish(request):
    """``make_note`` (notes fixtures) under a name that doesn't shadow the import."""
    return request.getfixturevalue("make_note")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def json_script(html: str, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def test_anonymous_people_are_sent_to_sign_in():
    r = Client().get("/compose")
    assert r.status_code == 302
    assert r["Location"] == "/signin?next=/compose"
    r = Client().get("/compose?edit=123")
    assert r.status_code == 302 and r["Location"].startswith("/signin?next=/compose")


def test_new_note_page_renders_with_hooks(make_user):
    make_user("mei")
    r = signed_in(make_user("mei_two")).get("/compose")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'x-data="composer"' in html
    assert 'data-mode="create"' in html and 'data-username="mei_two"' in html
    assert 'data-note-id=""' in html
    assert 'data-title-max="20"' in html and 'data-body-max="1000"' in html
    assert 'data-images-max="18"' in html
    for hook in [
        "compose-file-input",
        "compose-tiles",
        "compose-tile",
        "compose-move-earlier",
        "compose-move-later",
        "compose-title",
        "compose-title-counter",
        "compose-body",
        "compose-body-counter",
        "compose-visibility",
        "compose-publish",
        "compose-error",
        "compose-discard",
        "compose-suggestions",
    ]:
        assert f'data-testid="{hook}"' in html, hook
    assert 'accept="image/*,video/mp4,video/quicktime,video/webm" multiple' in html
    # every field has a label
    for field_id in ["compose-title", "compose-body", "compose-place", "compose-visibility"]:
        assert f'<label for="{field_id}"' in html, field_id
    assert '<option value="followers">' in html and '<option value="private">' in html
    # SortableJS (from npm) loads before the composer, and nothing runs inline (strict CSP)
    assert html.index("vendor/sortablejs/Sortable.min.js") < html.index("web/js/compose.js")
    assert "script-src 'self'" in r["Content-Security-Policy"]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts and all('type="application/json"' in attrs for attrs in scripts)
    limits = json_script(html, "compose-limits")
    assert limits["title"] == 20 and limits["images"] == 18
    messages = json_script(html, "compose-messages")
    assert messages["titleRequired"] and "%(n)s" in messages["moveEarlier"]
    assert "compose-note" not in html
    assert "<title>New note · Vermilion</title>" in html


def test_page_is_translated(make_user):
    client = signed_in(make_user("mei", language="zh-hans"))
    html = client.get("/compose").content.decode()
    assert 'lang="zh-Hans"' in html
    # the strings are marked: with no catalogue yet they fall back to English, never break
    assert json_script(html, "compose-messages")["publish"]


def test_only_get(make_user):
    assert signed_in(make_user("mei")).post("/compose").status_code == 405


def test_author_edits_with_the_note_prefilled(make_user, publish):
    mei = make_user("mei")
    note = publish(
        mei,
        images=3,
        title="成都 · 火锅",
        body="#成都美食 yum",
        place={"name": "春熙路", "lat": 30.65, "lon": 104.08},
        visibility="followers",
    )
    r = signed_in(mei).get(f"/compose?edit={note.id}")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-mode="edit"' in html and f'data-note-id="{note.id}"' in html
    data = json_script(html, "compose-note")
    assert data["id"] == str(note.id)
    assert data["title"] == "成都 · 火锅" and data["visibility"] == "followers"
    assert data["place"] == {"name": "春熙路", "lat": 30.65, "lon": 104.08}
    ordered = [str(a.media_id) for a in note.attachments.order_by("position")]
    assert [m["id"] for m in data["media"]] == ordered
    assert all(m["urls"]["thumb"] for m in data["media"])
    assert "<title>Edit note · Vermilion</title>" in html
    assert f'href="/notes/{note.id}"' in html


def test_edit_text_is_escaped(make_user, publish):
    mei = make_user("mei")
    note = publish(mei, title="x</script>", body=XSS)
    html = signed_in(mei).get(f"/compose?edit={note.id}").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    assert json_script(html, "compose-note")["body"] == XSS


def test_others_may_not_edit(make_user, publish):
    mei, bob = make_user("mei"), make_user("bob")
    admin = make_user("staffer")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    public = publish(mei)
    private = publish(mei, visibility="private")
    # a note they can see: forbidden
    assert signed_in(bob).get(f"/compose?edit={public.id}").status_code == 403
    # admins moderate (delete) but do not rewrite
    assert signed_in(admin).get(f"/compose?edit={public.id}").status_code == 403
    assert signed_in(admin).get(f"/compose?edit={private.id}").status_code == 403
    # a note they cannot see: as if it did not exist
    assert signed_in(bob).get(f"/compose?edit={private.id}").status_code == 404
    for bad in ["999", "abc", "", "-1", "99999999999999999999999"]:
        assert signed_in(bob).get(f"/compose?edit={bad}").status_code == 404, bad


@pytest.mark.parametrize("direction", ["author_blocks", "viewer_blocks"])
def test_blocked_people_cannot_open_the_editor(make_user, publish, direction):
    mei, bob = make_user("mei"), make_user("bob")
    note = publish(mei)
    if direction == "author_blocks":
        accounts.block(mei, bob)
    else:
        accounts.block(bob, mei)
    assert signed_in(bob).get(f"/compose?edit={note.id}").status_code == 404
    # the author still can
    assert signed_in(mei).get(f"/compose?edit={note.id}").status_code == 200


def test_edit_page_query_count_does_not_grow_with_images(make_user, publish):
    mei = make_user("mei")
    client = signed_in(mei)
    one = publish(mei, images=1)
    many = publish(mei, images=18)
    client.get(f"/compose?edit={one.id}")  # warm up the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/compose?edit={one.id}").status_code == 200
    with CaptureQueriesContext(connection) as lots:
        assert client.get(f"/compose?edit={many.id}").status_code == 200
    assert len(lots) == len(few)
