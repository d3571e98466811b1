"""Who may see, edit and delete a note: the visibility matrix, through the API."""

from __future__ import annotations

import pytest

from vermilion.accounts.services import block, follow
from vermilion.notes.models import Note

pytestmark = pytest.mark.django_db

VIEWERS = ["owner", "other", "follower", "anonymous", "blocked", "blocking", "admin"]
# Which viewers see a note of each visibility. "blocked": the owner blocks them;
# "blocking": they block the owner. Admins see everything (moderation).
SEES = {
    "public": {"owner", "other", "follower", "anonymous", "admin"},
    "followers": {"owner", "follower", "admin"},
    "private": {"owner", "admin"},
}


@pytest.fixture
def world(make_user, make_note, client_for, anon):
    owner = make_user("owner")
    people = {
        "owner": owner,
        "other": make_user("other"),
        "follower": make_user("follower"),
        "blocked": make_user("blocked"),
        "blocking": make_user("blocking"),
        "admin": make_user("admin_user"),
    }
    follow(people["follower"], owner)
    follow(people["blocked"], owner)  # blocking ends the follow: no backdoor through it
    block(owner, people["blocked"])
    follow(people["blocking"], owner)
    block(people["blocking"], owner)
    people["admin"].is_staff = True
    people["admin"].save(update_fields=["is_staff"])
    notes = {v: make_note(owner, title=v, visibility=v) for v in SEES}
    clients = {name: client_for(user) for name, user in people.items()}
    clients["anonymous"] = anon
    return {"people": people, "notes": notes, "clients": clients}


@pytest.mark.parametrize("visibility", list(SEES))
@pytest.mark.parametrize("who", VIEWERS)
def test_get_note(world, visibility, who):
    note = world["notes"][visibility]
    r = world["clients"][who].get(f"/api/v1/notes/{note.id}")
    if who in SEES[visibility]:
        assert r.status_code == 200, r.content
        assert r.json()["id"] == str(note.id)
        assert (r.json()["viewer"] is None) == (who == "anonymous")
    else:
        assert r.status_code == 404
        # The same answer as for a note that never existed.
        assert r.json() == world["clients"][who].get("/api/v1/notes/1").json()


@pytest.mark.parametrize("who", VIEWERS)
def test_user_notes_list(world, who):
    r = world["clients"][who].get("/api/v1/users/owner/notes")
    if who == "blocked":
        assert r.status_code == 404
        return
    assert r.status_code == 200
    titles = {item["title"] for item in r.json()["items"]}
    expected = {v for v, viewers in SEES.items() if who in viewers}
    assert titles == expected


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "99999999999999999999999", "1.0", "%20"])
def test_bad_note_ids_are_not_found(world, bad):
    for who in ("owner", "anonymous"):
        assert world["clients"][who].get(f"/api/v1/notes/{bad}").status_code == 404
    assert world["clients"]["owner"].patch(f"/api/v1/notes/{bad}", {}).status_code == 404
    assert world["clients"]["owner"].delete(f"/api/v1/notes/{bad}").status_code == 404


def test_unknown_user_lists_are_not_found(world):
    for path in ("notes", "likes", "collects"):
        assert world["clients"]["owner"].get(f"/api/v1/users/nobody/{path}").status_code == 404


# PATCH / DELETE on the owner's public note (everyone but the blocked ones can see it).
EDIT = {
    "owner": 200,
    "other": 403,
    "follower": 403,
    "anonymous": 401,
    "blocked": 404,
    "blocking": 404,
    "admin": 403,  # moderators may delete, not rewrite
}
DELETE = {**EDIT, "owner": 204, "admin": 204}


@pytest.mark.parametrize("who", VIEWERS)
def test_patch_note(world, who):
    note = world["notes"]["public"]
    r = world["clients"][who].patch(f"/api/v1/notes/{note.id}", {"title": "changed"})
    assert r.status_code == EDIT[who], r.content
    note.refresh_from_db()
    assert note.title == ("changed" if who == "owner" else "public")


@pytest.mark.parametrize("who", VIEWERS)
def test_delete_note(world, who):
    note = world["notes"]["public"]
    r = world["clients"][who].delete(f"/api/v1/notes/{note.id}")
    assert r.status_code == DELETE[who], r.content
    assert Note.objects.filter(pk=note.pk).exists() == (DELETE[who] != 204)


def test_admin_deletes_a_private_note(world):
    note = world["notes"]["private"]
    assert world["clients"]["admin"].delete(f"/api/v1/notes/{note.id}").status_code == 204
    owner = world["people"]["owner"]
    owner.refresh_from_db()
    assert owner.notes_count == 2


def test_private_note_of_another_is_not_found_for_edit(world):
    note = world["notes"]["private"]
    r = world["clients"]["other"].patch(f"/api/v1/notes/{note.id}", {"title": "x"})
    assert r.status_code == 404
    assert world["clients"]["other"].delete(f"/api/v1/notes/{note.id}").status_code == 404
