"""The audit trail in words (issue 15; DESIGN §3 "who did what, when, old value, new value"):
each kind of event is told as a sentence a director understands, built from the event's
``before`` and ``after`` as the apps' ``events`` modules write them.

``DESCRIBERS`` maps an action to a function ``(event, lookups) -> str``; the kinds told by one
fixed sentence (``SENTENCES``) or one sentence about a lesson (``LESSON_SENTENCES``) are tables
of ``gettext_lazy`` literals, which ``makemessages`` extracts. A kind without a function (or
an event whose data does not have the expected shape) falls back to ``generic``: the changed
fields named by the model's ``verbose_name``, the values formatted (dates as dd.mm.yyyy, choices
by their labels, references by the record they name, yes/no) — never a Python repr.

The audit app sits below the apps whose events it tells (import-linter "app-layers"), so the
records an event refers to by id (a term, a teacher) are read through ``django.apps``."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from .models import AuditAction, AuditEvent

Describer = Callable[[AuditEvent, "Lookups"], str]
DESCRIBERS: dict[str, Describer] = {}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

# Keys of the events' data that are no model field of the event's object (or whose field's
# name would mislead): their names in words.
FIELD_LABELS = {
    "lesson_date": gettext_lazy("lesson date"),
    "lesson": gettext_lazy("lesson"),
    "from_class": gettext_lazy("from class"),
    "to_class": gettext_lazy("to class"),
    "order": pgettext_lazy("a director's order", "order"),
    "roles": gettext_lazy("roles"),
    "username": gettext_lazy("login"),
    "reissued": gettext_lazy("issued again"),
    "revoked_at": gettext_lazy("revoked at"),
    "gaps": gettext_lazy("gaps left"),
    "closed_at": gettext_lazy("closed at"),
    "files": gettext_lazy("files"),
    "manifest_sha256": gettext_lazy("checksum"),
    "pages": gettext_lazy("pages"),
    "document": gettext_lazy("document"),
    "parts": gettext_lazy("parts"),
    "source": gettext_lazy("source"),
    "created_at": gettext_lazy("created at"),
    "engine": gettext_lazy("database"),
    "zhurnal_version": gettext_lazy("Zhurnal version"),
    "roll_call": gettext_lazy("attendance entries"),
    "version": gettext_lazy("version"),
    "acknowledged": gettext_lazy("acknowledged"),
}
# Technical keys not worth a director's reading.
HIDDEN = {"version", "manifest_sha256"}


def describes(*actions: str) -> Callable[[Describer], Describer]:
    def register(function: Describer) -> Describer:
        for action in actions:
            DESCRIBERS[action] = function
        return function

    return register


class Lookups:
    """The records events refer to by id, read once per page (a term's title, a teacher's
    name, a choice's label)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any], str] = {}

    def record(self, label: str, pk: Any) -> str:
        if pk in (None, ""):
            return "—"
        key = (label, pk)
        if key not in self._cache:
            model = apps.get_model(label)
            obj = model._default_manager.filter(pk=pk).first()
            text = _("(deleted)") if obj is None else getattr(obj, "short_name", None) or str(obj)
            self._cache[key] = str(text)
        return self._cache[key]

    def term(self, pk: Any) -> str:
        return self.record("school.Term", pk)

    def teacher(self, pk: Any) -> str:
        return self.record("school.Staff", pk)

    def choice(self, label: str, field: str, value: Any) -> str:
        """The label of a choice of a model's field («Б» → «болезнь»)."""
        if value in (None, ""):
            return "—"
        try:
            choices = dict(apps.get_model(label)._meta.get_field(field).flatchoices)
        except (LookupError, FieldDoesNotExist):
            return str(value)
        return str(choices.get(value, value))


def value_text(value: Any) -> str:
    """A value as a person reads it: «—», «да», 05.12.2026, a list joined by commas."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, str):
        if _DATE.match(value):
            return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
        if _DATETIME.match(value):
            try:
                moment = datetime.datetime.fromisoformat(value)
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return moment.strftime("%d.%m.%Y %H:%M")
            except ValueError:
                return value
        return value
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key_label(None, k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def _model(event: AuditEvent) -> type[models.Model] | None:
    if not event.object_type:
        return None
    try:
        return apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def key_label(model, key: str) -> str:
    """A field's name: the model's ``verbose_name``, else a known key's, else the key."""
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    return key.replace("_", " ")


def field_value(model, key: str, value: Any, lookups: Lookups) -> str:
    """A value of a field: a choice by its label, a reference by the record it names."""
    field = _field(model, key)
    if field is not None and value not in (None, ""):
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if field.concrete and field.is_relation and isinstance(value, int):
            return lookups.record(field.related_model._meta.label, value)
    return value_text(value)


def generic(event: AuditEvent, lookups: Lookups) -> str:
    """Any kind: what changed, field by field («оценка: 4 → 5»); a new or deleted record's
    values."""
    model = _model(event)
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):  # not a record's fields
        return " → ".join(value_text(v) for v in (event.before, event.after) if v)
    parts = []
    for key in list(dict.fromkeys([*before, *after])):
        if key in HIDDEN:
            continue
        label = key_label(model, key)
        if key in before and key in after:
            old = field_value(model, key, before[key], lookups)
            new = field_value(model, key, after[key], lookups)
            if old == new:
                continue
            parts.append(f"{label}: {old} → {new}")
        else:
            value = before[key] if key in before else after[key]
            parts.append(f"{label}: {field_value(model, key, value, lookups)}")
    return "; ".join(parts)


