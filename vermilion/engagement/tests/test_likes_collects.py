import threading

import pytest
from django.db import connection

from vermilion.accounts.models import User
from vermilion.accounts.services import follow
from vermilion.core.errors import NotFound
from vermilion.engagement import services
from vermilion.engagement.models import Board, Collect, Like
from vermilion.notes.models import Note
from vermilion.notes.services import update_note

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- likes ----------------------------------------------------------------------------------


def test_like_is_idempotent_and_keeps_counters(make_user, make_note):
    author, fan = make_user(), make_user()
    note = make_note(author)
    assert services.like(fan, note) is True
    assert services.like(fan, note) is False
    assert fresh(note).likes_count == 1
    assert fresh(author).likes_received_count == 1
    assert Like.objects.filter(note=note).count() == 1

    assert services.unlike(fan, note) is True
    assert services.unlike(fan, note) is False
    assert fresh(note).likes_count == 0
    assert fresh(author).likes_received_count == 0


def test_like_api_twice_is_one_like(make_user, make_note, client_for):
    author, fan = make_user(), make_user()
    note = make_note(author)
    client = client_for(fan)
    for _ in range(2):
        r = client.post(f"/api/v1/notes/{note.id}/like")
        assert r.status_code == 200, r.content
        assert r.json() == {"liked": True, "likes": 1}
    for _ in range(2):
        r = client.delete(f"/api/v1/notes/{note.id}/like")
        assert r.status_code == 200
        assert r.json() == {"liked": False, "likes": 0}


def test_like_needs_sign_in_and_a_visible_note(make_user, make_note, client_for, anon):
    author, other = make_user(), make_user()
    note = make_note(author)
    assert anon.post(f"/api/v1/notes/{note.id}/like").status_code == 401
    private = make_note(author, visibility="private")
    followers_only = make_note(author, visibility="followers")
    client = client_for(other)
    for hidden in (private, followers_only):
        r = client.post(f"/api/v1/notes/{hidden.id}/like")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    for bad in ("abc", "0", "99999999999999999999999", "-5"):
        assert client.post(f"/api/v1/notes/{bad}/like").status_code == 404
    # following opens the followers-only note
    follow(other, author)
    assert client.post(f"/api/v1/notes/{followers_only.id}/like").status_code == 200
    with pytest.raises(NotFound):
        services.like(other, private)
    assert fresh(private).likes_count == 0


def test_a_like_can_be_taken_back_after_the_note_turned_private(make_user, make_note, client_for):
    author, fan = make_user(), make_user()
    note = make_note(author)
    client = client_for(fan)
    client.post(f"/api/v1/notes/{note.id}/like")
    update_note(author, note, visibility="private")
    assert client.post(f"/api/v1/notes/{note.id}/like").status_code == 404
    r = client.delete(f"/api/v1/notes/{note.id}/like")
    assert r.status_code == 200 and r.json() == {"liked": False, "likes": 0}
    # but an invisible note you never liked stays a 404
    assert client.delete(f"/api/v1/notes/{note.id}/like").status_code == 404


@pytest.mark.parametrize("direction", ["author_blocks_fan", "fan_blocks_author"])
def test_blocked_users_cannot_like_or_collect(make_user, make_note, client_for, block, direction):
    author, fan = make_user(), make_user()
    note = make_note(author)
    if direction == "author_blocks_fan":
        block(author, fan)
    else:
        block(fan, author)
    client = client_for(fan)
    assert client.post(f"/api/v1/notes/{note.id}/like").status_code == 404
    assert client.post(f"/api/v1/notes/{note.id}/collect").status_code == 404
    note = fresh(note)
    assert (note.likes_count, note.collects_count) == (0, 0)
    assert not Like.objects.exists() and not Collect.objects.exists()


def test_many_users_liking_and_unliking_leave_exact_counters(make_user, make_note):
    author = make_user()
    note = make_note(author)
    fans = [make_user() for _ in range(12)]
    for fan in fans:
        services.like(fan, note)
        services.like(fan, note)
    for fan in fans[:5]:
        services.unlike(fan, note)
        services.unlike(fan, note)
    assert fresh(note).likes_count == 7 == Like.objects.filter(note=note).count()
    assert fresh(author).likes_received_count == 7


