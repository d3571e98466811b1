"""End-to-end journeys through the web app in a real Chromium.

The live server and the test share the database (transactional tests), so notes are seeded
through the real services and the background jobs the browser waits for are run from the test
(there is no worker process here). Each journey ends with a screenshot of its last page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import png

pytestmark = pytest.mark.django_db(transaction=True)

NOTE_URL = re.compile(r"/notes/(\d+)$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def note_id_of(url: str) -> str:
    match = NOTE_URL.search(url)
    assert match, f"not a note address: {url}"
    return match.group(1)


def assert_no_console_errors(errors: list[str]) -> None:
    assert not errors, "console errors / CSP violations:\n" + "\n".join(errors)


# --- 1. a newcomer: sign up, interests, explore, a note, like, comment, reply ----------------


def test_sign_up_pick_interests_open_like_comment_reply(
    live_server, page, publish_notes, console_errors, shot
):
    notes = publish_notes(count=3)
    base = live_server.url

    page.goto(f"{base}/signup")
    page.get_by_test_id("signup-username").fill("newcomer")
    page.get_by_test_id("signup-display-name").fill("New Comer")
    page.get_by_test_id("signup-password").fill("a-long-fresh-passphrase")
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(f"{base}/onboarding")

    for slug in ("travel", "food"):
        card = page.locator(f'[data-testid="interest-card"][data-slug="{slug}"]')
        card.click()
        expect(card.locator("input[type=checkbox]")).to_be_checked()
    page.get_by_test_id("onboarding-continue").click()
    page.wait_for_url(f"{base}/")

    from vermilion.accounts.models import User

    user = User.objects.get(username="newcomer")
    assert user.display_name == "New Comer"
    assert sorted(user.interests.values_list("slug", flat=True)) == ["food", "travel"]

    # Explore shows the seeded notes as cards with their covers.
    cards = page.get_by_test_id("card")
    expect(cards).to_have_count(len(notes))
    assert {cards.nth(i).get_attribute("data-note-id") for i in range(3)} == {
        str(n.id) for n in notes
    }
    expect(page.locator(".masonry.laid-out")).to_be_visible()
    first = cards.first
    note_id = first.get_attribute("data-note-id")
    cover = first.get_by_test_id("card-cover").locator("img")
    expect(cover).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", cover.element_handle())

    # On a wide screen the note opens over the feed, at its own address.
    first.get_by_test_id("card-cover").click()
    overlay = page.get_by_test_id("note-overlay")
    expect(overlay).to_be_visible()
    page.wait_for_url(f"{base}/notes/{note_id}")
    view = overlay.get_by_test_id("note-view")
    expect(view).to_have_attribute("data-note-id", note_id)
    expect(view.get_by_test_id("note-title")).to_be_visible()

    # Like: pressed, counted, and the card behind the overlay follows.
    like = view.get_by_test_id("note-like")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_contain_text("0")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    expect(first.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")

    # Comment.
    view.get_by_test_id("comment-input").fill("Lovely light on the water!")
    view.get_by_test_id("comment-submit").click()
    comment = view.get_by_test_id("comment").filter(has_text="Lovely light on the water!")
    expect(comment).to_have_count(1)
    expect(view.get_by_test_id("comment-count")).to_have_text("1")
    expect(view.get_by_test_id("comment-input")).to_have_value("")

    # Reply to that comment: it lands in the comment's thread.
    comment_id = comment.get_attribute("data-comment-id")
    comment.get_by_test_id("reply-button").click()
    view.get_by_test_id("comment-input").fill("Thanks, it was early morning.")
    view.get_by_test_id("comment-submit").click()
    thread = view.locator(f"#thread-{comment_id}")
    reply = thread.get_by_test_id("replies").get_by_test_id("comment")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Thanks, it was early morning.")
    expect(view.get_by_test_id("comment-count")).to_have_text("2")

    from vermilion.engagement.models import Comment, Like

    assert Like.objects.filter(user=user, note_id=note_id).exists()
    top = Comment.objects.get(note_id=note_id, parent=None)
    assert str(top.id) == comment_id
    assert top.body == "Lovely light on the water!"
    assert list(Comment.objects.filter(parent=top).values_list("body", flat=True)) == [
        "Thanks, it was early morning."
    ]

    assert_no_console_errors(console_errors)
    shot(page, "journey1-signup-like-comment-reply")


# --- 2. composing: two images in a chosen order ---------------------------------------------


def test_compose_two_images_in_chosen_order(
    live_server, page, make_user, sign_in, run_jobs_until, console_errors, shot
):
    base = live_server.url
    make_user("painter", display_name="Painter")
    sign_in(page, "painter")

    page.goto(f"{base}/compose")
    page.get_by_test_id("compose-file-input").set_input_files(
        [
            {"name": "red.png", "mimeType": "image/png", "buffer": png((220, 30, 40), (600, 800))},
            {"name": "blue.png", "mimeType": "image/png", "buffer": png((30, 80, 220), (900, 600))},
        ]
    )
    tiles = page.get_by_test_id("compose-tile")
    expect(tiles).to_have_count(2)
    ready = page.locator('[data-testid="compose-tile"][data-status="ready"]')
    run_jobs_until(page, lambda: ready.count() == 2, message="both tiles ready")

    def tile_ids() -> list[str]:
        return [tiles.nth(i).get_attribute("data-media-id") for i in range(tiles.count())]

    red_id, blue_id = tile_ids()
    from vermilion.media.models import Media

    assert Media.objects.get(pk=red_id).width == 600
    assert Media.objects.get(pk=blue_id).width == 900

    # The blue one becomes the cover: move the red one later.
    tiles.first.get_by_test_id("compose-move-later").click()
    expect(tiles.first).to_have_attribute("data-media-id", blue_id)
    assert tile_ids() == [blue_id, red_id]
    expect(tiles.first.get_by_test_id("compose-cover-label")).to_be_visible()

    page.get_by_test_id("compose-title").fill("Blue before red")
    page.get_by_test_id("compose-body").fill("Two colours, in the order I chose.")
    page.get_by_test_id("compose-publish").click()
    page.wait_for_url(NOTE_URL)
    note_id = note_id_of(page.url)

    # The note page shows the images in that order...
    slides = page.get_by_test_id("carousel-slide").locator("img")
    expect(slides).to_have_count(2)
    sources = [slides.nth(i).get_attribute("src") for i in range(2)]
    assert f"/{blue_id}/" in sources[0] and f"/{red_id}/" in sources[1], sources
    expect(page.get_by_test_id("note-title")).to_have_text("Blue before red")

    # ... and so does the API.
    response = page.request.get(f"{base}/api/v1/notes/{note_id}")
    assert response.ok
    media = response.json()["media"]
    assert [m["id"] for m in media] == [blue_id, red_id]
    assert [m["width"] for m in media] == [900, 600]

    # The profile lists the note, with the chosen cover.
    page.goto(f"{base}/u/painter")
    card = page.locator(f'[data-testid="card"][data-note-id="{note_id}"]')
    expect(card).to_be_visible()
    expect(card.get_by_test_id("card-title")).to_have_text("Blue before red")
    assert f"/{blue_id}/" in card.get_by_test_id("card-cover").locator("img").get_attribute("src")

    assert_no_console_errors(console_errors)
    shot(page, "journey2-compose-profile")


# --- 3. following: the follower's feed and the author's notification -------------------------


def test_follow_shows_in_following_and_notifies_author(
    live_server, page, open_page, make_user, publish_notes, sign_in, console_errors, shot
):
    base = live_server.url
    author = make_user("mei", display_name="Mei Lin")
    (note,) = publish_notes(author, count=1)
    make_user("reader", display_name="Keen Reader")

    author_page = page
    sign_in(author_page, "mei")
    expect(author_page.get_by_test_id("unread-badge")).to_have_count(0)

    reader_page = open_page()
    sign_in(reader_page, "reader")
    reader_page.goto(f"{base}/u/mei")
    follow = reader_page.get_by_test_id("profile-head").get_by_test_id("follow-button")
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")

    reader_page.locator("nav.sidenav a[href='/following']").click()
    reader_page.wait_for_url(f"{base}/following")
    expect(reader_page.get_by_test_id("card")).to_have_count(1)
    expect(reader_page.get_by_test_id("card")).to_have_attribute("data-note-id", str(note.id))
    shot(reader_page, "journey3-follower-following-feed")

    # The author sees the unread badge, then the follow in Messages, which clears it.
    author_page.reload()
    badge = author_page.get_by_test_id("unread-badge")
    expect(badge).to_have_text("1")
    author_page.locator("nav.sidenav a[href='/notifications']").click()
    author_page.wait_for_url(f"{base}/notifications")
    row = author_page.get_by_test_id("notification-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-verb", "follow")
    expect(row).to_have_attribute("data-unread", "1")
    expect(row).to_contain_text("Keen Reader")
    expect(author_page.get_by_test_id("unread-badge")).to_have_count(0)

    assert_no_console_errors(console_errors)
    shot(author_page, "journey3-author-notifications")


# --- 4. a Chinese-language visitor ---------------------------------------------------------


def test_chinese_visitor_sees_chinese_interface(live_server, page, open_page, console_errors, shot):
    # The words RedNote readers know (vermilion/locale/zh_Hans; the .mo is compiled from the
    # .po by `make messages`: without it this page stays in English).
    zh = open_page(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    zh.goto(f"{live_server.url}/")
    expect(zh.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(zh).to_have_title(re.compile(r"^发现 · Vermilion$"))
    nav = zh.locator("nav.sidenav")
    expect(nav.locator("a[href='/']")).to_have_text(re.compile(r"发现$"))
    expect(nav.locator("a[href='/following']")).to_have_text(re.compile(r"关注$"))
    expect(nav.locator("a[href='/notifications']")).to_have_text(re.compile(r"消息$"))
    expect(zh.locator(".topbar-actions a")).to_have_text(["登录", "注册"])
    tabs = zh.get_by_test_id("channel-tabs")
    expect(tabs.locator('[data-channel=""]')).to_have_text("推荐")
    # Interest channels are named in the reader's language too.
    expect(tabs.locator('[data-channel="food"]')).to_have_text("美食")
    expect(tabs.locator('[data-channel="travel"]')).to_have_text("旅行")
    expect(zh.get_by_test_id("feed-empty")).to_contain_text(CJK)

    # The same page for an English browser stays English.
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.sidenav a[href='/']")).to_have_text(re.compile(r"Explore$"))
    expect(page.get_by_test_id("channel-tabs").locator('[data-channel=""]')).to_have_text("For you")

    assert_no_console_errors(console_errors)
    shot(zh, "journey4-chinese-explore")


# --- 5. on a phone ---------------------------------------------------------------------------

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def test_phone_two_columns_and_note_as_page(
    live_server, open_page, publish_notes, console_errors, shot
):
    publish_notes(count=4)
    phone = open_page(**PHONE)
    phone.goto(f"{live_server.url}/")
    expect(phone.locator(".masonry.laid-out")).to_be_visible()
    cards = phone.get_by_test_id("card")
    expect(cards).to_have_count(4)

    one, two, three = (cards.nth(i).bounding_box() for i in range(3))
    assert two["x"] > one["x"] + one["width"] / 2, (one, two)  # side by side
    assert abs(two["y"] - one["y"]) < 2, (one, two)
    assert abs(three["x"] - one["x"]) < 2, (one, three)  # third starts the next row
    assert three["y"] >= one["y"] + one["height"] - 1, (one, three)  # under the first
    assert two["x"] + two["width"] <= 390, two  # nothing spills off the screen

    shot(phone, "journey5-phone-explore", full_page=False)

    # A tap follows the link: the note is a page of its own, not an overlay.
    phone.evaluate("window.__beforeTap = true")
    note_id = cards.first.get_attribute("data-note-id")
    cards.first.get_by_test_id("card-cover").tap()
    phone.wait_for_url(f"{live_server.url}/notes/{note_id}")
    expect(phone.locator("body.note-page")).to_have_count(1)
    expect(phone.get_by_test_id("note-overlay")).to_have_count(0)
    assert phone.evaluate("window.__beforeTap === undefined")  # a new document
    view = phone.locator("main").get_by_test_id("note-view")
    expect(view).to_be_visible()
    box = view.get_by_test_id("carousel").bounding_box()
    assert box["width"] > 300, box  # the image takes the phone's width

    assert_no_console_errors(console_errors)
    shot(phone, "journey5-phone-note-page", full_page=False)


# --- 6. search: suggestions while typing, results with highlights, a hashtag, history ---------


def test_search_box_suggests_and_finds_in_both_languages(
    live_server, page, publish_notes, make_user, sign_in, console_errors, shot
):
    from vermilion.notes.services import update_note

    author = make_user("chef_wang", display_name="王火锅")
    hotpot, dumplings, _walk = publish_notes(author=author, count=3)
    update_note(author, hotpot, title="成都火锅 night", body="Spicy broth #火锅")
    update_note(author, dumplings, title="Dumplings", body="Pork and chive #饺子")
    make_user("reader")
    sign_in(page, "reader")
    base = live_server.url

    box = page.locator("#q")
    box.click()
    box.press_sequentially("huo", delay=40)  # pinyin of 火锅
    suggestions = page.get_by_test_id("search-suggestion")
    expect(suggestions.first).to_be_visible()
    labels = [suggestions.nth(i).inner_text() for i in range(suggestions.count())]
    assert any("#火锅" in label for label in labels), labels
    assert any("王火锅" in label for label in labels), labels
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()

    # Traditional script finds the Simplified note first (the author's other notes match
    # by the name 王火锅, after it); the match is marked in the card title.
    box.fill("火鍋")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    cards = page.get_by_test_id("card")
    expect(cards.first).to_be_visible()
    assert cards.first.get_attribute("data-note-id") == str(hotpot.id)
    expect(cards.first.locator("mark")).to_have_text("火锅")

    # A misspelt English word, corrected and said so.
    page.goto(f"{base}/search?q=dumplngs")
    expect(page.get_by_test_id("search-correction")).to_be_visible()
    expect(page.get_by_test_id("card")).to_have_count(1)
    assert page.get_by_test_id("card").first.get_attribute("data-note-id") == str(dumplings.id)

    # Arrow keys and Enter open a suggested hashtag's page.
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("饺", delay=40)
    expect(page.get_by_test_id("search-suggestion").first).to_be_visible()
    box.press("ArrowDown")
    active = page.locator('[data-testid="search-suggestion"][aria-selected="true"]')
    expect(active).to_have_count(1)
    target = active.inner_text()
    box.press("Enter")
    page.wait_for_url(re.compile(r"/(tags|u|search)"))
    assert "饺子" in target or "饺" in page.url or page.url.endswith("/tags/%E9%A5%BA%E5%AD%90")

    # Recent searches on the search page, and clearing them.
    page.goto(f"{base}/search")
    history = page.get_by_test_id("search-history")
    expect(history).to_contain_text("火鍋")
    expect(history).to_contain_text("dumplngs")
    shot(page, "search-landing")
    page.get_by_test_id("clear-history").click()
    expect(page.get_by_test_id("search-history")).to_have_count(0)
    assert_no_console_errors(console_errors)


# --- 7. a video note: the card's preview, the note page's player, what the feed learns -------


def test_watch_a_video_note_to_the_end(
    live_server, page, make_user, sign_in, console_errors, shot, tmp_path
):
    from vermilion.core.jobs import run_pending
    from vermilion.feed.models import Event
    from vermilion.media.services import create_video
    from vermilion.media.tests.clips import make_clip
    from vermilion.notes.services import create_note

    author = make_user(display_name="Ana Video")
    clip = make_clip(tmp_path / "walk.mp4", width=320, height=568, seconds=1.5)
    media = create_video(author, str(clip), clip.stat().st_size)
    run_pending()
    note = create_note(author, title="River at dusk", body="#travel", media_ids=[str(media.id)])
    reader = make_user(display_name="Viewer")
    sign_in(page, reader.username)

    # The card shows the poster, and its silent preview plays while it is in view.
    card = page.locator(f'.card[data-note-id="{note.id}"]')
    expect(card).to_be_visible()
    expect(card.locator("img.cover")).to_have_attribute("src", re.compile(r"poster\.webp$"))
    preview = card.locator("video.preview")
    expect(preview).to_have_count(1)
    page.wait_for_function(
        "v => v && v.currentTime > 0 && v.muted", arg=preview.element_handle(), timeout=10_000
    )

    # The note page plays the HLS ladder: natively where the browser can (recent Chromium,
    # Safari), else through hls.js (Media Source Extensions: a blob: source).
    page.goto(f"{live_server.url}/notes/{note.id}")
    player = page.get_by_test_id("note-video")
    expect(player).to_be_visible()
    handle = player.element_handle()
    page.wait_for_function("v => v.readyState >= 2", arg=handle, timeout=15_000)
    native = page.evaluate("v => v.canPlayType('application/vnd.apple.mpegurl')", handle)
    source = page.evaluate("v => v.currentSrc", handle)
    assert source.endswith("master.m3u8") if native else source.startswith("blob:"), source
    if native:  # the other path too: a browser without native HLS
        page.add_init_script("HTMLMediaElement.prototype.canPlayType = () => ''")
        page.reload()
        handle = page.get_by_test_id("note-video").element_handle()
        page.wait_for_function("v => v.readyState >= 2", arg=handle, timeout=15_000)
        assert page.evaluate("v => v.currentSrc", handle).startswith("blob:")
        assert page.evaluate("typeof window.Hls") == "function"
    page.evaluate("v => { v.muted = true; return v.play(); }", handle)
    page.wait_for_function("v => v.ended", arg=handle, timeout=15_000)
    page.evaluate("window.Vermilion.signals.flush(false)")
    page.wait_for_timeout(500)
    kinds = set(Event.objects.filter(user=reader, note=note).values_list("type", flat=True))
    assert {"progress_50", "complete"} <= kinds, kinds

    assert_no_console_errors(console_errors)
    shot(page, "journey7-video-note", full_page=False)


# --- 8. posting a video note: a resumable upload, the editor, publish -------------------------


def test_post_an_edited_video_note(
    live_server, page, make_user, sign_in, run_jobs_until, console_errors, shot, tmp_path
):
    from vermilion.media.models import Media
    from vermilion.media.tests.clips import make_clip

    make_user("filmer", display_name="Filmer")
    sign_in(page, "filmer")
    clip = make_clip(tmp_path / "street.mp4", width=640, height=360, seconds=3.0)

    # The first piece of the upload is cut off mid-way: the client asks the server where it
    # got to and sends the rest (tus), with no help from the person.
    cut = {"done": False}

    def flaky(route):
        if route.request.method == "PATCH" and not cut["done"]:
            cut["done"] = True
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*", flaky)
    page.goto(f"{live_server.url}/compose")
    page.get_by_test_id("compose-file-input").set_input_files(
        {"name": "street.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}
    )
    editor = page.get_by_test_id("video-editor")
    expect(editor).to_be_visible()
    preview = page.get_by_test_id("video-edit-preview")
    page.wait_for_function("v => v.readyState >= 1", arg=preview.element_handle(), timeout=10_000)

    # Edit: square crop, mono, a Chinese text, music, trimmed to its last two seconds, the
    # cover half a second in. The preview shows it at once.
    editor.get_by_test_id("video-crop").filter(has_text="1:1").click()
    editor.get_by_test_id("video-filter").filter(has_text="Mono").click()
    editor.get_by_test_id("video-text-input").fill("成都火锅")
    editor.get_by_test_id("video-text-add").click()
    expect(editor.get_by_test_id("video-text-overlay")).to_have_text("成都火锅")
    editor.get_by_test_id("video-music").select_option("tea-house")
    editor.get_by_test_id("video-trim-start").fill("1000")
    editor.get_by_test_id("video-cover").fill("500")
    expect(editor.get_by_test_id("video-cover-label")).to_have_text("0:00.5")
    box = page.get_by_test_id("video-stage").bounding_box()
    assert abs(box["width"] - box["height"]) < 2, box
    assert "grayscale" in preview.evaluate("v => getComputedStyle(v).filter")
    shot(page, "journey8-video-editor")

    tile = page.get_by_test_id("compose-tile")
    run_jobs_until(
        page, lambda: tile.get_attribute("data-status") == "ready", message="video processed"
    )
    assert cut["done"]
    page.get_by_test_id("compose-title").fill("Hotpot street")
    page.get_by_test_id("compose-publish").click()
    # The edit goes to the server and is rendered from the original; then it publishes.
    run_jobs_until(page, lambda: NOTE_URL.search(page.url), timeout=30, message="published")
    note_id = note_id_of(page.url)

    note = page.request.get(f"{live_server.url}/api/v1/notes/{note_id}").json()
    media = Media.objects.get(pk=int(note["media"][0]["id"]))
    assert media.edit_list["crop"] == "1:1" and media.edit_list["filter"] == "mono"
    assert media.edit_list["texts"][0]["text"] == "成都火锅"
    assert media.edit_list["music"]["track"] == "tea-house"
    assert media.edit_list["trim"] == {"start_ms": 1000, "end_ms": 3000}
    assert media.cover_ms == 500
    assert (media.width, media.height) == (360, 360) and abs(media.duration_ms - 2000) <= 40

    player = page.get_by_test_id("note-video")
    handle = player.element_handle()
    page.wait_for_function("v => v.readyState >= 2", arg=handle, timeout=15_000)
    assert page.evaluate("v => [v.videoWidth, v.videoHeight]", handle) == [360, 360]
    # The one reset we caused is reported by the browser; nothing else may be.
    assert_no_console_errors([e for e in console_errors if "ERR_CONNECTION_RESET" not in e])
    shot(page, "journey8-video-posted", full_page=False)
