import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from vermilion.core.asgi import ReusedThreadsASGIHandler  # noqa: E402

application = ReusedThreadsASGIHandler(threads=settings.WEB_THREADS)

# Search analyses every query with jieba: load its dictionary at start-up, not on the
# first search (about a second).
from vermilion.search.analysis import warm_up  # noqa: E402

warm_up()