def describe(event: AuditEvent, lookups: Lookups | None = None) -> str:
    """The event in words; the generic form when its kind has no sentence or its data has
    another shape (older events)."""
    lookups = lookups or Lookups()
    function = DESCRIBERS.get(event.action)
    if function is not None:
        try:
            return function(event, lookups).replace("..", ".")
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    return generic(event, lookups)


def _date(state: dict | None, key: str = "lesson_date") -> str:
    return value_text((state or {}).get(key))


# --- people and access -----------------------------------------------------------------------

# The kinds told by one fixed sentence, whatever the event's data.
SENTENCES = {
    AuditAction.PERSONAL_CARD_VIEWED: gettext_lazy("The personal card was opened."),
    AuditAction.PERSONAL_DATA_EXPORTED: gettext_lazy("The personal data were exported to a file."),
    AuditAction.SESSIONS_REVOKED: gettext_lazy("Logged out on every device."),
    AuditAction.TOKEN_ISSUED: gettext_lazy("An API token issued."),
    AuditAction.TOKEN_REVOKED: gettext_lazy("The API token revoked."),
    AuditAction.SIGNED_IN_REGIONALLY: gettext_lazy("Signed in through the region's portal."),
    AuditAction.IDENTITY_UNLINKED: gettext_lazy("A regional account unlinked."),
    AuditAction.SECOND_FACTOR_ON: gettext_lazy(
        "The second factor turned on: a code generator app."
    ),
    AuditAction.SECOND_FACTOR_OFF: gettext_lazy("The second factor turned off."),
    AuditAction.RECOVERY_CODES_ISSUED: gettext_lazy(
        "New recovery codes issued; the earlier ones stop working."
    ),
    AuditAction.SECOND_FACTOR_RESET: gettext_lazy(
        "The second factor reset: the person sets it up again at the next login."
    ),
}


@describes(*SENTENCES)
def _sentence(event, lookups):
    return str(SENTENCES[event.action])


@describes(AuditAction.CREDENTIALS_ISSUED)
def _credentials(event, lookups):
    after = event.after
    if after["reissued"]:
        return _("A new one-time password issued for the login %(login)s.") % {
            "login": after["username"]
        }
    return _("The login %(login)s and a one-time password issued.") % {"login": after["username"]}


