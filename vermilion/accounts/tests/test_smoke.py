import pytest

pytestmark = pytest.mark.django_db


def test_register_and_me(anon):
    r = anon.post("/api/v1/auth/register", {"username": "mei", "password": "correct-horse-battery"})
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    r = anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.json()["username"] == "mei"


def test_health(anon):
    assert anon.get("/api/health").json() == {"status": "ok"}
