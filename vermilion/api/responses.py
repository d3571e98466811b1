"""Hot list responses encoded straight from the presenters' dicts.

django-ninja validates every response against its schema before encoding it: for a page of
twenty notes that is about two hundred nested schema objects, each read through ninja's
attribute getter, ~8 ms a page on this machine's cores (measured with cProfile on the
discover feed: more than the prepared page itself costs). The presenters (``note_dicts``)
already build exactly the shape the schema describes, so on the hottest endpoints the
handler returns ``presented(data, Schema)`` instead: the dicts encoded with orjson, in the
same JSON as ninja would send (datetimes formatted by the same encoder).

The schema stays the endpoint's declared response (the OpenAPI document is unchanged), and
with ``settings.API_CHECK_PRESENTED`` (on in the test suite) every such response is also
put through ninja's way, validation included, and must decode to the same JSON: a presenter
that drifts from its schema fails the tests that call the endpoint, not a client.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

_encoder = NinjaJSONEncoder()
# orjson writes datetimes itself unless asked to pass them through: ninja's encoder
# (Django's) writes them with milliseconds and "Z", and so must we.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def encode(data: Any) -> bytes:
    return orjson.dumps(data, default=_encoder.default, option=_OPTIONS)


class PresentedMismatch(AssertionError):
    """A presenter's dict is not what its schema makes of it (checked in tests)."""


def check(data: Any, schema: type[BaseModel]) -> None:
    """Raise unless ``data`` encodes to the JSON ninja would send for it under ``schema``
    (validated, dumped, encoded): missing or extra fields, wrong types, other values."""
    expected = schema.model_validate(data).model_dump()
    want = json.loads(json.dumps(expected, cls=NinjaJSONEncoder))
    got = orjson.loads(encode(data))
    if got != want:
        where, ours, theirs = _first_difference(got, want)
        raise PresentedMismatch(
            f"{schema.__name__}{where}: presented {ours!r}, the schema makes it {theirs!r}"
        )


def _first_difference(got: Any, want: Any, path: str = "") -> tuple[str, Any, Any]:
    if isinstance(got, dict) and isinstance(want, dict):
        for key in [*want, *(k for k in got if k not in want)]:
            if got.get(key, ...) != want.get(key, ...):
                return _first_difference(got.get(key, ...), want.get(key, ...), f"{path}.{key}")
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{i}]")
    return path, got, want


def presented(data: Any, schema: type[BaseModel], *, status: int = 200) -> HttpResponse:
    """``data`` (already in ``schema``'s shape) as a JSON response, without validating it
    again (see the module's docstring)."""
    if getattr(settings, "API_CHECK_PRESENTED", False):
        check(data, schema)
    return HttpResponse(encode(data), status=status, content_type="application/json")
