"""What the demo parent finds on logging in (issue 5): the demo school only.

* a conversation with the class teacher of the first child (the demo teacher, 5А): three
  messages, the last one from the teacher and unread for the parent; and one unread message
  from a teacher of the second child;
* an announcement to the parents of the first child's class;
* the 1st quarter is over and has its term marks (``journal``): the demo parent has *not*
  acknowledged them, a few other parents of 5А have (they get logins for it), so the class
  teacher sees "N of M";
* ``username@example.com`` addresses for the demo logins (e-mail notifications in the
  console backend);
* a few notifications for the demo parent (a digest of new marks, a teacher's note, the new
  message), so the bell is not empty.

Planned in memory with the rest of the school (``plan_family``) and written after it
(``write_family``): the notifications link to pages by the ids the rows get when written.
A dozen queries; nothing for the other generated schools.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import models as j
from zhurnal.messaging.models import (
    Announcement,
    Audience,
    Message,
    Scope,
    Thread,
    ThreadParticipant,
)
from zhurnal.notifications.models import Kind, Notification
from zhurnal.school import models as m

from . import people

# Parents of 5А other than the demo parent who have acknowledged the 1st quarter's marks.
ACKNOWLEDGED = 4


@dataclass
class FamilyPlan:
    threads: list[Thread] = field(default_factory=list)
    participants: list[ThreadParticipant] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    acknowledgements: list[TermAcknowledgement] = field(default_factory=list)
    # Notifications, their links made once the rows have ids: (notification, link maker).
    notifications: list[tuple[Notification, object]] = field(default_factory=list)


def _working_days_before(today: date, count: int) -> list[date]:
    """The ``count`` working days (Mon–Fri) before ``today``, latest first."""
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def plan_family(builder) -> None:
    """Plan the demo parent's messages, announcement, acknowledgements and notifications."""
    rng = random.Random(f"family:{builder.number}")
    tz = ZoneInfo(builder.school.timezone)
    school, today = builder.school, builder.today
    users = builder.demo_users
    for username, user in users.items():
        user.email = f"{username}@example.com"
    parent = users.get("parent")
    if parent is None:  # the username was taken before this run
        builder.family_plan = None
        return
    mother = next(g for g in builder.rows[m.Guardian] if g.user is parent)
    mother.email = parent.email
    plan = builder.family_plan = FamilyPlan()
    first_child, second_child = builder.demo_children
    first_class, second_class = builder.demo_classes
    class_teacher = first_class.class_teacher
    days = _working_days_before(today, 5)

    def at(day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    # --- the conversation with the class teacher ----------------------------------------
    if class_teacher is not None and class_teacher.user is not None:
        teacher = class_teacher.user
        child = first_child.first_name
        lines = [
            (
                teacher,
                at(days[2], 15, 40),
                f"Здравствуйте, {parent.first_name} {parent.middle_name}! {child} на этой неделе "
                f"два раза не {_past(first_child, 'сдал')} домашнюю работу по математике. "
                "Пожалуйста, проверьте дневник и помогите разобраться с задачами.",
            ),
            (
                parent,
                at(days[2], 19, 5),
                f"Здравствуйте, {class_teacher.first_name} {class_teacher.middle_name}! "
                "Спасибо, что сообщили. Поговорим дома; можно ли сдать работы до пятницы?",
            ),
            (
                teacher,
                at(days[0], 14, 20),
                "Да, до пятницы можно. И напоминаю: в четверг в 18:00 родительское собрание "
                "в кабинете класса.",
            ),
        ]
        _thread(
            plan, school, "Домашняя работа по математике", lines,
            read=[(teacher, lines[-1][1]), (parent, lines[1][1])],
        )  # fmt: skip
    # --- one message from another teacher (of the second child) -------------------------
    other = next(
        (
            bundle.teacher
            for bundle in builder.bundles
            if bundle.school_class is second_class
            and bundle.teacher is not None
            and bundle.teacher is not class_teacher
            and bundle.teacher.user is not None
        ),
        None,
    )
    if other is not None:
        sent = at(days[1], 16, 10)
        _thread(
            plan,
            school,
            "Олимпиада",
            [
                (
                    other.user,
                    sent,
                    f"Добрый день! {second_child.first_name} хорошо пишет работы по моему "
                    "предмету. Предлагаю записаться на школьный этап олимпиады; заявку нужно "
                    "подать до конца месяца.",
                )
            ],
            read=[(other.user, sent), (parent, None)],
        )
    # --- an announcement to the parents of the first child's class ----------------------
    if class_teacher is not None and class_teacher.user is not None:
        meeting = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
        plan.announcements.append(
            Announcement(
                school=school,
                author=class_teacher.user,
                title="Родительское собрание",
                body=(
                    f"Уважаемые родители учеников {first_class.name} класса! "
                    f"{meeting:%d.%m} в 18:00 в кабинете {first_class.room} — родительское "
                    "собрание: итоги 1-й четверти, подготовка к контрольным работам, "
                    "зимние каникулы."
                ),
                scope=Scope.CLASS,
                school_class=first_class,
                audience=Audience.PARENTS,
                created_at=at(days[3], 12, 0),
            )
        )
    # --- the 1st quarter's acknowledgements: a few parents of 5А, not the demo parent ----
    q1 = builder.q1_term
    if builder.life and q1.end < today:
        acknowledged = 0
        for student in builder.roster[id(first_class)]:
            if acknowledged >= ACKNOWLEDGED:
                break
            if student is first_child:
                continue
            links = [
                link
                for link in builder.rows[m.StudentGuardian]
                if link.student is student and link.guardian.user is not parent
            ]
            if not links:
                continue
            guardian = links[0].guardian
            if getattr(guardian, "user", None) is None:
                guardian.user = people.login(builder, guardian, Role.PARENT)
            moment = at(q1.end + timedelta(days=rng.randint(1, 6)), rng.randint(8, 21), 0)
            plan.acknowledgements.append(
                TermAcknowledgement(
                    school=school, student=student, term=q1, user=guardian.user,
                    acknowledged_at=min(moment, at(today, 8, 0)),
                )
            )  # fmt: skip
            acknowledged += 1
    # --- notifications for the demo parent -----------------------------------------------
    week_marks = _recent_marks(builder, first_child, since=today - timedelta(days=7))
    if week_marks:
        body = "\n".join(
            f"{row.column.lesson.course.subject.name}, {row.column.lesson.date:%d.%m}: "
            f"{row.value} ({row.column.work_type.code})"
            for row in week_marks[:8]
        )
        plan.notifications.append(
            (
                Notification(
                    school=school, user=parent, kind=Kind.MARKS,
                    title=f"Новые оценки: {first_child.first_name} {first_child.last_name}",
                    body=body, created_at=at(days[0], 20, 0),
                ),
                lambda: reverse("diary:week", kwargs={"student_id": first_child.pk}),
            )
        )  # fmt: skip
    plan.notifications.append(
        (
            Notification(
                school=school, user=parent, kind=Kind.NOTE,
                title=f"Похвала: {second_child.first_name} {second_child.last_name}",
                body=(
                    f"Отлично {_past(second_child, 'выступил')} у доски, "
                    f"{_past(second_child, 'помог', 'ла')} одноклассникам разобраться в теме."
                ),
                created_at=at(days[1], 13, 30),
            ),
            lambda: reverse("diary:week", kwargs={"student_id": second_child.pk}),
        )
    )  # fmt: skip
    if plan.threads:
        thread = plan.threads[0]
        plan.notifications.append(
            (
                Notification(
                    school=school, user=parent, kind=Kind.MESSAGE,
                    title=f"Новое сообщение: {thread.subject}",
                    body=plan.messages[2].body if len(plan.messages) > 2 else "",
                    created_at=thread.last_message_at,
                ),
                lambda: reverse("messaging:thread", kwargs={"thread_id": thread.pk}),
            )
        )  # fmt: skip
    if builder.life and q1.end < today:
        plan.notifications.append(
            (
                Notification(
                    school=school, user=parent, kind=Kind.PERIOD_MARKS,
                    title=f"Выставлены оценки за {q1.number}-ю четверть",
                    body="Посмотрите оценки за четверть и подтвердите, что ознакомились.",
                    created_at=at(q1.end, 17, 0),
                ),
                lambda: reverse("diary:marks", kwargs={"student_id": first_child.pk})
                + f"?term={q1.pk}",
            )
        )  # fmt: skip


def _past(student, verb: str, feminine: str = "а") -> str:
    """A verb in the past tense agreeing with the student («сдал» / «сдала»)."""
    return verb + (feminine if student.gender == "f" else "")


def _thread(plan: FamilyPlan, school, subject: str, lines, read: list) -> None:
    thread = Thread(
        school=school,
        subject=subject,
        created_by=lines[0][0],
        created_at=lines[0][1],
        last_message_at=lines[-1][1],
    )
    plan.threads.append(thread)
    for user, last_read in read:
        plan.participants.append(
            ThreadParticipant(school=school, thread=thread, user=user, last_read_at=last_read)
        )
    for author, moment, body in lines:
        plan.messages.append(
            Message(school=school, thread=thread, author=author, body=body, created_at=moment)
        )


def _recent_marks(builder, student, since: date) -> list:
    rows = [
        row
        for row in builder.fast.get(j.Mark, [])
        if row.student is student and row.column.lesson.date >= since and row.value.isdigit()
    ]
    return sorted(rows, key=lambda r: (r.column.lesson.date, r.column.lesson.number))


def write_family(builder) -> None:
    """Write the planned rows (after the school's); the notifications get their links."""
    plan: FamilyPlan | None = getattr(builder, "family_plan", None)
    if plan is None:
        return
    for model, rows in (
        (Thread, plan.threads),
        (ThreadParticipant, plan.participants),
        (Message, plan.messages),
        (Announcement, plan.announcements),
        (TermAcknowledgement, plan.acknowledgements),
    ):
        if rows:
            model.objects.bulk_create(rows)
    notifications = []
    for notification, link in plan.notifications:
        notification.link = link()
        notifications.append(notification)
    Notification.objects.bulk_create(notifications)
    builder.counts.update(
        {
            "threads": len(plan.threads),
            "messages": len(plan.messages),
            "announcements": len(plan.announcements),
            "acknowledgements": len(plan.acknowledgements),
            "notifications": len(notifications),
        }
    )
