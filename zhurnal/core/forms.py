"""Form helpers shared by every school page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .bounds import validate_day


class SchoolScopedForm(forms.ModelForm):
    """A model form for a school-owned model.

    Every choice of a related school-owned object is limited to the current school (a forged id
    from another school is an invalid choice), the instance gets the school before validation,
    and the database's unique and check constraints that include ``school`` are validated on the
    form, so a duplicate is a field error in the user's language and never an IntegrityError.
    A date is one of the years a journal keeps (issue 16), but those of ``unbounded_dates``.
    """

    # Dates outside school life, not bound to the years a journal keeps (``core.bounds``).
    unbounded_dates: tuple[str, ...] = ("birth_date",)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and _has_school(queryset.model):
                queryset = queryset.filter(school=school)
                # The option labels of some models need related rows ("5А" needs the grade
                # level): join them in the one query instead of one query per option.
                if related := getattr(queryset.model, "label_related", ()):
                    queryset = queryset.select_related(*related)
                field.queryset = queryset
            if isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"
                if name not in self.unbounded_dates:
                    field.validators.append(validate_day)

    def _post_clean(self) -> None:
        super()._post_clean()
        exclude = set(self._get_validation_exclusions()) - {"school"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


class SchoolDateField(forms.DateField):
    """A date of school life — a lesson, a period, a term, an order — within the years a
    journal keeps (``core.bounds``, issue 16: no overflow past 9999-12-31)."""

    default_validators = [validate_day]


def _has_school(model) -> bool:
    return any(f.name == "school" for f in model._meta.get_fields())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern of Django's file-upload documentation)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []
