import pytest
from django.test import Client

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


def test_text_is_escaped_in_pages(make_user):
    mei = make_user("mei", display_name="<b>x</b>")
    note = make_note(mei, title=XSS[:20], body=XSS)
    for path in ["/", f"/notes/{note.id}", "/u/mei"]:
        html = Client().get(path).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x onerror" not in html
        assert "<b>x</b>" not in html


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
