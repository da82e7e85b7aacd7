"""The audit trail page: who did what, when, from where (DESIGN §3, 152-FZ logging)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhurnal.core.access import school_permission

from .describe import Lookups, describe
from .models import AuditAction, AuditEvent


@school_permission("audit.view_trail")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The school's events, newest first, filtered by kind of action and by person."""
    events = AuditEvent.objects.filter(school=request.school).select_related("actor", "student")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    who = request.GET.get("q", "").strip()
    if who:
        events = events.filter(actor__username__iexact=who) | events.filter(
            student__last_name__iexact=who
        )
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    # Each event told in words (issue 15): ``describe`` per kind of action.
    lookups = Lookups()
    rows = [(event, describe(event, lookups)) for event in page.object_list]
    return render(
        request,
        "audit/trail.html",
        {
            "page": page,
            "rows": rows,
            "actions": AuditAction.choices,
            "action": action,
            "query": who,
        },
    )
