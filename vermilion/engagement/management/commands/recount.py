"""``vermilion recount``: rebuild every denormalised counter from the rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from vermilion.engagement.services import recount_counters


class Command(BaseCommand):
    help = (
        "Recompute likes/collects/comments counts of notes, likes/replies of comments, notes "
        "of boards and hashtags, and every user's counters, from the rows themselves."
    )

    def handle(self, *args, **options):
        fixed = recount_counters()
        for label, rows in fixed.items():
            if label == "users":
                self.stdout.write(f"users: {rows} recounted")
            else:
                self.stdout.write(f"{label}: {rows} fixed")
        self.stdout.write(self.style.SUCCESS("Counters are consistent with the data."))
