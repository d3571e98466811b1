"""``queries.reader_rows``: what the discover feed reads of a person on every page, in one
statement, must say what the ORM definitions it stands in for say."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vermilion.accounts.models import Follow
from vermilion.accounts.services import block, follow, set_interests
from vermilion.engagement.models import Collect, Comment, Like
from vermilion.engagement.services import add_comment, collect, like
from vermilion.feed import services
from vermilion.feed.models import Event, NoteFeatures
from vermilion.feed.queries import (
    hidden_for,
    reader_profile,
    reader_rows,
    recently_seen_note_ids,
)

pytestmark = pytest.mark.django_db


def events(user, *items: dict) -> None:
    result = services.record_events(user, list(items))
    assert not result["errors"], result


def one_statement(fn):
    with CaptureQueriesContext(connection) as ctx:
        out = fn()
    assert len(ctx) == 1, [q["sql"] for q in ctx.captured_queries]
    return out


def test_hides_blocks_follows_and_seen_notes_as_the_orm_reads_them(make_user, make_note):
    reader, author, other = make_user("reader"), make_user("author"), make_user("other")
    blocker, blocked, stranger = make_user("blocker"), make_user("blocked"), make_user("stranger")
    notes = [make_note(author, title=f"n{i}") for i in range(6)]
    NoteFeatures.objects.create(note=notes[2], topics={"pets": 0.9})
    services.hide(reader, notes[0])
    services.hide(reader, make_note(other), "author")
    services.hide(reader, notes[2], "topic")
    block(blocker, reader)
    block(reader, blocked)
    follow(reader, author)
    before = time.time() - 1
    events(
        reader,
        {"type": "impression", "note_id": str(notes[3].id)},
        {"type": "view", "note_id": str(notes[4].id)},
        {"type": "share", "note_id": str(notes[5].id)},
    )
    # Someone else's rows stay theirs.
    services.hide(stranger, notes[1])
    block(stranger, blocked)
    events(stranger, {"type": "view", "note_id": str(notes[1].id)})

    rows = one_statement(lambda: reader_rows(reader, follows=True, seen_since=before))
    notes_, authors, topics = hidden_for(reader)
    assert (rows.hidden_notes, rows.hidden_authors, rows.hidden_topics) == (
        notes_,
        authors,
        topics,
    )
    assert rows.hidden_notes == {notes[0].id} and rows.hidden_topics == {"pets"}
    assert rows.hidden_authors == {other.id}
    assert rows.blocked == {blocker.id, blocked.id}
    assert rows.follows == Follow.objects.filter(follower=reader).count() == 1
    since = timezone.now() - timedelta(seconds=time.time() - before)
    assert rows.seen == recently_seen_note_ids(reader, since) == {notes[3].id, notes[4].id}
    # At most the newest ``seen_limit``; none before ``seen_since``; nothing not asked for.
    assert reader_rows(reader, seen_since=before, seen_limit=1).seen == {notes[4].id}
    assert reader_rows(reader, seen_since=time.time() + 5).seen == set()
    newcomer = make_user("newcomer")
    bare = one_statement(lambda: reader_rows(newcomer, follows=True, changed_since=before))
    assert (bare.follows, bare.changed, bare.blocked, bare.seen) == (0, False, set(), set())


@pytest.mark.parametrize("kind", ["like", "collect", "comment", "follow", "long read"])
def test_changed_since_sees_each_kind_of_engagement(kind, make_user, make_note):
    reader, author = make_user("reader"), make_user("author")
    note, glanced = make_note(author), make_note(author)
    before = time.time() - 0.01
    events(reader, {"type": "dwell", "note_id": str(glanced.id), "ms": 2000})
    assert one_statement(lambda: reader_rows(reader, changed_since=before)).changed is False
    if kind == "like":
        like(reader, note)
    elif kind == "collect":
        collect(reader, note)
    elif kind == "comment":
        add_comment(reader, note, body="nice")
    elif kind == "follow":
        follow(reader, author)
    else:
        events(reader, {"type": "dwell", "note_id": str(note.id), "ms": 20_000})
    assert reader_rows(reader, changed_since=before).changed is True
    assert reader_rows(reader, changed_since=time.time() + 1).changed is False
    assert reader_rows(author, changed_since=before).changed is False


def _orm_history(user, reset_at, per_kind: int, long_dwell_ms: int) -> list[tuple]:
    """The history as the ORM reads it: each kind's latest ``per_kind``, oldest first."""
    sources = [
        ("like", Like.objects.filter(user_id=user.pk)),
        ("collect", Collect.objects.filter(user_id=user.pk)),
        ("comment", Comment.objects.filter(author_id=user.pk)),
        ("long_dwell", Event.objects.filter(user_id=user.pk, type="dwell", ms__gte=long_dwell_ms)),
    ]
    out = []
    for kind, qs in sources:
        if reset_at is not None:
            qs = qs.filter(created_at__gte=reset_at)
        cols = ("note_id", "created_at", "note__title", "note__author_id")
        for note_id, when, title, author_id in qs.order_by("-id").values_list(*cols)[:per_kind]:
            out.append((kind, note_id, when.timestamp(), title, author_id))
    return sorted(out, key=lambda h: (h[2], h[1]))


def test_reader_profile_reads_what_the_orm_reads_in_one_statement(make_user, make_note):
    reader, stranger = make_user("reader"), make_user("stranger")
    authors = [make_user(f"author{i}") for i in range(3)]
    notes = [make_note(authors[i % 3], title=f"note {i} 成都火锅") for i in range(8)]
    set_interests(reader, ["travel", "food", "pets"])
    for author in authors:
        follow(reader, author)
    for note in notes[:4]:
        like(reader, note)
    collect(reader, notes[4])
    collect(reader, notes[5])
    add_comment(reader, notes[6], body="looks good")
    events(
        reader,
        {"type": "dwell", "note_id": str(notes[7].id), "ms": 20_000},
        {"type": "dwell", "note_id": str(notes[0].id), "ms": 500},  # a glance: not history
    )
    like(stranger, notes[5])  # someone else's rows stay theirs
    follow(stranger, reader)
    # Older engagement, before a reset.
    Like.objects.filter(user=reader, note__in=notes[:2]).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    for reset_at, per_kind, follow_limit in [
        (None, 50, 1000),
        (None, 2, 2),
        (timezone.now() - timedelta(days=1), 50, 1000),
    ]:
        profile = one_statement(
            lambda r=reset_at, p=per_kind, f=follow_limit: reader_profile(
                reader, reset_at=r, follow_limit=f, per_kind=p, long_dwell_ms=8000
            )
        )
        assert profile.interests == list(reader.interests.values_list("slug", flat=True))
        assert profile.followees == list(
            Follow.objects.filter(follower_id=reader.pk)
            .order_by("-id")
            .values_list("followee_id", flat=True)[:follow_limit]
        )
        assert profile.history == _orm_history(reader, reset_at, per_kind, 8000)
    assert (
        len(
            reader_profile(
                reader, reset_at=None, follow_limit=9, per_kind=9, long_dwell_ms=8000
            ).history
        )
        == 8
    )
    assert {h[0] for h in profile.history} == {"like", "collect", "comment", "long_dwell"}

    newcomer = make_user("newcomer")
    bare = one_statement(
        lambda: reader_profile(
            newcomer, reset_at=None, follow_limit=5, per_kind=5, long_dwell_ms=8000
        )
    )
    assert (bare.interests, bare.followees, bare.history) == ([], [], [])
