from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vermilion.core"
    label = "core"
