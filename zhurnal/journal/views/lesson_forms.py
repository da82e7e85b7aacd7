"""The record of one lesson besides its marks — topic, homework, notes to students, "everyone
present" — as submitted forms: shared by the lesson's page, the lesson record page and the
journal grid's side pane (``lesson.lesson_pane``; issue 4: "a side pane per lesson for topic,
homework … and notes to students").

The rules are the services' (``journal.services.set_homework``, ``add_note``,
``record_topic``, ``take_roll_call``); the callers have loaded the lesson through
``journal.access`` for ``journal.keep_lesson``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning.models import PlanItem
from zhurnal.planning.queries import lesson_plan_choice
from zhurnal.school.models import Student
from zhurnal.timetable.models import Lesson

from .. import services
from ..forms import HomeworkForm, LessonRecordForm, NoteForm
from ..queries import homework_of


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
    form = HomeworkForm(request.POST, request.FILES, homework=homework_of(lesson))
    if not form.is_valid():
        return Outcome(False, form_errors(form))
    data = form.cleaned_data
    try:
        services.set_homework(
            lesson=lesson,
            text=data["text"],
            links=data["links"],
            minutes=data["minutes"],
            files=data["files"],
            version=data["version"],
            actor=Actor.of(request),
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
    choice = lesson_plan_choice(lesson)
    suggestion = choice.suggestion
    initial = {
        "plan_item": lesson.plan_item_id or (suggestion.pk if suggestion else None),
        "topic": lesson.topic,
    }
    return LessonRecordForm(data, items=choice.items, initial=initial), suggestion


def save_topic(request: HttpRequest, lesson: Lesson, form: LessonRecordForm) -> Outcome:
    if not form.is_valid():
        return Outcome(False, form_errors(form))
    try:
        services.record_topic(
            lesson=lesson,
            topic=form.cleaned_data["topic"] or "",
            plan_item=form.cleaned_data["plan_item"],
            actor=Actor.of(request),
        )
    except ValidationError as error:
        return Outcome(False, refusal(error))
    return Outcome(True, _("The topic of the lesson is saved."))


def take_roll_call(request: HttpRequest, lesson: Lesson) -> Outcome:
    """«Everyone present»: the lesson's attendance taken (seed 002, regulation 2.1.1), the
    students without an attendance entry present."""
    try:
        services.take_roll_call(lesson=lesson, actor=Actor.of(request))
    except ValidationError as error:
        return Outcome(False, refusal(error))
    return Outcome(True, _("Attendance is taken: the students without an entry are present."))