@describes(AuditAction.ROLES_SET)
def _roles(event, lookups):
    def roles(codes):
        return value_text([lookups.choice("accounts.Membership", "role", c) for c in codes])

    return _("Roles: %(before)s → %(after)s.") % {
        "before": roles(event.before["roles"]),
        "after": roles(event.after["roles"]),
    }


@describes(AuditAction.MOVEMENT)
def _movement(event, lookups):
    after = event.after
    text = _("%(kind)s on %(date)s by the order № %(order)s") % {
        "kind": lookups.choice("school.Movement", "kind", after["kind"]).capitalize(),
        "date": value_text(after["date"]),
        "order": after["order"],
    }
    if after.get("from_class"):
        text += ", " + pgettext("a student's movement", "from class %(name)s") % {
            "name": after["from_class"]
        }
    if after.get("to_class"):
        text += ", " + pgettext("a student's movement", "to class %(name)s") % {
            "name": after["to_class"]
        }
    return text + "."


@describes(AuditAction.IDENTITY_LINKED)
def _identity_linked(event, lookups):
    if (event.after or {}).get("by") == "email":
        return _("A regional account linked by its verified e-mail.")
    return _("A regional account linked with a linking code.")


# --- the plans and the diary ---------------------------------------------------------------


@describes(AuditAction.COURSE_PLAN_CHOSEN)
def _plan_chosen(event, lookups):
    title = event.after.get("title")
    if not title:
        return _("The course follows no thematic plan now.")
    return _("The course follows the thematic plan «%(title)s».") % {"title": title}


@describes(AuditAction.TERM_ACKNOWLEDGED)
def _acknowledged(event, lookups):
    return _("The parents acknowledged the marks: %(term)s.") % {
        "term": lookups.term(event.after["term"])
    }


# --- the timetable's lessons -----------------------------------------------------------------


def _lesson_when(state: dict) -> str:
    return _("%(date)s, lesson %(number)s") % {
        "date": value_text(state["date"]),
        "number": state["number"],
    }


# The kinds told by a sentence about one lesson, the lesson's state after the change.
LESSON_SENTENCES = {
    AuditAction.LESSON_ADDED: gettext_lazy("An extra lesson: %(when)s."),
    AuditAction.LESSON_CANCELLED: gettext_lazy("The lesson of %(when)s cancelled."),
    AuditAction.LESSON_RESTORED: gettext_lazy(
        "The cancellation of the lesson of %(when)s withdrawn."
    ),
}


@describes(*LESSON_SENTENCES)
def _lesson_sentence(event, lookups):
    return LESSON_SENTENCES[event.action] % {"when": _lesson_when(event.after)}


@describes(AuditAction.LESSON_MOVED)
def _lesson_moved(event, lookups):
    return _("The lesson moved from %(before)s to %(after)s.") % {
        "before": _lesson_when(event.before),
        "after": _lesson_when(event.after),
    }


@describes(AuditAction.SUBSTITUTION)
def _substitution(event, lookups):
    after = event.after
    if not after.get("substitute_for"):
        return _("The lesson of %(when)s is taught by its own teacher, %(teacher)s.") % {
            "when": _lesson_when(after),
            "teacher": lookups.teacher(after["teacher"]),
        }
    return _("The lesson of %(when)s is taught by %(teacher)s instead of %(absent)s.") % {
        "when": _lesson_when(after),
        "teacher": lookups.teacher(after["teacher"]),
        "absent": lookups.teacher(after["substitute_for"]),
    }


@describes(AuditAction.TOPIC_SET)
def _topic(event, lookups):
    after = event.after
    return _("The topic of the lesson of %(date)s: «%(topic)s».") % {
        "date": value_text(after["date"]),
        "topic": after["topic"] or "—",
    }


