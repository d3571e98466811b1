import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_explore_page_loads_without_script_errors(live_server, page, console_errors, shot):
    page.goto(live_server.url + "/")
    assert page.locator(".brand").inner_text() == "Vermilion"
    # htmx and Alpine load (vendored from npm), and the strict CSP blocks nothing we ship.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.Alpine") == "object"
    assert page.evaluate("typeof window.Vermilion.api") == "function"
    assert not [e for e in console_errors if "favicon" not in e], console_errors
    shot(page, "smoke-explore")


def test_blurhash_placeholder_is_painted_before_the_image(live_server, page, make_user):
    """A cover whose file is slow (here: missing) shows its blurhash, decoded in the browser."""
    from vermilion.media.models import Media
    from vermilion.notes.models import Note, NoteMedia

    author = make_user("painter")
    note = Note.objects.create(author=author, title="Placeholder")
    media = Media.objects.create(
        owner=author,
        kind="image",
        status="ready",
        width=600,
        height=800,
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        dominant_color="#aa3322",
        renditions={
            "thumb": {"path": "images/missing/thumb.webp"},
            "display": {"path": "images/missing/display.webp"},
        },
    )
    NoteMedia.objects.create(note=note, media=media, position=0)
    page.goto(f"{live_server.url}/notes/{note.id}")
    image = page.locator("img[data-blurhash]").first
    image.wait_for()
    page.wait_for_function(
        "() => (document.querySelector('img[data-blurhash]').style.backgroundImage || '')"
        ".startsWith('url(\"data:image/png')"
    )
