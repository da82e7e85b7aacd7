"""Calendar feed pages: a teacher's own .ics address, a class's address (class teacher, deputy,
administrator), a student's address of their lessons and homework (their family, issue 5), and
the feed itself, read by calendar apps without logging in (issue 3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhurnal.accounts.access import get_in_school, require, school_permission
from zhurnal.accounts.context import context
from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import school_today
from zhurnal.school.models import SchoolClass, Staff

from . import ical
from .models import CalendarFeed

ACTIONS = ("create", "revoke")


def _address(request: HttpRequest, feed: CalendarFeed | None) -> dict | None:
    if feed is None:
        return None
    url = request.build_absolute_uri(reverse("feeds:ics", kwargs={"token": feed.token}))
    return {
        "feed": feed,
        "url": url,
        "webcal": "webcal://" + url.split("://", 1)[1],
    }


def _apply(request: HttpRequest, school, **target) -> None:
    """POST action=create (a new address; the old one stops working) or action=revoke;
    ``target`` is ``staff=``, ``school_class=`` or ``student=``."""
    action = request.POST.get("action")
    if action == "create":
        ical.create_feed(school=school, actor=Actor.of(request), **target)
        messages.success(
            request, _("A new calendar address is ready. Any earlier address no longer works.")
        )
    elif action == "revoke":
        for feed in ical.active_feeds(school, **target):
            ical.revoke_feed(feed=feed, actor=Actor.of(request))
        messages.success(request, _("The calendar address no longer works."))


@school_permission("timetable.view")
def index(request: HttpRequest) -> HttpResponse:
    """The user's own timetable feed, and the classes whose feed they may manage."""
    school = request.school
    ctx = context(request.user, school.pk)
    staff = Staff.objects.filter(pk=ctx.staff_id).first() if ctx.staff_id else None
    if request.method == "POST":
        if staff is None or request.POST.get("action") not in ACTIONS:
            raise PermissionDenied
        _apply(request, school, staff=staff)
        return redirect("feeds:index")
    own = ical.active_feeds(school, staff=staff).first() if staff else None
    today = school_today(school)
    classes = [
        c
        for c in SchoolClass.objects.filter(
            school=school, year__start__lte=today, year__end__gte=today
        ).select_related("grade_level")
        if request.user.has_perm("timetable.manage_class_feed", c)
    ]
    with_feed = set(
        ical.active_feeds(school, school_class__in=classes).values_list(
            "school_class_id", flat=True
        )
    )
    start, end = ical.window(school, today)
    return render(
        request,
        "timetable/feeds_index.html",
        {
            "staff": staff,
            "own": _address(request, own),
            "classes": [(c, c.pk in with_feed) for c in classes],
            "window_start": start,
            "window_end": end,
        },
    )


@login_required
def class_feed(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's timetable feed: for the class teacher, the deputy and the administrator."""
    school_class = get_in_school(
        request,
        SchoolClass.objects.select_related("grade_level", "year"),
        "timetable.manage_class_feed",
        pk=class_id,
    )
    school = school_class.school
    if request.method == "POST":
        require(request, "timetable.manage_class_feed", school_class)
        if request.POST.get("action") not in ACTIONS:
            raise PermissionDenied
        _apply(request, school, school_class=school_class)
        return redirect("feeds:class", class_id=school_class.pk)
    feed = ical.active_feeds(school, school_class=school_class).first()
    start, end = ical.window(school)
    return render(
        request,
        "timetable/feeds_class.html",
        {
            "school_class": school_class,
            "address": _address(request, feed),
            "window_start": start,
            "window_end": end,
        },
    )


@login_required
def student_feed(request: HttpRequest, student_id: int) -> HttpResponse:
    """A student's feed of lessons and homework (``diary:calendar``): the student's guardians
    and the student from the school's age (``diary.manage_feed``). Another family's child is
    not found (404), as in the diary; staff who read the diary get a 403: the address is the
    family's."""
    from zhurnal.diary.views import _children, diary_student

    student = diary_student(request, student_id)
    require(request, "diary.manage_feed", student)
    school = request.school
    if request.method == "POST":
        if request.POST.get("action") not in ACTIONS:
            raise PermissionDenied
        _apply(request, school, student=student)
        return redirect("diary:calendar", student_id=student.pk)
    feed = ical.active_feeds(school, student=student).first()
    start, end = ical.window(school)
    return render(
        request,
        "timetable/feeds_student.html",
        {
            "student": student,
            "tab": "calendar",
            "children": _children(request, student),
            "address": _address(request, feed),
            "window_start": start,
            "window_end": end,
        },
    )


@require_GET
def ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed: no login (calendar apps cannot log in), only a valid, unrevoked token."""
    feed = ical.feed_by_token(token)
    if feed is None:
        raise Http404
    response = HttpResponse(ical.render_feed(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="timetable.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
