"""Profile pages (tabs, header, follow/block controls) and boards, as people see them."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.accounts import services as accounts
from vermilion.engagement import services as engagement
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
HX = {"HX-Request": "true"}


def client_as(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def admin_of(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def html_of(response) -> str:
    return response.content.decode()


# --- the header ------------------------------------------------------------------------------


def test_profile_header_shows_the_person(make_user, make_note):
    mei = make_user("mei", display_name="梅 Mei")
    accounts.update_profile(mei, bio="拍照 and tea", region="上海", languages=["zh-Hans", "en"])
    fan = make_user("fan")
    accounts.follow(fan, mei)
    note = make_note(mei, title="Tea notes")
    engagement.like(fan, note)
    engagement.collect(fan, note)
    html = html_of(Client().get("/u/mei"))
    assert "梅 Mei" in html and "@mei" in html and "拍照 and tea" in html and "上海" in html
    assert "简体中文 · English" in html
    assert 'data-testid="followers-count">1<' in html
    # Likes & collects received: one like and one collect.
    assert "<b>2</b>" in html
    assert 'data-testid="follow-button"' in html and 'aria-pressed="false"' in html
    assert 'data-testid="edit-profile"' not in html
    assert "Tea notes" in html


def test_owner_sees_edit_profile_instead_of_follow(make_user):
    mei = make_user("mei")
    html = html_of(client_as(mei).get("/u/mei"))
    assert 'data-testid="edit-profile"' in html
    assert 'data-testid="follow-button"' not in html and 'data-testid="block-button"' not in html


def test_follower_sees_the_pressed_follow_button(make_user):
    mei, fan = make_user("mei"), make_user("fan")
    accounts.follow(fan, mei)
    html = html_of(client_as(fan).get("/u/mei"))
    assert 'aria-pressed="true"' in html
    assert 'data-testid="block-button"' in html


def test_unknown_person_is_404(make_user):
    assert Client().get("/u/nobody").status_code == 404
    assert Client().get("/u/nobody/boards").status_code == 404


def test_profile_is_404_for_someone_the_owner_blocks(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    make_note(mei, title="Mei's public note")
    accounts.block(mei, bob)
    client = client_as(bob)
    for path in ["/u/mei", "/u/mei/collects", "/u/mei/likes", "/u/mei/boards"]:
        assert client.get(path).status_code == 404, path
    assert client.get("/x/profile-notes/mei/notes", headers=HX).status_code == 404


def test_blocker_sees_the_blocked_profile_with_unblock_and_no_notes(make_user, make_note):
    mei, bob = make_user("mei"), make_user("bob")
    make_note(bob, title="Bob's public note")
    accounts.block(mei, bob)
    response = client_as(mei).get("/u/bob")
    html = html_of(response)
    assert response.status_code == 200
    assert 'data-testid="unblock-button"' in html and 'data-testid="follow-button"' not in html
    assert "Bob&#x27;s public note" not in html and "Bob's public note" not in html


def test_admin_blocked_by_the_owner_still_sees_the_profile_like_the_api(make_user, client_for):
    """Staff keep seeing people who blocked them: moderation must not be blockable."""
    mei, admin = make_user("mei"), admin_of(make_user("boss"))
    accounts.block(mei, admin)
    assert client_as(admin).get("/u/mei").status_code == 200
    assert client_for(admin).get("/api/v1/users/mei").status_code == 200
    assert client_for(admin).get("/api/v1/users/mei/notes").status_code == 200


# --- the tabs --------------------------------------------------------------------------------


def test_notes_tab_shows_only_notes_the_viewer_may_see(make_user, make_note):
    mei, fan, other = make_user("mei"), make_user("fan"), make_user("other")
    admin = admin_of(make_user("boss"))
    accounts.follow(fan, mei)
    make_note(mei, title="PUBLIC-NOTE")
    make_note(mei, title="FOLLOWERS-NOTE", visibility="followers")
    make_note(mei, title="PRIVATE-NOTE", visibility="private")

    def titles(user):
        html = html_of(client_as(user).get("/u/mei"))
        return {t for t in ("PUBLIC-NOTE", "FOLLOWERS-NOTE", "PRIVATE-NOTE") if t in html}

    assert titles(None) == {"PUBLIC-NOTE"}
    assert titles(other) == {"PUBLIC-NOTE"}
    assert titles(fan) == {"PUBLIC-NOTE", "FOLLOWERS-NOTE"}
    assert titles(mei) == {"PUBLIC-NOTE", "FOLLOWERS-NOTE", "PRIVATE-NOTE"}
    assert titles(admin) == {"PUBLIC-NOTE", "FOLLOWERS-NOTE", "PRIVATE-NOTE"}


def test_likes_tab_lists_liked_notes_the_viewer_may_see(make_user, make_note):
    mei, ann, bob = make_user("mei"), make_user("ann"), make_user("bob")
    engagement.like(mei, make_note(ann, title="ANN-PUBLIC"))
    hidden = make_note(ann, title="ANN-FOLLOWERS", visibility="followers")
    accounts.follow(mei, ann)
    engagement.like(mei, hidden)
    engagement.like(mei, make_note(bob, title="BOB-NOTE"))
    accounts.block(bob, ann)  # ann no longer sees bob's note anywhere

    anon_html = html_of(Client().get("/u/mei/likes"))
    assert "ANN-PUBLIC" in anon_html and "BOB-NOTE" in anon_html
    assert "ANN-FOLLOWERS" not in anon_html
    ann_html = html_of(client_as(ann).get("/u/mei/likes"))
    assert "ANN-PUBLIC" in ann_html and "ANN-FOLLOWERS" in ann_html
    assert "BOB-NOTE" not in ann_html
    assert 'data-testid="profile-tab-likes" aria-current="page"' in anon_html


def test_collects_tab_hides_private_boards_from_others(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    secret = engagement.create_board(mei, name="Secret", is_private=True)
    engagement.collect(mei, make_note(ann, title="IN-DEFAULT"))
    engagement.collect(mei, make_note(ann, title="IN-SECRET"), secret)
    others = html_of(client_as(ann).get("/u/mei/collects"))
    assert "IN-DEFAULT" in others and "IN-SECRET" not in others
    own = html_of(client_as(mei).get("/u/mei/collects"))
    assert "IN-DEFAULT" in own and "IN-SECRET" in own


def test_tabs_scroll_on_through_the_fragment_route(make_user, make_note):
    mei = make_user("mei")
    for i in range(23):
        make_note(mei, title=f"N{i:02d}")
    html = html_of(Client().get("/u/mei"))
    assert html.count('data-testid="card"') == 20
    assert 'hx-get="/x/profile-notes/mei/notes?cursor=' in html
    next_url = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    more = Client().get(next_url, headers=HX)
    fragment = html_of(more)
    assert more.status_code == 200 and "<html" not in fragment
    assert fragment.count('data-testid="card"') == 3
    assert "N00" in fragment and "N22" not in fragment
    # The last page replaces the sentinel with an empty one: scrolling stops.
    assert 'id="more-notes" hx-swap-oob="true"' in fragment and "hx-get" not in fragment


def test_fragment_rejects_unknown_tabs_and_bad_cursors(make_user):
    make_user("mei")
    assert Client().get("/x/profile-notes/mei/secrets", headers=HX).status_code == 404
    bad = Client().get("/x/profile-notes/mei/likes?cursor=%%%", headers=HX)
    assert bad.status_code == 400


@pytest.mark.parametrize("tab", ["", "/collects", "/likes"])
def test_profile_tabs_have_constant_query_counts(make_user, make_note, tab):
    mei, viewer = make_user("mei"), make_user("viewer")

    def add(n):
        for _ in range(n):
            note = make_note(make_user() if tab else mei)
            if tab == "/likes":
                engagement.like(mei, note)
            elif tab == "/collects":
                engagement.collect(mei, note)

    add(1)
    client = client_as(viewer)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/u/mei{tab}").status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/u/mei{tab}")
    assert len(many) == len(few)


def test_profile_escapes_what_people_type(make_user):
    mei = make_user("mei", display_name=XSS[:30])
    accounts.update_profile(mei, bio=XSS, region=XSS[:60])
    engagement.create_board(mei, name=XSS[:50])
    for path in ["/u/mei", "/u/mei/boards"]:
        html = html_of(Client().get(path))
        assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
        assert "&lt;script&gt;" in html


# --- boards ----------------------------------------------------------------------------------


def test_boards_list_shows_public_boards_to_others_and_all_to_the_owner(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    trips = engagement.create_board(mei, name="Trips")
    engagement.create_board(mei, name="Hidden plans", is_private=True)
    engagement.collect(mei, make_note(ann, title="Beach"), trips)
    others = html_of(Client().get("/u/mei/boards"))
    assert "Trips" in others and "Hidden plans" not in others
    assert "1 note" in others
    assert 'data-testid="board-create"' not in others
    own = html_of(client_as(mei).get("/u/mei/boards"))
    assert "Trips" in own and "Hidden plans" in own and 'data-testid="board-create"' in own


def test_board_page_respects_privacy_and_blocks(make_user, make_note):
    mei, ann, bob = make_user("mei"), make_user("ann"), make_user("bob")
    admin = admin_of(make_user("boss"))
    private = engagement.create_board(mei, name="Mine only", is_private=True)
    public = engagement.create_board(mei, name="Open")
    engagement.collect(mei, make_note(ann, title="Collected thing"), public)
    for user in (None, ann, admin):
        assert client_as(user).get(f"/boards/{private.pk}").status_code == 404
    own = client_as(mei).get(f"/boards/{private.pk}")
    assert own.status_code == 200 and 'data-testid="board-rename"' in html_of(own)
    page = client_as(ann).get(f"/boards/{public.pk}")
    assert page.status_code == 200 and "Collected thing" in html_of(page)
    assert 'data-testid="board-rename"' not in html_of(page)
    accounts.block(mei, bob)
    assert client_as(bob).get(f"/boards/{public.pk}").status_code == 404
    assert client_as(mei).get(f"/boards/{public.pk}").status_code == 200
    assert Client().get("/boards/999").status_code == 404


def test_default_board_cannot_be_deleted_from_the_page(make_user):
    mei = make_user("mei")
    default = engagement.ensure_default_board(mei)
    html = html_of(client_as(mei).get(f"/boards/{default.pk}"))
    assert 'data-testid="board-rename"' in html and 'data-testid="board-delete"' not in html


def test_board_notes_scroll_on_with_htmx(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    board = engagement.create_board(mei, name="Lots")
    for i in range(22):
        engagement.collect(mei, make_note(ann, title=f"B{i:02d}"), board)
    html = html_of(Client().get(f"/boards/{board.pk}"))
    assert html.count('data-testid="card"') == 20
    next_url = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    fragment = html_of(Client().get(next_url, headers=HX))
    assert fragment.count('data-testid="card"') == 2 and "<html" not in fragment


def test_boards_and_board_pages_have_constant_query_counts(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    client = client_as(ann)
    first = engagement.create_board(mei, name="Board 0")
    engagement.collect(mei, make_note(ann), first)
    with CaptureQueriesContext(connection) as few_boards:
        client.get("/u/mei/boards")
    with CaptureQueriesContext(connection) as few_notes:
        client.get(f"/boards/{first.pk}")
    for i in range(1, 7):
        board = engagement.create_board(mei, name=f"Board {i}")
        for _ in range(3):
            engagement.collect(mei, make_note(make_user()), board)
    for _ in range(6):
        engagement.collect(mei, make_note(make_user()), first)
    with CaptureQueriesContext(connection) as many_boards:
        client.get("/u/mei/boards")
    with CaptureQueriesContext(connection) as many_notes:
        client.get(f"/boards/{first.pk}")
    assert len(many_boards) == len(few_boards)
    assert len(many_notes) == len(few_notes)


def test_board_covers_leave_out_notes_the_viewer_may_not_see(make_user, make_note):
    mei, ann = make_user("mei"), make_user("ann")
    board = engagement.create_board(mei, name="Mixed")
    engagement.collect(mei, make_note(ann, title="Seen"), board)
    hidden = make_note(ann, title="Hidden", visibility="followers")
    accounts.follow(mei, ann)
    engagement.collect(mei, hidden, board)
    hidden_cover = hidden.attachments.get().media_id
    assert f"images/{hidden_cover}/thumb.webp" not in html_of(Client().get("/u/mei/boards"))
    assert f"images/{hidden_cover}/thumb.webp" in html_of(client_as(mei).get("/u/mei/boards"))
