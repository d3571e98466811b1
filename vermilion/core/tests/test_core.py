import contextlib
import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from vermilion.core import cursors, ids, ratelimit, text
from vermilion.core.errors import Invalid, RateLimited


def test_ids_are_unique_time_ordered_and_fit_bigint():
    made: list[int] = []

    def make():
        made.extend(ids.new_id() for _ in range(5000))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == len(made) == 20000
    assert all(0 < i < 2**63 for i in made)
    sequential = [ids.new_id() for _ in range(1000)]
    assert sequential == sorted(sequential)


def test_id_time_round_trips():
    import time

    now = time.time()
    value = ids.new_id()
    assert abs(ids.id_time(value) - now) < 2
    assert ids.id_for_time(now - 10) < value


@pytest.mark.parametrize(
    "value,expected",
    [
        ("成都火锅真好吃", 7),
        ("👨‍👩‍👧‍👦", 1),
        ("🇨🇳🇺🇸", 2),
        ("é", 1),  # e + combining accent
        ("hello", 5),
    ],
)
def test_grapheme_len(value, expected):
    assert text.grapheme_len(value) == expected


def test_clean_normalises_and_strips_control_characters():
    assert text.clean("  a\r\nb\x00\x07c  ") == "a\nbc"
    assert text.clean("a \n\t b", multiline=False) == "a b"
    assert text.clean("e\u0301") == "\u00e9"


def test_hashtags_in_chinese_and_english():
    body = "周末 #成都美食 and #Hotpot! 还有＃火锅 #hotpot again, not an email a#b"
    assert text.extract_hashtags(body) == ["成都美食", "Hotpot", "火锅"]


def test_mentions():
    assert text.extract_mentions("hi @mei_li and @Bob2, mail a@b.com @mei_li") == [
        "mei_li",
        "Bob2",
    ]


def test_cursor_round_trip_and_rejects_garbage():
    assert cursors.decode(cursors.encode(123)) == [123]
    for bad in ["!!!", "e30", cursors.encode("a", "b"), cursors.encode("x"), "W3RydWVd"]:
        with pytest.raises(Invalid):
            cursors.decode(bad)


@given(st.text(max_size=50))
def test_cursor_decode_never_crashes(value):
    with contextlib.suppress(Invalid):
        cursors.decode(value)


def test_rate_limit_counts_and_reports_retry_after(settings):
    settings.RATE_LIMITS_ENABLED = True
    cache.clear()
    for _ in range(3):
        ratelimit.hit("write", "u1", limit=3, window=60)
    with pytest.raises(RateLimited) as exc:
        ratelimit.hit("write", "u1", limit=3, window=60)
    assert 1 <= exc.value.retry_after <= 60
    ratelimit.hit("write", "u2", limit=3, window=60)  # others are not affected


def test_client_ip_trusts_forwarded_for_only_behind_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.NUM_PROXIES = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.NUM_PROXIES = 1
    assert ratelimit.client_ip(request) == "1.2.3.4"
