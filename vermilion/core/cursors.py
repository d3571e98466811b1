"""Opaque pagination cursors.

A cursor is the position after the last item of a page, encoded so clients treat it as
opaque (we may change what is inside). Bad cursors are a 400, never a 500.
"""

from __future__ import annotations

import base64
import json

from django.utils.translation import gettext as _

from .errors import Invalid


def encode(*values: int | str) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, *, arity: int = 1, types: tuple = (int,)) -> list | None:
    """The values inside a cursor (by default: ``arity`` integers); Invalid if malformed."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
    if (
        not isinstance(values, list)
        or len(values) != arity
        or not all(isinstance(v, types) and not isinstance(v, bool) for v in values)
    ):
        raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
    return values


def decode_id(cursor: str | None) -> int | None:
    """The id a page continues after (cursors of id-ordered lists hold one positive 64-bit
    id); None without a cursor, Invalid when malformed."""
    position = decode(cursor)
    if not position:
        return None
    if not 0 < position[0] < 2**63:
        raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
    return position[0]


def page(items: list, limit: int, key) -> tuple[list, str | None]:
    """Split ``limit + 1`` fetched items into a page and the cursor for the next one."""
    if len(items) > limit:
        items = items[:limit]
        return items, encode(*key(items[-1]))
    return items, None
