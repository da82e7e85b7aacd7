"""The record of one lesson besides its marks — topic, homework, notes to students — as
submitted forms: shared by the lesson's page and the journal grid's side pane
(``views.lesson_pane``; issue 4: "a side pane per lesson for topic, homework … and notes to
students").

The rules are the services' (``journal.services.set_homework``, ``attach_files``,
``add_note``; the topic through ``planning.services.keep_lesson``, whose deadline and lock are
the journal's); the callers check ``journal.keep_lesson`` first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning import services as planning_services
from zhurnal.planning.forms import LessonRecordForm
from zhurnal.planning.models import PlanItem
from zhurnal.planning.queries import PlanSequence, course_plan
from zhurnal.school.models import Student
from zhurnal.school.queries import enrolled_on
from zhurnal.timetable.models import Lesson

from . import services
from .forms import HomeworkForm, NoteForm
from .models import Homework
from .queries import NAME_FIELDS, memberships


@dataclass(frozen=True)
class Outcome:
    """What a submitted form did: saved or not, and the message for the user."""

    ok: bool
    message: str
    # A refused form is shown again with what was typed; not after a stale save, which shows
    # what is saved now.
    keep_input: bool = True


def refusal(error: ValidationError) -> str:
    """A refusal's messages as one line for the user."""
    return " ".join(str(m) for m in error.messages)


def form_errors(form) -> str:
    """A form's errors as one line for the user."""
    return refusal(ValidationError(list(form.errors.values())))


def save_homework(request: HttpRequest, lesson: Lesson) -> Outcome:
    """The homework form of the request (text, links, minutes, new files), saved through the
    services. A version mismatch (changed in another tab) keeps what was saved."""
    current = Homework.objects.filter(lesson=lesson).first()
    form = HomeworkForm(request.POST, request.FILES, homework=current)
    if not form.is_valid():
        return Outcome(False, form_errors(form))
    data = form.cleaned_data
    try:
        with transaction.atomic():
            homework = services.set_homework(
                lesson=lesson,
                text=data["text"],
                links=data["links"],
                minutes=data["minutes"],
                version=data["version"],
                actor=Actor.of(request),
            )
            if data["files"]:
                if homework is None:
                    raise ValidationError(_("Write the homework before attaching files."))
                services.attach_files(
                    homework=homework, files=data["files"], actor=Actor.of(request)
                )
    except services.StaleEntry:
        return Outcome(
            False,
            _(
                "The homework was changed meanwhile (in another tab or by another teacher); "
                "here is what is saved now. Your text was not saved."
            ),
            keep_input=False,
        )
    except ValidationError as error:
        return Outcome(False, refusal(error))
    return Outcome(True, _("The homework is saved."))


def lesson_students(lesson: Lesson) -> list[Student]:
    """The students on the lesson's list that day, in list order, by name only (one query)."""
    rows = (
        memberships(lesson.course)
        .filter(enrolled_on(lesson.date))
        .select_related("student")
        .only("student_id", *(f"student__{name}" for name in NAME_FIELDS))
    )
    students = {row.student_id: row.student for row in rows}
    return sorted(students.values(), key=lambda s: (s.last_name, s.first_name, s.pk))


def save_note(request: HttpRequest, lesson: Lesson, students: list[Student]) -> Outcome:
    """A remark, praise or message to the parents about a student on the lesson's list."""
    form = NoteForm(request.POST, students=students)
    if not form.is_valid():
        return Outcome(False, form_errors(form))
    try:
        services.add_note(
            lesson=lesson,
            student=form.cleaned_data["student"],
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            actor=Actor.of(request),
        )
    except ValidationError as error:
        return Outcome(False, refusal(error))
    return Outcome(True, _("The note is saved."))


def topic_form(lesson: Lesson, data=None) -> tuple[LessonRecordForm, PlanItem | None]:
    """The topic form (a plan item, or a typed topic) with the plan's next item suggested."""
    plan = course_plan(lesson.course)
    items = (
        PlanItem.objects.filter(plan=plan).order_by("position") if plan else PlanItem.objects.none()
    )
    suggestion = None
    if plan is not None:
        lessons = list(
            Lesson.objects.filter(course=lesson.course).only(
                "id", "date", "number", "status", "plan_item_id", "topic"
            )
        )
        suggestion = PlanSequence.load(lesson.course, plan, lessons=lessons).suggestion(lesson)
    initial = {
        "plan_item": lesson.plan_item_id or (suggestion.pk if suggestion else None),
        "topic": lesson.topic,
    }
    return LessonRecordForm(data, items=items, initial=initial), suggestion


def save_topic(request: HttpRequest, lesson: Lesson, form: LessonRecordForm) -> Outcome:
    if not form.is_valid():
        return Outcome(False, form_errors(form))
    try:
        planning_services.keep_lesson(
            lesson=lesson,
            topic=form.cleaned_data["topic"] or "",
            plan_item=form.cleaned_data["plan_item"],
            actor=Actor.of(request),
        )
    except ValidationError as error:
        return Outcome(False, refusal(error))
    return Outcome(True, _("The topic of the lesson is saved."))
