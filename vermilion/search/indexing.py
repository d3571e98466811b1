"""Keeping the search index in step with notes and people.

Notes are indexed inside the transaction that publishes, edits or deletes them (the
``notes.signals`` receivers in ``apps.py``): a note is searchable the moment its
publication commits, and an index write that fails rolls the edit back with it rather
than leaving the two apart. Analysing a note takes about a millisecond (jieba).

For each note: a ``NoteDoc`` row (tokens per field), the engine's index entry, and the
vocabulary's document frequencies (``Term.df``, adjusted by the difference between the
note's old and new distinct tokens). People: a ``UserDoc`` (username, display name,
pinyin); a name change re-indexes their notes (the author field) in a background job.
Hashtags: their pinyin (``HashtagDoc``), made when first indexed.

``reindex()`` (``vermilion reindex``) rebuilds everything from the rows, in batches.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F

from . import analysis
from .engines import NOTE_FIELDS, engine
from .models import HashtagDoc, NoteDoc, Term, UserDoc

log = logging.getLogger("vermilion.search")

REINDEX_BATCH = 2000
#: Notes re-indexed per run of the job that follows an author's name change.
AUTHOR_REINDEX_BATCH = 5000


def _note_rows(note_ids: list[int]) -> list[tuple[int, dict[str, str], list[tuple[int, str]]]]:
    """``(note id, {field: tokens}, [(hashtag id, name)])`` for the notes that exist."""
    from vermilion.notes.models import Note, NoteHashtag

    tags: dict[int, list[tuple[int, str]]] = {}
    for note_id, tag_id, name in (
        NoteHashtag.objects.filter(note_id__in=note_ids)
        .order_by("note_id", "position")
        .values_list("note_id", "hashtag_id", "hashtag__name")
    ):
        tags.setdefault(note_id, []).append((tag_id, name))
    out = []
    for note_id, title, body, place, username, display in Note.objects.filter(
        pk__in=note_ids
    ).values_list("id", "title", "body", "place_name", "author__username", "author__display_name"):
        note_tags = tags.get(note_id, [])
        fields = {
            "title": analysis.joined([title]),
            "body": analysis.joined([body]),
            "tags": analysis.joined(name for _id, name in note_tags),
            "place": analysis.joined([place]),
            "author": analysis.joined([username, display]),
        }
        out.append((note_id, fields, note_tags))
    return out


def _distinct_terms(fields: dict[str, str]) -> set[str]:
    return {t for f in NOTE_FIELDS for t in fields[f].split()}


def _adjust_terms(delta: Counter) -> None:
    """Apply document-frequency changes; the engine's vocabulary index follows."""
    delta = Counter({t: d for t, d in delta.items() if d})
    if not delta:
        return
    eng = engine()
    existing = set(Term.objects.filter(term__in=list(delta)).values_list("term", flat=True))
    new = [Term(term=t, df=d) for t, d in delta.items() if t not in existing and d > 0]
    Term.objects.bulk_create(new, ignore_conflicts=True)
    eng.terms_added(t.term for t in new)
    for t in sorted(existing):  # a stable order: concurrent writers lock rows alike
        Term.objects.filter(term=t).update(df=F("df") + delta[t])
    gone = list(
        Term.objects.filter(term__in=list(existing), df__lte=0).values_list("term", flat=True)
    )
    if gone:
        Term.objects.filter(term__in=gone).delete()
        eng.terms_removed(gone)


def index_notes(note_ids: Iterable[int]) -> int:
    """(Re-)index these notes (those that still exist). Returns how many were indexed."""
    ids = sorted({int(i) for i in note_ids})
    if not ids:
        return 0
    rows = _note_rows(ids)
    with transaction.atomic():
        old = {
            doc["note_id"]: doc
            for doc in NoteDoc.objects.filter(note_id__in=ids).values("note_id", *NOTE_FIELDS)
        }
        delta: Counter = Counter()
        for note_id, fields, _tags in rows:
            before = _distinct_terms(old[note_id]) if note_id in old else set()
            after = _distinct_terms(fields)
            delta.update(dict.fromkeys(after - before, 1))
            delta.subtract(dict.fromkeys(before - after, 1))
        NoteDoc.objects.bulk_create(
            [NoteDoc(note_id=i, **fields) for i, fields, _t in rows],
            update_conflicts=True,
            unique_fields=["note"],
            update_fields=[*NOTE_FIELDS, "indexed_at"],
        )
        engine().index_notes([(i, fields) for i, fields, _t in rows])
        _adjust_terms(delta)
        index_hashtags({tag for _i, _f, tags in rows for tag in tags})
    return len(rows)


def remove_notes(note_ids: Iterable[int]) -> None:
    """Take notes out of the index (their ``NoteDoc`` rows go with them)."""
    ids = [int(i) for i in note_ids]
    with transaction.atomic():
        delta: Counter = Counter()
        for doc in NoteDoc.objects.filter(note_id__in=ids).values(*NOTE_FIELDS):
            delta.subtract(dict.fromkeys(_distinct_terms(doc), 1))
        engine().delete_notes(ids)
        NoteDoc.objects.filter(note_id__in=ids).delete()
        _adjust_terms(delta)


