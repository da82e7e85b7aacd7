from django.urls import path  # noqa: F401  (filled by the pages of this app)

app_name = "journal"
urlpatterns: list = []
