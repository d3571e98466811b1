import os

from django.conf import settings
from django.core.management.base import BaseCommand

from vermilion.core import jobs


class Command(BaseCommand):
    help = "Run a background worker (many may run at once, on one machine or several)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run due jobs, then exit.")
        parser.add_argument("--poll", type=float, default=None, help="Idle poll interval (s).")
        parser.add_argument(
            "--no-periodic", action="store_true", help="Don't enqueue periodic jobs."
        )

    def handle(self, *args, burst=False, poll=None, no_periodic=False, **options):
        if burst:
            ran = jobs.run_pending()
            self.stdout.write(f"ran {ran} job(s)")
            return
        from vermilion.core.memory import settle

        if settings.WORKER_NICE:
            os.nice(settings.WORKER_NICE)  # web requests first where they share cores

        jobs.autodiscover()
        settle()  # what every job shares (Django, the job modules): out of the GC's walks
        jobs.work_forever(poll, periodic=not no_periodic)
