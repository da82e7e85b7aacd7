"""The upload form: what to import and the file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportKind
from .parsing import MAX_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("At most 2 MB and 5000 rows; the first row holds the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, kinds: list[ImportKind], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].value

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into several files."),
                params={"mb": MAX_BYTES // (1024 * 1024)},
            )
        return upload
