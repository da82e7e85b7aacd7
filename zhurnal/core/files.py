"""Serving a stored file (homework and message attachments) to a user the rules let see it.

Files are never published from a public address (MEDIA_ROOT is not served): every download
goes through a view or an API endpoint that checked the rule first, then answers with this."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def stored_file_response(stored: FieldFile, name: str) -> FileResponse:
    """The file as a download under its original ``name``; 404 if it is gone from storage."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=name)
