"""Public notes read by id with hand-written statements (``notes.queries.public_notes``,
``public_note_authors``; the feed's pages) hold exactly what ``visible_notes_for(None)``
does, loaded as the ORM would load them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.models import User
from vermilion.core import sql
from vermilion.media.models import Media
from vermilion.notes.models import Note, NoteMedia
from vermilion.notes.presenters import note_dicts
from vermilion.notes.queries import public_note_authors, public_notes, visible_notes_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(make_user, make_note, make_media):
    """Notes of every kind anonymous readers may or may not see; returns (all ids, the
    public ones of active authors)."""
    alice, bob, gone = make_user("alice"), make_user("bob"), make_user("gone")
    User.objects.filter(pk=alice.pk).update(avatar=make_media(alice))
    public = [
        make_note(
            alice,
            title="一 public",
            body="#food 成都火锅 @bob",
            place={"name": "成都", "lat": 30.66, "lon": 104.06},
        ),
        make_note(bob, images=3, title="two"),
        make_note(bob, title="three", visibility="public"),
    ]
    hidden = [
        make_note(alice, title="private", visibility="private"),
        make_note(bob, title="followers", visibility="followers"),
        make_note(gone, title="by someone gone"),
    ]
    User.objects.filter(pk=gone.pk).update(is_active=False)
    deleted = make_note(alice, title="deleted")
    Note.objects.filter(pk=deleted.pk).delete()
    ids = [n.pk for n in (*public, *hidden, deleted)] + [123456789]  # and one never made
    return ids, [n.pk for n in public]


def columns(instance) -> dict:
    """Each column's value and its Python type (compared by both)."""
    out = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        out[field.attname] = (type(value).__name__, value)
    return out


def test_public_note_authors_is_the_anonymous_visibility(mixed):
    ids, public = mixed
    expected = dict(visible_notes_for(None).filter(pk__in=ids).values_list("id", "author_id"))
    assert set(expected) == set(public)
    assert public_note_authors(ids) == expected
    assert public_note_authors([]) == {}


def test_public_notes_load_as_the_orm_does(mixed):
    ids, public = mixed
    found = public_notes(ids)
    assert set(found) == set(public)
    orm = {
        n.pk: n for n in visible_notes_for(None).filter(pk__in=ids).select_related("author__avatar")
    }
    with CaptureQueriesContext(connection) as queries:
        for pk, note in found.items():
            theirs = orm[pk]
            # Every column with its Python type (datetimes, JSON, booleans on SQLite too).
            assert columns(note) == columns(theirs)
            assert columns(note.author) == columns(theirs.author)
            if theirs.author.avatar_id:
                assert columns(note.author.avatar) == columns(theirs.author.avatar)
            else:
                assert note.author.avatar is None
    assert len(queries) == 0  # author and avatar came with the notes
    assert public_notes([]) == {}


def test_note_dicts_from_either_load_are_the_same(mixed, make_user):
    ids, public = mixed
    viewer = make_user("viewer")
    orm = list(visible_notes_for(None).filter(pk__in=public).order_by("id"))
    ours = [public_notes(public)[pk] for pk in sorted(public)]
    for who in (None, viewer):
        assert note_dicts(ours, who) == note_dicts(orm, who)
    for note, item in zip(ours, note_dicts(ours, None), strict=True):
        # Each note's media in their order (``_attachments``), with their renditions.
        ordered = NoteMedia.objects.filter(note=note).order_by("position")
        assert [m["id"] for m in item["media"]] == [str(a.media_id) for a in ordered]
        assert all(m["urls"] for m in item["media"])
    assert len(note_dicts(ours, None)[1]["media"]) == 3


def test_loader_defers_what_it_was_not_asked_for(make_user, make_media):
    owner = make_user("owner")
    made = make_media(owner, edit_list={"trim": [0, 1000]})
    fields = ("kind", "renditions")
    row = sql.fetch(
        f"SELECT {sql.select_list(Media, 'm', fields)} FROM {sql.table(Media)} m WHERE m.id = %s",
        [made.pk],
    )[0]
    media = sql.loader(Media, fields)(row)
    assert media.pk == made.pk and media.renditions == made.renditions
    assert media.get_deferred_fields() >= {"edit_list", "created_at"}
    assert media.edit_list == {"trim": [0, 1000]}  # read when asked for


@pytest.mark.parametrize("count", [0, 1, 250])
def test_in_ids_is_one_parameter_whatever_the_number(make_user, count):
    users = [make_user(f"user{i}") for i in range(3)]
    wanted = [u.pk for u in users[:1]] + list(range(1, count))
    where, params = sql.in_ids("u.id", wanted)
    assert len(params) == 1
    rows = sql.fetch(f"SELECT u.id FROM {sql.table(User)} u WHERE {where}", params)
    assert {r[0] for r in rows} == {users[0].pk}
    where, params = sql.in_ids("u.id", [])
    assert sql.fetch(f"SELECT u.id FROM {sql.table(User)} u WHERE {where}", params) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_hand_written_statements_are_prepared_on_postgresql(make_user):
    user = make_user("someone")
    statement = f"SELECT u.username FROM {sql.table(User)} u WHERE u.id = %s"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                [f"%{sql.table(User)} u WHERE u.id = $1%"],
            )
            return cursor.fetchone()[0]

    assert prepared() == 0
    for _ in range(4):
        assert sql.fetch(statement, [user.pk]) == [("someone",)]
    assert prepared() == 1


def test_hand_written_statements_show_in_the_query_log(make_user):
    """What the debug toolbar and ``CaptureQueriesContext`` read: the statement's text
    (PostgreSQL's server-bound cursors cannot say what they sent)."""
    user = make_user("someone")
    statement = f"SELECT u.username FROM {sql.table(User)} u WHERE u.id = %s"
    with CaptureQueriesContext(connection) as captured:
        assert sql.fetch(statement, [user.pk]) == [("someone",)]
    assert len(captured) == 1
    assert f"{sql.table(User)} u WHERE u.id = " in captured[0]["sql"]
