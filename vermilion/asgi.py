import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from vermilion.core.asgi import ReusedThreadsASGIHandler  # noqa: E402

if settings.WEB_THREADS:
    application = ReusedThreadsASGIHandler(threads=settings.WEB_THREADS)
else:  # Django's own: a thread (and a database connection) per request
    from django.core.handlers.asgi import ASGIHandler

    application = ASGIHandler()

# Search analyses every query with jieba: load its dictionary at start-up, not on the
# first search (about a second).
from vermilion.search.analysis import warm_up  # noqa: E402

warm_up()

# What was loaded so far lives as long as the process: out of the cycle collector's walks.
from vermilion.core.memory import settle  # noqa: E402

settle()
