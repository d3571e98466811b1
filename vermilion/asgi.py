import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
application = get_asgi_application()

# Search analyses every query with jieba: load its dictionary at start-up, not on the
# first search (about a second).
from vermilion.search.analysis import warm_up  # noqa: E402

warm_up()