def _in_threads(target, args_list, expected=()):
    """Run ``target(*args)`` for each args at once, one thread (and connection) each;
    fail on any error other than the ``expected`` exception types."""
    errors = []

    def run(*args):
        try:
            target(*args)
        except expected:
            pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_and_unlikes_keep_exact_counters(make_user, make_note):
    """Real concurrency (threads, one connection each) needs PostgreSQL's row locking;
    SQLite serialises writers, which the sequential test above covers."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")
    author = make_user()
    note = make_note(author)
    fans = [make_user() for _ in range(8)]
    # every fan likes twice at the same time: the unique constraint keeps it one like
    _in_threads(services.like, [(fan, note) for fan in fans for _ in range(2)])
    assert fresh(note).likes_count == 8 == Like.objects.filter(note=note).count()
    _in_threads(services.unlike, [(fan, note) for fan in fans[:3] for _ in range(2)])
    assert fresh(note).likes_count == 5 == Like.objects.filter(note=note).count()
    assert fresh(author).likes_received_count == 5
    boards = [services.create_board(fan, name="Trips") for fan in fans]
    _in_threads(services.collect, [(fan, note, b) for fan, b in zip(fans, boards, strict=True)])
    _in_threads(services.collect, [(fan, note) for fan in fans])
    assert fresh(note).collects_count == 8
    assert all(fresh(b).notes_count == 0 for b in boards)
    assert all(services.ensure_default_board(f).notes_count == 1 for f in fans)


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_and_deletions_neither_deadlock_nor_drift(make_user, make_note):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")
    from vermilion.notes.services import delete_note

    author, fan = make_user(), make_user()
    notes = [make_note(author) for _ in range(6)]
    a, b = services.create_board(fan, name="A"), services.create_board(fan, name="B")
    for i, note in enumerate(notes):
        services.collect(fan, note, a if i % 2 else b)
    # every note moves to the other board at the same time (A->B and B->A interleave)
    _in_threads(services.collect, [(fan, n, b if i % 2 else a) for i, n in enumerate(notes)])
    assert (fresh(a).notes_count, fresh(b).notes_count) == (3, 3)

    # people like, collect and comment while the author deletes the notes
    fans = [make_user() for _ in range(3)]

    def act(action, user, note):
        if action == "delete":
            delete_note(user, note)
        elif action == "like":
            services.like(user, note)
        elif action == "collect":
            services.collect(user, note)
        else:
            services.add_comment(user, note, body="hi")

    work = [("delete", author, n) for n in notes[:3]] + [
        (action, f, n) for f in fans for n in notes for action in ("like", "collect", "comment")
    ]
    _in_threads(act, work, expected=(NotFound,))
    assert services.recount_counters() == {
        "note.likes": 0,
        "note.collects": 0,
        "note.comments": 0,
        "comment.likes": 0,
        "comment.replies": 0,
        "board.notes": 0,
        "hashtag.notes": 0,
        "users": User.objects.count(),
    }


# --- collects -------------------------------------------------------------------------------


def test_collect_into_default_board_then_move(make_user, make_note, client_for):
    author, fan = make_user(), make_user()
    note = make_note(author)
    default = Board.objects.get(owner=fan, is_default=True)
    client = client_for(fan)

    r = client.post(f"/api/v1/notes/{note.id}/collect")
    assert r.status_code == 200, r.content
    assert r.json() == {"collected": True, "collects": 1, "board_id": str(default.id)}
    assert fresh(default).notes_count == 1

    trips = client.post("/api/v1/boards", {"name": "Trips"}).json()
    r = client.post(f"/api/v1/notes/{note.id}/collect", {"board_id": trips["id"]})
    assert r.json() == {"collected": True, "collects": 1, "board_id": trips["id"]}
    assert fresh(default).notes_count == 0
    assert Board.objects.get(pk=trips["id"]).notes_count == 1
    # collecting into the same board again changes nothing
    r = client.post(f"/api/v1/notes/{note.id}/collect", {"board_id": trips["id"]})
    assert r.json()["collects"] == 1
    assert Board.objects.get(pk=trips["id"]).notes_count == 1

    for _ in range(2):
        r = client.delete(f"/api/v1/notes/{note.id}/collect")
        assert r.status_code == 200
        assert r.json() == {"collected": False, "collects": 0, "board_id": None}
    assert Board.objects.get(pk=trips["id"]).notes_count == 0
    assert fresh(note).collects_count == 0


def test_collect_into_someone_elses_board_is_not_found(make_user, make_note, client_for):
    author, fan, other = make_user(), make_user(), make_user()
    note = make_note(author)
    theirs = services.create_board(other, name="Theirs")
    client = client_for(fan)
    for board_id in (str(theirs.id), "nope", "123"):
        r = client.post(f"/api/v1/notes/{note.id}/collect", {"board_id": board_id})
        assert r.status_code == 404
        assert r.json()["error"]["field"] == "board_id"
    with pytest.raises(NotFound):
        services.collect(fan, note, theirs)
    assert fresh(note).collects_count == 0
    assert fresh(theirs).notes_count == 0


def test_collect_needs_a_visible_note(make_user, make_note, client_for, anon):
    author, fan = make_user(), make_user()
    private = make_note(author, visibility="private")
    assert client_for(fan).post(f"/api/v1/notes/{private.id}/collect").status_code == 404
    assert anon.post(f"/api/v1/notes/{private.id}/collect").status_code == 401
    # the author may collect their own note (no notification to themselves)
    r = client_for(author).post(f"/api/v1/notes/{private.id}/collect")
    assert r.status_code == 200 and r.json()["collects"] == 1


def test_deleting_a_note_keeps_fans_counters_right(make_user, make_note):
    from vermilion.notes.services import delete_note

    author, fan = make_user(), make_user()
    note = make_note(author)
    services.like(fan, note)
    services.collect(fan, note)
    delete_note(author, note)
    assert services.ensure_default_board(fan).notes_count == 0
    assert User.objects.get(pk=author.pk).likes_received_count == 0
    assert not Note.objects.filter(pk=note.pk).exists()
