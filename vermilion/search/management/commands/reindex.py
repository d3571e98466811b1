"""``vermilion reindex``: rebuild the search index from the rows (notes, people, hashtags).

Needed after a bulk import that bypassed the services (``vermilion seed --users/--notes``),
after restoring a backup, or after a change to text analysis. Searches keep working while
it runs, against the part already rebuilt.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuild the search index of every note, person and hashtag."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        from vermilion.search.indexing import reindex

        report = reindex(log=lambda message: self.stderr.write(message))
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Indexed {report['notes']} notes ({report['notes_per_second']} a second), "
                    f"{report['terms']} words, {report['users']} people in {report['seconds']} s."
                )
            )
