"""CJK- and emoji-aware text rules shared by every app.

Lengths are counted in user-perceived characters (extended grapheme clusters), so twenty
Chinese characters or twenty emoji (even family emoji made of several code points) fit a
twenty-character title. The web composer counts with ``Intl.Segmenter``, which agrees.
"""

from __future__ import annotations

import unicodedata

import regex

_GRAPHEME = regex.compile(r"\X")
# Hashtags: letters (any script), marks, digits, underscore; ended by anything else (a space,
# punctuation, or a closing '#' as in Weibo-style "#火锅#"). The fullwidth '＃' starts one too.
# Chinese runs on without spaces ("还有#火锅"), so only a Latin letter, digit or URL-ish
# character right before '#' (a#b, &#123;, /page#top) stops it from being a tag.
HASHTAG_RE = regex.compile(r"(?:^|(?<=[^A-Za-z0-9_&/#＃]))[#＃]([\p{L}\p{M}\p{N}_]{1,50})")
MENTION_RE = regex.compile(r"(?:^|(?<=[^\p{L}\p{N}_@]))@([A-Za-z0-9_]{3,30})\b")
_CONTROL = regex.compile(r"[\p{Cc}--[\n\t]]", flags=regex.V1)


def grapheme_len(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def clean(text: str, *, multiline: bool = True) -> str:
    """NFC-normalise, drop control characters, normalise newlines, trim."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def normalize_tag(tag: str) -> str:
    """The key two spellings of a tag share: NFKC (fullwidth -> ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", tag).casefold()


def extract_hashtags(text: str) -> list[str]:
    """Hashtags in order of first appearance, as typed (first spelling wins)."""
    seen: dict[str, str] = {}
    for match in HASHTAG_RE.finditer(text):
        tag = match.group(1)
        seen.setdefault(normalize_tag(tag), tag)
    return list(seen.values())


def extract_mentions(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(text):
        seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())
