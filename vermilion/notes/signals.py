"""What the notes app tells the apps above it (search indexes notes on these).

Sent by ``notes.services`` inside the write's transaction, after every row of the change
is in place (text, hashtags, mentions), so a receiver that reads the note sees it whole
and its own writes commit or roll back with the note's.
"""

from django.dispatch import Signal

#: A note was published or edited: ``note_id``.
note_saved = Signal()
#: A note is about to be deleted (its rows are still there): ``note_id``.
note_deleting = Signal()