@describes(AuditAction.LESSONS_GENERATED)
def _generated(event, lookups):
    after = event.after
    return _(
        "Lessons made from the timetable for %(start)s–%(end)s: %(created)s created, "
        "%(updated)s changed, %(deleted)s deleted, %(unchanged)s unchanged, "
        "%(open)s left for a decision."
    ) % {
        "start": value_text(after["from"]),
        "end": value_text(after["to"]),
        "created": after["created"],
        "updated": after["updated"],
        "deleted": after["deleted"],
        "unchanged": after["unchanged"],
        "open": len(after.get("needs_decision") or []),
    }


# --- the journal -----------------------------------------------------------------------------


@describes(AuditAction.COLUMN_ADDED)
def _column(event, lookups):
    after = event.after
    return _("A column of marks on %(date)s: %(work)s, weight %(weight)s.") % {
        "date": _date(after),
        "work": after["work_type"],
        "weight": after["weight"],
    }


@describes(AuditAction.MARK_SET)
def _mark_set(event, lookups):
    after = event.after
    if event.before and event.before.get("value") != after["value"]:
        return _("The mark for the lesson of %(date)s changed: %(before)s → %(after)s.") % {
            "date": _date(after),
            "before": event.before["value"],
            "after": after["value"],
        }
    return _("The mark %(value)s for the lesson of %(date)s.") % {
        "value": after["value"],
        "date": _date(after),
    }


@describes(AuditAction.MARK_DELETED)
def _mark_deleted(event, lookups):
    return _("The mark %(value)s for the lesson of %(date)s deleted.") % {
        "value": event.before["value"],
        "date": _date(event.before),
    }


def _code(value) -> str:
    return value_text(value)


@describes(AuditAction.ATTENDANCE_SET)
def _attendance_set(event, lookups):
    after = event.after
    if event.before and event.before.get("code") != after["code"]:
        return _("Attendance on %(date)s changed: %(before)s → %(after)s.") % {
            "date": _date(after),
            "before": _code(event.before["code"]),
            "after": _code(after["code"]),
        }
    return _("«%(code)s» on %(date)s.") % {"code": _code(after["code"]), "date": _date(after)}


@describes(AuditAction.ATTENDANCE_DELETED)
def _attendance_deleted(event, lookups):
    return _("«%(code)s» on %(date)s removed: the student was present.") % {
        "code": _code(event.before["code"]),
        "date": _date(event.before),
    }


@describes(AuditAction.ROLL_CALL_TAKEN)
def _roll_call(event, lookups):
    after = event.after
    entries = after["roll_call"]
    if entries:
        text = ngettext(
            "Attendance taken on %(date)s: %(count)d student absent or late.",
            "Attendance taken on %(date)s: %(count)d students absent or late.",
            entries,
        ) % {"date": _date(after), "count": entries}
    else:
        text = _("Attendance taken on %(date)s: everyone present.") % {"date": _date(after)}
    if after.get("late"):
        text += " " + _("Taken late.")
    return text


def _period_kind(state, lookups) -> str:
    return lookups.choice("journal.PeriodMark", "kind", state["kind"])


@describes(AuditAction.PERIOD_MARK_SET)
def _period_set(event, lookups):
    after = event.after
    values = {
        "kind": _period_kind(after, lookups).capitalize(),
        "term": lookups.term(after["term"]) if after.get("term") else "—",
        "value": after["value"],
    }
    if event.before and event.before.get("value") != after["value"]:
        values["before"] = event.before["value"]
        return _("%(kind)s (%(term)s) changed: %(before)s → %(value)s.") % values
    return _("%(kind)s (%(term)s): %(value)s.") % values


@describes(AuditAction.PERIOD_MARK_DELETED)
def _period_deleted(event, lookups):
    before = event.before
    return _("%(kind)s (%(term)s) %(value)s deleted.") % {
        "kind": _period_kind(before, lookups).capitalize(),
        "term": lookups.term(before["term"]) if before.get("term") else "—",
        "value": before["value"],
    }


