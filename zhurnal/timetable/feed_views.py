"""Calendar feed pages: a teacher's own .ics address, a class's address (class teacher, deputy,
administrator), and the feed itself, read by calendar apps without logging in (issue 3). A
student's address of their lessons and homework is the diary's page (``diary:calendar``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from zhurnal.accounts.access import own_staff
from zhurnal.core.access import current_school, school_permission
from zhurnal.school.access import class_for
from zhurnal.school.calendar import school_today
from zhurnal.school.queries import current_classes

from . import ical
from .feed_pages import apply_feed_action, feed_address


@school_permission("timetable.view")
def index(request: HttpRequest) -> HttpResponse:
    """The user's own timetable feed, and the classes whose feed they may manage."""
    school = request.school
    staff = own_staff(request.user, school)
    if request.method == "POST":
        if staff is None:
            raise PermissionDenied
        apply_feed_action(request, school, staff=staff)
        return redirect("feeds:index")
    own = ical.active_feeds(school, staff=staff).first() if staff else None
    today = school_today(school)
    classes = [
        c
        for c in current_classes(school, today)
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
            "own": feed_address(request, own),
            "classes": [(c, c.pk in with_feed) for c in classes],
            "window_start": start,
            "window_end": end,
        },
    )


@login_required
def class_feed(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's timetable feed: for the class teacher, the deputy and the administrator."""
    school = current_school(request)
    school_class = class_for(request.user, school, class_id, "timetable.manage_class_feed")
    if request.method == "POST":
        apply_feed_action(request, school, school_class=school_class)
        return redirect("feeds:class", class_id=school_class.pk)
    feed = ical.active_feeds(school, school_class=school_class).first()
    start, end = ical.window(school)
    return render(
        request,
        "timetable/feeds_class.html",
        {
            "school_class": school_class,
            "address": feed_address(request, feed),
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
