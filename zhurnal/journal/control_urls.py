from django.urls import path  # noqa: F401  (filled by the control and settings pages)

app_name = "journal_control"
urlpatterns: list = []
