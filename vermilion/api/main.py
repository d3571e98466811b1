"""The JSON API: one NinjaAPI assembled from each app's ``api.py`` router.

All errors leave here in one shape, ``{"error": {"code", "message", "field"?}}``. Messages
are in the request's language (``Accept-Language``, or a signed-in session's saved choice);
codes never change with it.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from vermilion.core.errors import RateLimited, ServiceError

from .auth import AUTH

log = logging.getLogger("vermilion.api")

api = NinjaAPI(
    title="Vermilion API",
    version="1.0.0",
    description="Notes, people, engagement and feeds. Authenticate with "
    "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

_STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def error_body(status: int, message: str, code: str | None = None, field: str | None = None):
    error = {"code": code or _STATUS_CODES.get(status, "error"), "message": message}
    if field:
        error["field"] = field
    return {"error": error}


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class Error(Schema):
    """Every error response has this shape."""

    error: ErrorDetail


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "form")]
    # Drop the ninja payload-parameter name (e.g. "payload") that leads body locations.
    if len(loc) > 1 and loc[0] in ("payload", "data"):
        loc = loc[1:]
    field = ".".join(loc) or None
    # Pydantic's own wording stays English; the framing around it is translated.
    message = first.get("msg") or _("Invalid input.")
    if field:
        message = _("%(field)s: %(message)s") % {"field": field, "message": message}
    return api.create_response(request, error_body(422, message, "invalid", field), status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request,
        error_body(401, _("Sign in first: send a valid bearer token or session cookie.")),
        status=401,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(
        request, error_body(exc.status_code, str(exc.message)), status=exc.status_code
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body(404, _("Not found.")), status=404)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    log.exception("unhandled API error")
    return api.create_response(
        request,
        error_body(500, _("Something went wrong on our side."), "internal_error"),
        status=500,
    )


class Health(Schema):
    status: str


@api.get("/health", auth=None, response={200: Health, 503: Error}, tags=["meta"])
def health(request):
    """200 once the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001
        return Status(503, error_body(503, _("The database does not answer."), "unavailable"))
    return {"status": "ok"}


def _mount() -> None:
    from vermilion.accounts.api import router as accounts_router
    from vermilion.engagement.api import router as engagement_router
    from vermilion.feed.api import router as feed_router
    from vermilion.feed.events_api import router as events_router
    from vermilion.media.api import router as media_router
    from vermilion.notes.api import router as notes_router
    from vermilion.notifications.api import router as notifications_router
    from vermilion.search.api import router as search_router

    api.add_router("/v1", accounts_router)
    api.add_router("/v1", media_router)
    api.add_router("/v1", notes_router)
    api.add_router("/v1", engagement_router)
    api.add_router("/v1", feed_router)
    api.add_router("/v1", events_router)
    api.add_router("/v1", notifications_router)
    api.add_router("/v1", search_router)


_mount()