@describes(AuditAction.HOMEWORK_SET)
def _homework_set(event, lookups):
    return _("Homework for the lesson of %(date)s: «%(text)s».") % {
        "date": _date(event.after),
        "text": event.after["text"],
    }


@describes(AuditAction.HOMEWORK_DELETED)
def _homework_deleted(event, lookups):
    return _("The homework for the lesson of %(date)s removed.") % {"date": _date(event.before)}


@describes(AuditAction.ATTACHMENT_ADDED)
def _attachment(event, lookups):
    after = event.after
    return _("The file «%(name)s» (%(size)s) attached to the homework of %(date)s.") % {
        "name": after["name"],
        "size": filesizeformat(after["size"]),
        "date": _date(after),
    }


@describes(AuditAction.NOTE_ADDED)
def _note(event, lookups):
    after = event.after
    return _("%(kind)s at the lesson of %(date)s: «%(text)s».") % {
        "kind": lookups.choice("journal.StudentNote", "kind", after["kind"]).capitalize(),
        "date": _date(after),
        "text": after["text"],
    }


@describes(AuditAction.ABSENCE_RECORDED)
def _absence(event, lookups):
    after = event.after
    return _("Absence register: %(reason)s from %(start)s to %(end)s.") % {
        "reason": lookups.choice("journal.Absence", "reason", after["reason"]),
        "start": value_text(after["start"]),
        "end": value_text(after["end"]),
    }


def _day_reason(state, lookups) -> str:
    """A day of the absence sheet in words: its reason, for the whole day or the lessons
    entered «Н», and the document if any."""
    text = _("%(reason)s on %(date)s") % {
        "reason": lookups.choice("journal.AbsenceDay", "reason", state["reason"]),
        "date": value_text(state["date"]),
    }
    text += ", " + (
        _("the whole day") if state.get("whole_day") else _("the lessons marked absent")
    )
    if state.get("document"):
        text += ", " + _("document «%(document)s»") % {"document": state["document"]}
    return text


@describes(AuditAction.ABSENCE_DAY_SET)
def _absence_day(event, lookups):
    if event.before:
        return _("Absence sheet: %(before)s changed to %(after)s.") % {
            "before": _day_reason(event.before, lookups),
            "after": _day_reason(event.after, lookups),
        }
    return _("Absence sheet: %(after)s.") % {"after": _day_reason(event.after, lookups)}


@describes(AuditAction.ABSENCE_DAY_DELETED)
def _absence_day_deleted(event, lookups):
    return _("Absence sheet: the reason %(before)s removed.") % {
        "before": _day_reason(event.before, lookups)
    }


@describes(AuditAction.JOURNAL_UNLOCKED)
def _unlocked(event, lookups):
    after = event.after
    return _("The entries of the lessons from %(start)s to %(end)s opened until %(until)s.") % {
        "start": value_text(after["start"]),
        "end": value_text(after["end"]),
        "until": value_text(after["until"]),
    }


# --- the deputies' control -------------------------------------------------------------------


@describes(
    AuditAction.REMARK_WRITTEN,
    AuditAction.REMARK_FIXED,
    AuditAction.REMARK_REOPENED,
    AuditAction.REMARK_ACCEPTED,
)
def _remark(event, lookups):
    after = event.after
    text = _("Remark «%(kind)s», to be fixed by %(due)s, status: %(status)s.") % {
        "kind": lookups.choice("oversight.JournalRemark", "kind", after["kind"]),
        "due": value_text(after["due"]),
        "status": lookups.choice("oversight.JournalRemark", "status", after["status"]),
    }
    if after.get("text"):
        text += f" «{after['text']}»"
    return text


@describes(AuditAction.CHECK_REPORT_SAVED)
def _check_report(event, lookups):
    return _("The check report for %(start)s–%(end)s saved.") % {
        "start": value_text(event.after["start"]),
        "end": value_text(event.after["end"]),
    }


