"""Generic list / create / edit / delete pages for the school's reference data.

Each kind of record (academic years, terms, classes, subjects…) is declared once as a
``CrudSpec`` (``school/specs.py``): its model, form fields, list columns, the rule that lets a
user see it and the rule that lets a user change it. The views below do the rest, always scoped
to the current school, through the named rules (``core.access``), writing through
``school.services.save_record`` / ``delete_record``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, object_for, require
from zhurnal.core.forms import SchoolScopedForm

from .. import services
from ..calendar import current_year, school_today


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[models.Model], object]


@dataclass(frozen=True)
class CrudSpec:
    slug: str
    model: type[models.Model]
    fields: tuple[str, ...]
    columns: tuple[Column, ...]
    view_perm: str = "school.view_structure"
    manage_perm: str = "school.manage_structure"
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    widgets: dict = field(default_factory=dict)
    form_base: type[SchoolScopedForm] = SchoolScopedForm
    # A page of its own for one record: the first column links to it for the users whose
    # ``detail_perm`` reaches that record (checked per row, so nobody is sent to a 403).
    detail_url: str | None = None
    detail_perm: str | None = None

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def item_title(self) -> str:
        return str(self.model._meta.verbose_name)

    def queryset(self, school) -> QuerySet:
        qs = self.model.objects.filter(school=school)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def form_class(self) -> type[forms.ModelForm]:
        return forms.modelform_factory(
            self.model, form=self.form_base, fields=self.fields, widgets=self.widgets
        )

    def url_name(self, action: str) -> str:
        return f"school:{self.slug}_{action}"


def list_view(spec: CrudSpec):
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        school = current_school(request)
        require(request.user, spec.view_perm, school)
        page = Paginator(spec.queryset(school), 50).get_page(request.GET.get("page"))
        rows = [
            (obj, [c.value(obj) for c in spec.columns], _detail_link(request, spec, obj))
            for obj in page.object_list
        ]
        return render(
            request,
            "core/crud_list.html",
            {
                "spec": spec,
                "page": page,
                "rows": rows,
                "can_manage": request.user.has_perm(spec.manage_perm, school),
            },
        )

    view.required_permission = spec.view_perm
    return view


def _detail_link(request: HttpRequest, spec: CrudSpec, obj: models.Model) -> str | None:
    if spec.detail_url and request.user.has_perm(spec.detail_perm, obj):
        return reverse(spec.detail_url, args=[obj.pk])
    return None


def edit_view(spec: CrudSpec, *, create: bool):
    @login_required
    def view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
        school = current_school(request)
        require(request.user, spec.manage_perm, school)
        instance = None if create else _record(request, spec, school, pk)
        form_class = spec.form_class()
        initial = {}
        if create and "year" in spec.fields:
            initial["year"] = current_year(school, school_today(school))
        form = form_class(request.POST or None, instance=instance, school=school, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                obj = services.save_record(
                    obj=form.instance,
                    data={name: form.cleaned_data[name] for name in spec.fields},
                    actor=Actor.of(request),
                )
            except ValidationError as error:  # a closed year's record
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
                return redirect(spec.url_name("list"))
        return render(
            request,
            "core/crud_form.html",
            {"spec": spec, "form": form, "object": instance, "create": create},
        )

    view.required_permission = spec.manage_perm
    return view


def _record(request: HttpRequest, spec: CrudSpec, school, pk: int) -> models.Model:
    """The record being changed: of the school (else 404); ``manage_perm`` was checked on the
    school, the rule of every reference record."""
    return object_for(request.user, school, spec.queryset(school), None, pk=pk)


def delete_view(spec: CrudSpec):
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        school = current_school(request)
        require(request.user, spec.manage_perm, school)
        obj = _record(request, spec, school, pk)
        if request.method == "POST":
            try:
                services.delete_record(obj=obj, fields=spec.fields, actor=Actor.of(request))
            except ProtectedError:
                messages.error(
                    request,
                    _("%(obj)s cannot be deleted: other records refer to it.") % {"obj": obj},
                )
                return redirect(spec.url_name("list"))
            except ValidationError as error:  # a closed year's record
                messages.error(request, " ".join(error.messages))
                return redirect(spec.url_name("list"))
            messages.success(request, _("Deleted: %(obj)s") % {"obj": obj})
            return redirect(spec.url_name("list"))
        return render(request, "core/crud_delete.html", {"spec": spec, "object": obj})

    view.required_permission = spec.manage_perm
    return view


def urls_for(spec: CrudSpec) -> list:
    base = f"school/{spec.slug}/"
    return [
        path(base, list_view(spec), name=f"{spec.slug}_list"),
        path(f"{base}new/", edit_view(spec, create=True), name=f"{spec.slug}_create"),
        path(f"{base}<int:pk>/", edit_view(spec, create=False), name=f"{spec.slug}_edit"),
        path(f"{base}<int:pk>/delete/", delete_view(spec), name=f"{spec.slug}_delete"),
    ]


def reverse_spec(spec: CrudSpec, action: str, **kwargs) -> str:
    return reverse(spec.url_name(action), kwargs=kwargs or None)
