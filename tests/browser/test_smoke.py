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
