"""Search (notes, people, hashtags) and tag pages, on the search engine (``search.queries``,
tested on its own in ``vermilion/search/tests``): what the pages add around it."""

# The make_* fixtures imported below are pytest fixtures that tests name as parameters.
# ruff: noqa: F811

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from vermilion.accounts.services import block, follow
from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401
from vermilion.web.views.search import SEARCH_PAGE_SIZE, SEARCH_QUERY_MAX_CHARS

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="card" data-note-id="(\d+)"', html)


def people(html: str) -> list[str]:
    return re.findall(r'class="person-name" href="/u/([^"]+)"', html)


def sentinel(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', html)
    return found and found.group(1).replace("&amp;", "&")


def walk(client: Client, url: str, extract) -> list[str]:
    html = client.get(url).content.decode()
    found = extract(html)
    url = sentinel(html)
    while url:
        fragment = client.get(url, headers=HX)
        assert fragment.status_code == 200
        html = fragment.content.decode()
        assert "<html" not in html
        found += extract(html)
        url = sentinel(html)
    return found


# --- the search page --------------------------------------------------------------------------


def test_empty_and_too_long_queries_get_a_clear_message():
    page = Client().get("/search")
    assert page.status_code == 200 and 'data-testid="search-landing"' in page.content.decode()
    page = Client().get("/search", {"q": "  #"})
    assert page.status_code == 200 and 'data-testid="search-problem"' in page.content.decode()
    page = Client().get("/search", {"q": "长" * (SEARCH_QUERY_MAX_CHARS + 1)})
    assert page.status_code == 400 and 'data-testid="search-problem"' in page.content.decode()
    page = Client().get("/search", {"q": "x" * 10_000})
    assert page.status_code == 400
    assert Client().get("/search", {"q": "长" * SEARCH_QUERY_MAX_CHARS}).status_code == 200


def test_the_landing_page_shows_recent_and_hot_searches(make_user):
    from vermilion.search.models import HotSearch

    me = make_user("mei")
    client = browser(me)
    client.get("/search", {"q": "hotpot"})
    client.get("/search", {"q": "火锅"})
    HotSearch.objects.create(position=0, query="mooncake", recent=9, score=4.0)
    html = client.get("/search").content.decode()
    history = html[
        html.index('data-testid="search-history"') : html.index('data-testid="hot-searches"')
    ]
    assert history.index("火锅") < history.index("hotpot")  # newest first
    assert "mooncake" in html[html.index('data-testid="hot-searches"') :]
    assert 'data-testid="search-history"' not in Client().get("/search").content.decode()

    response = client.post("/search/history/clear")
    assert response.status_code == 302
    assert 'data-testid="search-history"' not in client.get("/search").content.decode()
    assert Client().post("/search/history/clear").status_code in (302, 403)


def test_sort_and_kind_chips_and_highlighted_titles(make_user, make_note, make_media):
    mei = make_user("mei")
    photo = make_note(mei, title="Hotpot photo")
    video = make_note(mei, title="Hotpot clip", media_ids=[str(make_media(mei, kind="video").id)])
    html = Client().get("/search", {"q": "hotpot", "sort": "latest"}).content.decode()
    assert card_ids(html) == [str(video.id), str(photo.id)]
    assert re.search(r'aria-current="true" data-testid="sort-latest"', html)
    assert "<mark>Hotpot</mark> clip" in html
    html = Client().get("/search", {"q": "hotpot", "kind": "image"}).content.decode()
    assert card_ids(html) == [str(photo.id)]


def test_a_misspelt_word_says_what_was_searched(make_user, make_note):
    note = make_note(make_user("mei"), title="Hotpot night")
    html = Client().get("/search", {"q": "hotpt"}).content.decode()
    assert card_ids(html) == [str(note.id)]
    assert 'data-testid="search-correction"' in html and "hotpot" in html


def test_notes_match_title_and_text_in_any_case(make_user, make_note):
    mei = make_user("mei")
    by_title = make_note(mei, title="Hotpot Night")
    by_body = make_note(mei, title="dinner", body="the best HOTPOT in town")
    chinese = make_note(mei, title="成都火锅")
    by_tag = make_note(mei, title="tagged", hashtags=["hotpot"])
    make_note(mei, title="unrelated")
    make_note(mei, title="secret hotpot", visibility="private")
    html = Client().get("/search", {"q": "hotpot"}).content.decode()
    assert sorted(card_ids(html)) == sorted(str(n.id) for n in [by_title, by_body, by_tag])
    assert card_ids(Client().get("/search", {"q": "火锅"}).content.decode()) == [str(chinese.id)]
    # A #tag searches the word everywhere, the tagged note first (hashtags weigh most).
    tagged = card_ids(Client().get("/search", {"q": "#HOTPOT"}).content.decode())
    assert tagged[0] == str(by_tag.id) and len(tagged) == 3
    assert re.search(r'data-testid="search-tab-notes" aria-current="page"', html)


def test_wildcards_are_plain_characters(make_user, make_note):
    mei = make_user("mei")
    make_note(mei, title="abc")
    percent = make_note(mei, title="100% cotton")
    # Not wildcards: "%" alone has no word to search for; "100%" is the word 100.
    assert 'data-testid="search-problem"' in Client().get("/search", {"q": "%"}).content.decode()
    assert card_ids(Client().get("/search", {"q": "100%"}).content.decode()) == [str(percent.id)]
    assert card_ids(Client().get("/search", {"q": "a_c"}).content.decode()) == []


def test_note_results_respect_blocks(make_user, make_note):
    reader, bob, eve = make_user("reader"), make_user("bob"), make_user("eve")
    make_note(bob, title="bob likes tea")
    make_note(eve, title="eve likes tea")
    block(reader, bob)
    block(eve, reader)
    assert card_ids(browser(reader).get("/search", {"q": "tea"}).content.decode()) == []
    assert len(card_ids(Client().get("/search", {"q": "tea"}).content.decode())) == 2


def test_users_tab(make_user):
    reader = make_user("reader")
    make_user("tea_lover", display_name="Mei")
    make_user("bob", display_name="Tea Master 茶")
    make_user("blocked_tea")
    make_user("blocker_tea")
    make_user("unrelated")
    block(reader, make_user("tea_hidden"))
    block(make_user("tea_hider"), reader)
    html = browser(reader).get("/search", {"q": "TEA", "type": "users"}).content.decode()
    assert set(people(html)) == {"tea_lover", "bob", "blocked_tea", "blocker_tea"}
    assert 'data-testid="follow-button"' in html
    assert people(Client().get("/search?q=茶&type=users").content.decode()) == ["bob"]
    assert people(Client().get("/search?q=@tea_lover&type=users").content.decode()) == ["tea_lover"]


def test_users_tab_shows_follow_state_and_not_oneself(make_user):
    reader, mei = make_user("reader_mei"), make_user("mei")
    follow(reader, mei)
    html = browser(reader).get("/search", {"q": "mei", "type": "users"}).content.decode()
    assert people(html) == ["mei", "reader_mei"]
    assert html.count('data-testid="follow-button"') == 1 and 'data-following="1"' in html


def test_hashtags_tab_matches_by_prefix(make_user, make_note):
    mei = make_user("mei")
    make_note(mei, title="a", body="#Hotpot #hotel #美食")
    make_note(mei, title="b", body="#hot")
    html = Client().get("/search", {"q": "#HOT", "type": "hashtags"}).content.decode()
    assert re.findall(r'href="/tags/([^"]+)">#', html) == ["hot", "hotel", "Hotpot"]
    html = Client().get("/search", {"q": "美", "type": "hashtags"}).content.decode()
    assert 'href="/tags/%E7%BE%8E%E9%A3%9F">#美食</a>' in html


def test_search_pages_never_repeat(make_user, make_note):
    mei = make_user("mei")
    notes = [make_note(mei, title=f"tea {i}") for i in range(SEARCH_PAGE_SIZE + 3)]
    ids = walk(Client(), "/search?q=tea", card_ids)
    assert sorted(ids) == sorted(str(n.id) for n in notes)
    for i in range(SEARCH_PAGE_SIZE + 2):
        make_user(f"tea_{i}")
    names = walk(Client(), "/search?q=tea&type=users", people)
    assert len(names) == len(set(names)) == SEARCH_PAGE_SIZE + 2


def test_search_query_counts_are_constant(make_user, make_note):
    reader = make_user("reader")
    author = make_user("tea_author")
    make_note(author, title="tea")

    def count(url):
        client = browser(reader)
        client.get(url)  # fills the caches a request may find cold (doc count, snapshot check)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    few = {url: count(url) for url in ["/search?q=tea", "/search?q=tea&type=users"]}
    for i in range(15):
        person = make_user(f"tea_{i}")
        follow(reader, person)
        make_note(person, title=f"tea {i}", images=2)
    for url, queries in few.items():
        assert count(url) == queries, url


def test_search_escapes_the_query(make_user):
    html = Client().get("/search", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Client().get("/search?q=x&cursor=bogus", headers=HX).status_code == 400


# --- tag pages --------------------------------------------------------------------------------


def test_tag_page_lists_public_notes_with_the_tag(make_user, make_note):
    mei, reader, bob = make_user("mei"), make_user("reader"), make_user("bob")
    tagged = make_note(mei, title="one", body="#Hotpot")
    fullwidth = make_note(mei, title="two", hashtags=["ＨＯＴＰＯＴ"])
    make_note(mei, title="private", body="#hotpot", visibility="private")
    make_note(bob, title="blocked", body="#hotpot")
    make_note(mei, title="other", body="#tea")
    block(reader, bob)
    page = browser(reader).get("/tags/hotpot")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="tag-title">#Hotpot<' in html
    assert card_ids(html) == [str(fullwidth.id), str(tagged.id)]  # newest first
    assert card_ids(Client().get("/tags/%23HOTPOT").content.decode()) == card_ids(
        Client().get("/tags/hotpot").content.decode()
    )


def test_tag_page_empty_and_invalid(make_user):
    page = Client().get("/tags/nothing_here")
    assert page.status_code == 200 and 'data-testid="feed-empty"' in page.content.decode()
    assert Client().get("/tags/%23").status_code == 404
    assert Client().get("/tags/" + "x" * 101).status_code == 404
    html = Client().get("/tags/%3Cscript%3E").content.decode()
    assert "#<script>" not in html and "#&lt;script&gt;" in html


def test_tag_pages_never_repeat_and_fragments_are_fragments(make_user, make_note):
    mei = make_user("mei")
    notes = [make_note(mei, title=f"n{i}", body="#火锅") for i in range(SEARCH_PAGE_SIZE + 4)]
    ids = walk(Client(), "/tags/%E7%81%AB%E9%94%85", card_ids)
    assert sorted(ids) == sorted(str(n.id) for n in notes)
    first = Client().get("/tags/%E7%81%AB%E9%94%85").content.decode()
    assert sentinel(first).startswith("/tags/%E7%81%AB%E9%94%85?cursor=")


def test_tag_page_query_count_is_constant(make_user, make_note):
    reader = make_user("reader")
    make_note(make_user(), body="#tea")

    def count():
        client = browser(reader)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tags/tea").status_code == 200
        return len(ctx)

    few = count()
    for _ in range(12):
        make_note(make_user(), body="#tea", images=2)
    assert count() == few


@pytest.mark.parametrize("path", ["/search?q=tea", "/search", "/tags/tea"])
def test_search_pages_carry_a_strict_csp(path):
    policy = Client().get(path)["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
