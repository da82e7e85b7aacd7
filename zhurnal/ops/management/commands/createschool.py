"""``zhurnal createschool``: start a real school (instead of the demo) with its first administrator.

The administrator then sets up everything else from the pages (structure, staff, imports).
"""

from __future__ import annotations

import secrets
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zhurnal.accounts.models import Membership, Role, User
from zhurnal.journal.models import ScaleRule
from zhurnal.journal.scales import ScaleKind
from zhurnal.school.models import GradeLevel, School, Staff, TermKind

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class Command(BaseCommand):
    help = (
        "Create a school with grade levels 1–11 (grade 1 without marks) and its first "
        "administrator, who gets a one-time password to change at first login."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="full name of the school")
        parser.add_argument("--short-name", required=True, help="short name, e.g. «СОШ № 4»")
        parser.add_argument("--timezone", default="Europe/Moscow")
        parser.add_argument("--week-days", type=int, choices=(5, 6), default=5)
        parser.add_argument("--admin", required=True, help="login of the administrator")
        parser.add_argument("--admin-last-name", default="Администратор")
        parser.add_argument("--admin-first-name", default="")

    @transaction.atomic
    def handle(self, *args, **options):
        if options["timezone"] not in zoneinfo.available_timezones():
            raise CommandError(f"Unknown time zone: {options['timezone']}")
        if User.objects.filter(username=options["admin"]).exists():
            raise CommandError(f"The login {options['admin']} is taken.")
        school = School.objects.create(
            name=options["name"],
            short_name=options["short_name"],
            timezone=options["timezone"],
            week_days=options["week_days"],
        )
        # Quarters for grades 1–9 and halves for 10–11 are the common choice (DESIGN §2).
        levels = GradeLevel.objects.bulk_create(
            GradeLevel(
                school=school,
                number=n,
                term_kind=TermKind.QUARTER if n <= 9 else TermKind.HALF,
            )
            for n in range(1, 12)
        )
        # Grade 1 learns without marks (безотметочное обучение: letter of the Ministry of
        # Education No. 13-51-120/13 of 03.06.2003; issue 4, "grade 1"): a scale rule the
        # school sees and may change on the journal settings page.
        ScaleRule.objects.create(school=school, grade_level=levels[0], scale=ScaleKind.NONE)
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
        user = User.objects.create_user(
            username=options["admin"],
            password=password,
            last_name=options["admin_last_name"],
            first_name=options["admin_first_name"],
            must_change_password=True,
        )
        Staff.objects.create(
            school=school,
            user=user,
            staff_number=f"ADM-{user.pk}",
            last_name=options["admin_last_name"],
            first_name=options["admin_first_name"] or "—",
        )
        Membership.objects.create(user=user, school=school, role=Role.ADMIN)
        self.stdout.write(
            f"School «{school.short_name}» created (id {school.pk}).\n"
            f"Administrator login: {user.username}\n"
            f"One-time password:   {password}   (to be changed at first login)"
        )
