from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Block, Follow, Interest, User


@admin.register(User)
class VermilionUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "email", "date_joined", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email"]
    raw_id_fields = ["avatar"]
    fieldsets = UserAdmin.fieldsets + (
        (
            "Profile",
            {
                "fields": (
                    "display_name",
                    "bio",
                    "avatar",
                    "region",
                    "languages",
                    "language",
                    "interests",
                )
            },
        ),
        (
            "Counters",
            {
                "fields": (
                    "followers_count",
                    "following_count",
                    "notes_count",
                    "likes_received_count",
                )
            },
        ),
    )


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh", "position"]


@admin.register(Follow, Block)
class RelationAdmin(admin.ModelAdmin):
    def get_raw_id_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.is_relation]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["key_hash"]
