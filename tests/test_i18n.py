"""The interface in English and Simplified Chinese.

The catalogue (``vermilion/locale/zh_Hans/LC_MESSAGES/django.po``) must be complete, keep
every placeholder, and match the committed ``.mo`` (machines without GNU gettext serve that
file as is). Readers get Chinese from their browser's Accept-Language or from the language
saved on their account, in pages and in API error messages alike; codes never change.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.utils import translation
from PIL import Image

from vermilion.media.models import Media

PACKAGE = Path(settings.BASE_DIR)
MESSAGES = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = MESSAGES / "django.po"
MO_FILE = MESSAGES / "django.mo"
# Code makemessages is told to skip (`make messages`), and code no reader sees.
NOT_EXTRACTED_PREFIXES = ("demo/", "feed/recsys/", "var/")
NOT_EXTRACTED_FOLDERS = {"migrations", "tests"}
# gettext's context separator, as GNUTranslations keys a msgctxt entry.
CONTEXT_SEPARATOR = "\x04"

# printf-style (%(name)s, %d, %%) and brace-style ({name}) placeholders.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrx%]|\{[^{}]*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Han characters or the full-width punctuation of Chinese text.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(autouse=True)
def _english_afterwards():
    """LocaleMiddleware leaves the last request's language active in this thread; put
    English back so later tests that raise service errors outside a request read English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- the .po file ----------------------------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], body[1:-1])


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file: {"flags", "msgctxt"?, "msgid", "msgid_plural"?, "msgstr"...}.

    Enough of the format for our catalogue (no obsolete ``#~`` entries: makemessages runs
    with --no-obsolete); ``msgstr[n]`` keys are kept as written.
    """
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            else:
                key, _space, value = line.partition(" ")
                entry[key] = _unquote(value)
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def _placeholders(text: str) -> list[str]:
    # Templates double a literal "%" ({% translate "Saved to %(board)s" %} is extracted as
    # "Saved to %%(board)s"), so "%%(name)s" counts as the placeholder it becomes.
    return sorted(PLACEHOLDER.findall(text.replace("%%(", "%(")))


def test_header_declares_simplified_chinese_utf8_and_one_plural_form(po_entries):
    header = po_entries[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    fields = dict(
        line.split(": ", 1) for line in header["msgstr"].strip().splitlines() if ": " in line
    )
    assert fields["Language"] == "zh_Hans"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_message_is_translated_none_fuzzy_placeholders_kept(po_entries):
    messages = po_entries[1:]
    assert len(messages) > 300  # the whole interface, not a stub
    problems = []
    for entry in messages:
        label = repr(entry["msgid"])
        if "fuzzy" in entry["flags"]:
            problems.append(f"{label} is fuzzy")
        if "msgid_plural" in entry:
            # Chinese has a single form: msgstr[0] serves every count.
            forms = [k for k in entry if k.startswith("msgstr[")]
            if forms != ["msgstr[0]"]:
                problems.append(f"{label} has plural forms {forms}, expected only msgstr[0]")
            translated = entry.get("msgstr[0]", "")
            expected = [_placeholders(entry["msgid"]), _placeholders(entry["msgid_plural"])]
        else:
            translated = entry.get("msgstr", "")
            expected = [_placeholders(entry["msgid"])]
        if not translated.strip():
            problems.append(f"{label} has no translation")
            continue
        if _placeholders(translated) not in expected:
            problems.append(f"{label}: placeholders {_placeholders(translated)} != {expected[0]}")
        if not CHINESE.search(translated):
            problems.append(f"{label}: {translated!r} has no Chinese in it")
    assert not problems, "\n".join(problems)


def test_msgids_are_unique(po_entries):
    keys = [(e.get("msgctxt"), e["msgid"]) for e in po_entries]
    assert len(keys) == len(set(keys))


# --- the committed .mo -----------------------------------------------------------------------


def _catalog(mo_bytes: bytes) -> dict:
    return dict(gettext.GNUTranslations(io.BytesIO(mo_bytes))._catalog)


def test_committed_mo_is_compiled_from_the_current_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed, so the .po cannot be compiled here")
    fresh = tmp_path / "django.mo"
    # --check is what compilemessages' --check-format does, plus header and domain checks.
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(fresh), str(PO_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert MO_FILE.exists(), "compile the catalogue: vermilion compilemessages -l zh_Hans"
    committed = _catalog(MO_FILE.read_bytes())
    current = _catalog(fresh.read_bytes())
    stale = {k for k in committed.keys() | current.keys() if committed.get(k) != current.get(k)}
    assert not stale, (
        f"django.mo is out of date for {sorted(map(str, stale))[:10]}: "
        "run `vermilion compilemessages -l zh_Hans`"
    )


def _source_msgids() -> set[str]:
    """Literal messages the Python code passes to gettext (``_``, ``gettext_lazy`` ...)."""
    names = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(NOT_EXTRACTED_PREFIXES) or NOT_EXTRACTED_FOLDERS & set(
            relative.split("/")
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_message_in_the_python_code_is_in_the_catalogue():
    """A message wrapped in gettext but never extracted would show in English to everyone."""
    catalog = _catalog(MO_FILE.read_bytes())
    known = {k[0] if isinstance(k, tuple) else k for k in catalog}
    sources = _source_msgids()
    assert "This username is taken." in sources  # the scan does find service messages
    missing = sorted(m for m in sources if m not in known)
    assert not missing, f"run `make messages` and translate: {missing}"


# --- pages -----------------------------------------------------------------------------------


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["zh-CN", "zh-Hans", "zh-CN,zh;q=0.9,en;q=0.5"])
def test_a_chinese_browser_gets_chinese_pages(accept):
    client = Client(headers={"Accept-Language": accept})
    home = _html(client.get("/"))
    assert '<html lang="zh-Hans">' in home
    for text in ("发现", "推荐", "消息", "登录", "注册", "搜索笔记、用户、话题"):
        assert text in home, text
    assert "For you" not in home and "Sign up" not in home
    signin = _html(client.get("/signin"))
    assert '<html lang="zh-Hans">' in signin
    for text in ("欢迎回到 Vermilion。", "用户名", "密码", "第一次来？", "注册账号"):
        assert text in signin, text
    assert "Welcome back" not in signin


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr-FR"])
def test_other_browsers_get_english_pages(accept):
    client = Client(headers={"Accept-Language": accept})
    home = _html(client.get("/"))
    assert '<html lang="en">' in home
    assert "For you" in home and "Explore" in home
    signin = _html(client.get("/signin"))
    assert "Welcome back to Vermilion." in signin
    assert not HAN.search(signin.replace("简体中文", ""))  # only the language switch's name


@pytest.mark.django_db
def test_a_form_error_from_a_service_is_shown_in_chinese(make_user):
    make_user("mei")
    client = Client(headers={"Accept-Language": "zh-CN"})
    response = client.post("/signin", {"username": "mei", "password": "not it"})
    assert response.status_code == 400
    assert "用户名或密码不正确。" in response.content.decode()


@pytest.mark.django_db
def test_the_saved_language_wins_over_an_english_browser(make_user):
    client = Client(headers={"Accept-Language": "en-US,en"})
    client.force_login(make_user("mei", language="zh-hans"))
    home = _html(client.get("/"))
    assert '<html lang="zh-Hans">' in home
    assert "推荐" in home and "发布" in home and "我" in home
    assert "For you" not in home
    settings_page = _html(client.get("/settings"))
    assert "界面语言" in settings_page and "修改密码" in settings_page
    # The web app's own API calls (session cookie) answer in that language too.
    error = client.get("/api/v1/notes/123").json()["error"]
    assert error == {"code": "not_found", "message": "笔记不存在。"}


@pytest.mark.django_db
def test_an_account_following_the_browser_gets_the_browsers_language(make_user):
    client = Client(headers={"Accept-Language": "zh-CN"})
    client.force_login(make_user("lee", language=""))
    assert "推荐" in _html(client.get("/"))


def test_the_following_feed_and_the_following_button_read_differently():
    """Same English word, two Chinese ones: 关注 names the feed, 已关注 the button state."""
    with translation.override("zh-hans"):
        assert translation.pgettext("the feed of people one follows", "Following") == "关注"
        assert translation.pgettext("people one follows", "Following") == "关注"
        assert translation.gettext("Following") == "已关注"
        assert translation.gettext("Follow") == "关注"


# --- API error messages ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "message"),
    [
        ("zh-CN", "用户名或密码不正确。"),
        ("zh-Hans", "用户名或密码不正确。"),
        ("en", "The username or password is not right."),
        (None, "The username or password is not right."),
    ],
)
def test_an_api_error_speaks_the_requests_language_with_the_same_code(
    anon, make_user, accept, message
):
    make_user("mei")
    headers = {"Accept-Language": accept} if accept else {}
    response = anon.post(
        "/api/v1/auth/token", {"username": "mei", "password": "wrong-password"}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "invalid_credentials", "message": message}}


@pytest.mark.django_db
def test_field_errors_and_interpolated_limits_are_translated(anon):
    response = anon.post(
        "/api/v1/auth/register",
        {"username": "mei", "password": "correct-horse-battery", "display_name": "梅" * 31},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "too_long",
        "message": "昵称最多 30 个字。",
        "field": "display_name",
    }


@pytest.mark.django_db
def test_the_apis_own_messages_are_translated(anon):
    response = anon.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"].startswith("请先登录")
    response = anon.get("/api/v1/notes/not-a-number", headers={"Accept-Language": "zh-CN"})
    assert response.json()["error"] == {"code": "not_found", "message": "笔记不存在。"}


@pytest.mark.django_db
def test_a_module_level_message_follows_each_request(make_user, client_for):
    """``gettext_lazy`` constants (images.NOT_AN_IMAGE) resolve per request, not at import."""
    client = client_for(make_user())

    def refuse(accept):
        upload = SimpleUploadedFile("photo.jpg", b"not a photo at all", "image/jpeg")
        response = client.post(
            "/api/v1/media",
            {"file": upload},
            content_type=MULTIPART_CONTENT,
            headers={"Accept-Language": accept},
        )
        assert response.status_code == 415
        error = response.json()["error"]
        assert error["code"] == "unsupported_media_type" and error["field"] == "file"
        return error["message"]

    assert refuse("zh-CN").startswith("无法识别这个文件")
    assert refuse("en").startswith("This file is not an image we can use.")
    assert refuse("zh-CN").startswith("无法识别这个文件")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (255, 36, 66)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_processing_failure_is_stored_in_english_and_shown_in_each_readers_language(
    make_user, client_for, run_jobs
):
    client = client_for(make_user())
    upload = SimpleUploadedFile("photo.png", _png(), "image/png")
    response = client.post("/api/v1/media", {"file": upload}, content_type=MULTIPART_CONTENT)
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=response.json()["id"])
    storages["private"].delete(media.original_path)
    with translation.override("zh-hans"):  # whatever language the worker happens to run in
        run_jobs()
    media.refresh_from_db()
    assert media.status == "failed"
    assert media.error == "The uploaded file is missing. Please upload it again."
    path = f"/api/v1/media/{media.pk}"
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).json()
    assert chinese["error"] == "上传的文件丢失了，请重新上传。"
    english = client.get(path, headers={"Accept-Language": "en"}).json()
    assert english["error"] == "The uploaded file is missing. Please upload it again."
