"""Small helpers shared by the browser tests and their fixtures."""

from __future__ import annotations

import io


def png(color: tuple[int, int, int] | str, size: tuple[int, int]) -> bytes:
    """A small solid-colour PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()
