from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "vermilion.search"
    label = "search"

    def ready(self) -> None:
        from vermilion.accounts.signals import profile_saved
        from vermilion.notes.signals import note_deleting, note_saved

        note_saved.connect(_note_saved, dispatch_uid="search.note_saved")
        note_deleting.connect(_note_deleting, dispatch_uid="search.note_deleting")
        profile_saved.connect(_profile_saved, dispatch_uid="search.profile_saved")


def _note_saved(sender, note_id: int, **kwargs) -> None:
    from .indexing import index_notes

    index_notes([note_id])


def _note_deleting(sender, note_id: int, **kwargs) -> None:
    from .indexing import remove_notes

    remove_notes([note_id])


def _profile_saved(sender, user_id: int, **kwargs) -> None:
    from .indexing import profile_saved

    profile_saved(user_id)
