"""Who may read (GET) and edit (PATCH) a media item."""

from __future__ import annotations

import pytest

from vermilion.accounts import services as accounts
from vermilion.media.models import Media

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    return make_user("mediaowner")


@pytest.fixture
def media_id(owner, client_for, upload):
    response = upload(client_for(owner), f.jpeg())
    assert response.status_code == 201
    return response.json()["id"]


@pytest.fixture
def admin(make_user):
    user = make_user("staff_mei")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _get(client, media_id):
    return client.get(f"/api/v1/media/{media_id}")


def _patch(client, media_id, alt_text="changed"):
    return client.patch(f"/api/v1/media/{media_id}", {"alt_text": alt_text})


def test_unattached_media_only_owner_and_staff(owner, media_id, admin, make_user, client_for, anon):
    body = _get(client_for(owner), media_id).json()
    assert body["id"] == media_id
    assert body["status"] == "processing"
    assert _get(client_for(admin), media_id).status_code == 200
    for client in (client_for(make_user()), anon):
        response = _get(client, media_id)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_owner_sees_failure_details(owner, client_for, upload, run_jobs):
    client = client_for(owner)
    media_id = upload(client, f.encode(f.noise(), "JPEG")[:2000]).json()["id"]
    run_jobs()
    body = _get(client, media_id).json()
    assert body["status"] == "failed"
    assert body["error"] == "This image is damaged or incomplete."


def test_public_note_media_is_public(media_id, attach, make_user, client_for, anon, run_jobs):
    attach(media_id, "public")
    run_jobs()
    for client in (anon, client_for(make_user())):
        response = _get(client, media_id)
        assert response.status_code == 200
        assert response.json()["status"] == "ready"
        assert set(response.json()["urls"]) == {"thumb", "display"}


def test_blocks_hide_media_both_ways(owner, media_id, attach, make_user, client_for):
    attach(media_id, "public")
    blocked_by_owner, blocker_of_owner = make_user(), make_user()
    accounts.block(owner, blocked_by_owner)
    accounts.block(blocker_of_owner, owner)
    assert _get(client_for(blocked_by_owner), media_id).status_code == 404
    assert _get(client_for(blocker_of_owner), media_id).status_code == 404
    assert _get(client_for(make_user()), media_id).status_code == 200


def test_followers_note_media(owner, media_id, attach, make_user, client_for, anon):
    attach(media_id, "followers")
    follower, stranger = make_user(), make_user()
    accounts.follow(follower, owner)
    assert _get(client_for(follower), media_id).status_code == 200
    assert _get(client_for(stranger), media_id).status_code == 404
    assert _get(anon, media_id).status_code == 404


def test_private_note_media(owner, media_id, attach, admin, make_user, client_for, anon):
    attach(media_id, "private")
    assert _get(client_for(owner), media_id).status_code == 200
    assert _get(client_for(admin), media_id).status_code == 200
    assert _get(client_for(make_user()), media_id).status_code == 404
    assert _get(anon, media_id).status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "0", "-5", "99999999999999999999999", "1.5"])
def test_unknown_or_malformed_ids_are_404(bad_id, owner, client_for):
    response = _get(client_for(owner), bad_id)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_owner_edits_alt_text(owner, media_id, client_for):
    client = client_for(owner)
    response = _patch(client, media_id, "  A bowl of 火锅 🍲  ")
    assert response.status_code == 200, response.content
    assert response.json()["alt_text"] == "A bowl of 火锅 🍲"
    assert _get(client, media_id).json()["alt_text"] == "A bowl of 火锅 🍲"
    assert _patch(client, media_id, "").json()["alt_text"] == ""


def test_alt_text_length_in_characters(owner, media_id, client_for):
    client = client_for(owner)
    assert _patch(client, media_id, "字" * 500).status_code == 200
    too_long = _patch(client, media_id, "字" * 501)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["field"] == "alt_text"
    # A family emoji is one character on screen but seven code points: the column is in
    # code points, so a long run of them is refused cleanly rather than failing in the DB.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert _patch(client, media_id, family * 10).status_code == 200
    assert _patch(client, media_id, family * 100).status_code == 400
    assert Media.objects.get(pk=int(media_id)).alt_text == family * 10


def test_others_cannot_edit(owner, media_id, attach, admin, make_user, client_for, anon):
    attach(media_id, "public")
    blocked = make_user()
    accounts.block(owner, blocked)
    # They can see it (public note), so they learn they may not change it: 403.
    assert _patch(client_for(make_user()), media_id).status_code == 403
    assert _patch(client_for(admin), media_id).status_code == 403  # staff moderate, not edit
    # Someone it is hidden from learns nothing: 404.
    assert _patch(client_for(blocked), media_id).status_code == 404
    assert _patch(anon, media_id).status_code == 401
    assert Media.objects.get(pk=int(media_id)).alt_text == ""


def test_others_cannot_edit_unattached(media_id, make_user, client_for):
    assert _patch(client_for(make_user()), media_id).status_code == 404
