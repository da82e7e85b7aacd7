"""`zhurnal demo`: fill the database with a demo school (or many, for benchmarks)."""

from __future__ import annotations

import argparse
import time

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)

from zhurnal.ops.demo import DEFAULT_SEED, DEMO_PASSWORD, SIZES, generate
from zhurnal.school.models import School

HELP = """Fill the database with a demo school: grade levels 1-11 with their classes, students
with guardians, staff, the curriculum, courses, the year's terms and holidays, the bell
schedules and the weekly timetable, the year's lessons, thematic plans of the main subjects,
and the journal of the days before today (topics, marks, attendance, homework, notes, the
1st quarter's marks, a few cancellations and a substitution), and one login per role
(password "{password}"), printed at the end. The demo school also has the deputy's remarks
on its journals (one overdue), a saved справка, and the work with lagging students of 5A.

By default the database must have no school yet. --if-empty does nothing (one line) if a
school exists, as `make run` uses it. --force adds the generated schools next to the existing
ones (numbered after them); a demo login whose username is already taken is not created.

--schools N and --size generate larger data for benchmarks: the first school gets the demo
logins; every school has logins for all its staff (same password, usernames from their
names, e.g. ivanova.ap); parents and students have no logins apart from the demo ones
(class teachers issue them).

Sizes: small = one class per grade level, 10 students each (tests); school = 2-3 classes
per grade level, 25-30 students (the default); large = 4 classes of 30 per grade level.
The same --seed gives the same data (dates follow today's academic year)."""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's order of options, with the paragraphs of the description kept."""


class Command(BaseCommand):
    help = HELP.format(password=DEMO_PASSWORD)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has a school.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the generated schools even if the database already has schools.",
        )
        parser.add_argument(
            "--schools", type=int, default=1, help="How many schools to generate (default 1)."
        )
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="school",
            help="Size of each school (default: school).",
        )
        parser.add_argument(
            "--without-journal",
            action="store_true",
            help="Only the structure, people and weekly timetable: no lessons, thematic plans "
            "or journal (quick; e.g. before importing the school's own timetable).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed (default {DEFAULT_SEED}).",
        )

    def handle(self, *args, **options) -> None:
        if options["schools"] < 1:
            raise CommandError("--schools must be at least 1.")
        existing = School.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(
                f"The database already has {existing} school(s); demo data not loaded."
            )
            return
        if existing and not options["force"]:
            raise CommandError(
                f"The database already has {existing} school(s). Use --if-empty to skip "
                "loading, or --force to add the generated schools next to them."
            )
        started = time.monotonic()
        result = generate(
            schools=options["schools"],
            size=options["size"],
            seed=options["seed"],
            first_number=existing + 1,
            life=not options["without_journal"],
        )
        elapsed = time.monotonic() - started
        self.report(result, elapsed, options["verbosity"])

    def report(self, result, elapsed: float, verbosity: int) -> None:
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                "Generated in {:.1f} s: {schools} school(s), {classes} classes, "
                "{students} students, {staff} staff, {guardians} guardians, {courses} courses, "
                "{users} logins.".format(elapsed, **{k: counts[k] for k in self.COUNTED})
            )
        )
        self.stdout.write(
            "Timetable and journal: {timetable_entries} timetable entries, {lessons} lessons "
            "({past_lessons} before today), {plans} thematic plans ({plan_items} items), "
            "{mark_columns} mark columns, {marks} marks, {attendance} attendance entries, "
            "{absences} absences, {homework} homework, {notes} notes, {period_marks} term "
            "marks.".format(**{k: counts[k] for k in self.JOURNAL})
        )
        if verbosity < 1:
            return
        if result.skipped_logins:
            self.stdout.write(
                "Demo logins not created, the usernames are taken: "
                + ", ".join(result.skipped_logins)
            )
        if not result.logins:
            return
        school = result.schools[0]
        self.stdout.write(f"\nDemo logins for {school.short_name} (password: {DEMO_PASSWORD}):")
        rows = [
            ("role", "login", "password", "who"),
            *[(role, user, DEMO_PASSWORD, who) for user, role, who in result.logins],
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))

    COUNTED = ("schools", "classes", "students", "staff", "guardians", "courses", "users")
    JOURNAL = (
        "timetable_entries", "lessons", "past_lessons", "plans", "plan_items", "mark_columns",
        "marks", "attendance", "absences", "homework", "notes", "period_marks",
    )  # fmt: skip
