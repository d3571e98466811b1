from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "vermilion.search"
    label = "search"
