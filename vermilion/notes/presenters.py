"""Turning notes into API dicts with a constant number of queries, whatever the page size.

``note_dicts`` loads everything a page needs in a fixed set of batch queries:
attachments+media (1, ``_attachments``), author and avatar (0-2: none when the caller
already ``select_related("author__avatar")``), and one statement (``_page_rows``) for the
hashtags, the mentions and, for a signed-in viewer, their likes, collects and follow/block
relations with the authors.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import prefetch_related_objects

from vermilion.accounts.presenters import user_dict
from vermilion.core import cursors, sql
from vermilion.core.text import extract_mentions
from vermilion.media.models import Media
from vermilion.media.presenters import media_dict

from .models import Hashtag, Note, NoteHashtag, NoteMedia

# Model lookups a note page needs; prefetch_related_objects skips those already loaded.
# Hashtags and mentions are read as plain values (``_page_rows``): a page needs only
# their names, and model instances for each would cost more than the queries.
NOTE_PREFETCH = ("author__avatar",)
#: What ``media_dict`` shows of a note's media (``_attachments`` reads only these).
MEDIA_FIELDS = (
    "kind",
    "status",
    "error",
    "width",
    "height",
    "duration_ms",
    "blurhash",
    "dominant_color",
    "renditions",
    "alt_text",
    "progress",
    "created_at",
)


def _attachments(note_ids: list[int]) -> dict[int, list[Media]]:
    """Each note's media in order, in one statement of fixed text (``core.sql``): through
    the ORM's prefetch, building the query and its NoteMedia rows cost several times what
    running it did."""
    where, params = sql.in_ids("nm.note_id", note_ids)
    make = sql.loader(Media, MEDIA_FIELDS)
    rows = sql.fetch(
        f"SELECT nm.note_id, {sql.select_list(Media, 'm', MEDIA_FIELDS)} "
        f"FROM {sql.table(NoteMedia)} nm JOIN {sql.table(Media)} m ON m.id = nm.media_id "
        f"WHERE {where} ORDER BY nm.note_id, nm.position",
        params,
    )
    out: dict[int, list[Media]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(make(row[1:]))
    return out


def _mention_names(note: Note, usernames: list[str]) -> list[str]:
    """Mentioned usernames in the order they appear in the text (the M2M has no order)."""
    order = {
        name.lower(): i for i, name in enumerate(extract_mentions(f"{note.title}\n{note.body}"))
    }
    return sorted(usernames, key=lambda u: (order.get(u.lower(), 1 << 30), u))


def _place(note: Note) -> dict | None:
    if not note.place_name:
        return None
    return {"name": note.place_name, "lat": note.place_lat, "lon": note.place_lon}


def _page_rows(viewer, note_ids: list[int], author_ids: set[int]):
    """Everything of a page that is not on its notes' rows, in one statement: each note's
    hashtag names (in order) and mentioned usernames, and, for a signed-in ``viewer``, what
    they did to these notes and how they stand with the authors. Small indexed lookups
    sent as one UNION ALL (as seven ORM queries, building them cost more than running
    them, and each was a round trip to PostgreSQL).

    Returns (tags by note, mentioned usernames by note, liked note ids, collected note ids,
    ``relations_for``'s dict or None)."""
    from vermilion.accounts.models import Block, Follow, User
    from vermilion.engagement.models import Collect, Like

    table = sql.table
    notes = [int(i) for i in note_ids]
    # Rows of (tag, an id, a position, a name); the first part fixes the columns' types.
    where, params = sql.in_ids("nh.note_id", notes)
    parts = [
        (
            f"SELECT 't' AS t, nh.note_id AS i, nh.position AS p, h.name AS s "
            f"FROM {table(NoteHashtag)} nh JOIN {table(Hashtag)} h ON h.id = nh.hashtag_id "
            f"WHERE {where}",
            params,
        ),
    ]
    where, params = sql.in_ids("nm.note_id", notes)
    parts.append(
        (
            f"SELECT 'm', nm.note_id, 0, u.username FROM {table(Note.mentions.through)} nm "
            f"JOIN {table(User)} u ON u.id = nm.user_id WHERE {where}",
            params,
        )
    )
    authors = [int(a) for a in author_ids]
    if viewer is not None:
        for tag, model, column, owner, values in (
            ("l", Like, "note_id", "user_id", notes),
            ("c", Collect, "note_id", "user_id", notes),
            ("f", Follow, "followee_id", "follower_id", authors),
            ("b", Follow, "follower_id", "followee_id", authors),
            ("x", Block, "blocked_id", "blocker_id", authors),
        ):
            where, params = sql.in_ids(column, values)
            parts.append(
                (
                    f"SELECT '{tag}', {column}, 0, NULL FROM {table(model)} "
                    f"WHERE {owner} = %s AND {where}",
                    [int(viewer.pk), *params],
                )
            )
    tags: dict[int, list[tuple[int, str]]] = {}
    mentioned: dict[int, list[str]] = {}
    found: dict[str, set[int]] = {tag: set() for tag in "lcfbx"}
    for tag, value, position, name in sql.union_all(parts):
        if tag == "t":
            tags.setdefault(value, []).append((position, name))
        elif tag == "m":
            mentioned.setdefault(value, []).append(name)
        else:
            found[tag].add(value)
    names = {note_id: [n for _p, n in sorted(pairs)] for note_id, pairs in tags.items()}
    relations = None
    if viewer is not None:
        relations = {
            uid: {
                "following": uid in found["f"],
                "followed_by": uid in found["b"],
                "blocking": uid in found["x"],
            }
            for uid in author_ids
        }
    return names, mentioned, found["l"], found["c"], relations


def note_dicts(notes: Iterable[Note], viewer) -> list[dict]:
    """The API shape of each note, in the order given, as seen by ``viewer`` (User or None).

    Callers are responsible for visibility (notes.queries); this only presents.
    """
    notes = list(notes)
    if not notes:
        return []
    prefetch_related_objects(notes, *NOTE_PREFETCH)
    attachments = _attachments([n.pk for n in notes])
    tags, mentioned, liked, collected, relations = _page_rows(
        viewer, [n.pk for n in notes], {n.author_id for n in notes}
    )

    out = []
    for note in notes:
        media = [media_dict(m) for m in attachments.get(note.pk, [])]
        out.append(
            {
                "id": str(note.pk),
                "author": user_dict(note.author, relations),
                "kind": note.kind,
                "title": note.title,
                "body": note.body,
                "media": media,
                "cover": media[0] if media else None,
                "hashtags": tags.get(note.pk, []),
                "mentions": _mention_names(note, mentioned.get(note.pk, [])),
                "place": _place(note),
                "visibility": note.visibility,
                "created_at": note.created_at,
                "updated_at": note.updated_at,
                "counts": {
                    "likes": note.likes_count,
                    "collects": note.collects_count,
                    "comments": note.comments_count,
                },
                "viewer": (
                    {"liked": note.pk in liked, "collected": note.pk in collected}
                    if viewer is not None
                    else None
                ),
            }
        )
    return out


def note_dict(note: Note, viewer) -> dict:
    """One note; same shape as ``note_dicts``."""
    return note_dicts([note], viewer)[0]


def notes_page(
    rows_qs, cursor: str | None, viewer, note_of=lambda row: row, size: int = 20
) -> dict:
    """One page ``{"items", "next_cursor"}`` of ``rows_qs`` (newest id first, cursor on the
    row id) presented as notes; ``note_of`` maps a row (a Like, a Collect...) to its note."""
    position = cursors.decode(cursor)
    if position:
        rows_qs = rows_qs.filter(id__lt=position[0])
    rows = list(rows_qs.order_by("-id")[: size + 1])
    rows, next_cursor = cursors.page(rows, size, key=lambda row: (row.id,))
    return {"items": note_dicts([note_of(r) for r in rows], viewer), "next_cursor": next_cursor}
