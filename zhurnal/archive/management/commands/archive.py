"""`zhurnal archive build --school ID --year 2026/2027` and `zhurnal archive verify PATH` (issue
13): build a school year's archive package into the archive storage (a new version each time),
and check a package folder against its SHA-256 manifest — wherever it was copied to."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhurnal.archive import storage
from zhurnal.archive.package import verify
from zhurnal.archive.services import build_package
from zhurnal.audit.actor import Actor
from zhurnal.school.models import AcademicYear, School


class Command(BaseCommand):
    help = (
        "Archive packages of a school year. `build --school ID --year TITLE|ID` writes every "
        "class's journal, summary sheet and report cards (PDF/A), the year's tables (CSV) and "
        "a SHA-256 manifest into ZHURNAL_ARCHIVE_DIR, as the next version (a package is never "
        "rebuilt in place). `verify PATH` checks a package folder: it names every file that "
        "changed, is missing or is not in the manifest, and exits with 1 if any."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="build a new package of a school year")
        build.add_argument("--school", type=int, required=True, help="the school's id")
        build.add_argument("--year", required=True, help="the year's title (2026/2027) or its id")
        check = actions.add_parser("verify", help="check a package folder against its manifest")
        check.add_argument("path", help="the package folder (…/package-v1)")

    def handle(self, *args, **options):
        if options["action"] == "verify":
            return self._verify(Path(options["path"]))
        school = School.objects.filter(pk=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with the id {options['school']}.")
        years = AcademicYear.objects.filter(school=school)
        wanted = options["year"]
        year = (
            years.filter(pk=int(wanted)) if wanted.isdigit() else years.filter(title=wanted)
        ).first()
        if year is None:
            titles = ", ".join(years.order_by("start").values_list("title", flat=True)) or "none"
            raise CommandError(
                f"No year {wanted!r} in the school {school.pk} (its years: {titles})."
            )
        try:
            package = build_package(
                school=school,
                year=year,
                actor=Actor.system(),
                progress=lambda name: self.stdout.write(f"  {name}"),
            )
        except ValueError as damaged:  # a term copy changed since it was made
            raise CommandError(f"Not built: {damaged}") from damaged
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {storage.root() / package.path}: {package.files} files, "
                f"{package.size} bytes, manifest SHA-256 {package.manifest_sha256}"
            )
        )

    def _verify(self, folder: Path) -> None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        problems = verify(folder)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{folder}: {len(problems)} problem(s): the package is damaged.")
        self.stdout.write(self.style.SUCCESS(f"{folder}: every file matches the manifest."))
