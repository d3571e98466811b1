"""The operator's admin site opens for staff and stays closed to everyone else."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/notes/note/",
    "/admin/media/media/",
    "/admin/engagement/comment/",
    "/admin/engagement/board/",
    "/admin/core/job/",
    "/admin/notes/hashtag/",
]


def test_admin_pages_open_for_staff(make_user):
    admin = make_user("boss")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    for page in PAGES:
        assert client.get(page).status_code == 200, page


def test_admin_is_closed_to_others(make_user):
    client = Client()
    client.force_login(make_user("mei"))
    assert client.get("/admin/accounts/user/").status_code == 302
    assert Client().get("/admin/notes/note/").status_code == 302
