from django.urls import re_path

from .api import api, not_found

app_name = "api"
urlpatterns = [*api.urls[0], re_path(r"^.*$", not_found, name="not_found")]
