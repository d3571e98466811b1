"""Background work for notes."""

from __future__ import annotations

from django.core.files.storage import storages

from vermilion.core.jobs import job


@job("notes.delete_media_files")
def delete_media_files(private: list[str], public: list[str]) -> None:
    """Remove the files of a deleted note's media. Idempotent: a missing file is no error."""
    for storage_name, paths in (("private", private), ("default", public)):
        storage = storages[storage_name]
        for path in paths:
            storage.delete(path)  # storages treat a missing file as already deleted
