"""Import pages: choose and upload a file, preview every row, commit all or nothing.

Thin: parsing and checks live in ``parsing`` and ``services`` (DESIGN §5 layers), who may
import what in ``access``. A batch is reachable only by the user who uploaded it, in its school
(another school's or another user's batch is a 404), and only while they may import that kind
(403).

A thematic plan is imported into one plan, from its page:
``{% url 'imports:upload' %}?kind=plan&plan=<id>`` — the plan must be of the current school
(otherwise 404) and the user must be allowed to edit it (otherwise 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.planning.models import ThematicPlan

from . import services
from .access import allowed_kinds, batch_for, may_import, require_import, target_plan_for
from .columns import COLUMNS
from .forms import UploadForm
from .models import BatchStatus, ImportBatch, ImportKind
from .parsing import FileError

# Where a committed import is seen: (url name, permission on the school). The timetable's
# page is looked up by the names its app may give it; none yet: the result page stays.
LIST_PAGES = {
    ImportKind.STUDENTS: ("school:students", "school.view_register"),
    ImportKind.STAFF: ("school:staff", "school.view_staff"),
}
TIMETABLE_PAGES = ("timetable:grid", "timetable:index", "timetable:week")


def _list_url(user, batch: ImportBatch) -> str | None:
    """The page showing what a batch imported, if the user may open it."""
    if batch.kind == ImportKind.PLAN:
        if batch.plan_id is None:
            return None
        try:
            return reverse("planning:detail", kwargs={"plan_id": batch.plan_id})
        except NoReverseMatch:
            return None
    if batch.kind == ImportKind.TIMETABLE:
        if not user.has_perm("timetable.view", batch.school):
            return None
        for name in TIMETABLE_PAGES:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return None
    list_page, list_perm = LIST_PAGES[ImportKind(batch.kind)]
    return reverse(list_page) if user.has_perm(list_perm, batch.school) else None


def _kinds(request: HttpRequest) -> list[ImportKind]:
    kinds = allowed_kinds(request.user, current_school(request))
    if not kinds:
        raise PermissionDenied
    return kinds


def _target_plan(request: HttpRequest) -> ThematicPlan:
    """The plan of ``?plan=<id>``: of the current school (404) and editable by the user (403)."""
    school = current_school(request)
    plan_id = request.GET.get("plan", "")
    if not plan_id.isdigit():
        raise Http404
    return target_plan_for(request.user, school, int(plan_id))


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    return batch_for(request.user, current_school(request), batch_id)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The kinds of lists the user may import, their columns and templates."""
    kinds = _kinds(request)
    school = current_school(request)
    plan_columns = None
    if may_import(request.user, school, ImportKind.PLAN):
        plan_columns = COLUMNS[ImportKind.PLAN]
    try:
        plans_url = reverse("planning:list")
    except NoReverseMatch:
        plans_url = None
    return render(
        request,
        "imports/index.html",
        {
            "kinds": [(kind, COLUMNS[kind]) for kind in kinds],
            "plan_columns": plan_columns,
            "plans_url": plans_url,
        },
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Choose the kind and the file; ``?kind=plan&plan=<id>`` imports into that plan."""
    target_plan = None
    if request.GET.get("kind") == ImportKind.PLAN:
        target_plan = _target_plan(request)
        kinds = [ImportKind.PLAN]
    else:
        kinds = _kinds(request)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in kinds else {}
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            batch = services.create_batch(
                school=request.school,
                kind=form.cleaned_data["kind"],
                actor=Actor.of(request),
                file_name=upload_file.name,
                data=upload_file.read(),
                plan=target_plan,
            )
        except FileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("imports:batch", batch_id=batch.pk)
    chosen = initial.get("kind") or (kinds[0] if len(kinds) == 1 else None)
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "target_plan": target_plan,
            "chosen": ImportKind(chosen) if chosen else None,
            "columns": COLUMNS[chosen] if chosen else None,
        },
    )


@login_required
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The template to fill in: Russian headers and one example row (XLSX or CSV)."""
    if kind not in ImportKind.values or fmt not in ("xlsx", "csv"):
        raise Http404
    require_import(request.user, current_school(request), kind)  # plan: its template
    if fmt == "xlsx":
        content = services.template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = services.template_csv(kind)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="zhurnal-{kind}-template.{fmt}"'
    return response


@login_required
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The preview of a draft (every row, its status and errors) or the result of a commit."""
    batch = _batch(request, batch_id)
    plan = services.plan_batch(batch) if batch.status == BatchStatus.DRAFT else None
    again = reverse("imports:upload") + f"?kind={batch.kind}"
    if batch.kind == ImportKind.PLAN:
        again += f"&plan={batch.plan_id}"
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "plan": plan,
            "is_students": batch.kind == ImportKind.STUDENTS,
            "is_person": batch.kind in (ImportKind.STUDENTS, ImportKind.STAFF),
            "list_url": _list_url(request.user, batch),
            "upload_again_url": again,
        },
    )


@require_POST
@login_required
def commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    result = services.commit_batch(batch=batch, actor=Actor.of(request))
    if result.outcome == services.CommitOutcome.COMMITTED:
        messages.success(
            request,
            _("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.")
            % result.counts,
        )
        if result.counts.get("removed") or result.counts.get("kept"):
            messages.info(
                request,
                _(
                    "Items not in the file: %(removed)d removed, %(kept)d kept because lessons "
                    "are linked to them."
                )
                % result.counts,
            )
        list_url = _list_url(request.user, batch)
        if list_url:
            return redirect(list_url)
    elif result.outcome == services.CommitOutcome.ALREADY_DONE:
        messages.info(
            request, _("This file has already been processed; nothing was imported again.")
        )
    else:  # errors found again (services._refusal says which) or a write refused
        messages.error(request, result.message)
    return redirect("imports:batch", batch_id=batch.pk)
