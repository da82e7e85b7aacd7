"""What the journal's pages share: reading a number from a request, going back to the page a
form was on, the outcome of a lesson's form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (the grid or the lesson), never to another site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = default
    return redirect(target or default)


def as_dict(work_type) -> dict | None:
    """A work type as the grid's script and the lesson page read it."""
    if work_type is None:
        return None
    return {"code": work_type.code, "name": work_type.name, "weight": work_type.weight}