def user_fields(username: str, display_name: str) -> tuple[str, str]:
    """``(names, pinyin)`` tokens of a person: the username whole and in its parts, the
    display name's tokens (unstemmed: people search names as typed) and its pinyin."""
    username = username.casefold()
    parts = {username, *(p for p in username.replace("_", " ").split() if p)}
    names = [*parts, *_name_tokens(display_name)]
    # Pinyin of the whole name, its initials, and of each of its words (王火锅 ->
    # wanghuoguo whg wang huoguo), so typing any part of it finds the person.
    words = [w for w in _name_tokens(display_name) if analysis.has_han(w) and len(w) > 1]
    spelled = [
        analysis.pinyin(display_name),
        analysis.pinyin_initials(display_name),
        *(analysis.pinyin(w) for w in words),
        *(analysis.pinyin(c) for c in display_name if analysis.has_han(c)),
    ]
    pinyin = " ".join(dict.fromkeys(p for p in spelled if p))
    return " ".join(dict.fromkeys(n for n in names if n)), pinyin


def _name_tokens(text: str) -> list[str]:
    """A name's words as typed (not stemmed), Chinese segmented."""
    out = []
    for word in analysis.normalize(text).split():
        out.extend(analysis.tokens(word) if analysis.has_han(word) else analysis.words(word))
    return out


def index_users(user_ids: Iterable[int]) -> None:
    from vermilion.accounts.models import User

    rows = []
    for user_id, username, display in User.objects.filter(pk__in=list(user_ids)).values_list(
        "id", "username", "display_name"
    ):
        names, pinyin = user_fields(username, display)
        rows.append((user_id, names, pinyin))
    if not rows:
        return
    with transaction.atomic():
        UserDoc.objects.bulk_create(
            [UserDoc(user_id=i, names=n, pinyin=p) for i, n, p in rows],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["names", "pinyin"],
        )
        engine().index_users(rows)


def index_hashtags(tags: Iterable[tuple[int, str]]) -> None:
    """Pinyin of hashtags not indexed yet (a hashtag's name never changes)."""
    tags = dict(tags)
    if not tags:
        return
    known = set(
        HashtagDoc.objects.filter(hashtag_id__in=list(tags)).values_list("hashtag_id", flat=True)
    )
    HashtagDoc.objects.bulk_create(
        [
            HashtagDoc(
                hashtag_id=i,
                pinyin=analysis.pinyin(name)[:200],
                initials=analysis.pinyin_initials(name)[:100],
            )
            for i, name in tags.items()
            if i not in known
        ],
        ignore_conflicts=True,
    )


def profile_saved(user_id: int) -> None:
    """A person signed up or changed their name: their doc now; their notes' author
    field in a job (there may be thousands)."""
    from vermilion.core import jobs
    from vermilion.notes.models import Note

    before = UserDoc.objects.filter(user_id=user_id).values_list("names", flat=True).first()
    index_users([user_id])
    after = UserDoc.objects.filter(user_id=user_id).values_list("names", flat=True).first()
    if before is not None and before != after and Note.objects.filter(author_id=user_id).exists():
        jobs.enqueue("search.reindex_author", user_id=user_id)


def reindex_author_batch(user_id: int, after_id: int = 0) -> int | None:
    """Re-index a batch of an author's notes (their name is part of each); returns the
    last note id when more may follow."""
    from vermilion.notes.models import Note

    ids = list(
        Note.objects.filter(author_id=user_id, id__gt=after_id)
        .order_by("id")
        .values_list("id", flat=True)[:AUTHOR_REINDEX_BATCH]
    )
    index_notes(ids)
    return ids[-1] if len(ids) == AUTHOR_REINDEX_BATCH else None


def _id_batches(model, size: int):
    """Every row's id, ascending, ``size`` at a time (keyset pages: no OFFSET scans)."""
    last = 0
    while ids := list(
        model.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:size]
    ):
        yield ids
        last = ids[-1]


def reindex(log: Callable[[str], None] = print, batch: int = REINDEX_BATCH) -> dict[str, float]:
    """Rebuild the whole index from the rows: every note, person and hashtag. Returns
    counts and timings (``notes_per_second``: the indexing throughput)."""
    from vermilion.accounts.models import User
    from vermilion.notes.models import Hashtag, Note

    started = time.monotonic()
    with transaction.atomic():
        engine().clear()
        NoteDoc.objects.all().delete()
        Term.objects.all().delete()
        UserDoc.objects.all().delete()
        HashtagDoc.objects.all().delete()
    df: Counter = Counter()
    eng = engine()
    notes = 0
    for ids in _id_batches(Note, batch):
        rows = _note_rows(ids)
        with transaction.atomic():
            NoteDoc.objects.bulk_create([NoteDoc(note_id=i, **f) for i, f, _t in rows])
            eng.index_notes([(i, f) for i, f, _t in rows])
        for _i, fields, _t in rows:
            df.update(_distinct_terms(fields))
        notes += len(rows)
        if notes % (batch * 25) < batch:
            log(f"{notes} notes indexed")
    note_seconds = time.monotonic() - started
    with transaction.atomic():
        items = list(df.items())
        for start in range(0, len(items), 5000):
            chunk = items[start : start + 5000]
            Term.objects.bulk_create([Term(term=t, df=d) for t, d in chunk])
            eng.terms_added(t for t, _d in chunk)
    users = 0
    for ids in _id_batches(User, batch):
        index_users(ids)
        users += len(ids)
    index_hashtags(Hashtag.objects.values_list("id", "name").iterator(chunk_size=5000))
    total = time.monotonic() - started
    return {
        "notes": notes,
        "terms": len(df),
        "users": users,
        "note_seconds": round(note_seconds, 2),
        "notes_per_second": round(notes / note_seconds, 1) if note_seconds else 0.0,
        "seconds": round(total, 2),
    }
