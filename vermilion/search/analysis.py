"""Text analysis for search: the same tokens for what is indexed and what is asked.

Both engines (SQLite FTS5, PostgreSQL full-text) index the output of ``tokens()``: words
separated by spaces, so neither engine's own tokenizer has to understand Chinese.

- **Normalisation**: NFKC (full-width letters and digits become ASCII), case folding, and
  Traditional Chinese converted to Simplified (OpenCC ``t2s``), so 臺灣美食 and 台湾美食 are
  the same tokens.
- **Chinese** runs are cut by jieba in search mode from its dictionary (a long word also
  yields its parts), without its HMM guesses at unknown words: those come out as single
  characters, the same in a text and in a query, and every Han character is kept as a
  token too, so a query segmented differently from the text still meets it character by
  character. (The HMM costs a third of the analysis time and makes segmentation depend on
  context.)
- **Latin** words (letters, digits) are stemmed with the Snowball English stemmer
  (hotpots -> hotpot, cooking -> cook); very long words are cut.
- Everything else (punctuation, emoji, operators of any query language) is a separator:
  nothing the user types can reach an engine's query syntax.

``pinyin()`` spells Chinese names in toneless pinyin (火锅 -> huoguo), for people and
hashtags. jieba loads its dictionary once per process (``warm_up()``, called when the app
is ready; about a second), never per query.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import regex

#: Runs of Han characters, of letters/digits (any other script), and anything else.
_HAN = regex.compile(r"\p{Han}+")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_HAN_CHAR = regex.compile(r"\p{Han}")
#: ASCII words split where letters meet digits (chengdu2024 -> chengdu, 2024).
_ALNUM = regex.compile(r"[a-z]+|[0-9]+")
#: Longest token kept (a pasted URL or a key-mash is not a word).
MAX_TOKEN_CHARS = 40
#: Longest text analysed (a note body is at most 1,000 characters; a query far less).
MAX_TEXT_CHARS = 20_000

_lock = threading.Lock()
_ready = False


def warm_up() -> None:
    """Load jieba's dictionary and the converters now (once per process)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _converter()
        _stemmer()
        _ready = True


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


_stemmers = threading.local()


def _stemmer():
    # PyStemmer objects are not thread-safe: one per thread.
    found = getattr(_stemmers, "english", None)
    if found is None:
        import Stemmer

        found = _stemmers.english = Stemmer.Stemmer("english")
    return found


def normalize(text: str) -> str:
    """NFKC, case-folded, Traditional Chinese as Simplified."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).casefold()
    if _HAN.search(text):
        text = _converter().convert(text)
    return text


def _han_tokens(run: str) -> list[str]:
    import jieba

    warm_up()
    words = [w for w in jieba.cut_for_search(run, HMM=False) if w.strip()]
    chars = [c for c in run if len(run) > 1]
    return [*words, *(c for c in chars if c not in words)]


def has_han(text: str) -> bool:
    return bool(_HAN_CHAR.search(text))


def words(text: str) -> list[str]:
    """Normalised words as typed (not stemmed): ASCII split where letters meet digits."""
    out = []
    for word in _WORD.findall(normalize(text)):
        out.extend(_ALNUM.findall(word) if word.isascii() else [word[:MAX_TOKEN_CHARS]])
    return out


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokens(text: str) -> list[str]:
    """The tokens of ``text``, in order (repeats kept: they count for relevance)."""
    out: list[str] = []
    for word in _WORD.findall(normalize(text)):
        for part in _split_scripts(word):
            if _HAN.fullmatch(part):
                out.extend(_han_tokens(part))
            elif part.isascii():
                out.extend(stem(w)[:MAX_TOKEN_CHARS] for w in _ALNUM.findall(part))
            else:
                out.append(part[:MAX_TOKEN_CHARS])
    return out


def _split_scripts(word: str) -> list[str]:
    """``成都hotpot2024`` -> ``成都``, ``hotpot2024``: Han runs apart from the rest."""
    parts, last = [], 0
    for m in _HAN.finditer(word):
        if m.start() > last:
            parts.append(word[last : m.start()])
        parts.append(m.group())
        last = m.end()
    if last < len(word):
        parts.append(word[last:])
    return parts


def query_terms(text: str) -> list[str]:
    """A query's distinct tokens, in order, without the single Han characters that a
    longer word of the query already covers (they would only dilute the match)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(normalize(text)):
        for part in _split_scripts(word):
            if _HAN.fullmatch(part):
                import jieba

                warm_up()
                cut = [w for w in jieba.cut_for_search(part, HMM=False) if w.strip()]
                seen.update(dict.fromkeys(cut))
            elif part.isascii():
                seen.update(dict.fromkeys(stem(w)[:MAX_TOKEN_CHARS] for w in _ALNUM.findall(part)))
            else:
                seen[part[:MAX_TOKEN_CHARS]] = None
    return list(seen)


def joined(texts: Iterable[str]) -> str:
    """Tokens of several texts as the space-separated string the engines index."""
    return " ".join(t for text in texts for t in tokens(text))


def pinyin(text: str) -> str:
    """Toneless pinyin of the Han characters in ``text``, other letters kept, lower case,
    no spaces: ``火锅 Hotpot`` -> ``huoguohotpot``. Empty when nothing is left."""
    from pypinyin import Style, lazy_pinyin

    norm = normalize(text)
    if not _HAN_CHAR.search(norm):
        return ""
    return "".join(p for p in lazy_pinyin(norm, style=Style.NORMAL, errors="ignore") if p.isalnum())


def pinyin_initials(text: str) -> str:
    """First letters of each syllable: ``火锅`` -> ``hg`` (how people type abbreviations)."""
    from pypinyin import Style, lazy_pinyin

    norm = normalize(text)
    if not _HAN_CHAR.search(norm):
        return ""
    return "".join(
        p for p in lazy_pinyin(norm, style=Style.FIRST_LETTER, errors="ignore") if p.isalnum()
    )


def trigrams(word: str) -> set[str]:
    """Character trigrams of a word padded with spaces (as pg_trgm makes them)."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity (shared / all), the measure pg_trgm's ``similarity`` uses."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
