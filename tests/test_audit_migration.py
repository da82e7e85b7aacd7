"""Migration audit 0004 names the audit rows written before the events were named one by one,
from their object and their values (the rows themselves stay; only the name changes)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from zhurnal.audit.models import AuditEvent

from .factories import SchoolFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("zhurnal.audit.migrations.0004_precise_actions")

LESSON = {"date": "2026-11-18", "number": 2, "status": "planned", "topic": "", "plan_item": None}
CANCELLED = {**LESSON, "status": "cancelled"}
CHANGE = "lesson.change"
OLD_ROWS = [
    # (old action, object type, before, after, the precise name it gets)
    ("attendance.set", "journal.attendance", {"code": "Н"}, None, "attendance.delete"),
    ("attendance.set", "journal.attendance", None, {"code": "Н"}, "attendance.set"),
    ("period.set", "journal.periodmark", {"value": "5"}, None, "period.delete"),
    ("lesson.change", "journal.homework", None, {"text": "№ 1"}, "homework.set"),
    ("lesson.change", "journal.homework", {"text": "№ 1"}, None, "homework.delete"),
    ("create", "journal.studentnote", None, {"text": "Молодец"}, "note.add"),
    ("create", "journal.gradecolumn", None, {"work_type": "КР"}, "column.add"),
    ("create", "journal.homeworkattachment", None, {"name": "a.pdf"}, "attachment.add"),
    ("create", "timetable.lesson", None, LESSON, "lesson.add"),
    ("create", "diary.termacknowledgement", None, {"term": 2}, "term.acknowledge"),
    ("create", "accounts.apitoken", None, None, "token.issue"),
    ("update", "accounts.apitoken", None, {"revoked_at": "2026-11-20"}, "token.revoke"),
    ("update", "school.staff", {"roles": []}, {"roles": ["teacher"]}, "roles.set"),
    ("update", "school.staff", None, {"last_name": "Иванова"}, "update"),
    ("update", "school.course", {"plan": None}, {"plan": 3, "title": "КТП"}, "plan.choose"),
    (
        "lesson.change",
        "timetable.lesson",
        LESSON,
        {**LESSON, "status": "cancelled"},
        "lesson.cancel",
    ),
    (
        "lesson.change",
        "timetable.lesson",
        {**LESSON, "status": "cancelled"},
        LESSON,
        "lesson.restore",
    ),
    ("lesson.change", "timetable.lesson", LESSON, {**LESSON, "number": 5}, "lesson.move"),
    ("lesson.change", "timetable.lesson", LESSON, {**LESSON, "topic": "Дроби"}, "lesson.topic"),
]


def test_old_rows_get_the_name_of_what_they_record_and_back():
    school = SchoolFactory()
    rows = [
        AuditEvent.objects.create(
            school=school, action=old, object_type=kind, object_id="1", before=before, after=after
        )
        for old, kind, before, after, _new in OLD_ROWS
    ]
    MIGRATION.name_the_events(apps, None)
    named = [AuditEvent.objects.get(pk=row.pk).action for row in rows]
    assert named == [new for *_rest, new in OLD_ROWS]
    MIGRATION.unname_the_events(apps, None)
    assert [AuditEvent.objects.get(pk=row.pk).action for row in rows] == [
        old for old, *_rest in OLD_ROWS
    ]
