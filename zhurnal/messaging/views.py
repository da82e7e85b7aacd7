"""Pages of messaging: the inbox, a conversation, a new conversation, attachments,
announcements. Thin: the rules are in ``rules.py`` / ``zhurnal.permissions``, the writes in
``services.py``, the reads in ``queries.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from zhurnal.core.access import current_school, require, school_permission
from zhurnal.core.files import stored_file_response
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.models import GradeLevel, SchoolClass

from . import access, queries, services
from .forms import AnnouncementForm, NewThreadForm, ReplyForm

PAGE_SIZE = 25


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _with_files_hint(request: HttpRequest, form):
    """A form sent with files that comes back with an error keeps its text but not its files
    (a browser never refills a file input): say so next to the files."""
    if request.method == "POST" and request.FILES and form.errors:
        form.add_error(
            "files",
            _("Attach the files again: the browser does not keep them when the form comes back."),
        )
    return form


@school_permission("messaging.use")
def inbox(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    page = Paginator(queries.inbox(request.user, school), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "messaging/inbox.html", {"page": page, "rows": page.object_list})


@school_permission("messaging.use")
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The menu's unread counter, fetched by htmx after the page has loaded: the count's query
    stays out of every page's own budget (the journal's is 12)."""
    count = queries.unread_total(request.user, current_school(request))
    if not count:
        return HttpResponse("")
    return HttpResponse(format_html('<span class="badge">{}</span>', count))


@school_permission("messaging.use")
def new(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    book = queries.address_book(request.user, school)
    if request.method == "POST":
        form = NewThreadForm(request.POST, request.FILES, address_book=book)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = services.start_thread(
                    author=request.user,
                    school=school,
                    recipients=access.recipients_for(request.user, school, data["recipients"]),
                    subject=data["subject"],
                    body=data["body"],
                    files=data["files"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The message is sent."))
                return redirect("messaging:thread", thread_id=thread.pk)
    else:
        initial = {}
        to = request.GET.get("to", "")
        if to.isdigit():
            initial["recipients"] = [int(to)]
        form = NewThreadForm(initial=initial, address_book=book)
    return render(
        request,
        "messaging/new.html",
        {"form": _with_files_hint(request, form), "address_book": book},
    )


@login_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    school = current_school(request)
    require(request.user, "messaging.use", school)
    conversation = access.thread_for(request.user, school, thread_id)
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.reply(
                    thread=conversation,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["files"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                url = reverse("messaging:thread", kwargs={"thread_id": conversation.pk})
                return redirect(f"{url}#last")
    else:
        form = ReplyForm()
        services.mark_read(thread=conversation, user=request.user)
    return render(
        request,
        "messaging/thread.html",
        {
            "thread": conversation,
            "thread_messages": conversation.messages.all(),
            "participants": [p.user for p in conversation.participants.all()],
            "form": _with_files_hint(request, form),
        },
    )


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """An attachment, for the participants of its conversation only (files are never served
    from a public address)."""
    item = access.attachment_for(request.user, current_school(request), attachment_id)
    return stored_file_response(item.file, item.name)


@login_required
def announcement_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file of an announcement, for whoever may read the announcement."""
    item = access.announcement_attachment_for(request.user, current_school(request), attachment_id)
    return stored_file_response(item.file, item.name)


@school_permission("messaging.use")
def announcements(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    page = Paginator(
        queries.announcements_for(request.user, school).prefetch_related("attachments"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/announcements.html",
        {
            "page": page,
            "rows": page.object_list,
            "may_announce": request.user.has_perm("messaging.announce", school),
        },
    )


@school_permission("messaging.announce")
def announce(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    reach = queries.reach_of(request.user, school)
    year = current_year(school, school_today(school))
    classes = SchoolClass.objects.filter(school=school, year=year).select_related("grade_level")
    if not reach.is_administration:
        classes = classes.filter(pk__in=reach.announce_class_ids)
    form_kwargs = {
        "classes": classes,
        "grade_levels": GradeLevel.objects.filter(school=school),
        "whole_school": reach.is_administration,
    }
    if request.method == "POST":
        form = AnnouncementForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            access.check_audience(request.user, school, data["scope"], data.get("school_class"))
            try:
                services.announce(
                    author=request.user,
                    school=school,
                    title=data["title"],
                    body=data["body"],
                    scope=data["scope"],
                    audience=data["audience"],
                    school_class=data.get("school_class"),
                    grade_level=data.get("grade_level"),
                    files=data["files"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The announcement is published."))
                return redirect("messaging:announcements")
    else:
        form = AnnouncementForm(**form_kwargs)
    return render(request, "messaging/announce.html", {"form": _with_files_hint(request, form)})
