"""Background jobs of the discover feed. Every one is idempotent and bounded.

- ``feed.understand_note`` (enqueued when a note is published or its text or hashtags
  change): the note's embedding and interests (``NoteFeatures``).
- ``feed.backfill_features`` (every 5 minutes): the same for notes that have none yet or
  an older model's, a bounded batch per run (bulk-imported notes, a missed job).
- ``feed.rebuild`` (every 30 minutes): the snapshot and everyone's ALS part
  (``artifacts.rebuild``), and old anonymous feed sessions purged.
- ``feed.train_ranker`` (daily): the ranker from logged impressions (``training``).
- ``feed.prepare`` (enqueued when a signed-in reader is served a page): their next page,
  put together ahead of time (``discover.prepare``); after a "for you" page, also the
  first pages of their own interest channels where none is usable
  (``discover.prepare_channels``).
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from vermilion.core.jobs import job, periodic

from . import artifacts, understanding

log = logging.getLogger("vermilion.feed")

BACKFILL_BATCH = 200
#: Notes encoded per call of the encoder (its cost is per text; batching saves overhead).
ENCODE_CHUNK = 32


def understand_notes(note_ids: list[int]) -> int:
    """Compute and store the features of these notes (those that still exist); returns how
    many were stored. Deterministic, so running it twice stores the same thing."""
    from vermilion.accounts.models import Interest
    from vermilion.notes.models import Note, NoteHashtag

    from .models import NoteFeatures

    notes = list(Note.objects.filter(pk__in=note_ids).values_list("id", "title", "body"))
    if not notes:
        return 0
    tags: dict[int, list[tuple[str, str]]] = {}
    for note_id, name, key in (
        NoteHashtag.objects.filter(note_id__in=[n[0] for n in notes])
        .order_by("note_id", "position")
        .values_list("note_id", "hashtag__name", "hashtag__key")
    ):
        tags.setdefault(note_id, []).append((name, key))
    interests = list(Interest.objects.values_list("slug", "name_en", "name_zh"))
    labels = understanding.label_embeddings(interests)
    now = timezone.now()
    stored = 0
    for start in range(0, len(notes), ENCODE_CHUNK):
        chunk = notes[start : start + ENCODE_CHUNK]
        texts = [
            understanding.note_text(title, body, [name for name, _key in tags.get(i, [])])
            for i, title, body in chunk
        ]
        vectors = understanding.embed(texts)
        for (note_id, _title, _body), vector in zip(chunk, vectors, strict=True):
            topics = understanding.topics_for(
                vector, [key for _name, key in tags.get(note_id, [])], interests, labels
            )
            NoteFeatures.objects.update_or_create(
                note_id=note_id,
                defaults={
                    "embedding": understanding.to_bytes(vector),
                    "embedding_model": understanding.EMBEDDING_MODEL,
                    "topics": topics,
                    "computed_at": now,
                },
            )
            stored += 1
    return stored


@job("feed.understand_note")
def understand_note(note_id: int) -> None:
    """One note's embedding and interests (a deleted note is simply skipped)."""
    understand_notes([int(note_id)])


@periodic("feed.backfill_features", every_seconds=300)
def backfill_features() -> None:
    """Features for the newest notes that lack them (or carry an older model's)."""
    from vermilion.notes.models import Note

    missing = (
        Note.objects.filter(
            Q(features__isnull=True) | ~Q(features__embedding_model=understanding.EMBEDDING_MODEL)
        )
        .order_by("-id")
        .values_list("id", flat=True)[:BACKFILL_BATCH]
    )
    ids = list(missing)
    if ids:
        log.info("computing features of %s notes", understand_notes(ids))


@periodic("feed.rebuild", every_seconds=1800)
def rebuild() -> None:
    """The snapshot the discover feed serves from (``artifacts.rebuild``)."""
    from .discover import purge_states

    artifacts.rebuild()
    purge_states()


@periodic("feed.train_ranker", every_seconds=86_400)
def train_ranker() -> None:
    """The ranker, from logged impressions and what followed them."""
    from .training import train_ranker as train

    train()


@job("feed.prepare")
def prepare_page(user_id: int, channel: str = "", session: int = 0, page: int = 1) -> None:
    """A reader's next discover page, ready before they ask (``discover.prepare``); after
    a "for you" page, also the first pages of their own interest channels where none is
    usable (``discover.prepare_channels``: the page just served may have taken their notes)."""
    from .discover import prepare, prepare_channels

    prepare(int(user_id), str(channel), int(session), int(page))
    if not channel:
        prepare_channels(int(user_id))
