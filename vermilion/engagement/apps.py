from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "vermilion.engagement"
    label = "engagement"
