"""The ``vermilion`` command: every ``manage.py`` command, plus ``serve``, ``worker``, ``seed``.

vermilion serve [--host 127.0.0.1] [--port 8000]   web server and a background worker
vermilion worker                                   a worker alone (scaled deployments)
vermilion seed --demo | --users N --notes M --seed S
vermilion migrate, createsuperuser, recount, ...   any Django management command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    from django.core.management import execute_from_command_line

    if not argv:
        argv = ["help"]
    execute_from_command_line(["vermilion", *argv])


if __name__ == "__main__":
    main()
