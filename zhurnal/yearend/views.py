"""The pages of the year end (issue 13; seed 002 §6.2.3, regulation 3.1), in its order: the
checklist of a year (the school's, by class, and a class's with every gap linked to the page
where it is fixed) → closing the year → the next year → each class's promotion, previewed and
then made all at once.

Every page reaches its objects through the access entry points (``yearend.access``,
``core.access``); the writes are ``yearend.services``'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, school_permission
from zhurnal.school.calendar import school_today
from zhurnal.school.services import Order

from . import queries, services
from .access import year_class_for, year_for
from .forms import CloseForm, PromotionForm, ReopenForm


def _chosen_year(request: HttpRequest, school, perm: str, raw: str | None):
    """The year asked for (``?year=`` or the form's), else the one whose end is prepared."""
    if raw and raw.isdigit():
        return year_for(request.user, school, int(raw), perm)
    year = queries.default_year(school, school_today(school))
    if year is None:
        raise Http404(_("The school has no academic year yet."))
    return year


def _index_url(year) -> str:
    return f"{reverse('yearend:index')}?year={year.pk}"


@school_permission("yearend.view_checklist")
def index(request: HttpRequest) -> HttpResponse:
    """The year's checklist by class, its closing (when and by whom), the next year and the
    promotion of each class. The checklist's 13 queries and a few for the page."""
    school = current_school(request)
    year = _chosen_year(request, school, "yearend.view_checklist", request.GET.get("year"))
    today = school_today(school)
    found = queries.checklist(school, year, today)
    can_close = request.user.has_perm("yearend.close_year", school)
    can_promote = request.user.has_perm("yearend.promote", school)
    return render(
        request,
        "yearend/index.html",
        {
            "year": year,
            "state": queries.year_state(year),
            "years": queries.years_of(school),
            "checklist": found,
            "kinds": queries.GapKind.choices,
            "can_close": can_close,
            "can_promote": can_promote,
            "close_form": CloseForm(),
            "reopen_form": ReopenForm(),
            "next_year": queries.next_year_preview(year) if can_promote else None,
        },
    )


@login_required
def class_checklist(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's gaps, course by course, each linked to the page where it is fixed."""
    school = current_school(request)
    school_class = year_class_for(request.user, school, class_id, "yearend.view_checklist")
    found = queries.checklist(
        school, school_class.year, school_today(school), school_class=school_class
    )
    return render(
        request,
        "yearend/class_checklist.html",
        {"school_class": school_class, "year": school_class.year, "checklist": found},
    )


@require_POST
@school_permission("yearend.close_year")
def close(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    year = _chosen_year(request, school, "yearend.close_year", request.POST.get("year"))
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.close_year(
            year=year,
            today=school_today(school),
            accept_gaps=form.cleaned_data.get("accept_gaps", False),
            actor=Actor.of(request),
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("The year %(title)s is closed: its journals are read-only.") % {"title": year.title},
        )
    return redirect(_index_url(year))


@require_POST
@school_permission("yearend.close_year")
def reopen(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    year = _chosen_year(request, school, "yearend.close_year", request.POST.get("year"))
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the reason to open the year again."))
        services.reopen_year(year=year, reason=form.cleaned_data["reason"], actor=Actor.of(request))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The year %(title)s is open again.") % {"title": year.title})
    return redirect(_index_url(year))


@school_permission("yearend.promote")
def next_year(request: HttpRequest) -> HttpResponse:
    """What the next year will be made of (GET), and making it (POST)."""
    school = current_school(request)
    raw = request.POST.get("year") or request.GET.get("year")
    year = _chosen_year(request, school, "yearend.promote", raw)
    if request.method == "POST":
        try:
            new = services.create_next_year(year=year, actor=Actor.of(request))
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(
                request,
                _(
                    "The year %(title)s is created: check its terms and holidays, then promote "
                    "the classes."
                )
                % {"title": new.title},
            )
            return redirect(_index_url(year))
    return render(
        request,
        "yearend/next_year.html",
        {"year": year, "preview": queries.next_year_preview(year)},
    )


@login_required
def promote(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's promotion: each student's decision and the class's order, a preview (also
    before the next year is created: the graduates' missing final marks are seen early), then
    the whole class at once (POST ``confirm``, once the next year exists)."""
    school = current_school(request)
    school_class = year_class_for(request.user, school, class_id, "yearend.promote")
    year = school_class.year
    new_year = queries.next_year_of(year)
    students = [s for s, e in queries.class_students(school_class) if e.end is None]
    grade = school_class.grade_level.number
    form = PromotionForm(request.POST or None, students=students, grade=grade)
    decisions: dict[int, tuple[str, str]] = {}
    if request.method == "POST" and form.is_valid():
        decisions = form.decisions()
        if "confirm" in request.POST and new_year is not None:
            try:
                services.promote_class(
                    school_class=school_class,
                    new_year=new_year,
                    decisions=decisions,
                    order=Order(form.cleaned_data["order_number"], form.cleaned_data["order_date"]),
                    actor=Actor.of(request),
                )
            except ValidationError as error:
                for text in error.messages:
                    form.add_error(None, text)
            else:
                messages.success(
                    request, _("Class %(name)s is promoted.") % {"name": school_class.name}
                )
                return redirect("yearend:promote", class_id=school_class.pk)
    plan = None
    if request.method == "GET" or form.is_valid():
        plan = queries.promotion_plan(
            school_class=school_class, new_year=new_year, decisions=decisions
        )
    return render(
        request,
        "yearend/promote.html",
        {
            "school_class": school_class,
            "year": year,
            "new_year": new_year,
            "next_title": queries.next_title(year),
            "form": form,
            "plan": plan,
        },
    )
