from django.urls import re_path

from .api import api, not_found

app_name = "api"
# Any other address, a line break in it too (issue 16: "^.*$" let ".../me%0A" through to the
# HTML page): a prefix, no end.
urlpatterns = [*api.urls[0], re_path(r"^", not_found, name="not_found")]
