"""iCalendar (.ics) feeds of a teacher's and of a class's timetable (issue 3), and of a
student's lessons with the homework set at them (issue 5).

A feed is a secret address (``CalendarFeed.token``) that a calendar app polls without logging
in. What it shows, and why:

- **Window**: lessons from ``WINDOW_BEFORE`` (2 weeks) before today to ``WINDOW_AFTER`` (8
  weeks) after today, in the school's time zone. Calendar apps re-read the whole feed on every
  poll, so a bounded window keeps the answer small and fast whatever the school's size; two weeks
  back keep recent lessons visible, eight weeks ahead cover more than any single term's
  remainder that a teacher plans for.
- **Lessons**: the ``Lesson`` rows (not the weekly timetable), so moves, extra lessons and
  substitutions show as they are. A teacher's feed has the lessons they teach (their own and
  those they substitute); a class's feed has the lessons of its courses and of its subgroups'
  courses; a student's feed has the lessons of the courses of their class and of their groups
  on the dates they belonged to them (dated ``Enrollment`` and ``GroupMembership``), each with
  its teacher, topic and the homework set at it (text, links, estimated minutes). Cancelled
  lessons are left out.
- **Times** are the lesson's ``starts_at``/``ends_at`` in the school's time zone (``TZID`` with
  a ``VTIMEZONE``); a lesson without bell times is an all-day event.
- **UID** is stable per lesson (``lesson-<id>@zhurnal``), so an app updates a moved lesson
  instead of duplicating it.

Creating and revoking a feed are audited. Creating a new address revokes the previous one of
the same teacher, class or student: there is one working address at a time.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import school_today
from zhurnal.school.courses import of_class
from zhurnal.school.models import School, SchoolClass, Staff, Student
from zhurnal.school.rosters import roster_spans

from . import events
from .models import CalendarFeed, FeedKind, Lesson, LessonStatus

WINDOW_BEFORE = timedelta(weeks=2)
WINDOW_AFTER = timedelta(weeks=8)
PRODID = "-//Zhurnal//Timetable//RU"


# --- feeds: create, revoke, find ------------------------------------------------------------


def _feed_state(feed: CalendarFeed) -> dict:
    return {
        "kind": feed.kind,
        "staff": feed.staff_id,
        "school_class": feed.school_class_id,
        "student": feed.student_id,
        "revoked_at": feed.revoked_at.isoformat() if feed.revoked_at else None,
    }


def active_feeds(school: School, **target) -> QuerySet[CalendarFeed]:
    """The unrevoked feeds of a target (``staff=``, ``school_class=`` or ``student=``)."""
    return CalendarFeed.objects.filter(school=school, revoked_at__isnull=True, **target)


@transaction.atomic
def create_feed(
    *,
    school: School,
    actor: Actor,
    staff: Staff | None = None,
    school_class: SchoolClass | None = None,
    student: Student | None = None,
) -> CalendarFeed:
    """A new secret address for a teacher (``staff``), a class or a student; the previous one
    stops working. The permission check is the caller's (the feed pages)."""
    targets = [
        (FeedKind.TEACHER, "staff", staff),
        (FeedKind.CLASS, "school_class", school_class),
        (FeedKind.STUDENT, "student", student),
    ]
    given = [(kind, name, obj) for kind, name, obj in targets if obj is not None]
    if len(given) != 1:
        raise ValueError("a feed is of a teacher, of a class or of a student")
    kind, name, obj = given[0]
    target = {name: obj}
    for old in active_feeds(school, **target):
        _revoke(old, actor=actor)
    feed = CalendarFeed.objects.create(
        school=school,
        kind=kind,
        token=secrets.token_urlsafe(32),
        created_by=actor.user,
        **target,
    )
    events.record_saved(feed, actor=actor, before=None, after=_feed_state(feed))
    return feed


def _revoke(feed: CalendarFeed, *, actor: Actor) -> None:
    before = _feed_state(feed)
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    events.record_saved(feed, actor=actor, before=before, after=_feed_state(feed))


@transaction.atomic
def revoke_feed(*, feed: CalendarFeed, actor: Actor) -> CalendarFeed:
    """The address stops working at once (404); a new one can be created."""
    if feed.revoked_at is None:
        _revoke(feed, actor=actor)
    return feed


