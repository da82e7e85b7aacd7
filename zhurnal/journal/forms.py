"""Forms of the lesson page: a new mark column, the homework, a note to a student. The rules
(deadlines, limits, audit) are the services'; the forms only parse what the browser sends."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import MultipleFileField, SchoolDateField
from zhurnal.planning.models import PlanItem

from .models import Homework, NoteKind, WorkType

# Attachments of a homework (seed 002: "homework with attachments"); larger files belong on
# the school's file share, linked.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_EXTENSIONS = (
    "pdf",
    "doc",
    "docx",
    "odt",
    "rtf",
    "txt",
    "xls",
    "xlsx",
    "ods",
    "ppt",
    "pptx",
    "odp",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "mp3",
    "zip",
)


class ColumnForm(forms.Form):
    work_type = forms.ModelChoiceField(queryset=WorkType.objects.none(), label=_("work type"))
    weight = forms.DecimalField(
        label=_("weight"),
        required=False,
        min_value=0,
        max_value=10,
        decimal_places=2,
        help_text=_("Empty: the work type's weight."),
    )
    title = forms.CharField(label=_("title"), required=False, max_length=100)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_type"].queryset = WorkType.objects.filter(
            school=school, is_active=True
        ).order_by("position", "pk")


class HomeworkForm(forms.Form):
    text = forms.CharField(
        label=_("text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    links = forms.CharField(
        label=_("links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One web address per line."),
    )
    minutes = forms.IntegerField(
        label=_("estimated minutes"), required=False, min_value=1, max_value=240
    )
    files = MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=_("Up to 5 MB each: documents, tables, presentations, pictures."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, homework: Homework | None = None, **kwargs):
        # Its own element ids: the lesson's page and pane show it beside the note form, whose
        # «text» would otherwise have the same id (a label would point at both).
        kwargs.setdefault("auto_id", "homework_%s")
        if homework is not None:
            kwargs.setdefault(
                "initial",
                {
                    "text": homework.text,
                    "links": "\n".join(homework.links),
                    "minutes": homework.minutes,
                    "version": homework.version,
                },
            )
        else:
            kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, **kwargs)

    def clean_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        for upload in uploads:
            extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            if extension not in ATTACHMENT_EXTENSIONS:
                raise forms.ValidationError(
                    _("«%(name)s»: this kind of file cannot be attached."),
                    params={"name": upload.name},
                )
            if upload.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    _("«%(name)s» is larger than 5 MB."), params={"name": upload.name}
                )
        return uploads


class NoteForm(forms.Form):
    student = forms.TypedChoiceField(label=_("student"), coerce=int)
    kind = forms.ChoiceField(label=_("kind"), choices=NoteKind.choices)
    text = forms.CharField(
        label=_("text"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, students, **kwargs):
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)
        self.students = {s.pk: s for s in students}
        self.fields["student"].choices = [(s.pk, s.short_name) for s in students]

    def clean_student(self):
        return self.students[self.cleaned_data["student"]]


# --- the lesson's topic (the plan item it covers), and filling topics from the plan -----------

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PlanItem) -> str:
        hours = _("%(n)s h") % {"n": obj.hours}
        return f"{obj.position}. {obj.topic} ({hours})"


class LessonRecordForm(forms.Form):
    plan_item = ItemChoiceField(
        label=_("plan item"),
        queryset=PlanItem.objects.none(),
        required=False,
        empty_label=_("— not from the plan —"),
    )
    topic = forms.CharField(
        label=_("topic"),
        max_length=500,
        required=False,
        help_text=_("Leave empty to take the topic of the plan item."),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_item"].queryset = items

    def clean(self):
        data = super().clean()
        empty = not data.get("plan_item") and not (data.get("topic") or "").strip()
        if empty and not self.errors:
            raise forms.ValidationError(_("Choose a plan item or type the topic of the lesson."))
        return data


class FillForm(forms.Form):
    start = SchoolDateField(label=_("from"), widget=DATE)
    count = forms.IntegerField(label=_("lessons"), min_value=1, max_value=100, initial=5)
