"""What the accounts app tells the apps above it (search indexes people on these).

Sent by ``accounts.services`` inside the write's transaction.
"""

from django.dispatch import Signal

#: Someone signed up or changed their name: ``user_id``.
profile_saved = Signal()