def feed_by_token(token: str) -> CalendarFeed | None:
    """The working feed of a token: unrevoked, and its teacher still at the school (a
    student's feed shows lessons only while they are enrolled)."""
    if not token or len(token) > 64:
        return None
    feed = (
        CalendarFeed.objects.select_related(
            "school", "staff", "school_class__grade_level", "student"
        )
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None or (feed.staff_id is not None and not feed.staff.is_active):
        return None
    return feed


# --- the calendar ---------------------------------------------------------------------------


def window(school: School, today: date | None = None) -> tuple[date, date]:
    today = today or school_today(school)
    return today - WINDOW_BEFORE, today + WINDOW_AFTER


def feed_lessons(feed: CalendarFeed, start: date, end: date) -> QuerySet[Lesson]:
    """The lessons a feed shows in ``start``–``end``: one query (a student's: two, with their
    dated classes and groups)."""
    if feed.kind == FeedKind.STUDENT:
        return _student_lessons(feed, start, end)
    lessons = Lesson.objects.filter(school_id=feed.school_id, date__range=(start, end)).exclude(
        status=LessonStatus.CANCELLED
    )
    if feed.kind == FeedKind.TEACHER:
        lessons = lessons.filter(teacher_id=feed.staff_id)
    else:
        lessons = lessons.filter(of_class(feed.school_class_id, "course__"))
    return lessons.select_related(
        "course__subject",
        "course__school_class__grade_level",
        "course__group__school_class__grade_level",
        "teacher",
        "substitute_for",
    ).order_by("date", "number", "pk")


def _student_lessons(feed: CalendarFeed, start: date, end: date) -> list[Lesson]:
    """A student's lessons — of their classes and groups on each day (``school.rosters``) —
    with the homework set at each (``lesson.homework``)."""
    student = feed.student
    spans = roster_spans([student.pk], start, end, school_id=student.school_id)[student.pk]
    if not spans.classes and not spans.groups:
        return []
    lessons = (
        Lesson.objects.filter(school_id=feed.school_id, date__range=(start, end))
        .exclude(status=LessonStatus.CANCELLED)
        .filter(spans.lessons_filter())
        .select_related(
            "course__subject",
            "course__group",
            "teacher",
            "substitute_for",
            "homework",
        )
        .order_by("date", "number", "pk")
    )
    return [lesson for lesson in lessons if spans.on_course(lesson.course, lesson.date)]


def feed_title(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.STUDENT:
        return _("Timetable and homework: %(name)s") % {"name": feed.student.first_name}
    if feed.kind == FeedKind.TEACHER:
        return _("Timetable: %(name)s") % {"name": feed.staff.short_name}
    return _("Timetable of %(name)s") % {"name": feed.school_class.name}


def _summary(lesson: Lesson, kind: str) -> str:
    course = lesson.course
    subject = course.subject.name
    if kind == FeedKind.TEACHER:
        return f"{subject} — {course.audience_name}"
    if course.group_id:
        return f"{subject} ({course.group.name})"
    return subject


def _description(lesson: Lesson, kind: str) -> str:
    lines = []
    if lesson.topic:
        lines.append(lesson.topic)
    if kind in (FeedKind.CLASS, FeedKind.STUDENT):
        lines.append(_("Teacher: %(name)s") % {"name": lesson.teacher.short_name})
    if lesson.substitute_for_id:
        lines.append(
            _("Substitution: instead of %(name)s") % {"name": lesson.substitute_for.short_name}
        )
    if kind == FeedKind.STUDENT:
        lines.extend(_homework_lines(lesson))
    return "\n".join(lines)


def _homework_lines(lesson: Lesson) -> list[str]:
    """The homework set at the lesson: its text, links and estimated minutes."""
    homework = getattr(lesson, "homework", None)  # a reverse one-to-one: None when there is none
    if homework is None or not (homework.text or homework.links):
        return []
    lines = ["", _("Homework:")]
    if homework.text:
        lines.append(homework.text)
    lines.extend(str(link) for link in homework.links or [])
    if homework.minutes:
        lines.append(_("About %(minutes)d min.") % {"minutes": homework.minutes})
    return lines


def _event(lesson: Lesson, kind: str, tz: ZoneInfo) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"lesson-{lesson.pk}@zhurnal")
    event.add("dtstamp", lesson.updated_at.astimezone(ZoneInfo("UTC")))
    if lesson.starts_at and lesson.ends_at:
        event.add("dtstart", datetime.combine(lesson.date, lesson.starts_at, tzinfo=tz))
        event.add("dtend", datetime.combine(lesson.date, lesson.ends_at, tzinfo=tz))
    else:
        event.add("dtstart", lesson.date)
        event.add("dtend", lesson.date + timedelta(days=1))
    event.add("summary", _summary(lesson, kind))
    if lesson.room:
        event.add("location", lesson.room)
    description = _description(lesson, kind)
    if description:
        event.add("description", description)
    return event


def render_feed(feed: CalendarFeed, today: date | None = None) -> bytes:
    """The feed as an iCalendar document (RFC 5545)."""
    school = feed.school
    tz = ZoneInfo(school.timezone)
    start, end = window(school, today)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{feed_title(feed)} ({school.short_name or school.name})")
    calendar.add("x-wr-timezone", school.timezone)
    for lesson in feed_lessons(feed, start, end):
        calendar.add_component(_event(lesson, feed.kind, tz))
    calendar.add_missing_timezones()
    return calendar.to_ical()
