from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from vermilion.api.main import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    from vermilion.media.views import serve_media

    urlpatterns.append(re_path(r"^media/(?P<path>.+)$", serve_media, name="media"))

urlpatterns.append(path("", include("vermilion.web.urls")))
