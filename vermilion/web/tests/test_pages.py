import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from vermilion.media.models import Media
from vermilion.notes.models import Note, NoteMedia

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def make_note(author, title="Hello", visibility="public", body=""):
    note = Note.objects.create(author=author, title=title, body=body, visibility=visibility)
    media = Media.objects.create(
        owner=author,
        kind="image",
        status="ready",
        width=600,
        height=800,
        renditions={"thumb": {"path": f"m/{note.id}/t.webp"}, "display": {"path": "d.webp"}},
    )
    NoteMedia.objects.create(note=note, media=media, position=0)
    return note


def test_explore_shows_public_notes_only(make_user):
    mei = make_user("mei")
    make_note(mei, "公开的笔记")
    make_note(mei, "secret", visibility="private")
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "公开的笔记" in html and "secret" not in html
    assert "aspect-ratio: 600 / 800" in html  # no layout shift while the cover loads


def test_explore_has_constant_queries(make_user):
    mei = make_user("mei")
    make_note(mei)
    with CaptureQueriesContext(connection) as few:
        Client().get("/")
    for _ in range(15):
        make_note(make_user())
    with CaptureQueriesContext(connection) as many:
        Client().get("/")
    assert len(many) == len(few)


def test_text_is_escaped_in_pages(make_user):
    mei = make_user("mei", display_name="<b>x</b>")
    note = make_note(mei, title=XSS[:20], body=XSS)
    for path in ["/", f"/notes/{note.id}", "/u/mei"]:
        html = Client().get(path).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x onerror" not in html
        assert "<b>x</b>" not in html


def test_note_page_respects_visibility(make_user):
    mei, bob = make_user("mei"), make_user("bob")
    note = make_note(mei, visibility="private")
    assert Client().get(f"/notes/{note.id}").status_code == 404
    client = Client()
    client.force_login(bob)
    assert client.get(f"/notes/{note.id}").status_code == 404
    client.force_login(mei)
    assert client.get(f"/notes/{note.id}").status_code == 200
    assert Client().get("/notes/999").status_code == 404


def test_sign_up_in_and_out():
    client = Client()
    r = client.post("/signup", {"username": "newbie", "password": PASSWORD})
    assert r.status_code == 302
    assert client.get("/").context["user"].username == "newbie"
    client.post("/signout")
    assert not client.get("/").context["user"].is_authenticated
    r = client.post("/signin", {"username": "NEWBIE", "password": "wrong"})
    assert r.status_code == 400 and "not right" in r.content.decode()
    r = client.post(
        "/signin", {"username": "newbie", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert r.status_code == 302 and r["Location"] == "/"


def test_sign_up_errors_are_shown():
    r = Client().post("/signup", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 400 and "reserved" in r.content.decode()


def test_forms_need_csrf(make_user):
    make_user("mei")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signin", {"username": "mei", "password": PASSWORD}).status_code == 403
