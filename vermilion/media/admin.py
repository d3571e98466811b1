from django.contrib import admin

from .models import Media


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "kind", "status", "width", "height", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["owner"]
    readonly_fields = ["original_path", "renditions", "blurhash", "dominant_color", "error"]
