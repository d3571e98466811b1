import pytest
from django.core.management import call_command

from vermilion.accounts.models import User
from vermilion.accounts.services import follow
from vermilion.engagement import services
from vermilion.engagement.models import Board, Comment
from vermilion.notes.models import Hashtag, Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, make_note):
    author, mei, li = make_user(), make_user(), make_user()
    note = make_note(author, body="#travel #food")
    other = make_note(author)
    follow(mei, author)
    trips = services.create_board(mei, name="Trips")
    services.like(mei, note)
    services.like(li, note)
    services.like(li, other)
    services.collect(mei, note, trips)
    services.collect(li, note)
    top = services.add_comment(mei, note, body="top")
    services.add_comment(li, note, body="re", parent_id=top.id)
    services.like_comment(li, top)
    return {"author": author, "mei": mei, "note": note, "other": other, "trips": trips, "top": top}


def snapshot():
    return {
        "notes": list(
            Note.objects.order_by("pk").values_list(
                "likes_count", "collects_count", "comments_count"
            )
        ),
        "comments": list(
            Comment.objects.order_by("pk").values_list("likes_count", "replies_count")
        ),
        "boards": list(Board.objects.order_by("pk").values_list("notes_count")),
        "hashtags": list(Hashtag.objects.order_by("pk").values_list("notes_count")),
        "users": list(
            User.objects.order_by("pk").values_list(
                "followers_count", "following_count", "notes_count", "likes_received_count"
            )
        ),
    }


def test_services_keep_counters_so_recount_finds_nothing(world):
    before = snapshot()
    fixed = services.recount_counters()
    assert {k: v for k, v in fixed.items() if k != "users"} == dict.fromkeys(
        [
            "note.likes",
            "note.collects",
            "note.comments",
            "comment.likes",
            "comment.replies",
            "board.notes",
            "hashtag.notes",
        ],
        0,
    )
    assert snapshot() == before
    note = Note.objects.get(pk=world["note"].pk)
    assert (note.likes_count, note.collects_count, note.comments_count) == (2, 2, 2)


def test_recount_restores_corrupted_counters(world, capsys):
    good = snapshot()
    Note.objects.update(likes_count=99, collects_count=0, comments_count=7)
    Comment.objects.update(likes_count=5, replies_count=3)
    Board.objects.update(notes_count=42)
    Hashtag.objects.update(notes_count=0)
    User.objects.update(followers_count=9, following_count=9, notes_count=9, likes_received_count=9)
    assert snapshot() != good

    call_command("recount")
    assert snapshot() == good
    author = User.objects.get(pk=world["author"].pk)
    assert (author.followers_count, author.notes_count, author.likes_received_count) == (1, 2, 3)
    out = capsys.readouterr().out
    assert "note.likes: 2 fixed" in out  # both notes were wrong
    assert "comment.replies: 2 fixed" in out
    assert "users:" in out


def test_recount_uses_set_based_updates(world, django_assert_max_num_queries):
    # one UPDATE per counter whatever the number of rows (plus the transaction's own)
    with django_assert_max_num_queries(12):
        services.recount_counters()
