"""The role home page: one page per person, a section for each role they hold in the current
school (DESIGN §1). It composes several apps (the diary's reminders, the timetable's week, the
school's classes), so it sits above them all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .sections import home_sections


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A section for each role the user holds in the current school."""
    return render(request, "home/index.html", {"sections": home_sections(request)})
