"""Likes, collects and boards, comments: every write goes through here."""

from __future__ import annotations

from .models import Board

DEFAULT_BOARD_NAME = "Collected"


def ensure_default_board(user) -> Board:
    board, _ = Board.objects.get_or_create(
        owner=user, is_default=True, defaults={"name": DEFAULT_BOARD_NAME}
    )
    return board
