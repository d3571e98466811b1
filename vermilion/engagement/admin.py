from django.contrib import admin

from .models import Board, Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "note", "parent", "likes_count", "created_at"]
    raw_id_fields = ["author", "note", "parent", "reply_to"]
    search_fields = ["body", "author__username"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "name", "is_private", "is_default", "notes_count"]
    raw_id_fields = ["owner"]
