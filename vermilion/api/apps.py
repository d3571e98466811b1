from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vermilion.api"
    label = "api"
