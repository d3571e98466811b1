from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vermilion.core"
    label = "core"

    def ready(self) -> None:
        from . import deferred  # noqa: F401  (connects its request signals)
