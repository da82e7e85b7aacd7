"""``zhurnal distribute``: a migrated PostgreSQL database on a Citus coordinator → distributed.

Run after every ``migrate`` (docs/scaling.md, "What `zhurnal distribute` changes" and
"Migrations on a live cluster"): the first time it distributes every table, moving the rows
already there into the shards; later only what the migrations since added (new tables, their
keys and foreign keys), and nothing, saying so, when everything is in place. Only for Citus:
SQLite and plain PostgreSQL need nothing.
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
        report = citus.distribute(shard_count=options["shard_count"], workers=options["worker"])
        plan = report.layout
        if not report.changed:
            self.stdout.write(
                f"Everything is in place: nothing to do ({len(plan.distributed)} tables "
                f"distributed by school_id, {len(plan.reference)} reference, "
                f"{len(plan.local)} local)."
            )
            return
        self.stdout.write(
            f"Distributed by school_id now: {len(report.distributed)} tables "
            f"(of {len(plan.distributed)}); reference now: {len(report.reference)} "
            f"(of {len(plan.reference)}); local: {len(plan.local)}.\n"
            f"Identity columns turned into sequences: {report.sequences}; keys widened with "
            f"school_id: {len(report.keys_widened)}; foreign keys created composite: "
            f"{report.foreign_keys_composite}, to reference tables: {report.foreign_keys_kept}, "
            f"dropped: {len(report.foreign_keys_dropped)}."
        )
        # a later run (a migration's new tables) is short: name what it did
        if options["verbosity"] > 1 or len(report.distributed) < len(plan.distributed):
            for title, items in (
                ("distributed", report.distributed),
                ("reference", report.reference),
                ("keys widened", report.keys_widened),
                ("foreign keys dropped", report.foreign_keys_dropped),
            ):
                if items:
                    self.stdout.write(f"{title}: {', '.join(items)}")
        if options["verbosity"] > 1:
            self.stdout.write(f"local: {', '.join(plan.local)}")
