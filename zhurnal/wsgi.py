"""WSGI entry point used by gunicorn (``make run``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhurnal.settings")

application = get_wsgi_application()

from zhurnal.ops.runtime import freeze_startup_objects  # noqa: E402 -- needs Django set up

freeze_startup_objects()
