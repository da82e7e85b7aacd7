"""Notification pages: the user's notifications, their choices, and — for the administrator —
the e-mails that wait or failed, with a button to send them again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.core.access import current_school, in_school, require, school_permission

from . import services
from .models import DeliveryStatus, EmailDelivery, Kind, Notification

PAGE_SIZE = 30


@school_permission("notifications.use")
def index(request: HttpRequest) -> HttpResponse:
    """The user's notifications in the current school, newest first; "mark all read"."""
    school = current_school(request)
    if request.method == "POST":
        services.mark_all_read(request.user, school)
        return redirect("notifications:index")
    page = Paginator(
        Notification.objects.filter(user=request.user, school=school), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "notifications/index.html", {"page": page})


@school_permission("notifications.use")
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The menu's counter, fetched after the page loads (out of the page's query budget)."""
    count = services.unread_count(request.user, current_school(request))
    return HttpResponse(format_html('<span class="badge">{}</span>', count) if count else "")


@school_permission("notifications.use")
def preferences(request: HttpRequest) -> HttpResponse:
    """What the user is told, in the app and by e-mail, per kind of event — the kinds their
    roles can be told of (``services.kinds_for``); the others keep their choice."""
    current = services.preferences(request.user)
    kinds = services.kinds_for(request.user)
    if request.method == "POST":
        chosen = {
            kind: services.Choice(
                in_app=f"{kind}-app" in request.POST, email=f"{kind}-email" in request.POST
            )
            for kind in kinds
        }
        services.set_preferences(request.user, chosen)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    labels = dict(Kind.choices)
    rows = [{"kind": kind, "label": labels[kind], "choice": current[kind]} for kind in kinds]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "has_email": bool(request.user.email)},
    )


@school_permission("notifications.view_deliveries")
def deliveries(request: HttpRequest) -> HttpResponse:
    """E-mails of the school that wait for a retry or failed, with their last error."""
    school = current_school(request)
    status = request.GET.get("status") or "problems"
    queryset = EmailDelivery.objects.filter(school=school).defer("attachment", "body")
    if status == "problems":  # retried or given up: what the administrator should look at
        queryset = queryset.exclude(status=DeliveryStatus.SENT).filter(
            Q(attempts__gt=0) | Q(status=DeliveryStatus.FAILED)
        )
    elif status in DeliveryStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/deliveries.html",
        {"page": page, "status": status, "statuses": DeliveryStatus.choices},
    )


@login_required
@require_POST
def resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    school = current_school(request)
    require(request.user, "notifications.view_deliveries", school)
    delivery = in_school(school, EmailDelivery, pk=delivery_id)
    if services.resend(delivery):
        messages.success(request, _("The e-mail is queued again."))
    return redirect("notifications:deliveries")
