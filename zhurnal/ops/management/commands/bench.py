"""`zhurnal bench`: server time and SQL queries per page on the current database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhurnal.ops import bench, bench_http
from zhurnal.ops.runtime import freeze_startup_objects

HELP = """Measure the pages of the demo school in the current database (fill it with
`zhurnal demo` first; `make bench` does everything on fresh PostgreSQL databases).

Each scenario (zhurnal.ops.bench.SCENARIOS) is requested in-process through the whole
middleware stack as a demo login: {warmup} warm-up requests, then --runs measured ones. Prints
a Markdown table of p50/p95/max server time in ms and the number of SQL queries per request,
and fails if a page does not answer 200 or its query count varies between runs. With --http,
the scenarios marked for it are then timed over HTTP through the production server (gunicorn,
one worker, started on a free port): p50/p95, the server's CPU per request and the bytes on the
wire.

Note: the personal card writes an audit row per view and the API scenarios issue a token for
the demo admin, so run it on a benchmark database, not on a school's."""


class Command(BaseCommand):
    help = HELP.format(warmup=bench.WARMUP)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--runs",
            type=int,
            default=bench.DEFAULT_RUNS,
            help=f"Measured requests per scenario (default {bench.DEFAULT_RUNS}).",
        )
        parser.add_argument(
            "--school", type=int, help="School id (default: the school of the demo admin)."
        )
        parser.add_argument("--json", metavar="FILE", help="Also write the results as JSON.")
        parser.add_argument(
            "--only", metavar="TEXT", help="Run only the scenarios whose name contains TEXT."
        )
        parser.add_argument(
            "--sql",
            metavar="TEXT",
            help="Print the SQL of one request of each scenario whose name contains TEXT.",
        )
        parser.add_argument(
            "--http",
            action="store_true",
            help="Also time the scenarios marked for it over HTTP through the production server.",
        )
        parser.add_argument(
            "--compare",
            nargs=2,
            metavar=("SMALL_JSON", "LARGE_JSON"),
            help="Print the comparison of two saved runs (no database needed) and exit.",
        )

    def handle(self, *args, **options) -> None:
        if options["compare"]:
            small, large = (bench.load(p) for p in options["compare"])
            self.stdout.write(bench.comparison_table(small, large))
            if changed := bench.grown(small, large):
                raise CommandError(
                    "The query count changes with the data size:\n  " + "\n  ".join(changed)
                )
            return
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        scenarios = bench.SCENARIOS
        if options["only"]:
            scenarios = tuple(s for s in scenarios if options["only"].lower() in s.name.lower())
            if not scenarios:
                raise CommandError(f"No scenario name contains {options['only']!r}.")
        try:
            if options["sql"]:
                self.print_sql(options["sql"], options["school"])
                return
            # As a serving process does after start-up (zhurnal.wsgi): no full collection of
            # Django's own objects in the middle of a measured request.
            freeze_startup_objects()
            report = bench.run(
                scenarios,
                runs=options["runs"],
                school_id=options["school"],
                progress=self.progress if options["verbosity"] > 1 else None,
            )
            if options["http"]:
                report["http"] = bench_http.run(
                    scenarios, bench.find_fixture(options["school"]), runs=options["runs"]
                )
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
        meta = report["meta"]
        self.stdout.write(
            f"{meta['database']} {meta['database_version']}: {meta['schools']} school(s), "
            f"{meta['students']} students in all, {meta['school_students']} in the measured "
            f"school; {meta['runs']} runs per page after {meta['warmup']} warm-up.\n"
        )
        if meta.get("journal"):
            self.stdout.write(f"Journal measured: {meta['journal']}.\n")
        self.stdout.write(
            "Machine speed: the reference workload took {:.1f} ms before and {:.1f} ms after "
            "(zhurnal.ops.bench.reference_ms; lower is faster).\n".format(*meta["reference_ms"])
        )
        self.stdout.write(bench.markdown_table(report))
        if report.get("http"):
            self.stdout.write(
                "\nOver HTTP (gunicorn, one worker; time to the last byte, the worker's CPU per "
                "request, the answer's bytes as sent):\n"
            )
            self.stdout.write(bench_http.markdown_table(report["http"]))
        if options["json"]:
            bench.save(report, options["json"])
        found = bench.problems(report) + bench_http.problems(report.get("http", []))
        if found:
            raise CommandError("Benchmark problems:\n  " + "\n  ".join(found))

    def progress(self, result: bench.Result) -> None:
        row = result.summary()
        self.stderr.write(f"  {row['name']}: p95 {row['p95_ms']:.1f} ms, {row['queries_max']} q")

    def print_sql(self, text: str, school_id: int | None) -> None:
        fixture = bench.find_fixture(school_id)
        for scenario in bench.SCENARIOS:
            if text.lower() not in scenario.name.lower():
                continue
            queries = bench.capture_sql(scenario, fixture)
            self.stdout.write(f"-- {scenario.name}: {len(queries)} queries")
            for sql in queries:
                self.stdout.write(sql + ";")
