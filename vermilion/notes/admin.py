from django.contrib import admin

from .models import Hashtag, Note, NoteMedia


class NoteMediaInline(admin.TabularInline):
    model = NoteMedia
    raw_id_fields = ["media"]
    extra = 0


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "author", "kind", "visibility", "likes_count", "created_at"]
    list_filter = ["kind", "visibility"]
    search_fields = ["title", "author__username"]
    raw_id_fields = ["author", "mentions"]
    inlines = [NoteMediaInline]


@admin.register(Hashtag)
class HashtagAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "notes_count"]
    search_fields = ["key"]
