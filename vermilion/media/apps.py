from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "vermilion.media"
    label = "media"
