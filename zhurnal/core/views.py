"""The health check and the user guides."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import guides


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
@require_GET
def help_page(request: HttpRequest, name: str = guides.INDEX) -> HttpResponse:
    """A user guide: for every signed-in user, whatever their roles (the guides tell nothing
    of a school's data). Each page's help link opens its section (``guides.SECTIONS``)."""
    guide = guides.guide(name)
    if guide is None:
        raise Http404
    contents = [
        (g.name, g.title, guides.guide_url(g.name))
        for g in map(guides.guide, guides.guide_names())
        if g is not None
    ]
    return render(
        request,
        "core/help.html",
        # Rendered from Markdown with raw HTML off, then cleaned by nh3 (guides.py).
        {"guide": guide, "body": mark_safe(guide.html), "contents": contents},  # noqa: S308
    )
