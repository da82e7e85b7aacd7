"""What every page that manages a calendar (.ics) address shares — the timetable's (a teacher's,
a class's) and the diary's (a student's): the address shown, and the action of a form that
makes a new one or stops it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor

from . import ical
from .models import CalendarFeed

ACTIONS = ("create", "revoke")


def feed_address(request: HttpRequest, feed: CalendarFeed | None) -> dict | None:
    if feed is None:
        return None
    url = request.build_absolute_uri(reverse("feeds:ics", kwargs={"token": feed.token}))
    return {
        "feed": feed,
        "url": url,
        "webcal": "webcal://" + url.split("://", 1)[1],
    }


def apply_feed_action(request: HttpRequest, school, **target) -> None:
    """POST action=create (a new address; the old one stops working) or action=revoke;
    ``target`` is ``staff=``, ``school_class=`` or ``student=``."""
    action = request.POST.get("action")
    if action not in ACTIONS:
        raise PermissionDenied
    if action == "create":
        ical.create_feed(school=school, actor=Actor.of(request), **target)
        messages.success(
            request, _("A new calendar address is ready. Any earlier address no longer works.")
        )
    elif action == "revoke":
        for feed in ical.active_feeds(school, **target):
            ical.revoke_feed(feed=feed, actor=Actor.of(request))
        messages.success(request, _("The calendar address no longer works."))
