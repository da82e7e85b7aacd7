"""The printed journals and the archive (issue 13; seed 002 §4.1–4.2, §5.5–5.9): the class
journal, the summary sheet and the report cards read back from their PDFs, the closing page's
count of leaves, the term copies of the daily job, the archive package and its verification,
and who may print, build and download."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from zhurnal.accounts.models import Role
from zhurnal.archive import storage
from zhurnal.archive.models import (
    ArchivePackage,
    DocumentKind,
    JournalPrint,
    PrintStatus,
    TermCopy,
)
from zhurnal.archive.package import verify
from zhurnal.archive.printing import journal_pdf, report_cards_pdf, summary_pdf
from zhurnal.archive.queries import CLASS_RELATED, archive_index, class_journal
from zhurnal.archive.services import build_package, make_journal_print, term_copies_job
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import Attendance, Homework, PeriodKind, PeriodMark
from zhurnal.school.models import SchoolClass
from zhurnal.timetable.models import Lesson

from .factories import StaffFactory, UserFactory, grant
from .reports_world import ENTERED, MSK, build_reports_world


@pytest.fixture(autouse=True)
def archive_dir(tmp_path, settings):
    settings.ZHURNAL_ARCHIVE_DIR = tmp_path / "archive"
    yield settings.ZHURNAL_ARCHIVE_DIR
    # The archive is read-only: let the test's folder be removed.
    for path in sorted(Path(tmp_path).rglob("*"), reverse=True):
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 12, 20, 10, 0, tzinfo=MSK)):
        world = build_reports_world()
        maths_lesson = Lesson.objects.filter(course=world.maths).order_by("date").first()
        maths_lesson.topic = "Сложение дробей с разными знаменателями"
        maths_lesson.save()
        Homework.objects.create(
            school=world.school,
            lesson=maths_lesson,
            text="№ 245, 247",
            entered_at=ENTERED,
            changed_at=ENTERED,
        )
        Attendance.objects.create(
            school=world.school,
            lesson=maths_lesson,
            student=world.students["Аксенов"],
            code="Н",
            entered_at=ENTERED,
            changed_at=ENTERED,
        )
        PeriodMark.objects.create(
            school=world.school,
            course=world.maths,
            student=world.students["Аксенов"],
            kind=PeriodKind.YEAR,
            value="5",
            number=Decimal(5),
            entered_at=ENTERED,
            changed_at=ENTERED,
        )
        yield world


def _class(world) -> SchoolClass:
    return SchoolClass.objects.select_related(*CLASS_RELATED).get(pk=world.class_5a.pk)


def _text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_class_journal_is_read_in_nine_queries_whatever_its_size(world):
    school_class = _class(world)
    with CaptureQueriesContext(connection) as queries:
        journal = class_journal(school_class)
    assert len(queries.captured_queries) == 9
    assert [c.subject for c in journal.courses] == [
        "Английский язык",
        "Английский язык",
        "Математика",
        "Русский язык",
        "Физическая культура",
        "Шахматы",
    ]


def test_the_printed_journal_holds_the_names_marks_topics_and_its_count_of_leaves(world):
    with translation.override("en"):
        printed = journal_pdf(class_journal(_class(world)), printed=date(2027, 6, 1))
    pages = _text(printed.content)
    assert len(pages) == printed.pages
    text = "\n".join(pages)
    # The title page; the students, the topics and the homework; marks, «Н» and the term and
    # year marks in their columns.
    assert "CLASS JOURNAL" in pages[0] and "5А" in pages[0]
    for name in ("Аксенов", "Борисова", "Воронин", "Дмитриева", "Григорьева"):
        assert name in text
    assert "Сложение дробей с разными знаменателями" in text
    assert "№ 245, 247" in text
    maths_marks = next(p for p in pages if "Математика" in p and "November 2026" in p)
    assert re.search(r"Аксенов \S+ Н", maths_marks)
    assert re.search(r"Воронин \S+ 4", maths_marks)
    # The closing page: every page counted, two pages a leaf.
    assert f"Numbered and laced: {(printed.pages + 1) // 2} sheets" in pages[-1]
    assert f"Pages: {printed.pages}" in pages[-1]
    assert pages[-1].strip().endswith(str(printed.pages))
    # A month's marks face its topics: marks on even (left) pages, topics on the odd after.
    marks_page = pages.index(maths_marks)
    assert marks_page % 2 == 1  # index 1 is page 2
    assert "Сложение дробей" in pages[marks_page + 1]
    # PDF/A: the archival variant's metadata is there.
    reader = PdfReader(io.BytesIO(printed.content))
    assert "pdfaid" in reader.xmp_metadata.rdf_root.toxml()


def test_the_summary_sheet_and_the_report_cards_hold_the_period_marks(world):
    journal = class_journal(_class(world))
    with translation.override("en"):
        sheet = "\n".join(_text(summary_pdf(journal, printed=date(2027, 6, 1)).content))
        cards = _text(report_cards_pdf(journal, printed=date(2027, 6, 1)).content)
    assert "Физическая культура" in sheet and "зач" in sheet and "незач" in sheet
    assert re.search(r"Дмитриева.*н/а", sheet)
    # One report card per student of the year's list, the leavers too.
    assert len(cards) == 5
    akseonov = next(c for c in cards if "Аксенов" in c)
    assert "Математика" in akseonov and "Lessons missed: 1" in akseonov


def test_the_journal_is_printed_by_the_worker_for_the_deputies_and_the_director(client, world):
    users = {}
    for role in (Role.DEPUTY, Role.DIRECTOR, Role.ADMIN, Role.TEACHER, Role.SECRETARY):
        user = UserFactory(username=f"u-{role}")
        StaffFactory(school=world.school, user=user)
        grant(user, world.school, role)
        users[role] = user
    url = reverse("archive:journal", kwargs={"class_id": world.class_5a.pk})
    for role, user in users.items():
        client.force_login(user)
        assert client.get(url).status_code in (403, 405), role
        response = client.post(url)
        expected = 302 if role in (Role.DEPUTY, Role.DIRECTOR) else 403
        assert response.status_code == expected, role
    jobs = JournalPrint.objects.order_by("pk")
    assert [j.requested_by for j in jobs] == [users[Role.DEPUTY], users[Role.DIRECTOR]]
    assert not AuditEvent.objects.filter(action=AuditAction.JOURNAL_PRINTED).exists()
    # The worker prints it: the file in the archive storage, the audit as the deputy's.
    job = make_journal_print(jobs[0])
    assert job.status == PrintStatus.DONE and job.pages > 4
    event = AuditEvent.objects.get(action=AuditAction.JOURNAL_PRINTED)
    assert event.actor == users[Role.DEPUTY]
    assert event.after == {"document": DocumentKind.JOURNAL, "pages": job.pages}
    download = reverse("archive:printed", kwargs={"print_id": job.pk})
    for role, expected in ((Role.DEPUTY, 200), (Role.DIRECTOR, 200), (Role.TEACHER, 403)):
        client.force_login(users[role])
        response = client.get(download)
        assert response.status_code == expected, role
        if expected == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The summary sheet is made in the request, and logged.
    client.force_login(users[Role.DIRECTOR])
    sheet = client.get(reverse("archive:summary", kwargs={"class_id": world.class_5a.pk}))
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.JOURNAL_PRINTED).count() == 2


def test_the_term_copies_are_made_once_after_the_term_ends(world, archive_dir):
    with time_machine.travel(datetime(2026, 12, 29, 9, 0, tzinfo=MSK)):
        summary = term_copies_job(world.school, date(2026, 12, 29))
    # The 2nd quarter of 5А (journal and summary sheet), the 1st half-year of 10А; the 1st
    # quarter too (over within the last four months).
    copies = TermCopy.objects.all()
    kinds = {(c.school_class_id, c.term_id, c.kind) for c in copies}
    assert (world.class_5a.pk, world.q2.pk, DocumentKind.JOURNAL) in kinds
    assert (world.class_5a.pk, world.q1.pk, DocumentKind.SUMMARY) in kinds
    assert (world.class_10a.pk, world.h1.pk, DocumentKind.JOURNAL) in kinds
    assert summary == f"{copies.count()} term copies made"
    for copy in copies:
        path = archive_dir / copy.path
        assert storage.sha256_of(path) == copy.sha256
        assert not path.stat().st_mode & 0o222  # read-only
    q2_journal = copies.get(school_class=world.class_5a, term=world.q2, kind="journal")
    text = "\n".join(_text((archive_dir / q2_journal.path).read_bytes()))
    assert "Сложение дробей" in text
    # The next day (or a second run the same day) makes nothing again.
    assert term_copies_job(world.school, date(2026, 12, 30)) is None
    assert TermCopy.objects.count() == copies.count()


def test_an_archive_package_is_built_verified_and_never_rebuilt_in_place(world, archive_dir):
    term_copies_job(world.school, date(2026, 12, 29))
    first = build_package(school=world.school, year=world.year, actor=Actor.system())
    folder = archive_dir / first.path
    assert verify(folder) == []
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "journals/5А-journal.pdf",
        "summary/10А-summary.pdf",
        "report-cards/5А-cards.pdf",
        "terms/quarter-2/5А-journal.pdf",
        "terms/half-1/10А-summary.pdf",
    } <= names
    for table in ("students", "courses", "lessons", "marks", "attendance", "period_marks", "audit"):
        assert f"data/{table}.csv" in names
    marks = (folder / "data/marks.csv").read_text(encoding="utf-8")
    assert marks.startswith("id,lesson_id,work_type,weight,student_id,value")
    students = (folder / "data/students.csv").read_text(encoding="utf-8")
    assert "Аксенов" in students and "address" not in students
    # Building again makes the next version beside it.
    second = build_package(school=world.school, year=world.year, actor=Actor.system())
    assert (first.version, second.version) == (1, 2)
    assert (archive_dir / first.path).is_dir() and (archive_dir / second.path).is_dir()
    assert AuditEvent.objects.filter(action=AuditAction.ARCHIVE_BUILT).count() == 2


def test_a_package_folder_without_a_record_is_skipped_not_overwritten(world, archive_dir):
    """After a restore of an older database (or a build stopped between its folder and its
    record) a ``package-v<N>`` folder has no record: the next build takes the version after
    it and leaves it as it is."""
    first = build_package(school=world.school, year=world.year, actor=Actor.system())
    orphan = (archive_dir / first.path).parent / "package-v2"
    orphan.mkdir()
    (orphan / "SHA256SUMS").write_text("kept\n", encoding="utf-8")
    second = build_package(school=world.school, year=world.year, actor=Actor.system())
    assert second.version == 3
    assert (orphan / "SHA256SUMS").read_text(encoding="utf-8") == "kept\n"
    assert verify(archive_dir / second.path) == []


def test_archive_verify_names_the_file_with_a_flipped_byte(world, archive_dir):
    package = build_package(school=world.school, year=world.year, actor=Actor.system())
    folder = archive_dir / package.path
    out = io.StringIO()
    call_command("archive", "verify", str(folder), stdout=out)
    assert "every file matches" in out.getvalue()
    target = folder / "journals/5А-journal.pdf"
    target.chmod(0o644)
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0x01
    target.write_bytes(bytes(content))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("archive", "verify", str(folder), stderr=err)
    assert "journals/5А-journal.pdf: changed" in err.getvalue()
    # A byte changed in the manifest itself is found too.
    content[len(content) // 2] ^= 0x01
    target.write_bytes(bytes(content))
    manifest = folder / "SHA256SUMS"
    manifest.chmod(0o644)
    data = bytearray(manifest.read_bytes())
    data[3] = ord("0") if data[3] != ord("0") else ord("1")
    manifest.write_bytes(bytes(data))
    problems = {p.path for p in verify(folder)}
    assert "SHA256SUMS" in problems


def test_archive_build_command_refuses_an_unknown_year(world):
    with pytest.raises(CommandError, match="No year"):
        call_command("archive", "build", "--school", str(world.school.pk), "--year", "1999/2000")


def test_only_the_director_builds_and_downloads_a_package(client, world):
    users = {}
    for role in (Role.DEPUTY, Role.DIRECTOR, Role.ADMIN):
        user = UserFactory(username=f"p-{role}")
        StaffFactory(school=world.school, user=user)
        grant(user, world.school, role)
        users[role] = user
    package = build_package(school=world.school, year=world.year, actor=Actor.system())
    url = reverse("archive:package", kwargs={"package_id": package.pk})
    build = reverse("archive:build")
    for role, user in users.items():
        client.force_login(user)
        response = client.get(url)
        allowed = role == Role.DIRECTOR
        assert response.status_code == (200 if allowed else 403), role
        if allowed:
            assert response["Content-Type"] == "application/zip"
            data = b"".join(response.streaming_content)
            assert data.startswith(b"PK")
        page = client.get(reverse("archive:index"))
        assert page.status_code == (403 if role == Role.ADMIN else 200), role
        assert (url in page.content.decode()) == allowed
        posted = client.post(build, {"year": world.year.pk})
        assert posted.status_code == (302 if allowed else 403), role
    assert AuditEvent.objects.filter(action=AuditAction.ARCHIVE_DOWNLOADED).count() == 1
    assert ArchivePackage.objects.count() == 1  # the build was queued, not run in the request


def test_a_term_copy_is_served_to_the_deputy_not_to_a_teacher(client, world):
    term_copies_job(world.school, date(2026, 12, 29))
    copy = TermCopy.objects.filter(school_class=world.class_5a).first()
    url = reverse("archive:term_copy", kwargs={"copy_id": copy.pk})
    for role, expected in ((Role.DEPUTY, 200), (Role.TEACHER, 403)):
        user = UserFactory(username=f"t-{role}")
        StaffFactory(school=world.school, user=user)
        grant(user, world.school, role)
        client.force_login(user)
        assert client.get(url).status_code == expected, role


def test_the_archives_page_is_read_in_five_queries(world):
    term_copies_job(world.school, date(2026, 12, 29))
    with CaptureQueriesContext(connection) as queries:
        page = archive_index(world.school, world.year, with_packages=True)
    assert len(queries.captured_queries) == 5
    copies = dict((c.name, len(own)) for c, own, _printed in page.classes)
    assert copies == {"5А": 4, "10А": 2}


def test_a_term_copy_left_by_a_killed_run_is_recorded_not_made_again(world, archive_dir):
    term_copies_job(world.school, date(2026, 12, 29))
    copy = TermCopy.objects.get(school_class=world.class_5a, term=world.q2, kind="journal")
    sha256 = copy.sha256
    copy.delete()  # the run was killed after writing the file, before saving its row
    assert term_copies_job(world.school, date(2026, 12, 30)) == "1 term copies made"
    again = TermCopy.objects.get(school_class=world.class_5a, term=world.q2, kind="journal")
    assert (again.path, again.sha256) == (copy.path, sha256)


def test_the_packages_csv_tables_write_text_that_starts_a_formula_as_text(world, archive_dir):
    """Issue 16, finding 1 (OWASP CSV injection): a topic «=HYPERLINK(…)» opened in Excel from
    the package is text, not a live formula."""
    lesson = Lesson.objects.filter(school=world.school, course__year=world.year).first()
    lesson.topic = '=HYPERLINK("http://evil.example/","Итоги")'
    lesson.save()
    package = build_package(school=world.school, year=world.year, actor=Actor.system())
    text = (archive_dir / package.path / "data/lessons.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://evil.example/"",""Итоги"")"' in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
