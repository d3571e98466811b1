"""Input rules shared by the as-you-type suggestion endpoints (hashtags, people)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import Invalid
from .text import grapheme_len

SUGGEST_PREFIX_MAX_CHARS = 50
SUGGEST_LIMIT_MAX = 20


def suggestion_query(prefix: str, limit: int, *, marks: str) -> str:
    """The prefix to match (leading ``marks`` such as ``#`` or ``@`` dropped; "" means no
    suggestions), after checking the prefix length and the limit."""
    text = prefix.strip().lstrip(marks)
    if grapheme_len(text) > SUGGEST_PREFIX_MAX_CHARS:
        raise Invalid(
            _("A prefix is at most %(max)s characters.") % {"max": SUGGEST_PREFIX_MAX_CHARS},
            code="invalid_prefix",
            field="prefix",
        )
    if not 1 <= limit <= SUGGEST_LIMIT_MAX:
        raise Invalid(
            _("limit is between 1 and %(max)s.") % {"max": SUGGEST_LIMIT_MAX},
            code="invalid_limit",
            field="limit",
        )
    return text
