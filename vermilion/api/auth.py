"""How API requests say who they are: a bearer token, or the web app's session cookie.

Every authenticated write also counts against the per-user write rate limit here, so no
handler can forget it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from vermilion.core import ratelimit

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _count_write(request: HttpRequest, user) -> None:
    if request.method not in _SAFE_METHODS:
        ratelimit.hit("write", str(user.pk))


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        from vermilion.accounts.services import user_for_token

        user = user_for_token(token)
        if user is None:
            # A token that is wrong must not silently fall back to anonymous access.
            raise AuthenticationError()
        request.user = user
        request.api_token = token
        _count_write(request, user)
        return user


class CookieAuth(SessionAuth):
    """The signed-in web session; CSRF-checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None:
            _count_write(request, user)
        return user


class _Anonymous:
    """Truthy marker so optional-auth endpoints let anonymous readers through."""

    def __call__(self, request: HttpRequest):
        return self

    def __bool__(self) -> bool:
        return True


token_auth = TokenAuth()
cookie_auth = CookieAuth()
AUTH = [token_auth, cookie_auth]
OPTIONAL_AUTH = [token_auth, cookie_auth, _Anonymous()]


def viewer(request: HttpRequest):
    """The signed-in user making the request, or None for an anonymous reader."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