@describes(AuditAction.SUPPORT_RECORDED)
def _support(event, lookups):
    return _("%(kind)s on %(day)s.") % {
        "kind": lookups.choice("oversight.SupportAction", "kind", event.after["kind"]).capitalize(),
        "day": value_text(event.after["day"]),
    }


# --- the year end ----------------------------------------------------------------------------


# The counts the year end keeps by kind (``yearend.queries.GapKind``, ``Decision``; that app
# sits above this one), and what a new year copied from the last.
COUNT_LABELS = {
    "year_marks": gettext_lazy("year marks missing"),
    "term_marks": gettext_lazy("term marks missing"),
    "topics": gettext_lazy("held lessons without a topic"),
    "attendance": gettext_lazy("held lessons without attendance taken"),
    "plan": gettext_lazy("thematic plan (КТП) not fulfilled, hours"),
    "remarks": gettext_lazy("remarks on the journal not closed"),
    "promote": gettext_lazy("promote to the next grade"),
    "conditional": gettext_lazy("promote conditionally (academic debt)"),
    "keep": gettext_lazy("keep down in the same grade"),
    "graduate": gettext_lazy("graduate (leaves the school)"),
    "terms": gettext_lazy("terms"),
    "holidays": gettext_lazy("holidays"),
    "curriculum": gettext_lazy("curriculum lines"),
    "plans": gettext_lazy("thematic plans"),
}


def _counts(counts: dict) -> str:
    return "; ".join(f"{COUNT_LABELS.get(k, k)}: {value_text(n)}" for k, n in counts.items())


@describes(AuditAction.YEAR_CLOSED)
def _year_closed(event, lookups):
    gaps = event.after.get("gaps") or {}
    if not gaps:
        return _("The year closed with the journals complete.")
    return _("The year closed with gaps left: %(gaps)s.") % {"gaps": _counts(gaps)}


@describes(AuditAction.YEAR_CREATED)
def _year_created(event, lookups):
    after = dict(event.after)
    source, start, end = after.pop("from"), after.pop("start"), after.pop("end")
    return _("The school year %(start)s–%(end)s created from %(source)s; copied: %(copied)s.") % {
        "start": value_text(start),
        "end": value_text(end),
        "source": source,
        "copied": _counts(after),
    }


@describes(AuditAction.CLASS_PROMOTED)
def _class_promoted(event, lookups):
    after = dict(event.after)
    target, order = after.pop("to"), after.pop("order")
    counts = {k: n for k, n in after.items() if n}
    if target:
        text = _("The class moved to the next year as %(target)s by the order № %(order)s") % {
            "target": target,
            "order": order,
        }
    else:
        text = _("The class finished the school by the order № %(order)s") % {"order": order}
    return f"{text}: {_counts(counts)}."


@describes(AuditAction.YEAR_REOPENED)
def _year_reopened(event, lookups):
    return _("The year, closed on %(closed)s, opened for a correction.") % {
        "closed": value_text(event.before["closed_at"])
    }


@describes(AuditAction.JOURNAL_PRINTED)
def _printed(event, lookups):
    pages = event.after["pages"]
    return ngettext(
        "Printed: %(document)s, %(count)d page.",
        "Printed: %(document)s, %(count)d pages.",
        pages,
    ) % {"document": event.after["document"], "count": pages}


@describes(AuditAction.ARCHIVE_BUILT)
def _archive_built(event, lookups):
    files = event.after["files"]
    return ngettext(
        "The archive package, version %(version)s, built: %(count)d file.",
        "The archive package, version %(version)s, built: %(count)d files.",
        files,
    ) % {"version": event.after["version"], "count": files}


@describes(AuditAction.ARCHIVE_DOWNLOADED)
def _archive_downloaded(event, lookups):
    return _("The archive package, version %(version)s, downloaded.") % {
        "version": event.after["version"]
    }
