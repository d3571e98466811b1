"""Searching notes through ``search.queries.search_notes``: indexing follows every write,
the language rules, visibility, ranking and options. The same tests run on SQLite (FTS5)
and, in the scaled pass, on PostgreSQL (full-text)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vermilion.accounts.services import block, follow, update_profile
from vermilion.core.errors import Invalid
from vermilion.engagement.services import like
from vermilion.notes.models import Note
from vermilion.notes.services import delete_note, update_note
from vermilion.search import queries
from vermilion.search.models import NoteDoc, Term

pytestmark = pytest.mark.django_db


def ids(results) -> list[int]:
    return [h.note_id for h in results.hits]


def found(viewer, q, **options) -> list[int]:
    return ids(queries.search_notes(viewer, q, **options))


@pytest.fixture
def author(make_user):
    return make_user("chef", display_name="川菜师傅")


def test_a_note_is_searchable_once_published_and_follows_edits_and_deletion(author, make_note):
    note = make_note(author, title="Chengdu hotpot night", body="Spicy broth #火锅")
    assert found(None, "hotpot") == [note.id]
    assert found(None, "火锅") == [note.id]
    assert found(None, "broth") == [note.id]

    update_note(author, note, title="Sichuan noodles", body="no soup here")
    assert found(None, "hotpot") == []
    assert found(None, "noodles") == [note.id]
    assert found(None, "火锅") == []  # the hashtag came from the old body

    delete_note(author, note)
    assert found(None, "noodles") == []
    assert not NoteDoc.objects.exists()
    assert not Term.objects.filter(term="noodl").exists()  # its vocabulary went with it


def test_document_frequencies_follow_the_notes(author, make_note):
    a = make_note(author, title="hotpot one")
    make_note(author, title="hotpot two")
    assert Term.objects.get(term="hotpot").df == 2
    update_note(author, a, title="sushi one")
    assert Term.objects.get(term="hotpot").df == 1
    assert Term.objects.get(term="sushi").df == 1


def test_chinese_words_and_characters_are_found(author, make_note):
    note = make_note(author, title="成都火锅推荐", body="春熙路的老店，牛油锅底")
    for q in ("火锅", "成都", "春熙路", "锅底", "成都火锅"):
        assert found(None, q) == [note.id], q


def test_traditional_finds_simplified_and_back(author, make_note):
    simplified = make_note(author, title="台湾美食地图")
    assert found(None, "臺灣美食") == [simplified.id]
    traditional = make_note(author, title="香港點心推薦")
    assert found(None, "点心") == [traditional.id]


def test_english_is_stemmed_and_case_insensitive(author, make_note):
    note = make_note(author, title="Cooking Hotpots")
    assert found(None, "cooked hotpot") == [note.id]
    assert found(None, "HOTPOT") == [note.id]


def test_mixed_queries_match_across_fields(author, make_note):
    both = make_note(author, title="成都 weekend", body="Best hotpot in town")
    make_note(author, title="成都 museum")
    assert found(None, "成都 hotpot")[0] == both.id


def test_misspelt_english_words_find_the_right_notes(author, make_note):
    note = make_note(author, title="Chengdu hotpot guide")
    make_note(author, title="Sushi in Tokyo")
    results = queries.search_notes(None, "hotpt guide")
    assert ids(results) == [note.id]
    assert results.hits[0].match == "fuzzy"
    assert ("hotpt", "hotpot") in results.corrected
    assert found(None, "restaurnt") == []  # nothing close enough: no invented matches


def test_hashtags_place_and_author_name_are_searched(author, make_note):
    tagged = make_note(author, title="Dinner", body="#streetfood")
    placed = make_note(author, title="Lunch", place={"name": "Kuanzhai Alley"})
    assert found(None, "streetfood") == [tagged.id]
    assert found(None, "kuanzhai") == [placed.id]
    assert set(found(None, "川菜师傅")) == {tagged.id, placed.id}


def test_a_name_change_reaches_the_notes_author_field(author, make_note):
    from vermilion.core.jobs import run_pending

    note = make_note(author, title="Dinner")
    update_profile(author, display_name="Mapo Master")
    run_pending()
    assert found(None, "mapo") == [note.id]


def test_title_matches_rank_above_body_matches(author, make_note):
    in_body = make_note(author, title="Weekend", body="we had hotpot")
    in_title = make_note(author, title="Hotpot weekend", body="with friends")
    assert found(None, "hotpot") == [in_title.id, in_body.id]


def test_notes_with_every_term_rank_above_notes_with_some(author, make_note):
    some = make_note(author, title="Hotpot", body="spicy")
    every = make_note(author, title="Hotpot broth", body="spicy broth")
    order = found(None, "hotpot broth")
    assert order[0] == every.id and some.id in order
    hits = queries.search_notes(None, "hotpot broth").hits
    assert [h.match for h in hits] == ["exact", "partial"]


def test_engagement_breaks_ties_of_relevance(author, make_note, make_user):
    quiet = make_note(author, title="Hotpot")
    loved = make_note(author, title="Hotpot")
    for i in range(3):
        like(make_user(f"fan{i}"), loved)
    assert found(None, "hotpot") == [loved.id, quiet.id]


def test_sort_latest_and_popular(author, make_note, make_user):
    old = make_note(author, title="Hotpot old")
    new = make_note(author, title="Hotpot new")
    like(make_user("fan"), old)
    assert found(None, "hotpot", sort="latest") == [new.id, old.id]
    assert found(None, "hotpot", sort="popular") == [old.id, new.id]
    with pytest.raises(Invalid) as err:
        found(None, "hotpot", sort="best")
    assert err.value.code == "invalid_sort"


def test_filters_by_kind_and_time(author, make_note, make_media):
    photo = make_note(author, title="Hotpot photo")
    video = make_note(
        author, title="Hotpot video", media_ids=[str(make_media(author, kind="video").id)]
    )
    assert found(None, "hotpot", kind="video") == [video.id]
    assert found(None, "hotpot", kind="image") == [photo.id]
    Note.objects.filter(pk=photo.pk).update(created_at=timezone.now() - timedelta(days=10))
    week_ago = timezone.now() - timedelta(days=7)
    assert found(None, "hotpot", since=week_ago) == [video.id]
    assert found(None, "hotpot", until=week_ago) == [photo.id]
    with pytest.raises(Invalid):
        found(None, "hotpot", kind="audio")
    with pytest.raises(Invalid):
        found(None, "hotpot", since=week_ago, until=week_ago - timedelta(days=1))


def test_visibility_private_followers_blocked_and_inactive(author, make_note, make_user):
    reader, follower, blocked = make_user("reader"), make_user("follower"), make_user("rude")
    follow(follower, author)
    public = make_note(author, title="Hotpot public")
    followers_only = make_note(author, title="Hotpot friends", visibility="followers")
    private = make_note(author, title="Hotpot diary", visibility="private")

    assert set(found(None, "hotpot")) == {public.id}
    assert set(found(reader, "hotpot")) == {public.id}
    assert set(found(follower, "hotpot")) == {public.id, followers_only.id}
    assert set(found(author, "hotpot")) == {public.id, followers_only.id, private.id}

    block(author, blocked)
    assert found(blocked, "hotpot") == []
    block(reader, author)
    assert found(reader, "hotpot") == []

    author.is_active = False
    author.save()
    assert found(None, "hotpot") == []


@pytest.mark.parametrize(
    "q",
    [
        '"hotpot',
        "hotpot*",
        "NEAR(hotpot broth)",
        "hotpot OR 1=1",
        "'; DROP TABLE notes_note; --",
        "title:hotpot",
        "^hotpot",
        "hot-pot",
        "(hotpot",
        "hotpot AND NOT sushi",
        "\\x00 hotpot",
        "🍲 hotpot",
    ],
)
def test_hostile_queries_give_results_not_errors(author, make_note, q):
    note = make_note(author, title="Hotpot broth sushi", body="near pot")
    result = queries.search_notes(None, q)
    if "hotpot" in q.lower() or "pot" in q.lower():
        assert note.id in ids(result)


@pytest.mark.parametrize("q", ["", "   ", '"', "*", "!!!", "#", "...", "？？", "()", None, 42])
def test_empty_queries_are_refused_clearly(q):
    with pytest.raises(Invalid) as err:
        queries.search_notes(None, q)
    assert err.value.code == "empty_query"


def test_a_long_query_is_refused_clearly():
    with pytest.raises(Invalid) as err:
        queries.search_notes(None, "hotpot " * 1500)  # over 10 kB
    assert err.value.code == "query_too_long"


def test_snippets_mark_matches_and_escape_everything_else(author, make_note):
    make_note(
        author,
        title="<b>Hotpot</b> night",
        body="x " * 100 + "the best hotpot <script>alert(1)</script> 火锅 ever",
    )
    hit = queries.search_notes(None, "hotpot 火锅").hits[0]
    assert hit.snippet["title"] == "&lt;b&gt;<mark>Hotpot</mark>&lt;/b&gt; night"
    body = hit.snippet["body"]
    assert body.startswith("…") and "<mark>hotpot</mark>" in body and "<mark>火锅</mark>" in body
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_pages_never_repeat_or_skip(author, make_note):
    made = {make_note(author, title=f"Hotpot {i}").id for i in range(7)}
    seen, cursor = [], None
    while True:
        page = queries.search_notes(None, "hotpot", cursor=cursor, page_size=3)
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    with pytest.raises(Invalid):
        queries.search_notes(None, "hotpot", cursor="garbage")


def test_reindex_rebuilds_the_same_index(author, make_note):
    from vermilion.search.indexing import reindex

    a = make_note(author, title="Hotpot", body="#火锅")
    b = make_note(author, title="Sushi")
    before = dict(Term.objects.values_list("term", "df"))
    report = reindex(log=lambda _m: None)
    assert report["notes"] == 2
    assert dict(Term.objects.values_list("term", "df")) == before
    assert found(None, "hotpot") == [a.id] and found(None, "sushi") == [b.id]


def test_the_pinyin_of_a_hashtag_finds_its_notes(author, make_note):
    note = make_note(author, title="成都晚饭", body="#火锅")
    results = queries.search_notes(None, "huoguo")
    assert ids(results) == [note.id]
    assert results.corrected == [("huoguo", "火锅")]


def test_notes_in_another_language_are_found_by_meaning_below_exact_matches(author, make_note):
    """The multilingual embeddings of the discover feed: "hotpot" reaches a note written
    only in Chinese about 火锅, marked as such, after every note that has the word."""
    from vermilion.feed import artifacts
    from vermilion.feed.tasks import understand_notes

    chinese = make_note(author, title="成都火锅探店", body="牛油锅底，毛肚鸭肠，麻辣过瘾")
    english = make_note(author, title="Hotpot", body="A quiet dinner")
    unrelated = make_note(author, title="Tax forms", body="Filing paperwork before April")
    understand_notes([chinese.id, english.id, unrelated.id])
    artifacts.rebuild()
    hits = queries.search_notes(None, "hotpot").hits
    assert [(h.note_id, h.match) for h in hits] == [(english.id, "exact"), (chinese.id, "semantic")]
    assert ids(queries.search_notes(None, "hotpot", semantic=False)) == [english.id]
    assert found(None, "hotpot", sort="latest") == [english.id]  # meaning only under relevance
    assert found(None, "hotpot", kind="video") == []  # the kind filter holds for meaning too
    assert found(None, "hotpot", kind="image") == [english.id, chinese.id]


def test_the_reindex_command_indexes_bulk_data():
    """Bulk seeding bypasses the services; ``vermilion reindex`` makes it searchable."""
    import io
    import json

    from django.core.management import call_command

    call_command("seed", "--users", "5", "--notes", "30", "--password", "seeded-pass-2024")
    assert not NoteDoc.objects.exists()
    out = io.StringIO()
    call_command("reindex", "--json", stdout=out, stderr=io.StringIO())
    report = json.loads(out.getvalue())
    assert report["notes"] == 30 and report["users"] == 5 and report["terms"] > 0
    assert NoteDoc.objects.count() == 30
    word = Term.objects.order_by("-df").first()
    assert queries.search_notes(None, word.term).total > 0
