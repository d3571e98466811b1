"""Errors that services raise and every interface renders the same way.

The API turns them into ``{"error": {"code", "message", "field"}}`` with the status below;
web views show the message. Services never return HTTP responses themselves.

Messages are written in English and wrapped in ``gettext`` where they are raised, so they
reach the reader in the language of the request (``LocaleMiddleware``).
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        # A lazy translation (a module-level gettext_lazy constant) is resolved now, in the
        # language active where the error is raised, so every consumer gets a plain str.
        message = str(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


class Invalid(ServiceError):
    status = 400
    code = "invalid"


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class UnsupportedMedia(ServiceError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))
