"""The class teacher's daily absence sheet (seed 002, regulation 2.2.1; issue 15): a class on a
date with the attendance the subject teachers entered and the reason of each absence (Б, У,
Н), kept by the class teacher (``journal.keep_absences``) and read by the administration
(``journal.view_absences``); and the class's week at a glance. One save for the whole sheet,
a plain form: no JavaScript needed. The data is ``absence_sheet``'s, the write
``services.set_absence_days``'."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.core.bounds import parse_day
from zhurnal.school.access import class_for
from zhurnal.school.calendar import school_today

from .. import services
from ..absence_sheet import absence_sheet, class_week, school_day_after, school_day_before
from ..control_forms import AbsenceSheetForm
from ..models import DayReason


def sheet_url(class_id: int, day) -> str:
    return (
        reverse("journal_control:absence_sheet", kwargs={"class_id": class_id})
        + "?"
        + urlencode({"date": day.isoformat()})
    )


@login_required
def sheet(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's absence sheet for ``?date=`` (default today, in the school's time)."""
    school = current_school(request)
    school_class = class_for(request.user, school, class_id, "journal.view_absences")
    can_keep = request.user.has_perm("journal.keep_absences", school_class)
    if request.method == "POST" and not can_keep:
        raise PermissionDenied
    today = school_today(school)
    asked = (request.POST if request.method == "POST" else request.GET).get("date", "")
    try:
        day = parse_day(asked) if asked else today
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    data = absence_sheet(school_class, day, today)
    rows = data.class_day.rows
    closed = ""
    if can_keep:
        try:
            services.check_sheet_open(school_class, day, services.Moment.of(school))
        except ValidationError as error:
            closed = error.messages[0]
    editable = can_keep and not closed and bool(rows)
    form = AbsenceSheetForm(request.POST or None, rows=rows)
    if request.method == "POST" and editable and form.is_valid():
        try:
            saved = services.set_absence_days(
                school_class=school_class,
                day=day,
                rows=form.day_rows(),
                reason=form.cleaned_data["change_reason"],
                actor=Actor.of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d row of the sheet saved.", "%(n)d rows of the sheet saved.", saved.written
                )
                % {"n": saved.written},
            )
            if saved.stale:
                messages.warning(
                    request,
                    _(
                        "Changed meanwhile by someone else, not saved: %(students)s. The sheet "
                        "shows what is saved now."
                    )
                    % {"students": ", ".join(s.short_name for s in saved.stale)},
                )
            return redirect(sheet_url(school_class.pk, day))
    for row in rows:
        row.fields = form.row_fields(row)
    week_days = school.week_days
    return render(
        request,
        "journal_control/absence_sheet.html",
        {
            "school_class": school_class,
            "sheet": data,
            "day": data.class_day,
            "form": form,
            "can_keep": can_keep,
            "editable": editable,
            "closed": closed,
            "today": today,
            "previous": school_day_before(day, week_days),
            "next": school_day_after(day, week_days) if day < today else None,
            "reasons": DayReason.choices,
        },
    )


@login_required
def week(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class's school week containing ``?date=`` (default today) at a glance: per student
    and day, lessons missed and the register's reason; each day opens its sheet."""
    school = current_school(request)
    school_class = class_for(request.user, school, class_id, "journal.view_absences")
    today = school_today(school)
    asked = request.GET.get("date", "")
    try:
        day = parse_day(asked) if asked else today
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    monday = day - timedelta(days=day.isoweekday() - 1)
    last = monday + timedelta(days=school.week_days - 1)
    return render(
        request,
        "journal_control/absence_week.html",
        {
            "school_class": school_class,
            "week": class_week(school_class, monday, last),
            "monday": monday,
            "last": last,
            "today": today,
            "previous": monday - timedelta(weeks=1),
            "next": monday + timedelta(weeks=1) if last < today else None,
        },
    )


__all__ = ["sheet", "sheet_url", "week"]
