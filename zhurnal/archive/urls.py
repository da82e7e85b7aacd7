"""The printed journals and the archive, mounted at /archive/ (issue 13)."""

from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<int:class_id>/journal/", views.journal, name="journal"),
    path("printed/<int:print_id>/", views.printed, name="printed"),
    path("classes/<int:class_id>/summary.pdf", views.summary, name="summary"),
    path("classes/<int:class_id>/report-cards.pdf", views.report_cards, name="report_cards"),
    path("term-copies/<int:copy_id>/", views.term_copy, name="term_copy"),
    path("packages/build/", views.build, name="build"),
    path("packages/<int:package_id>/", views.package, name="package"),
]
