"""Forms of the messaging pages. The rules (who may write to whom, attachment limits) are the
services'; the forms offer only the address book's contacts and parse what the browser sends."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from zhurnal.core.forms import MultipleFileField

from .models import Audience, Scope
from .services import ATTACHMENT_EXTENSIONS, MAX_FILE_MB, MAX_FILES, MAX_SUBJECT


def _files_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=ngettext_lazy(
            "Up to %(n)d file of up to %(mb)d MB: %(types)s.",
            "Up to %(n)d files of up to %(mb)d MB: %(types)s.",
            MAX_FILES,
        )
        % {"n": MAX_FILES, "mb": MAX_FILE_MB, "types": ", ".join(ATTACHMENT_EXTENSIONS)},
    )


class NewThreadForm(forms.Form):
    recipients = forms.TypedMultipleChoiceField(
        label=pgettext_lazy("a message's recipients", "to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    subject = forms.CharField(
        label=pgettext_lazy("a message's subject line", "subject"), max_length=MAX_SUBJECT
    )
    body = forms.CharField(label=_("message"), widget=forms.Textarea(attrs={"rows": 6}))
    files = _files_field()

    def __init__(self, *args, address_book=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [
            (
                group.title,
                [
                    (c.user_id, f"{c.name} — {c.detail}" if c.detail else c.name)
                    for c in group.contacts
                ],
            )
            for group in address_book
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("reply"), widget=forms.Textarea(attrs={"rows": 4}))
    files = _files_field()


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=MAX_SUBJECT)
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 6}))
    scope = forms.ChoiceField(
        label=pgettext_lazy("a message's recipients", "to"), choices=Scope.choices
    )
    school_class = forms.ModelChoiceField(label=_("class"), queryset=None, required=False)
    grade_level = forms.ModelChoiceField(label=_("parallel"), queryset=None, required=False)
    audience = forms.ChoiceField(label=_("for"), choices=Audience.choices, initial=Audience.BOTH)
    files = _files_field()

    def __init__(self, *args, classes, grade_levels, whole_school: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["grade_level"].queryset = grade_levels
        if not whole_school:
            self.fields["scope"].choices = [(Scope.CLASS, Scope.CLASS.label)]
            del self.fields["grade_level"]
