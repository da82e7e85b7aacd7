"""The administrator's backups page (issue 13 item 5): the last backup, its size, each
destination's state, a warning when one is overdue or failed; «Back up now» queues one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, require, school_permission

from . import queries, services
from .models import Trigger


@school_permission("backups.view")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "backups/index.html", {"state": queries.overview()})


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    require(request.user, "backups.run", current_school(request))
    run = services.queue_backup(actor=Actor.of(request), trigger=Trigger.MANUAL)
    if run is None:
        messages.info(request, _("A backup is already queued or running."))
    else:
        messages.success(request, _("The backup is queued; it runs in the background."))
    return redirect("backups:index")
