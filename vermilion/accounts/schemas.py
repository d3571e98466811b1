from __future__ import annotations

from datetime import datetime

from ninja import Schema


class AvatarOut(Schema):
    id: str
    blurhash: str = ""
    dominant_color: str = ""
    urls: dict[str, str] = {}


class UserCounts(Schema):
    followers: int
    following: int
    notes: int
    likes_received: int


class UserViewer(Schema):
    following: bool = False
    followed_by: bool = False
    blocking: bool = False


class UserOut(Schema):
    """A person as others see them. ``viewer`` is set only for a signed-in viewer."""

    id: str
    username: str
    display_name: str
    bio: str
    avatar: AvatarOut | None = None
    region: str
    languages: list[str]
    created_at: datetime
    counts: UserCounts
    viewer: UserViewer | None = None


class MeOut(UserOut):
    email: str
    language: str
    interests: list[str]
    is_admin: bool


class InterestOut(Schema):
    slug: str
    name_en: str
    name_zh: str
