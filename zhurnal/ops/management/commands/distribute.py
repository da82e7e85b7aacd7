"""``zhurnal distribute``: a migrated PostgreSQL database on a Citus coordinator → distributed.

Run once after ``migrate`` (docs/scaling.md, "Moving a region onto Citus"); the rows already
there are moved into the shards. Only for Citus: SQLite and plain PostgreSQL need nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhurnal.ops import citus


def _node(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


class Command(BaseCommand):
    help = (
        "Distribute the school-owned tables of this migrated PostgreSQL database by school on "
        "its Citus cluster (shared tables become reference tables)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--shard-count", type=int, default=32, help="shards per distributed table (32)"
        )
        parser.add_argument(
            "--worker",
            action="append",
            type=_node,
            default=[],
            metavar="HOST:PORT",
            help="a worker to add when this database has no Citus nodes yet (repeatable; "
            "default: the workers of the cluster's `postgres` database)",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("distribute needs PostgreSQL with the Citus extension")
        if citus.is_distributed():
            self.stdout.write("Already distributed: nothing to do.")
            return
        report = citus.distribute(shard_count=options["shard_count"], workers=options["worker"])
        plan = report.layout
        self.stdout.write(
            f"Distributed by school_id: {len(plan.distributed)} tables; "
            f"reference: {len(plan.reference)}; local: {len(plan.local)}.\n"
            f"Identity columns turned into sequences: {report.sequences}; keys widened with "
            f"school_id: {len(report.keys_widened)}; foreign keys composite: "
            f"{report.foreign_keys_composite}, kept: {report.foreign_keys_kept}, dropped: "
            f"{len(report.foreign_keys_dropped)}."
        )
        if options["verbosity"] > 1:
            for title, tables in (
                ("distributed", plan.distributed),
                ("reference", plan.reference),
                ("local", plan.local),
                ("keys widened", report.keys_widened),
                ("foreign keys dropped", report.foreign_keys_dropped),
            ):
                self.stdout.write(f"{title}: {', '.join(tables)}")
