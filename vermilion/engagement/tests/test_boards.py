import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.core.errors import Conflict, Forbidden, Invalid, NotFound
from vermilion.engagement import services
from vermilion.engagement.models import Board, Collect
from vermilion.notes.services import update_note

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def error(response):
    return response.status_code, response.json()["error"]["code"]


def test_register_makes_the_default_board(make_user, client_for):
    user = make_user()
    r = client_for(user).get("/api/v1/boards")
    assert r.status_code == 200
    (board,) = r.json()["items"]
    assert board["is_default"] is True
    assert board["name"] == services.DEFAULT_BOARD_NAME
    assert board["owner"]["username"] == user.username
    assert board["counts"] == {"notes": 0}
    assert r.json()["next_cursor"] is None


def test_create_named_boards_with_unique_names(make_user, client_for):
    user = make_user()
    client = client_for(user)
    r = client.post("/api/v1/boards", {"name": "  Trips ", "description": "far away"})
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "Trips" and r.json()["description"] == "far away"
    assert r.json()["is_private"] is False and r.json()["is_default"] is False
    assert error(client.post("/api/v1/boards", {"name": "TRIPS"})) == (409, "name_taken")
    assert error(client.post("/api/v1/boards", {"name": "collected"})) == (409, "name_taken")
    # someone else may use the same name
    assert client_for(make_user()).post("/api/v1/boards", {"name": "Trips"}).status_code == 201
    # listed newest first after the default board
    client.post("/api/v1/boards", {"name": "旅行"})
    names = [b["name"] for b in client.get("/api/v1/boards").json()["items"]]
    assert names == ["Collected", "旅行", "Trips"]


@pytest.mark.parametrize(
    "name,ok",
    [
        ("", False),
        ("   ", False),
        ("a" * 50, True),
        ("a" * 51, False),
        ("旅" * 50, True),
        ("旅" * 51, False),
        ("👨‍👩‍👧‍👦" * 14, True),  # 14 graphemes, 98 code points
        ("👨‍👩‍👧‍👦" * 15, False),  # 15 graphemes but 105 code points: too long for the column
    ],
)
def test_board_name_length_in_characters(make_user, client_for, name, ok):
    r = client_for(make_user()).post("/api/v1/boards", {"name": name})
    assert r.status_code == (201 if ok else 400), r.content
    if not ok:
        assert r.json()["error"]["field"] == "name"


def test_board_description_limit(make_user, client_for):
    client = client_for(make_user())
    assert (
        client.post("/api/v1/boards", {"name": "a", "description": "字" * 500}).status_code == 201
    )
    r = client.post("/api/v1/boards", {"name": "b", "description": "字" * 501})
    assert error(r) == (400, "too_long")


def test_board_name_race_is_a_conflict_not_an_error(make_user):
    user = make_user()
    services.create_board(user, name="Food")
    # the database constraint backs the check: a second row with the same name is refused
    with pytest.raises(Conflict):
        services._save_board(Board(owner=user, name="FOOD"))


def test_private_board_is_hidden_from_others(make_user, make_note, client_for, anon, make_admin):
    owner, other = make_user(), make_user()
    note = make_note(make_user())
    secret = services.create_board(owner, name="Secret", is_private=True)
    public = services.create_board(owner, name="Open")
    services.collect(owner, note, secret)

    assert client_for(owner).get(f"/api/v1/boards/{secret.id}").status_code == 200
    assert client_for(owner).get(f"/api/v1/boards/{secret.id}/notes").json()["items"][0]["id"] == (
        str(note.id)
    )
    for client in (client_for(other), anon, client_for(make_admin())):
        assert client.get(f"/api/v1/boards/{secret.id}").status_code == 404
        assert client.get(f"/api/v1/boards/{secret.id}/notes").status_code == 404
        assert client.get(f"/api/v1/boards/{public.id}").status_code == 200
        listed = client.get("/api/v1/boards", {"username": owner.username}).json()["items"]
        assert {b["name"] for b in listed} == {"Collected", "Open"}
    mine = client_for(owner).get("/api/v1/boards", {"username": owner.username}).json()["items"]
    assert {b["name"] for b in mine} == {"Collected", "Open", "Secret"}
    assert anon.get("/api/v1/boards").status_code == 401


def test_blocked_people_do_not_see_each_others_boards(make_user, client_for, block):
    owner, other = make_user(), make_user()
    board = services.create_board(owner, name="Open")
    block(owner, other)
    assert client_for(other).get(f"/api/v1/boards/{board.id}").status_code == 404
    assert client_for(owner).get(f"/api/v1/boards/{board.id}").status_code == 200


