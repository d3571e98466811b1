"""``vermilion seed``: the bulk data set for benchmarks and the bilingual demo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import regex
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from vermilion.accounts.models import Follow, User
from vermilion.accounts.services import check_credentials, validate_username
from vermilion.core.text import extract_hashtags, grapheme_len, normalize_tag
from vermilion.demo import content, images
from vermilion.demo.showcase import build_plan
from vermilion.engagement.models import Board, Collect, Comment, Like
from vermilion.engagement.services import recount_counters
from vermilion.media.models import Media
from vermilion.notes.models import Note, NoteHashtag, NoteMedia

PASSWORD = "seeded-pass-2024"
HAN = regex.compile(r"\p{Han}")


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", *args, "--password", PASSWORD, stdout=out)
    return out.getvalue()


def assert_counters_consistent() -> None:
    """Nothing for the recount to fix: every denormalised counter matches the rows."""
    fixed = recount_counters()
    assert {k: v for k, v in fixed.items() if k != "users" and v} == {}
    for user in User.objects.annotate(
        n_notes=Count("notes", distinct=True), n_followers=Count("follower_set", distinct=True)
    ):
        assert (user.notes_count, user.followers_count) == (user.n_notes, user.n_followers)


def assert_ids_follow_time() -> None:
    """Newest first by id is newest first by created_at, within the past two months."""
    by_id = list(Note.objects.order_by("id").values_list("created_at", flat=True))
    assert by_id == sorted(by_id)
    now = timezone.now()
    assert now - timedelta(days=61) < by_id[0] < now - timedelta(days=20)
    assert by_id[-1] <= now


# --- bulk -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_seed_makes_the_asked_numbers_with_consistent_counters():
    out = seed("--users", "50", "--notes", "300", "--seed", "3", "--follows-per-user", "5")

    assert User.objects.count() == 50
    assert Note.objects.count() == 300
    assert Board.objects.filter(is_default=True).count() == 50
    # Every note has its own ready image, whose renditions exist in the public storage.
    assert NoteMedia.objects.values("note").distinct().count() == 300
    media = Media.objects.filter(attachment__isnull=False)
    assert media.count() == 300
    assert set(media.values_list("status", flat=True)) == {Media.Status.READY}
    sample = media.first()
    assert sample.blurhash and sample.width and sample.height
    assert all(storages["default"].exists(r["path"]) for r in sample.renditions.values())
    assert NoteHashtag.objects.values("note").distinct().count() == 300
    assert 150 <= Follow.objects.count() <= 350  # about 5 each
    assert Like.objects.count() > 300
    assert not Like.objects.exclude(note__visibility="public").exists()
    assert not Follow.objects.filter(follower_id=F("followee_id")).exists()

    assert_counters_consistent()
    assert_ids_follow_time()
    assert any(HAN.search(t) for t in Note.objects.values_list("title", flat=True))
    assert any(t.isascii() for t in Note.objects.values_list("title", flat=True))
    # Everyone signs in with the one password printed.
    first = User.objects.order_by("id").first()
    assert check_credentials(first.username, PASSWORD).pk == first.pk
    assert PASSWORD in out


@pytest.mark.django_db
def test_bulk_seed_refuses_to_run_twice_with_the_same_names():
    seed("--users", "5", "--notes", "10", "--seed", "4")
    with pytest.raises(CommandError, match="exists already"):
        seed("--users", "5", "--notes", "10", "--seed", "4")
    assert User.objects.count() == 5  # the failed run added nothing


def test_seed_needs_to_be_told_what_to_make(db):
    with pytest.raises(CommandError, match="--demo"):
        call_command("seed", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--password"):
        call_command("seed", "--demo", "--password", "123", stdout=io.StringIO())


# --- the demo plan (pure, no database) --------------------------------------------------------


def test_demo_plan_is_deterministic_for_a_seed():
    assert build_plan(seed=7, scale=0.1) == build_plan(seed=7, scale=0.1)
    assert build_plan(seed=7, scale=0.1) != build_plan(seed=8, scale=0.1)
    assert images.render_note_image("food", 42, "3:4") == images.render_note_image(
        "food", 42, "3:4"
    )


def test_full_demo_plan_is_valid_and_varied():
    plan = build_plan(seed=1)
    assert len(plan.users) == 30 and 290 <= len(plan.notes) <= 310
    for user in plan.users:
        validate_username(user.person.username)
        assert set(user.person.interests) <= set(content.INTERESTS)
    for note in plan.notes:
        assert 1 <= grapheme_len(note.text.title) <= 20, note.text.title
        assert grapheme_len(note.text.body) <= 1000
        assert 1 <= len(note.image_seeds) <= 6
        # The body carries the note's tags, its interest first (#美食 / #food).
        tags = [normalize_tag(t) for t in extract_hashtags(note.text.body)]
        assert tags[0] == normalize_tag(content.interest_tag(note.interest, note.lang))
    assert {n.interest for n in plan.notes} == set(content.INTERESTS)
    assert {n.lang for n in plan.notes} == {"zh", "en"}
    assert {n.aspect for n in plan.notes} == set(images.ASPECTS)
    assert sum("@" in n.text.body for n in plan.notes) > 10
    assert sum(n.text.place is not None for n in plan.notes) > 30
    # The timeline runs forward, and engagement comes after the note it is about.
    agos = [e.ago for e in plan.events]
    assert agos == sorted(agos, reverse=True)
    published = set()
    for event in plan.events:
        if event.kind == "note":
            published.add(event.note)
        elif event.note >= 0:
            assert event.note in published
    kinds = {e.kind for e in plan.events}
    assert kinds == {
        "board",
        "follow",
        "note",
        "like",
        "collect",
        "comment",
        "reply",
        "comment_like",
    }


# --- the demo, played through the services ------------------------------------------------------


@pytest.mark.django_db
def test_demo_seed_builds_a_lively_bilingual_site_once(monkeypatch):
    from vermilion.demo import showcase

    # One or two images per note keep the test quick (the image pipeline is the slow part).
    monkeypatch.setattr(showcase, "IMAGES_PER_NOTE_WEIGHTS", (2, 1, 0, 0, 0, 0))
    out = seed("--demo", "--demo-scale", "0.1", "--seed", "7", "--if-empty")
    plan = build_plan(seed=7, scale=0.1)
    assert {len(n.image_seeds) for n in plan.notes} == {1, 2}

    assert sorted(User.objects.values_list("username", flat=True)) == sorted(
        u.person.username for u in plan.users
    )
    titles = sorted(Note.objects.values_list("title", flat=True))
    assert titles == sorted(n.text.title for n in plan.notes)
    # The discover feed's structures are built at once, not half an hour later.
    from vermilion.feed.models import FeedArtifact

    assert FeedArtifact.objects.exists()
    assert any(HAN.search(t) for t in titles) and any(t.isascii() for t in titles)
    # Every interest of the catalogue has notes, through its hashtag.
    keys = set(NoteHashtag.objects.values_list("hashtag__key", flat=True).distinct())
    for slug in content.INTERESTS:
        assert {normalize_tag(content.interest_tag(slug, lang)) for lang in ("zh", "en")} & keys

    # Images went through the real pipeline: ready, with renditions and a blurhash.
    attached = Media.objects.filter(attachment__isnull=False)
    assert attached.count() == sum(len(n.image_seeds) for n in plan.notes)
    assert not attached.exclude(status=Media.Status.READY).exists()
    assert not attached.filter(blurhash="").exists()
    assert {"thumb", "display"} <= set(attached.first().renditions)
    assert User.objects.filter(avatar__isnull=True).count() == 0

    assert Like.objects.exists() and Collect.objects.exists()
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert_counters_consistent()
    assert_ids_follow_time()
    demo = check_credentials("demo", PASSWORD)
    assert demo.notifications.exists()
    assert PASSWORD in out

    again = seed("--demo", "--demo-scale", "0.1", "--seed", "7", "--if-empty")
    assert "nothing seeded" in again
    assert Note.objects.count() == len(plan.notes)


@pytest.mark.django_db
def test_a_demo_seed_that_fails_half_way_leaves_nothing_behind(monkeypatch):
    from vermilion.demo import showcase
    from vermilion.engagement import services as engagement

    def broken_like(user, note):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(engagement, "like", broken_like)
    monkeypatch.setattr(showcase, "IMAGES_PER_NOTE_WEIGHTS", (1, 0, 0, 0, 0, 0))  # quicker
    with pytest.raises(RuntimeError, match="disk is full"):
        seed("--demo", "--demo-scale", "0.01", "--seed", "7")
    assert not User.objects.exists()
    assert not Note.objects.exists() and not Media.objects.exists()


@pytest.mark.django_db
def test_bulk_seed_feed_events_and_features():
    """``--events`` and ``--features``: events by seeded people on public notes posted
    before them, in time order with the mix of kinds; every note has unit-length features
    whose topic is its interest, so the discover feed's rebuild finds topics and neighbours."""
    import numpy as np

    from vermilion.demo.bulk import EVENT_DAYS, EVENT_MIX
    from vermilion.feed import artifacts, understanding
    from vermilion.feed.models import Event, NoteFeatures

    out = seed("--users", "40", "--notes", "200", "--seed", "5", "--events", "3000", "--features")
    assert "3000 feed events" in out
    assert Event.objects.count() == 3000
    assert NoteFeatures.objects.count() == 200
    events = list(Event.objects.order_by("id").values_list("type", "ms", "created_at", "note_id"))
    times = [e[2] for e in events]
    assert times == sorted(times)
    assert times[0] >= timezone.now() - timedelta(days=EVENT_DAYS, minutes=5)
    kinds = {k: sum(1 for e in events if e[0] == k) / len(events) for k in EVENT_MIX}
    assert all(abs(kinds[k] - share) < 0.05 for k, share in EVENT_MIX.items())
    assert all((ms is not None) == (kind == "dwell") for kind, ms, _t, _n in events)
    notes = dict(Note.objects.values_list("id", "created_at"))
    visibility = dict(Note.objects.values_list("id", "visibility"))
    assert all(notes[n] < t and visibility[n] == "public" for _k, _ms, t, n in events)

    rows = list(
        NoteFeatures.objects.values_list("note_id", "embedding", "embedding_model", "topics")
    )
    tags = dict(NoteHashtag.objects.filter(position=0).values_list("note_id", "hashtag__key"))
    for _note, blob, model, topics in rows:
        assert model == understanding.EMBEDDING_MODEL and len(topics) == 1
        vector = understanding.from_bytes(blob)
        assert abs(float(np.linalg.norm(vector)) - 1) < 0.01
    # The topic is the note's interest (its first hashtag names it).
    slug_tags = {
        slug: {normalize_tag(content.interest_tag(slug, lang)) for lang in content.LANGS}
        for slug in content.INTERESTS
    }
    assert all(tags[note] in slug_tags[next(iter(t))] for note, _b, _m, t in rows)

    report = artifacts.rebuild()
    assert report.notes > 0 and report.signals > 0
    snap, _ranker = artifacts.current()
    assert snap.meta["embedded_notes"] == report.notes
