"""``vermilion seed``: demo content for newcomers, or large data sets for benchmarks.

vermilion seed --demo [--if-empty]            ~30 people and ~300 bilingual notes with real
                                              images, made through the services (< 1 min)
vermilion seed --users N --notes M [--seed S] [--follows-per-user F] [--likes L]
               [--events E] [--features]      bulk synthetic data for benchmarks (with feed
                                              events and synthetic note features)

Both are deterministic for a ``--seed``. Every seeded account signs in with one password,
printed at the end (random unless ``--password`` is given).
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from vermilion.core.errors import ServiceError


class Command(BaseCommand):
    help = "Fill the database with demo content (--demo) or bulk benchmark data (--users/--notes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="a small lively bilingual site with images"
        )
        parser.add_argument("--users", type=int, default=0, help="bulk: how many people")
        parser.add_argument("--notes", type=int, default=0, help="bulk: how many notes")
        parser.add_argument(
            "--follows-per-user", type=int, default=20, help="bulk: follows per person (average)"
        )
        parser.add_argument(
            "--likes", type=int, default=20, help="bulk: likes given per person (average)"
        )
        parser.add_argument(
            "--events", type=int, default=0, help="bulk: feed events (impressions, views ...)"
        )
        parser.add_argument(
            "--features",
            action="store_true",
            help="bulk: store feed features (synthetic embeddings, topics) for every note",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if any note exists already"
        )
        parser.add_argument(
            "--password", default="", help="password of every seeded account (default: random)"
        )
        # Internal: a smaller demo for tests, and how many threads draw and process images.
        parser.add_argument("--demo-scale", type=float, default=1.0, help=argparse.SUPPRESS)
        parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        from vermilion.notes.models import Note

        demo, users, notes = options["demo"], options["users"], options["notes"]
        if not demo and not (users or notes):
            raise CommandError("Say what to seed: --demo, or --users N --notes M.")
        if (users or notes) and (users < 2 or notes < 1):
            raise CommandError("A bulk seed needs --users 2 or more and --notes 1 or more.")
        if options["events"] < 0:
            raise CommandError("--events cannot be negative.")
        if options["if_empty"] and Note.objects.exists():
            self.stdout.write("The database has notes already: nothing seeded (--if-empty).")
            return
        password = options["password"]
        if password:
            self._check_password(password)
        else:
            from vermilion.demo.showcase import new_password

            password = new_password()

        accounts = []
        if demo:
            accounts.append(self._demo(options, password))
        if users or notes:
            accounts.append(self._bulk(options, password))
        if demo:
            # The discover feed's precomputed structures, so the first page is already
            # personal (the workers rebuild them every half hour from then on).
            from vermilion.feed.artifacts import rebuild

            report = rebuild()
            self.stdout.write(
                f"feed structures built: {report.notes} notes, {report.signals} signals"
            )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Sign in as {' or '.join(accounts)} with the password: {password}")
        )
        self.stdout.write("(every seeded account uses this password; keep it if you need it)")

    def _check_password(self, password: str) -> None:
        from django.contrib.auth import password_validation
        from django.core.exceptions import ValidationError

        try:
            password_validation.validate_password(password)
        except ValidationError as exc:
            raise CommandError("--password: " + " ".join(exc.messages))

    def _demo(self, options, password: str) -> str:
        from vermilion.accounts.models import User
        from vermilion.demo import showcase

        plan = showcase.build_plan(seed=options["seed"], scale=options["demo_scale"])
        names = [u.person.username for u in plan.users]
        clash = User.objects.filter(username__in=names).values_list("username", flat=True)
        if clash:
            raise CommandError(
                f"The demo accounts exist already ({', '.join(sorted(clash)[:3])}): "
                "use --if-empty, or seed a fresh database."
            )
        self.stdout.write(
            f"Seeding the demo (seed {plan.seed}): {len(plan.users)} people, "
            f"{len(plan.notes)} notes with {sum(len(n.image_seeds) for n in plan.notes)} images, "
            f"{len(plan.events)} events ..."
        )
        try:
            result = showcase.apply_plan(
                plan, password=password, log=self.stdout.write, workers=options["workers"]
            )
        except ServiceError as exc:
            raise CommandError(f"Seeding stopped: {exc.message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {result.seconds:.1f}s: {result.users} people, {result.notes} "
                f"notes, {result.images} images, {result.events} events."
            )
        )
        return showcase.content.DEMO_USERNAME

    def _bulk(self, options, password: str) -> str:
        from vermilion.demo.bulk import seed_bulk

        self.stdout.write(
            f"Bulk seeding (seed {options['seed']}): {options['users']} people, "
            f"{options['notes']} notes ..."
        )
        try:
            result = seed_bulk(
                users=options["users"],
                notes=options["notes"],
                seed=options["seed"],
                follows_per_user=options["follows_per_user"],
                likes_per_user=options["likes"],
                events=options["events"],
                features=options["features"],
                password=password,
                log=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"Bulk data ready in {result.seconds:.1f}s: {result.users} people, "
                f"{result.notes} notes, {result.follows} follows, {result.likes} likes, "
                f"{result.hashtags} hashtags, {result.events} feed events, "
                f"{result.features} notes with features."
            )
        )
        return f"{result.first_username} (or any bulk account)"
