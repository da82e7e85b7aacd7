"""``zhurnal createschool``: start a real school (instead of the demo) with its first administrator.

The administrator then sets up everything else from the pages (structure, staff, imports).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhurnal.audit.actor import Actor
from zhurnal.ops.schools import create_school


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

    def handle(self, *args, **options):
        try:
            new = create_school(
                name=options["name"],
                short_name=options["short_name"],
                timezone=options["timezone"],
                week_days=options["week_days"],
                admin_login=options["admin"],
                admin_last_name=options["admin_last_name"],
                admin_first_name=options["admin_first_name"],
                actor=Actor.system(),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"School «{new.school.short_name}» created (id {new.school.pk}).\n"
            f"Administrator login: {new.admin.username}\n"
            f"One-time password:   {new.password}   (to be changed at first login)"
        )
