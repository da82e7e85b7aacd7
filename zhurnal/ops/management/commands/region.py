"""``zhurnal region``: a region of generated schools, written with PostgreSQL's COPY."""

from __future__ import annotations

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhurnal.ops.demo import DEFAULT_SEED, SIZES
from zhurnal.ops.demo.region import RegionError, generate_region
from zhurnal.school.models import School

# The tables reported at the end (the generator's counts), the biggest last.
REPORTED = (
    "schools", "classes", "students", "staff", "guardians", "courses", "users",
    "timetable_entries", "lessons", "mark_columns", "marks", "attendance", "absences",
    "homework", "notes", "period_marks",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Generate a region: N demo schools (structure, people, timetable, a year of lessons, "
        "the journal up to today) written with PostgreSQL's COPY, one transaction per school; "
        "the first school holds the demo logins (zhurnal bench runs against it). PostgreSQL "
        "or Citus only (docs/scaling.md, 'Region generator')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, required=True, help="How many schools.")
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="school",
            help="Size of each school (default: school, ~670 students).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Random seed ({DEFAULT_SEED})."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes generating the schools in parallel (default 1).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the schools even if the database already has schools.",
        )

    def handle(self, *args, **options) -> None:
        if options["schools"] < 1 or options["jobs"] < 1:
            raise CommandError("--schools and --jobs must be at least 1.")
        existing = School.objects.count()
        if existing and not options["force"]:
            raise CommandError(
                f"The database already has {existing} school(s). Use --force to add the "
                "region's schools next to them."
            )
        started = time.monotonic()
        done = 0
        verbose = options["verbosity"] >= 1

        def progress(name: str, counts: Counter) -> None:
            nonlocal done
            done += 1
            if verbose:
                self.stdout.write(
                    f"{done}/{options['schools']} {name}: {counts['students']} students, "
                    f"{counts['lessons']} lessons, {counts['marks']} marks "
                    f"({time.monotonic() - started:.0f} s)"
                )

        try:
            counts = generate_region(
                schools=options["schools"],
                size=options["size"],
                seed=options["seed"],
                jobs=options["jobs"],
                first_number=existing + 1,
                progress=progress,
            )
        except RegionError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        rows = sum(counts[key] for key in REPORTED)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {elapsed:.0f} s: "
                + ", ".join(f"{counts[key]} {key}" for key in REPORTED)
                + f" ({rows / elapsed:.0f} of these rows a second)."
            )
        )
