from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "state", "attempts", "run_after", "finished_at"]
    list_filter = ["state", "name"]
    readonly_fields = ["created_at", "finished_at", "last_error", "locked_by", "locked_until"]
    search_fields = ["name"]
