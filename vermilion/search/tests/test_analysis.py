"""The tokens both engines index: Chinese segmentation, Traditional/Simplified, stemming,
pinyin, and nothing of a query language getting through."""

from __future__ import annotations

import regex
from hypothesis import given
from hypothesis import strategies as st

from vermilion.search import analysis


def test_chinese_is_segmented_and_every_character_kept():
    tokens = analysis.tokens("成都火锅好吃")
    assert {"成都", "火锅", "好吃"} <= set(tokens)
    assert {"成", "都", "火", "锅"} <= set(tokens)


def test_traditional_and_simplified_give_the_same_tokens():
    assert analysis.tokens("臺灣美食") == analysis.tokens("台湾美食")
    assert analysis.query_terms("憂鬱") == analysis.query_terms("忧郁")


def test_english_is_case_folded_and_stemmed():
    assert analysis.tokens("Cooking HOTPOTS") == ["cook", "hotpot"]
    assert analysis.query_terms("cooked hotpot") == ["cook", "hotpot"]


def test_full_width_letters_and_digits_fold_to_ascii():
    assert analysis.tokens("ＡＢＣ　１２３") == ["abc", "123"]


def test_mixed_scripts_split_apart():
    assert analysis.query_terms("成都hotpot") == ["成都", "hotpot"]
    assert analysis.tokens("chengdu2024") == ["chengdu", "2024"]


def test_query_syntax_is_only_separators():
    assert analysis.query_terms('"*NEAR( ) OR 1=1; DROP') == ["near", "or", "1", "drop"]
    assert analysis.tokens("!!! ??? ...") == []


def test_pinyin_full_and_initials():
    assert analysis.pinyin("火锅") == "huoguo"
    assert analysis.pinyin_initials("成都美食") == "cdms"
    assert analysis.pinyin("hotpot") == ""


def test_trigram_similarity_is_pg_trgm_like():
    assert analysis.similarity("hotpot", "hotpot") == 1.0
    assert analysis.similarity("hotpot", "hotpt") > 0.4
    assert analysis.similarity("hotpot", "sushi") == 0.0


@given(st.text(max_size=300))
def test_any_text_gives_plain_tokens(text):
    for token in analysis.tokens(text):
        assert token and " " not in token and '"' not in token
        assert len(token) <= analysis.MAX_TOKEN_CHARS
        assert regex.fullmatch(r"[\p{L}\p{N}]+", token)