def test_update_board_owner_only(make_user, client_for, anon, make_admin):
    owner, other = make_user(), make_user()
    board = services.create_board(owner, name="Trips")
    secret = services.create_board(owner, name="Secret", is_private=True)
    url = f"/api/v1/boards/{board.id}"

    r = client_for(owner).patch(url, {"name": "Journeys", "description": XSS, "is_private": True})
    assert r.status_code == 200, r.content
    assert (r.json()["name"], r.json()["description"], r.json()["is_private"]) == (
        "Journeys",
        XSS,
        True,
    )
    assert error(client_for(owner).patch(url, {"name": "secret"})) == (409, "name_taken")
    assert error(client_for(owner).patch(url, {"name": ""}))[0] == 400
    # only sent fields change
    r = client_for(owner).patch(url, {"is_private": False})
    assert r.json()["name"] == "Journeys" and r.json()["description"] == XSS

    assert error(client_for(other).patch(url, {"name": "Mine"})) == (403, "forbidden")
    assert error(client_for(make_admin()).patch(url, {"name": "Mod"})) == (403, "forbidden")
    assert client_for(other).patch(f"/api/v1/boards/{secret.id}", {"name": "x"}).status_code == 404
    assert anon.patch(url, {"name": "x"}).status_code == 401
    assert Board.objects.get(pk=board.id).name == "Journeys"
    with pytest.raises(Forbidden):
        services.update_board(other, board, name="Mine")
    with pytest.raises(NotFound):
        services.delete_board(other, secret)


def test_delete_board_uncollects_its_notes(make_user, make_note, client_for, make_admin):
    owner, other = make_user(), make_user()
    author = make_user()
    notes = [make_note(author) for _ in range(3)]
    trips = services.create_board(owner, name="Trips")
    for note in notes[:2]:
        services.collect(owner, note, trips)
    services.collect(owner, notes[2])
    services.collect(other, notes[0])

    assert client_for(other).delete(f"/api/v1/boards/{trips.id}").status_code == 403
    assert client_for(make_admin()).delete(f"/api/v1/boards/{trips.id}").status_code == 403
    assert client_for(owner).delete(f"/api/v1/boards/{trips.id}").status_code == 204
    assert not Board.objects.filter(pk=trips.id).exists()
    counts = [type(n).objects.get(pk=n.pk).collects_count for n in notes]
    assert counts == [1, 0, 1]  # other's collect of notes[0] stays
    assert Collect.objects.filter(user=owner).count() == 1
    assert services.ensure_default_board(owner).notes_count == 1

    default = services.ensure_default_board(owner)
    r = client_for(owner).delete(f"/api/v1/boards/{default.id}")
    assert error(r) == (400, "default_board")
    with pytest.raises(Invalid):
        services.delete_board(owner, default)


def test_board_notes_lists_only_visible_notes(make_user, make_note, client_for, anon):
    owner, author = make_user(), make_user()
    board = services.create_board(owner, name="Looks")
    shown = make_note(author, title="shown")
    hidden = make_note(author, title="hidden")
    for note in (shown, hidden):
        services.collect(owner, note, board)
    update_note(author, hidden, visibility="private")
    for client in (client_for(owner), anon):
        r = client.get(f"/api/v1/boards/{board.id}/notes")
        assert r.status_code == 200
        assert [n["id"] for n in r.json()["items"]] == [str(shown.id)]
    assert client_for(owner).get(f"/api/v1/boards/{board.id}/notes").json()["items"][0][
        "viewer"
    ] == {"liked": False, "collected": True}


def test_board_names_are_returned_verbatim(make_user, client_for):
    client = client_for(make_user())
    r = client.post("/api/v1/boards", {"name": "<b>hi</b>&amp;", "description": XSS})
    assert r.status_code == 201
    assert r["Content-Type"].startswith("application/json")
    board = client.get(f"/api/v1/boards/{r.json()['id']}").json()
    assert board["name"] == "<b>hi</b>&amp;" and board["description"] == XSS


def test_boards_list_paginates_and_has_constant_queries(make_user, client_for):
    owner = make_user()
    viewer = make_user()
    client = client_for(viewer)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/boards", {"username": owner.username})
        assert r.status_code == 200
        return len(ctx.captured_queries)

    services.create_board(owner, name="b0")
    count_queries()  # the first request of a token also records when it was last used
    few = count_queries()
    for i in range(1, 20):
        services.create_board(owner, name=f"b{i}")
    assert count_queries() == few

    for i in range(20, 40):
        services.create_board(owner, name=f"b{i}")
    first = client.get("/api/v1/boards", {"username": owner.username}).json()
    assert first["items"][0]["is_default"] is True and len(first["items"]) == 30
    second = client.get(
        "/api/v1/boards", {"username": owner.username, "cursor": first["next_cursor"]}
    ).json()
    assert second["next_cursor"] is None
    names = [b["name"] for b in first["items"] + second["items"]]
    assert len(names) == len(set(names)) == 41
    assert client.get("/api/v1/boards", {"cursor": "garbage"}).status_code == 400


def test_board_notes_constant_queries(make_user, make_note, client_for):
    owner = make_user()
    board = services.create_board(owner, name="Many")
    client = client_for(make_user())

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/v1/boards/{board.id}/notes")
        assert r.status_code == 200
        return len(ctx.captured_queries), len(r.json()["items"])

    for _ in range(2):
        services.collect(owner, make_note(make_user()), board)
    count_queries()  # the first request of a token also records when it was last used
    few, n = count_queries()
    assert n == 2
    for _ in range(18):
        services.collect(owner, make_note(make_user()), board)
    many, n = count_queries()
    assert n == 20 and many == few
